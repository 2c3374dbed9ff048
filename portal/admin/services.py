"""What administrators change: campaigns, organisations, staff accounts. Each checks, writes, audits."""

from sqlalchemy import select

from portal.accounts.models import Organisation, Role, User
from portal.accounts.rules import why_not_staff_role
from portal.accounts.services import create_staff_user
from portal.accounts.tokens import issue_password_link
from portal.audit import record_audit
from portal.core.errors import RuleViolation
from portal.core.extensions import db


def save_organisation(organisation: Organisation | None, values: dict, user: User) -> Organisation:
    name = values["name"].strip()
    clash = select(Organisation.id).where(Organisation.name == name)
    if organisation is not None:
        clash = clash.where(Organisation.id != organisation.id)
    if db.session.scalar(clash):
        raise RuleViolation(f"已有名为“{name}”的单位。")
    created = organisation is None
    organisation = organisation or Organisation()
    organisation.name, organisation.kind, organisation.region = name, values["kind"], values["region"]
    organisation.lead_department = (values.get("lead_department") or "").strip() or None
    db.session.add(organisation)
    db.session.flush()
    detail = {"name": name, "kind": values["kind"].value, "region": values["region"]}
    if organisation.lead_department:
        detail["lead_department"] = organisation.lead_department
    record_audit("organisation.create" if created else "organisation.update", organisation, detail, user)
    return organisation


def invite_staff(
    username: str,
    display_name: str,
    email: str | None,
    role: Role,
    organisation: Organisation | None,
    user: User,
    mobile: str | None = None,
) -> tuple[User, str]:
    """A staff account without a usable password, and the one-time link that lets its owner set one."""
    staff = create_staff_user(username, None, role, display_name, organisation, email, mobile)
    return staff, issue_password_link(staff, "invite", user)


def apply_changes(target, values: dict) -> dict[str, list]:
    """Set ``values`` on ``target``; the ones that changed as ``{name: [before, after]}``, for the audit log."""
    changes = {name: [getattr(target, name), value] for name, value in values.items() if getattr(target, name) != value}
    for name, (_before, value) in changes.items():
        setattr(target, name, value)
    return changes


def update_staff_details(target: User, display_name: str, email: str | None, mobile: str | None, user: User) -> None:
    """A staff account's name and contact details; its login, role and organisation stay."""
    changes = apply_changes(target, {"display_name": display_name, "email": email, "mobile": mobile})
    if changes:
        db.session.flush()
        record_audit("account.update", target, {"changes": changes}, user)


def _ensure_not_self(target: User, user: User) -> None:
    if target.id == user.id:
        raise RuleViolation("不能修改自己的账号状态或角色。")


def set_active(target: User, active: bool, user: User) -> None:
    """Deactivate (the user is logged out everywhere) or reactivate an account."""
    _ensure_not_self(target, user)
    target.active = active
    target.session_version += 1
    db.session.flush()
    record_audit("account.activate" if active else "account.deactivate", target, None, user)


def change_role(target: User, role: Role, organisation: Organisation | None, user: User) -> None:
    _ensure_not_self(target, user)
    if Role.ENTERPRISE in (role, target.role):
        raise RuleViolation("企业账号与工作人员账号不能互相转换。")
    problem = why_not_staff_role(role, organisation)
    if problem:
        raise RuleViolation(problem)
    previous = target.role
    target.role, target.organisation = role, organisation
    target.session_version += 1
    db.session.flush()
    record_audit("account.change_role", target, {"from": previous.value, "to": role.value}, user)
