"""Numbers read from a request, bounded to what the database can hold.

``/files/99999999999999999999`` or ``?page=1e400`` must be a 404 or the first page, not an
overflow inside the database driver: every ``<int:…>`` in a URL and every id or page number in a
query or form is an integer between 1 and 2³¹ − 1 (PostgreSQL's INTEGER), or absent.
"""

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """``<int:…>`` in every route: 1 … 2³¹ − 1, anything else does not match (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def bounded_int(value) -> int | None:
    """``value`` as an integer in 1 … 2³¹ − 1, else ``None``: for ``request.args.get(name, type=bounded_int)``."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValueError(value) from None
    if not 1 <= number <= MAX_ID:
        raise ValueError(value)
    return number


def init_arguments(app) -> None:
    app.url_map.converters["int"] = DatabaseIdConverter
