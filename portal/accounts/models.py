"""People and organisations: enterprises, recommenders, ministries, and their user accounts."""

from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portal.core.extensions import db
from portal.core.models_base import LabelledEnum, enum_column
from portal.core.timeutil import utcnow


def password_hash_method() -> str:
    """werkzeug's method for new hashes: ``PASSWORD_HASH_METHOD`` (scrypt by default; tests use a cheap one)."""
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"


class Role(LabelledEnum):
    ENTERPRISE = "enterprise", "申报企业"
    RECOMMENDER = "recommender", "推荐单位"
    REVIEWER = "reviewer", "主管部门"
    EXPERT = "expert", "评审专家"
    ADMIN = "admin", "系统管理员"


class OrganisationKind(LabelledEnum):
    MARKET_REGULATOR = "market_regulator", "省级市场监管部门"
    INDUSTRY_AUTHORITY = "industry_authority", "省级工业和信息化主管部门"
    # 大连、青岛、宁波、厦门、深圳: their market-regulation and industry authorities recommend on their own.
    CITY_AUTHORITY = "city_authority", "计划单列市主管部门"
    ASSOCIATION = "association", "全国性行业协会/学会/联合会"
    MINISTRY = "ministry", "主管部委"


RECOMMENDER_KINDS = (
    OrganisationKind.MARKET_REGULATOR,
    OrganisationKind.INDUSTRY_AUTHORITY,
    OrganisationKind.CITY_AUTHORITY,
    OrganisationKind.ASSOCIATION,
)


class Organisation(db.Model):
    """A recommender (推荐组织者) or a ministry. Each recommender has its own quota."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind))
    region: Mapped[str] = mapped_column(String(40))  # a province, or 全国 for national bodies
    # 牵头部门: the department that organises the recommendation there (from the ministries' sheets).
    lead_department: Mapped[str | None] = mapped_column(String(120))

    @property
    def is_recommender(self) -> bool:
        return self.kind in RECOMMENDER_KINDS


class Enterprise(db.Model):
    """An applicant company, identified by its 统一社会信用代码."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    contact_name: Mapped[str] = mapped_column(String(40))
    mobile: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(UserMixin, db.Model):
    """A login. Enterprises sign in with their 统一社会信用代码; staff with a user name."""

    __table_args__ = (
        CheckConstraint("role <> 'enterprise' OR enterprise_id IS NOT NULL", name="enterprise_has_enterprise"),
        CheckConstraint(
            "role <> 'recommender' OR organisation_id IS NOT NULL",
            name="recommender_has_organisation",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    display_name: Mapped[str] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(120))
    mobile: Mapped[str | None] = mapped_column(String(20))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the login cookie: bumping it on logout or password change revokes copied cookies.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Two factors (portal.accounts.two_factor): the TOTP secret, set once an authenticator is confirmed;
    # the last time step used, so that a code cannot be replayed.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]

    enterprise: Mapped[Enterprise | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=password_hash_method())

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_secret is not None and self.totp_enabled_at is not None


class PasswordToken(db.Model):
    """A one-time link that sets a password: an invitation to new staff, or a reset.

    Only the SHA-256 of the token is stored; the link works once and until ``expires_at``.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(10))  # invite | reset
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """One of the ten one-time codes that replace the authenticator once each (only their SHA-256 is kept)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
