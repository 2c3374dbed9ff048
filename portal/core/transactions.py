"""What thin views share: run one service call and commit once, or roll back and say why."""

from flask import flash

from portal.core.errors import RuleViolation
from portal.core.extensions import db


def apply_change(action, success_message: str) -> bool:
    """Run a service call, commit and flash success, or roll back and flash the refusal."""
    try:
        action()
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "danger")
        return False
    db.session.commit()
    flash(success_message, "success")
    return True
