"""Fields whose input people type in many shapes: numbers, amounts, phone numbers, postcodes, moments.

What a clerk pastes is normalised once, here: full-width digits (１０００８３) become ASCII by NFKC,
spaces and thousands separators go, so ``1,200`` and ``１２００`` are 1200. Every number has a stated
range with a Chinese message next to the field; NaN, infinities and overflow are refused before they
reach the database, whatever the database's column can hold. A moment (北京时间) lies within
:data:`MOMENT_YEARS`: year 1 or 9999 would overflow converting to UTC.
"""

import unicodedata
from decimal import Decimal, InvalidOperation

from wtforms import DateTimeLocalField, DecimalField, IntegerField, StringField
from wtforms.validators import DataRequired, NumberRange, Optional, StopValidation

from portal.accounts.rules import login_problem, mobile_problem

_SPACES_AND_SEPARATORS = str.maketrans("", "", " \u3000\t,，")


def normalise_digits(text: str | None) -> str:
    """NFKC (full-width digits and letters to ASCII), surrounding spaces removed."""
    return unicodedata.normalize("NFKC", text or "").strip()


def _number_text(text: str | None) -> str:
    return normalise_digits(text).translate(_SPACES_AND_SEPARATORS)


def _range_message(minimum, maximum, unit: str, whole: bool) -> str:
    kind = "整数" if whole else "数值"
    return f"请输入 {minimum:,} 至 {maximum:,} 之间的{kind}{f'（{unit}）' if unit else ''}。"


def _read_number(field, valuelist, parse) -> None:
    """``field.data`` from the typed text, normalised; ``None`` when empty; unreadable text gets the range message."""
    if not valuelist:
        return
    text = _number_text(valuelist[0])
    try:
        field.data = parse(text) if text else None
    except (ValueError, InvalidOperation):
        field.data = None
        raise ValueError(field.range_message) from None


class CountField(IntegerField):
    """A whole number within ``0 … maximum``."""

    def __init__(self, label: str, maximum: int, unit: str = "", **kwargs):
        message = _range_message(0, maximum, unit, whole=True)
        self.range_message = message
        super().__init__(
            label,
            validators=[Optional(), NumberRange(min=0, max=maximum, message=message)],
            render_kw={"inputmode": "numeric", "min": 0, "max": maximum},
            **kwargs,
        )

    def process_formdata(self, valuelist):
        _read_number(self, valuelist, int)


class AmountField(DecimalField):
    """A finite amount within ``0 … maximum`` with two decimals (万元, 吨标准煤)."""

    def __init__(self, label: str, maximum: int, unit: str = "", **kwargs):
        message = _range_message(0, maximum, unit, whole=False)
        self.range_message = message
        super().__init__(
            label,
            places=2,
            validators=[Optional(), _finite(message), NumberRange(min=0, max=maximum, message=message)],
            render_kw={"inputmode": "decimal"},
            **kwargs,
        )

    def process_formdata(self, valuelist):
        _read_number(self, valuelist, Decimal)

    def _value(self):
        if self.raw_data:  # what was typed, shown again to be corrected
            return self.raw_data[0]
        # A value stored before ranges were checked (an infinity, say) must not stop the page rendering.
        if isinstance(self.data, Decimal) and not self.data.is_finite():
            return ""
        try:
            return super()._value()
        except (InvalidOperation, ValueError, OverflowError):
            return ""


def _finite(message: str):
    def check(form, field):
        if isinstance(field.data, Decimal) and not field.data.is_finite():
            raise StopValidation(message)

    return check


class DigitsField(StringField):
    """Text made of digits as people type them: a phone number, a postcode. Full-width digits become ASCII."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if isinstance(self.data, str):
            self.data = normalise_digits(self.data).replace("\u3000", " ")


MOMENT_YEARS = range(2000, 2101)
MOMENT_FORMAT = "%Y-%m-%dT%H:%M"


def _within_moment_years(form, field):
    if field.data is not None and field.data.year not in MOMENT_YEARS:
        raise StopValidation(f"请填写 {MOMENT_YEARS[0]} 年至 {MOMENT_YEARS[-1]} 年之间的时间。")


class MomentField(DateTimeLocalField):
    """A date and time (北京时间) within :data:`MOMENT_YEARS`: required with the message ``required``, else
    optional, or present as the validator ``presence`` decides."""

    def __init__(self, label: str, required: str | None = None, presence=None, **kwargs):
        presence = presence or (DataRequired(required) if required else Optional())
        super().__init__(
            label,
            format=MOMENT_FORMAT,
            validators=[presence, _within_moment_years],
            render_kw={"min": f"{MOMENT_YEARS[0]}-01-01T00:00", "max": f"{MOMENT_YEARS[-1]}-12-31T23:59"},
            **kwargs,
        )


def _rule(problem):
    """A validator from a rule that returns a Chinese reason or ``None``."""

    def check(form, field):
        reason = problem(field.data)
        if reason:
            raise StopValidation(reason)

    return check


def login_field(**kwargs) -> StringField:
    """A staff login name (``portal.accounts.rules``)."""
    return StringField("登录名", validators=[DataRequired("请填写登录名。"), _rule(login_problem)], **kwargs)


def mobile_field(**kwargs) -> DigitsField:
    """A mainland mobile number, typed with spaces or full-width digits as people do."""
    return DigitsField("手机", validators=[DataRequired("请填写手机号码。"), _rule(mobile_problem)], **kwargs)
