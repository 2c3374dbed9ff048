"""The one rule for every written reason (退回, 解锁, 决定, 复核结论): at least a few characters.

Our design: the notice asks for no reasons; we require one wherever a decision changes what an
enterprise or a recommender may do, so that they can read why.
"""

from portal.core.errors import RuleViolation

REASON_MIN_CHARS = 5


def require_reason(reason: str | None, what: str) -> str:
    """``reason`` stripped, or a refusal naming ``what`` (e.g. 退回理由) and the minimum."""
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_CHARS:
        raise RuleViolation(f"请填写{what}（至少 {REASON_MIN_CHARS} 个字）。")
    return reason
