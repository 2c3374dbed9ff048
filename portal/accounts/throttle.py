"""Login throttling: after N failures an account is locked for a while; an address is slowed down.

An account is locked after ``LOGIN_MAX_FAILURES`` failures for ``LOGIN_LOCK_SECONDS``. An address (a
client, as told by the proxy: ``PROXY_FIX_X_FOR``) may fail four times as often over all the accounts it
tries; past that it must wait before each further attempt, 1, 2, 4 … seconds up to a minute. A shared
address (a ministry's NAT, or every client when the proxy is not trusted) is slowed, never locked out.

Counts live in Redis when ``REDIS_URL`` is set (shared by every worker), else in this process.
If Redis does not answer, logins go on unthrottled and a warning is logged: an outage of the
counters must not become an outage of the portal.
"""

import math
import threading
import time

from flask import current_app


class MemoryCounter:
    """Failure counts with expiry, for one process (development and tests)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[int, float]] = {}

    def increment(self, key: str, ttl: int) -> int:
        now = time.monotonic()
        with self._lock:
            count, expires = self._entries.get(key, (0, 0.0))
            count = count + 1 if expires > now else 1
            self._entries[key] = (count, now + ttl)
            return count

    def get(self, key: str) -> tuple[int, int]:
        """``(count, seconds left)``."""
        with self._lock:
            count, expires = self._entries.get(key, (0, 0.0))
        left = math.ceil(expires - time.monotonic())
        return (count, left) if left > 0 else (0, 0)

    def hold(self, key: str, seconds: int) -> None:
        """Keep ``key`` for ``seconds`` (its time left is what :meth:`get` returns)."""
        with self._lock:
            self._entries[key] = (1, time.monotonic() + seconds)

    def clear(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)


def _redis_unavailable() -> None:
    current_app.logger.warning("login throttle: Redis unavailable, attempt not counted", exc_info=True)


class RedisCounter:
    """Failure counts in Redis; when Redis is down, counts are 0 and failures are not recorded."""

    def __init__(self, url: str):
        import redis

        self._errors = redis.RedisError
        self._redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)

    def increment(self, key: str, ttl: int) -> int:
        try:
            pipe = self._redis.pipeline()
            pipe.incr(key)
            pipe.expire(key, ttl)
            return int(pipe.execute()[0])
        except self._errors:
            _redis_unavailable()
            return 0

    def get(self, key: str) -> tuple[int, int]:
        try:
            pipe = self._redis.pipeline()
            pipe.get(key)
            pipe.ttl(key)
            count, ttl = pipe.execute()
        except self._errors:
            _redis_unavailable()
            return (0, 0)
        return (int(count or 0), max(int(ttl), 0))

    def hold(self, key: str, seconds: int) -> None:
        try:
            self._redis.set(key, 1, ex=seconds)
        except self._errors:
            _redis_unavailable()

    def clear(self, key: str) -> None:
        try:
            self._redis.delete(key)
        except self._errors:
            _redis_unavailable()


ADDRESS_ALLOWANCE_FACTOR = 4  # an address may fail this many times as often as one account
ADDRESS_MAX_DELAY = 60  # seconds: the longest an address waits between two attempts


class LoginThrottle:
    """Per-account locking and per-address slowing down."""

    def __init__(self, counter, prefix: str = ""):
        self.counter = counter
        self.prefix = prefix

    def _account_key(self, account: str) -> str:
        return f"{self.prefix}login-fail:user:{account.lower()}"

    def _address_keys(self, address: str | None) -> tuple[str, str]:
        return f"{self.prefix}login-fail:ip:{address or '-'}", f"{self.prefix}login-slow:ip:{address or '-'}"

    def account_wait(self, account: str) -> int:
        """Seconds until the account may be tried again, or 0."""
        count, left = self.counter.get(self._account_key(account))
        return left if count >= current_app.config["LOGIN_MAX_FAILURES"] else 0

    def address_wait(self, address: str | None) -> int:
        """Seconds the address must wait before its next attempt, or 0."""
        return self.counter.get(self._address_keys(address)[1])[1]

    def seconds_locked(self, account: str, address: str | None) -> int:
        """Seconds until another attempt is allowed, or 0."""
        return max(self.account_wait(account), self.address_wait(address))

    def record_failure(self, account: str, address: str | None) -> None:
        ttl = current_app.config["LOGIN_LOCK_SECONDS"]
        self.counter.increment(self._account_key(account), ttl)
        self.record_address_failure(address)

    def record_address_failure(self, address: str | None) -> None:
        """Count a failure of the address; past its allowance it waits, longer at each further failure."""
        count_key, slow_key = self._address_keys(address)
        count = self.counter.increment(count_key, current_app.config["LOGIN_LOCK_SECONDS"])
        allowance = current_app.config["LOGIN_MAX_FAILURES"] * ADDRESS_ALLOWANCE_FACTOR
        if count >= allowance:
            self.counter.hold(slow_key, min(2 ** min(count - allowance, 10), ADDRESS_MAX_DELAY))

    def record_success(self, account: str, address: str | None = None) -> None:
        self.counter.clear(self._account_key(account))

    def attempt(self, action: str, address: str | None, limit: int, window: int) -> int:
        """Count an attempt at ``action`` from ``address``: seconds to wait if it is one too many, else 0."""
        key = f"{self.prefix}{action}:ip:{address or '-'}"
        count, left = self.counter.get(key)
        if count >= limit:
            return max(left, 1)
        self.counter.increment(key, window)
        return 0


def wait_text(seconds: int) -> str:
    """``seconds`` as the user reads it: "30 秒", "15 分钟"."""
    return f"{seconds} 秒" if seconds < 60 else f"{math.ceil(seconds / 60)} 分钟"


def init_throttle(app) -> None:
    url = app.config.get("REDIS_URL")
    app.extensions["login_throttle"] = (
        LoginThrottle(RedisCounter(url), app.config["REDIS_KEY_PREFIX"]) if url else LoginThrottle(MemoryCounter())
    )


def login_throttle() -> LoginThrottle:
    return current_app.extensions["login_throttle"]
