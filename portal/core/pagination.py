"""One way to cut a list page into pages: the requested page number, the rows of it, the count."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import request
from sqlalchemy import Select

from portal.core.arguments import bounded_int
from portal.core.extensions import db


@dataclass
class Page:
    rows: list
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max((self.total + self.size - 1) // self.size, 1)


def requested_page() -> int:
    """The ``page`` query argument, 1 when missing or nonsense."""
    return request.args.get("page", 1, type=bounded_int)


def paginate(query: Select, count: Select, number: int, size: int, row: Callable = lambda *values: values) -> Page:
    """Page ``number`` of ``query`` (its rows made by ``row``), with ``count`` giving the total."""
    rows = db.session.execute(query.limit(size).offset((number - 1) * size))
    return Page([row(*values) for values in rows], db.session.scalar(count), number, size)
