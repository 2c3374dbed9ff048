"""Small helpers shared by the models of every domain."""

import enum

from sqlalchemy import Enum as SAEnum


class LabelledEnum(enum.StrEnum):
    """A state or kind stored by its code and shown by its Chinese label."""

    label: str

    def __new__(cls, code: str, label: str):
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """``(code, label)`` pairs for a WTForms select or radio field."""
        return [(member.value, member.label) for member in cls]


def enum_column(enum_class: type[LabelledEnum]) -> SAEnum:
    """A portable VARCHAR column holding an enum's codes, checked by the database."""
    return SAEnum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
