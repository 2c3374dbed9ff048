"""Time: stored as naive UTC, shown and entered in Asia/Shanghai, where the deadlines are."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """The current time as naive UTC, the form every timestamp is stored in."""
    return datetime.now(UTC).replace(tzinfo=None)


def now_local() -> datetime:
    """The current Beijing time (aware): what "today" means for every deadline and certificate."""
    return datetime.now(SHANGHAI)


def local_today() -> date:
    """Today's date in Beijing, whatever the server's time zone (between 00:00 and 08:00 it differs from UTC)."""
    return now_local().date()


def to_local(value: datetime | None) -> datetime | None:
    """A stored (naive UTC) time as Asia/Shanghai wall time."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(SHANGHAI)


def from_local(value: datetime) -> datetime:
    """An Asia/Shanghai wall time (as typed by a user) as naive UTC for storage."""
    return value.replace(tzinfo=SHANGHAI).astimezone(UTC).replace(tzinfo=None)


def format_local(value: datetime | None, with_time: bool = True) -> str:
    """``2026-11-23 18:30`` in Shanghai time, or an empty string."""
    local = to_local(value)
    if local is None:
        return ""
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")
