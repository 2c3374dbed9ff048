"""Errors that services raise when a rule refuses an action; views show the message."""


class RuleViolation(Exception):
    """An action the rules do not allow. ``str(error)`` is a message for the user, in Chinese."""


class InputRefused(RuleViolation):
    """A refusal about one input: the message belongs next to the form field named ``field``."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


class StaleEdit(RuleViolation):
    """The record changed since the form was loaded (another tab or another person)."""
