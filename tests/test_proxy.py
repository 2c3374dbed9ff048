"""Behind the reverse proxy: each client is known by its own address, and one client cannot lock out the rest.

The last test runs Debian's nginx, configured as in docs/deploy.md, in front of gunicorn.
"""

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from portal.accounts import throttle
from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.core.extensions import db
from tests.factories import PASSWORD, make_staff

ROOT = Path(__file__).resolve().parent.parent


def _login_from(client, address: str, username: str, password: str = PASSWORD, forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post(
        "/account/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def _audit_addresses(app, action: str) -> list[str]:
    with app.app_context():
        return db.session.scalars(select(AuditEntry.ip_address).where(AuditEntry.action == action)).all()


def test_without_proxy_fix_forwarded_addresses_are_ignored(make_app):
    app = make_app()
    _login_from(app.test_client(), "127.0.0.1", "nobody", "x", forwarded="203.0.113.7")
    assert _audit_addresses(app, "account.login_failed") == ["127.0.0.1"]


def test_proxy_fix_trusts_exactly_the_configured_hops(make_app):
    app = make_app(PROXY_FIX_X_FOR=1)
    # The client wrote 6.6.6.6 itself; the proxy appended the address it saw.
    _login_from(app.test_client(), "127.0.0.1", "nobody", "x", forwarded="6.6.6.6, 203.0.113.7")
    assert _audit_addresses(app, "account.login_failed") == ["203.0.113.7"]


def test_an_address_past_its_allowance_is_slowed_down_not_locked_out(make_app, monkeypatch):
    """Twenty failures from one address (a ministry behind NAT) delay its next attempt by seconds, not 15 minutes."""
    app = make_app(REDIS_URL=None)
    clock = [time.monotonic()]
    monkeypatch.setattr(throttle.time, "monotonic", lambda: clock[0])
    with app.app_context():
        make_staff(Role.REVIEWER, username="reviewer")
        db.session.commit()
    client = app.test_client()
    allowance = app.config["LOGIN_MAX_FAILURES"] * throttle.ADDRESS_ALLOWANCE_FACTOR
    for number in range(allowance):
        _login_from(client, "198.51.100.9", f"nobody{number}", "wrong")
    refused = _login_from(client, "198.51.100.9", "reviewer").get_data(as_text=True)
    assert "登录失败次数过多，请 1 秒后再试" in refused
    assert _login_from(client, "198.51.100.10", "reviewer").status_code == 302  # other clients are untouched
    clock[0] += 1.5
    assert _login_from(client, "198.51.100.9", "reviewer").status_code == 302
    # Each further failure doubles the wait, up to a minute.
    for number in range(12):
        clock[0] += 61
        _login_from(client, "198.51.100.9", f"again{number}", "wrong")
    with app.app_context():
        assert throttle.login_throttle().address_wait("198.51.100.9") == throttle.ADDRESS_MAX_DELAY


def test_the_account_lock_is_unchanged(make_app):
    app = make_app()
    with app.app_context():
        make_staff(Role.REVIEWER, username="reviewer")
        db.session.commit()
    client = app.test_client()
    for number in range(app.config["LOGIN_MAX_FAILURES"]):
        _login_from(client, f"198.51.100.{number + 1}", "reviewer", "wrong")
    refused = _login_from(client, "198.51.100.99", "reviewer").get_data(as_text=True)
    assert re.search(r"登录失败次数过多，请 1[45] 分钟后再试", refused)


# --- nginx in front of gunicorn, as deployed ------------------------------------------------------

NGINX_CONF = """
{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 128; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 45m;
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{what} exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what} did not answer on port {port}")


def _browser_login(port: int, source: str, username: str, password: str) -> tuple[int, str]:
    """What a browser does from ``source``: get the form (cookie, CSRF token), post it. Forges X-Forwarded-For."""
    forged = {"X-Forwarded-For": "6.6.6.6"}
    connection = http.client.HTTPConnection("127.0.0.1", port, source_address=(source, 0), timeout=30)
    connection.request("GET", "/account/login", headers=forged)
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = urlencode({"csrf_token": token, "username": username, "password": password})
    headers = forged | {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    connection.request("POST", "/account/login", body=body, headers=headers)
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    return response.status, text


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_behind_nginx_twenty_failing_clients_leave_the_twenty_first_able_to_log_in(make_app, tmp_path):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install -y nginx)")
    if not gunicorn.exists():
        pytest.skip("gunicorn is not installed")
    app = make_app()
    with app.app_context():
        make_staff(Role.REVIEWER, username="reviewer")
        db.session.commit()
    upstream, port = _free_port(), _free_port()
    env = os.environ | {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "nginx-test-" + "k" * 40,
        "INSTANCE_PATH": str(tmp_path / "gunicorn-instance"),
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "PROXY_FIX_X_FOR": "1",
        "REDIS_KEY_PREFIX": app.config["REDIS_KEY_PREFIX"],
    }
    env.pop("REDIS_URL", None)
    if app.config["REDIS_URL"]:
        env["REDIS_URL"] = app.config["REDIS_URL"]
    logs = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115
    server = subprocess.Popen(
        [str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{upstream}", "app:app"],
        cwd=ROOT,
        env=env,
        stdout=logs,
        stderr=subprocess.STDOUT,
    )
    nginx_dir = tmp_path / "nginx"
    nginx_dir.mkdir()
    user = "user root;" if os.geteuid() == 0 else ""
    (nginx_dir / "nginx.conf").write_text(NGINX_CONF.format(user=user, tmp=nginx_dir, port=port, upstream=upstream))
    proxy = subprocess.Popen(
        [nginx, "-p", str(nginx_dir), "-c", str(nginx_dir / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(upstream, server, "gunicorn")
        _wait_for(port, proxy, "nginx")
        clients = [f"127.0.0.{number}" for number in range(2, 22)]
        for number, source in enumerate(clients):
            for attempt in range(2):
                status, page = _browser_login(port, source, f"nobody{number}-{attempt}", "wrong password")
                assert status == 200 and "账号或密码不正确" in page, page[:500]
        status, page = _browser_login(port, "127.0.0.22", "reviewer", PASSWORD)
        assert status == 302, page[:500]
    finally:
        _stop(proxy)
        _stop(server)
        logs.close()
    failed = _audit_addresses(app, "account.login_failed")
    assert sorted(set(failed)) == sorted(clients) and len(failed) == 40
    assert _audit_addresses(app, "account.login") == ["127.0.0.22"]
