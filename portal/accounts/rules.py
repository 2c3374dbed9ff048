"""Rules on staff accounts, one place each, asked by the forms, the services and the Excel import: what a
login name and a mobile number look like (so an account created one way can be exported and imported
again unchanged), and which organisation a role needs."""

import re

from portal.accounts.models import Organisation, Role

LOGIN_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{1,59}")  # ASCII only: see services.find_login
LOGIN_HINT = "英文字母、数字、点、横线、下划线或 @（2–60 位），以字母或数字开头"
LOGIN_MESSAGE = f"登录名只能使用{LOGIN_HINT}。"
MOBILE_PATTERN = re.compile(r"1[3-9]\d{9}")
MOBILE_MESSAGE = "请输入 11 位中国大陆手机号码。"


def login_problem(username: str | None) -> str | None:
    """Why ``username`` cannot be a staff login name, or ``None``."""
    return None if LOGIN_PATTERN.fullmatch(username or "") else LOGIN_MESSAGE


def mobile_problem(mobile: str | None) -> str | None:
    """Why ``mobile`` (digits only, as normalised) is not a mainland mobile number, or ``None``."""
    return None if MOBILE_PATTERN.fullmatch(mobile or "") else MOBILE_MESSAGE


def why_not_staff_role(role: Role, organisation: Organisation | None) -> str | None:
    """Why a staff account cannot have ``role`` in ``organisation``, or ``None``."""
    if role == Role.RECOMMENDER and (organisation is None or not organisation.is_recommender):
        return "推荐单位账号须属于一个推荐单位。"
    return None
