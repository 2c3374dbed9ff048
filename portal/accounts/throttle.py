"""Login throttling: after N failures, an account or an address waits before trying again.

Counts live in Redis when ``REDIS_URL`` is set (shared by every worker), else in this process.
If Redis does not answer, logins go on unthrottled and a warning is logged: an outage of the
counters must not become an outage of the portal.
"""

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
        left = int(expires - time.monotonic())
        return (count, left) if left > 0 else (0, 0)

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

    def clear(self, key: str) -> None:
        try:
            self._redis.delete(key)
        except self._errors:
            _redis_unavailable()


class LoginThrottle:
    """Per-account and per-address failure counting."""

    def __init__(self, counter, prefix: str = ""):
        self.counter = counter
        self.prefix = prefix

    def _keys(self, username: str, address: str | None) -> list[str]:
        return [f"{self.prefix}login-fail:user:{username.lower()}", f"{self.prefix}login-fail:ip:{address or '-'}"]

    def seconds_locked(self, username: str, address: str | None) -> int:
        """Seconds until another attempt is allowed, or 0."""
        limit = current_app.config["LOGIN_MAX_FAILURES"]
        # An address may try several accounts; give it a wider allowance than one account.
        account_key, address_key = self._keys(username, address)
        waits = []
        count, left = self.counter.get(account_key)
        if count >= limit:
            waits.append(left)
        count, left = self.counter.get(address_key)
        if count >= limit * 4:
            waits.append(left)
        return max(waits, default=0)

    def record_failure(self, username: str, address: str | None) -> None:
        ttl = current_app.config["LOGIN_LOCK_SECONDS"]
        for key in self._keys(username, address):
            self.counter.increment(key, ttl)

    def record_success(self, username: str, address: str | None) -> None:
        self.counter.clear(self._keys(username, address)[0])


def init_throttle(app) -> None:
    url = app.config.get("REDIS_URL")
    app.extensions["login_throttle"] = (
        LoginThrottle(RedisCounter(url), app.config["REDIS_KEY_PREFIX"]) if url else LoginThrottle(MemoryCounter())
    )


def login_throttle() -> LoginThrottle:
    return current_app.extensions["login_throttle"]
