"""``flask --app app check``: is this installation configured to run? Each check says what is wrong."""

import math
import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text

from portal.core.extensions import db

MIN_SECRET_KEY_LENGTH = 32
MIN_SECRET_KEY_BITS = 90  # 32 random hex characters estimate at about 110, 64 at about 230


def estimated_entropy_bits(key: str) -> float:
    """A rough estimate of a key's entropy: its length times the Shannon entropy of its characters.

    ``secrets.token_hex(32)`` scores about 250 bits; 32 × ``a`` scores 0; a sentence scores what its letter
    frequencies allow. It cannot see a structure (a date, a word list), only a poor choice of characters.
    """
    if not key:
        return 0.0
    counts = Counter(key)
    per_character = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    return abs(per_character * len(key))


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    message: str
    warning: bool = False  # works, but not as production should


def _secret_key() -> Check:
    key = current_app.config.get("SECRET_KEY") or ""
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return Check("密钥", False, f"SECRET_KEY 太短（{len(key)} 位），至少 {MIN_SECRET_KEY_LENGTH} 位随机字符。")
    bits = estimated_entropy_bits(key)
    if bits < MIN_SECRET_KEY_BITS:
        return Check(
            "密钥",
            False,
            f"SECRET_KEY 不够随机（估计约 {bits:.0f} 位熵，至少 {MIN_SECRET_KEY_BITS} 位）："
            'python -c "import secrets; print(secrets.token_hex(32))" 可生成一个。',
        )
    if not os.environ.get("SECRET_KEY"):
        return Check(
            "密钥",
            True,
            "使用 instance/secret_key 中自动生成的密钥；多台应用服务器须设置相同的 SECRET_KEY。",
            warning=True,
        )
    return Check("密钥", True, "SECRET_KEY 已设置。")


def _database() -> list[Check]:
    url = db.engine.url.render_as_string(hide_password=True)
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = MigrationContext.configure(connection).get_current_revision()
    except Exception as error:  # any driver error means the same to the operator: not reachable
        return [Check("数据库", False, f"无法连接 {url}：{error.__class__.__name__}: {error}".splitlines()[0])]
    migrations = Path(current_app.extensions["migrate"].directory)
    head = ScriptDirectory(str(migrations)).get_current_head()
    reachable = Check("数据库", True, f"{url} 可连接。")
    if current != head:
        return [
            reachable,
            Check(
                "数据库迁移",
                False,
                f"数据库版本为 {current or '（空库）'}，最新为 {head}：请运行 flask --app app db upgrade。",
            ),
        ]
    return [reachable, Check("数据库迁移", True, f"已是最新版本 {head}。")]


def _upload_folder() -> Check:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
    except OSError as error:
        return Check("上传目录", False, f"{folder} 不可写：{error.strerror or error}。")
    return Check("上传目录", True, f"{folder} 可写。")


def _redis() -> Check:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return Check(
            "Redis", True, "未设置 REDIS_URL：登录限流计数只在单个进程内有效，多进程部署请设置。", warning=True
        )
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return Check("Redis", False, f"无法连接 {url}：{error}。")
    return Check("Redis", True, f"{url} 可连接。")


def _cookies() -> Check:
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        return Check("会话 Cookie", True, "仅经 HTTPS 发送（Secure）。")
    return Check("会话 Cookie", True, "SESSION_COOKIE_SECURE 未开启：经 HTTPS 对外服务时请设置为 1。", warning=True)


def _demo_data() -> Check:
    """Demo data on a production database: well-known accounts with a password printed in the README."""
    from portal.core.demo import demo_accounts_present

    try:
        present = demo_accounts_present()
    except Exception:  # no tables yet: the migration check says so
        db.session.rollback()
        return Check("演示数据", True, "无法检查（数据库未就绪）。", warning=True)
    if present:
        return Check(
            "演示数据",
            False,
            f"数据库中有演示数据或演示账号（{'、'.join(present[:5])}）：生产数据库不得载入 flask demo 的数据。",
        )
    return Check("演示数据", True, "没有演示账号。")


def _two_factors() -> Check:
    required = set(current_app.config.get("TOTP_REQUIRED_ROLES", ()))
    if not {"reviewer", "admin"} <= required:
        return Check(
            "两步验证",
            True,
            "TOTP_REQUIRED_ROLES 未包含 reviewer 和 admin：主管部门和管理员应须开启两步验证。",
            warning=True,
        )
    return Check("两步验证", True, f"须开启两步验证的角色：{', '.join(sorted(required))}。")


def run_checks() -> list[Check]:
    return [_secret_key(), *_database(), _demo_data(), _upload_folder(), _redis(), _cookies(), _two_factors()]
