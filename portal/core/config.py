"""Configuration: safe defaults, then the environment, then the test overrides."""

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _secret_key(instance_path: str) -> str:
    """The secret key from ``SECRET_KEY``, else one generated once and kept in ``instance/``."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = Path(instance_path) / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Point PostgreSQL URLs at the psycopg 3 driver we ship (``postgres://`` is accepted too)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def build_config(instance_path: str) -> dict:
    """Everything the portal reads from ``app.config``, with its default."""
    upload_mb = int(os.environ.get("UPLOAD_MAX_MB", "20"))
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            os.environ.get("DATABASE_URL", f"sqlite:///{Path(instance_path) / 'portal.sqlite'}")
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(Path(instance_path) / "uploads")),
        "UPLOAD_MAX_BYTES": upload_mb * 1024 * 1024,
        # A request may carry a few files at once (a certificate and its audit report).
        "MAX_CONTENT_LENGTH": (upload_mb * 2 + 1) * 1024 * 1024,
        "REDIS_URL": os.environ.get("REDIS_URL"),
        # Every key the portal writes to Redis starts with it: two portals can share one Redis.
        "REDIS_KEY_PREFIX": os.environ.get("REDIS_KEY_PREFIX", "portal:"),
        # How many reverse proxies stand in front of the portal: their X-Forwarded-For / -Proto are trusted,
        # exactly that many hops (werkzeug ProxyFix). 0: the connecting address is the client's.
        "PROXY_FIX_X_FOR": int(os.environ.get("PROXY_FIX_X_FOR", "0")),
        # werkzeug's method for new password hashes; scrypt costs about 32 MiB and 100 ms per hash on purpose.
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD", "scrypt"),
        # Registrations (successful or not) one address may attempt per hour.
        "REGISTER_MAX_PER_ADDRESS": int(os.environ.get("REGISTER_MAX_PER_ADDRESS", "10")),
        # Roles that must enrol a TOTP authenticator before using the portal; recommenders and experts may.
        "TOTP_REQUIRED_ROLES": tuple(
            role.strip() for role in os.environ.get("TOTP_REQUIRED_ROLES", "reviewer,admin").split(",") if role.strip()
        ),
        "LOGIN_MAX_FAILURES": int(os.environ.get("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_LOCK_SECONDS": int(os.environ.get("LOGIN_LOCK_SECONDS", "900")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=2),  # without activity
        "SESSION_ABSOLUTE_LIFETIME": timedelta(hours=12),  # from login, however active
        # The CSRF token lives as long as the session: a long form must not fail after an hour.
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_I18N_ENABLED": False,  # WTForms' own zh messages, see forms.base
        "PORTAL_TIMEZONE": "Asia/Shanghai",
        # E-mail: without MAIL_SERVER every message waits in the outbox (admin page), nothing is lost.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "0") == "1",
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_MAX_ATTEMPTS": int(os.environ.get("MAIL_MAX_ATTEMPTS", "5")),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "noreply@example.gov.cn"),
        "PORTAL_BASE_URL": os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000"),
    }
