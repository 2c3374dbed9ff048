"""Accounts: registration, login, logout, passwords, staff creation."""

import secrets

from flask import current_app, has_request_context, request
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from portal.accounts.models import Enterprise, Organisation, Role, User, password_hash_method
from portal.accounts.rules import login_problem, why_not_staff_role
from portal.accounts.throttle import login_throttle, wait_text
from portal.accounts.uscc import normalise_login, normalise_uscc
from portal.audit import record_audit
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.timeutil import utcnow

MIN_PASSWORD_LENGTH = 12
MIN_PASSWORD_SCORE = 3  # zxcvbn: 0 too guessable … 4 very unguessable
PASSWORD_HINT = "至少 12 位，不要求字母、数字组合；一句好记的话（中文也可以）比短而复杂的密码更安全。"


def password_problem(password: str, user_inputs=()) -> str | None:
    """Why a password is too weak, or ``None`` (ASVS 2.1): 12+ characters, no composition rule, not common
    or guessable — judged by zxcvbn, which also knows the user's own name, organisation and code."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少 {MIN_PASSWORD_LENGTH} 位（当前 {len(password)} 位）。可以用一句好记的话，中文也可以。"
    from zxcvbn import zxcvbn

    inputs = [str(value) for value in user_inputs if value]
    if zxcvbn(password[:100], user_inputs=inputs)["score"] < MIN_PASSWORD_SCORE:
        return "密码太容易被猜到（常见密码、键盘顺序、重复字符或含有本人的账号、名称等信息）。请换一个更长、更不常见的密码，例如几个不相关的词连成一句。"
    return None


def password_strength(password: str, user_inputs=()) -> tuple[int, str | None]:
    """For the meter on password fields: zxcvbn's score (0–4; at most 1 while too short) and the problem."""
    from zxcvbn import zxcvbn

    inputs = [str(value) for value in user_inputs if value]
    score = zxcvbn(password[:100], user_inputs=inputs)["score"] if password else 0
    if len(password) < MIN_PASSWORD_LENGTH:
        score = min(score, 1)
    return score, password_problem(password, inputs)


def user_password_inputs(user: User) -> list[str]:
    """What a guesser knows about ``user``: login name, name, e-mail, organisation, enterprise and its code."""
    values = [user.username, user.display_name, user.email]
    if user.organisation is not None:
        values.append(user.organisation.name)
    if user.enterprise is not None:
        values += [user.enterprise.name, user.enterprise.uscc, user.enterprise.contact_name, user.enterprise.mobile]
    return [value for value in values if value]


class CurrentPasswordWrong(RuleViolation):
    """The current password given to change it is wrong: counted like a failed login."""


def uscc_taken(uscc: str) -> bool:
    return db.session.scalar(select(func.count()).where(Enterprise.uscc == normalise_uscc(uscc))) > 0


REGISTER_WINDOW_SECONDS = 3600


def registration_attempt() -> None:
    """Count a registration attempt from this address; refuses past ``REGISTER_MAX_PER_ADDRESS`` an hour.

    Registration answers whether a 统一社会信用代码 is already registered: unthrottled, that tells a script
    which enterprises have accounts.
    """
    limit = current_app.config["REGISTER_MAX_PER_ADDRESS"]
    wait = login_throttle().attempt("register", request.remote_addr, limit, REGISTER_WINDOW_SECONDS)
    if wait:
        raise RuleViolation(f"本网络地址注册尝试过于频繁，请 {wait_text(wait)}后再试。")


def enterprise_without_account(uscc: str) -> Enterprise | None:
    """An enterprise known only from the ministries' sheets (a unit of an earlier batch, imported): no
    account holds its code, and the claim that proves it gets the enterprise with its units."""
    return db.session.scalar(
        select(Enterprise).where(
            Enterprise.uscc == normalise_uscc(uscc), ~exists().where(User.enterprise_id == Enterprise.id)
        )
    )


IMPORTED_UNIT_REGISTERS = "该代码属于主管部门已录入的示范单位：请通过下方“申请找回”提交营业执照，核实后开通账号。"


def register_enterprise(name: str, uscc: str, contact_name: str, mobile: str, email: str, password: str) -> User:
    """Create an enterprise and its login (the login name is the 统一社会信用代码)."""
    uscc = normalise_uscc(uscc)
    enterprise = Enterprise(
        name=name.strip(), uscc=uscc, contact_name=contact_name.strip(), mobile=mobile.strip(), email=email.strip()
    )
    user = User(
        username=uscc, role=Role.ENTERPRISE, display_name=name.strip(), email=email.strip(), enterprise=enterprise
    )
    problem = password_problem(password, [name, uscc, contact_name, mobile, email])
    if problem:
        raise RuleViolation(problem)
    user.set_password(password)
    try:
        with db.session.begin_nested():
            db.session.add_all([enterprise, user])
            db.session.flush()
    except IntegrityError:
        if enterprise_without_account(uscc) is not None:
            raise RuleViolation(IMPORTED_UNIT_REGISTERS) from None
        raise RuleViolation("该统一社会信用代码已注册，请直接登录。") from None
    record_audit("account.register", user, user=user)
    return user


def _dummy_hash() -> str:
    """A hash of the configured method, to check passwords of unknown users against."""
    method = password_hash_method()
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return _DUMMY_HASHES[method]


_DUMMY_HASHES: dict[str, str] = {}


def find_login(username: str) -> User | None:
    """The account a login name designates. Login names are ASCII: a dotless ı or a long ſ, which
    ``upper()`` would turn into I and S, designates nobody."""
    if not username.isascii():
        return None
    return db.session.scalar(select(User).where(func.upper(User.username) == username.upper()))


def throttle_key(user: User | None, username: str) -> str:
    """The login counter's key: the account itself, however its name was spelt; else the name as typed."""
    return f"id:{user.id}" if user is not None else f"name:{username.casefold()}"


def authenticate(username: str, password: str) -> User:
    """The user for these credentials; refuses while throttled, counts failures. For a user with two
    factors the login is not complete until :func:`portal.accounts.two_factor.verify_login_code`.

    An unknown name costs a password hash too, so the answer's time does not tell whether it exists.
    """
    throttle = login_throttle()
    address = request.remote_addr
    username = normalise_login(username)
    user = find_login(username)
    account = throttle_key(user, username)
    wait = throttle.seconds_locked(account, address)
    if wait:
        record_audit("account.login_throttled", user, {"username": username})
        raise RuleViolation(f"登录失败次数过多，请 {wait_text(wait)}后再试。")
    if user is None:
        check_password_hash(_dummy_hash(), password)
    if user is None or not user.check_password(password) or not user.active:
        throttle.record_failure(account, address)
        record_audit("account.login_failed", user, {"username": username})
        raise RuleViolation("账号或密码不正确。")
    if user.two_factor_enabled:
        # Half way: the code follows (portal.accounts.two_factor). The counter is cleared only then, or
        # a known password would let code guesses go on for ever.
        record_audit("account.login_password_ok", user, user=user)
        db.session.flush()
        return user
    throttle.record_success(account, address)
    user.last_login_at = utcnow()
    record_audit("account.login", user, user=user)
    db.session.flush()
    return user


def end_session(user: User) -> None:
    """Log out everywhere: cookies copied before now stop working."""
    user.session_version += 1
    record_audit("account.logout", user, user=user)
    db.session.flush()


def change_password(user: User, current: str, new: str) -> None:
    """Check the current password (counted like a login: wrong guesses lock the account), set the new one."""
    throttle, address = login_throttle(), request.remote_addr if has_request_context() else None
    account = throttle_key(user, user.username)
    wait = throttle.seconds_locked(account, address)
    if wait:
        raise RuleViolation(f"密码错误次数过多，请 {wait_text(wait)}后再试。")
    if not user.check_password(current):
        throttle.record_failure(account, address)
        record_audit("account.password_change_failed", user, user=user)
        raise CurrentPasswordWrong("当前密码不正确。")
    throttle.record_success(account, address)
    problem = password_problem(new, user_password_inputs(user))
    if problem:
        raise RuleViolation(problem)
    user.set_password(new)
    user.session_version += 1
    record_audit("account.password_change", user, user=user)
    db.session.flush()


def create_staff_user(
    username: str,
    password: str | None,
    role: Role,
    display_name: str,
    organisation: Organisation | None = None,
    email: str | None = None,
    mobile: str | None = None,
) -> User:
    """A recommender, reviewer, expert or admin account. Without ``password`` no password works until
    the owner sets one from an invitation link."""
    if role == Role.ENTERPRISE:
        raise RuleViolation("企业账号请通过注册页面创建。")
    problem = why_not_staff_role(role, organisation) or login_problem(username)
    if problem:
        raise RuleViolation(problem)
    user = User(
        username=username, role=role, display_name=display_name, organisation=organisation, email=email, mobile=mobile
    )
    if password is None:
        user.password_hash = "!"  # matches no password (werkzeug finds no method in it)
    else:
        problem = password_problem(
            password, [username, display_name, email, organisation.name if organisation else None]
        )
        if problem:
            raise RuleViolation(problem)
        user.set_password(password)
    try:
        with db.session.begin_nested():
            db.session.add(user)
            db.session.flush()
    except IntegrityError:
        raise RuleViolation(f"用户名 {username} 已存在。") from None
    record_audit("account.create", user, {"role": role.value, "username": username})
    return user
