"""The columns of an import sheet: header, the comment that explains it, its drop-down list, its parser.

A parser takes the cell's trimmed text and returns the value the portal stores, or raises
:class:`CellProblem` with a Chinese message for that cell. As the forms do, codes, numbers, dates and
choices are normalised first (NFKC: full-width ０-９ Ａ-Ｚ ／ become ASCII); names keep their full-width
brackets (北京市市场监督管理局（知识产权局）) as typed.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from email_validator import EmailNotValidError, validate_email

from forms.fields import normalise_digits
from portal.accounts.rules import login_problem, mobile_problem
from portal.accounts.uscc import normalise_uscc, uscc_error
from portal.core.models_base import LabelledEnum
from portal.core.timeutil import local_today
from portal.reference import canonical_region

FIRST_BATCH_YEAR = 2017  # the notice of the first campaign


def normalised(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """``parse`` applied to the NFKC form of the text, as ``forms.fields`` reads typed codes and numbers."""

    def read(value: str):
        return parse(normalise_digits(value))

    return read


class CellProblem(ValueError):
    """Why a cell cannot be imported; the message is shown beside the row."""


@dataclass(frozen=True)
class ImportColumn:
    """One column of a kind's sheet. ``field`` names the value in a row's dict."""

    field: str
    header: str
    comment: str
    parse: Callable[[str], Any]
    required: bool = True
    choices: tuple[str, ...] = ()  # the drop-down list of the template
    width: int = 18
    show: Callable[[Any], str] = str  # a stored value as the cell's text (export, error sheet)


def text(limit: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value) > limit:
            raise CellProblem(f"不超过 {limit} 字（当前 {len(value)} 字）。")
        return value

    return parse


def choice(members: list[LabelledEnum]) -> Callable[[str], LabelledEnum]:
    """One of ``members``, by its Chinese label (or its code, as an export of an older template wrote it)."""
    by_text = {member.label: member for member in members} | {member.value: member for member in members}

    def parse(value: str):
        if value not in by_text:
            raise CellProblem(f"应为以下之一：{'、'.join(member.label for member in members)}。")
        return by_text[value]

    return normalised(parse)


def one_of(allowed: list[str], what: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in allowed:
            raise CellProblem(f"“{value}”不是{what}列表中的一项，请从下拉列表中选择。")
        return value

    return normalised(parse)


def region(allowed: list[str]) -> Callable[[str], str]:
    """A region by its full name or its usual short name (北京 / 北京市, 内蒙古 / 内蒙古自治区)."""

    def parse(value: str) -> str:
        found = canonical_region(value, allowed)
        if found is None:
            raise CellProblem(f"“{value}”不是省级行政区名称，请从下拉列表中选择（如：北京市、内蒙古自治区）。")
        return found

    return normalised(parse)


@normalised
def login(value: str) -> str:
    problem = login_problem(value)
    if problem:
        raise CellProblem(problem)
    return value


@normalised
def email(value: str) -> str:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise CellProblem("邮箱格式不正确。") from None
    if len(value) > 120:
        raise CellProblem("邮箱不超过 120 个字符。")
    return value


@normalised
def mobile(value: str) -> str:
    digits = value.replace(" ", "").replace("-", "")
    problem = mobile_problem(digits)
    if problem:
        raise CellProblem(problem)
    return digits


@normalised
def uscc(value: str) -> str:
    problem = uscc_error(value)
    if problem:
        raise CellProblem(problem)
    return normalise_uscc(value)


@normalised
def batch_year(value: str) -> int:
    if not re.fullmatch(r"\d{4}", value) or not FIRST_BATCH_YEAR <= int(value) <= local_today().year:
        raise CellProblem(f"批次年度应为 {FIRST_BATCH_YEAR} 至 {local_today().year} 之间的四位年份。")
    return int(value)


@normalised
def day(value: str) -> date:
    """A date as 2019-05-20, 2019/5/20 or 2019年5月20日 (or a date cell, read as the first)."""
    found = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+00:00(?::00)?)?", value)
    try:
        parsed = date(*(int(part) for part in found.groups())) if found else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise CellProblem("日期格式应为 2019-05-20。")
    if parsed.year < FIRST_BATCH_YEAR:
        raise CellProblem(f"公布日期不能早于 {FIRST_BATCH_YEAR} 年。")
    if parsed > local_today():
        raise CellProblem("公布日期不能晚于今天。")
    return parsed
