"""The four kinds of import, each described once: columns, natural key, what the portal holds, and how a
row is checked against it, created or updated. The template, the export, the reader and the error sheet
all work from these descriptions.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import RECOMMENDER_KINDS, Enterprise, Organisation, OrganisationKind, Role, User
from portal.accounts.rules import LOGIN_HINT, why_not_staff_role
from portal.admin.services import invite_staff, save_organisation, update_staff_details
from portal.applications.models import Application, ApplicationStatus
from portal.campaigns.models import Campaign, Scale, current_campaign
from portal.campaigns.services import create_earlier_batch
from portal.core.extensions import db
from portal.core.timeutil import to_local, utcnow
from portal.imports import columns as parse
from portal.imports.columns import ImportColumn
from portal.reference import INDUSTRIES, ORGANISATION_REGIONS, REGIONS
from portal.rereview.services import published_units
from portal.review.models import Decision, DecisionOutcome, ExpertProfile
from portal.review.services import create_expert, update_expert

IMPORTED_LABEL = "往批入选（导入）"
STAFF_ROLES = (Role.RECOMMENDER, Role.REVIEWER, Role.ADMIN)
LOGIN_TAKEN = "该登录名已被其他账号使用。"


def _label(member) -> str:
    return member.label


@dataclass
class Holdings:
    """What the portal holds for one kind, read once per preview or confirm.

    ``existing``: natural key → (object, its values in the row's shape). ``lookups``: what rows refer to
    (organisations by name, logins in use…). ``seen``: what earlier rows of the same file settled.
    """

    existing: dict[tuple, tuple[object, dict]]
    lookups: dict = field(default_factory=dict)
    seen: dict = field(default_factory=dict)


class ImportKind:
    """One kind of row the ministries keep in Excel. Subclasses describe theirs."""

    code: str
    label: str
    columns: tuple[ImportColumn, ...]
    key_fields: tuple[str, ...]
    example: dict[str, str]

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def column(self, name: str) -> ImportColumn:
        return next(column for column in self.columns if column.field == name)

    def key(self, values: dict) -> tuple:
        return tuple(values[name] for name in self.key_fields)

    def why_unavailable(self) -> str | None:
        """Why nothing of this kind can be imported now, or ``None``."""
        return None

    def holdings(self) -> Holdings:
        raise NotImplementedError

    def check(self, values: dict, known: tuple[object, dict] | None, holdings: Holdings) -> list[tuple[str, str]]:
        """Problems of a parsed row against the portal and earlier rows: ``(field, message)`` pairs."""
        return []

    def create(self, values: dict, holdings: Holdings, user: User):
        raise NotImplementedError

    def update(self, target, values: dict, holdings: Holdings, user: User) -> None:
        raise NotImplementedError


# --- recommender organisations ------------------------------------------------------------------


class OrganisationImport(ImportKind):
    code, label = "organisations", "推荐单位"
    columns = (
        ImportColumn(
            "name",
            "单位名称",
            "单位全称，如：北京市市场监督管理局。名称与已有单位相同即为更新该单位（类型不能通过导入修改）。",
            parse.text(120),
            width=34,
        ),
        ImportColumn(
            "kind",
            "类型",
            "从下拉列表选择。",
            parse.choice(list(OrganisationKind)),
            choices=tuple(kind.label for kind in OrganisationKind),
            width=30,
            show=_label,
        ),
        ImportColumn(
            "region",
            "地区",
            "省级行政区全称或简称（北京 / 北京市）；全国性协会和部委填“全国”。",
            parse.region(ORGANISATION_REGIONS),
            choices=tuple(ORGANISATION_REGIONS),
            width=18,
        ),
        ImportColumn(
            "lead_department",
            "牵头部门",
            "负责组织推荐的处室或部门，可不填。",
            parse.text(120),
            required=False,
            width=26,
        ),
    )
    key_fields = ("name",)
    example = {
        "name": "北京市市场监督管理局",
        "kind": "省级市场监管部门",
        "region": "北京市",
        "lead_department": "计量处",
    }

    @staticmethod
    def _values(organisation: Organisation) -> dict:
        return {
            "name": organisation.name,
            "kind": organisation.kind,
            "region": organisation.region,
            "lead_department": organisation.lead_department,
        }

    def holdings(self) -> Holdings:
        return Holdings({(o.name,): (o, self._values(o)) for o in db.session.scalars(select(Organisation))})

    def check(self, values, known, holdings):
        if known is not None and known[1]["kind"] != values["kind"]:
            return [("kind", f"已有同名单位，类型为“{known[1]['kind'].label}”；类型不能通过导入修改。")]
        return []

    def create(self, values, holdings, user):
        return save_organisation(None, values, user)

    def update(self, target, values, holdings, user):
        save_organisation(target, values, user)


# --- staff accounts -----------------------------------------------------------------------------


def _logins_in_use() -> dict[str, Role]:
    return {name.lower(): role for name, role in db.session.execute(select(User.username, User.role))}


def _login_column() -> ImportColumn:
    return ImportColumn(
        "username",
        "登录名",
        f"{LOGIN_HINT}；已有的登录名即为更新该账号。",
        parse.login,
        width=18,
    )


def _email_column(comment: str, required: bool = True) -> ImportColumn:
    return ImportColumn("email", "邮箱", comment, parse.email, required=required, width=28)


class StaffImport(ImportKind):
    code, label = "staff", "工作人员账号"
    columns = (
        _login_column(),
        ImportColumn("display_name", "姓名", "姓名或部门名称。", parse.text(60), width=16),
        ImportColumn(
            "organisation",
            "所属单位",
            "与系统中的单位名称一致；推荐单位账号必填。",
            parse.text(120),
            required=False,
            width=34,
        ),
        ImportColumn(
            "role",
            "角色",
            "从下拉列表选择。",
            parse.choice(list(STAFF_ROLES)),
            choices=tuple(role.label for role in STAFF_ROLES),
            width=14,
            show=_label,
        ),
        _email_column("新账号必填：账号开通链接（设置密码）发送到此邮箱。", required=False),
        ImportColumn("mobile", "手机", "11 位手机号码，可不填。", parse.mobile, required=False, width=16),
    )
    key_fields = ("username",)
    example = {
        "username": "bj-amr-01",
        "display_name": "张三",
        "organisation": "北京市市场监督管理局",
        "role": "推荐单位",
        "email": "zhangsan@example.cn",
        "mobile": "13800138000",
    }

    @staticmethod
    def _values(user: User) -> dict:
        return {
            "username": user.username,
            "display_name": user.display_name,
            "organisation": user.organisation.name if user.organisation else None,
            "role": user.role,
            "email": user.email,
            "mobile": user.mobile,
        }

    def holdings(self) -> Holdings:
        staff = db.session.scalars(
            select(User).where(User.role.in_(STAFF_ROLES)).options(selectinload(User.organisation)).order_by(User.id)
        )
        return Holdings(
            {(u.username,): (u, self._values(u)) for u in staff},
            {
                "organisations": {o.name: o for o in db.session.scalars(select(Organisation))},
                "logins": _logins_in_use(),
            },
        )

    def check(self, values, known, holdings):
        problems = []
        organisation = holdings.lookups["organisations"].get(values["organisation"])
        if values["organisation"] and organisation is None:
            problems.append(
                ("organisation", f"系统中没有名为“{values['organisation']}”的单位，请先导入单位或核对名称。")
            )
        elif role_problem := why_not_staff_role(values["role"], organisation):
            problems.append(("organisation", role_problem))
        if known is None and values["username"].lower() in holdings.lookups["logins"]:
            problems.append(("username", LOGIN_TAKEN))
        elif known is None and not values["email"]:
            problems.append(("email", "新账号须填写邮箱：账号开通链接发送到此邮箱。"))
        elif known is not None and (known[1]["role"], known[1]["organisation"]) != (
            values["role"],
            values["organisation"],
        ):
            problems.append(("role", "已有该账号，其角色和所属单位不能通过导入修改，请在“账号”页修改。"))
        return problems

    def create(self, values, holdings, user):
        organisation = holdings.lookups["organisations"].get(values["organisation"])
        staff, _link = invite_staff(
            values["username"],
            values["display_name"],
            values["email"],
            values["role"],
            organisation,
            user,
            values["mobile"],
        )
        return staff

    def update(self, target, values, holdings, user):
        update_staff_details(target, values["display_name"], values["email"], values["mobile"], user)


# --- experts ------------------------------------------------------------------------------------


class ExpertImport(ImportKind):
    code, label = "experts", "评审专家"
    columns = (
        _login_column(),
        ImportColumn("name", "姓名", "专家姓名。", parse.text(40), width=14),
        ImportColumn("organisation", "工作单位", "与候选企业或其推荐单位相同者自动回避。", parse.text(120), width=30),
        ImportColumn(
            "region",
            "所在地区",
            "省级行政区全称或简称；与候选企业同一地区者自动回避。",
            parse.region(REGIONS),
            choices=tuple(REGIONS),
            width=18,
        ),
        ImportColumn(
            "specialities",
            "专业领域",
            "如：电力装备、仪器仪表、测量管理体系；可不填。",
            parse.text(200),
            required=False,
            width=30,
        ),
        _email_column("设置密码的一次性链接发送到此邮箱，由专家本人设置密码。"),
    )
    key_fields = ("username",)
    example = {
        "username": "expert-li",
        "name": "李四",
        "organisation": "中国计量科学研究院",
        "region": "北京市",
        "specialities": "测量管理体系",
        "email": "lisi@example.cn",
    }

    def why_unavailable(self) -> str | None:
        return None if current_campaign() else "尚无申报批次：专家属于一个批次，请先创建批次，再导入专家。"

    @staticmethod
    def _values(expert: ExpertProfile) -> dict:
        return {
            "username": expert.user.username,
            "name": expert.user.display_name,
            "organisation": expert.organisation,
            "region": expert.region,
            "specialities": expert.specialities,
            "email": expert.user.email,
        }

    def holdings(self) -> Holdings:
        """The current campaign's experts; the experts of other campaigns only by login, to refuse them."""
        campaign = current_campaign()
        experts = db.session.scalars(
            select(ExpertProfile).options(selectinload(ExpertProfile.user)).order_by(ExpertProfile.id)
        ).all()
        return Holdings(
            {(e.user.username,): (e, self._values(e)) for e in experts if e.campaign_id == campaign.id},
            {
                "logins": _logins_in_use(),
                "campaign": campaign,
                "other_campaigns": {
                    e.user.username.lower(): e.campaign_id for e in experts if e.campaign_id != campaign.id
                },
            },
        )

    def check(self, values, known, holdings):
        login = values["username"].lower()
        if known is None and login in holdings.lookups["other_campaigns"]:
            return [("username", "该登录名是往年批次的评审专家：专家属于一个批次，本批次请使用新的登录名。")]
        if known is None and login in holdings.lookups["logins"]:
            return [("username", LOGIN_TAKEN)]
        return []

    def create(self, values, holdings, user):
        return create_expert(
            holdings.lookups["campaign"],
            values["username"],
            values["email"],
            values["name"],
            values["organisation"],
            values["region"],
            values["specialities"],
            user,
        )

    def update(self, target, values, holdings, user):
        update_expert(
            target,
            values["email"],
            values["name"],
            values["organisation"],
            values["region"],
            values["specialities"],
            user,
        )


# --- units of earlier batches -------------------------------------------------------------------


def _published_on(campaign: Campaign) -> date:
    return to_local(campaign.published_at).date()


def _published_codes() -> dict[str, int]:
    """The code of each published unit's enterprise → its batch year: a unit is one enterprise."""
    ids = [unit.id for unit in published_units()]
    query = select(Enterprise.uscc, Campaign.year).join(Application.enterprise).join(Application.campaign)
    return dict(db.session.execute(query.where(Application.id.in_(ids))).all())


class UnitImport(ImportKind):
    code, label = "units", "往批示范单位"
    columns = (
        ImportColumn("year", "批次年度", "入选批次的年度，如 2019。", parse.batch_year, width=10, show=str),
        ImportColumn("org_name", "单位名称", "入选时公布的单位名称。", parse.text(120), width=34),
        ImportColumn(
            "uscc",
            "统一社会信用代码",
            "18 位，见营业执照；同一年度、同一代码即为更新该单位。一个企业只能是一个年度的示范单位。",
            parse.uscc,
            width=22,
        ),
        ImportColumn(
            "province",
            "所在地区",
            "省级行政区全称或简称。",
            parse.region(REGIONS),
            choices=tuple(REGIONS),
            width=18,
        ),
        ImportColumn(
            "industry",
            "所处行业",
            "从下拉列表选择（附件2 注2 的 16 个行业）。",
            parse.one_of(INDUSTRIES, "所处行业"),
            choices=tuple(INDUSTRIES),
            width=24,
        ),
        ImportColumn(
            "scale",
            "企业规模",
            "大型或中小型。",
            parse.choice(list(Scale)),
            choices=tuple(scale.label for scale in Scale),
            width=10,
            show=_label,
        ),
        ImportColumn(
            "recommender",
            "推荐单位",
            "与系统中的推荐单位名称一致，请先导入推荐单位。",
            parse.text(120),
            width=30,
        ),
        ImportColumn(
            "published_on",
            "公布日期",
            "名单公布的日期，如 2019-05-20，不早于批次年度的 1 月 1 日；同一年度的各行应相同。",
            parse.day,
            width=14,
            show=date.isoformat,
        ),
    )
    key_fields = ("year", "uscc")
    example = {
        "year": "2019",
        "org_name": "示例精密仪器有限公司",
        "uscc": "91110108MA0000001D",
        "province": "北京市",
        "industry": "仪器仪表",
        "scale": "中小型",
        "recommender": "北京市市场监督管理局",
        "published_on": "2019-05-20",
    }

    @staticmethod
    def _values(application: Application) -> dict:
        return {
            "year": application.campaign.year,
            "org_name": application.org_name,
            "uscc": application.enterprise.uscc,
            "province": application.province,
            "industry": application.industry,
            "scale": application.scale,
            "recommender": application.recommender.name if application.recommender else None,
            "published_on": _published_on(application.campaign),
        }

    def holdings(self) -> Holdings:
        units = db.session.scalars(
            select(Application)
            .where(Application.imported_at.is_not(None))
            .options(
                selectinload(Application.campaign),
                selectinload(Application.enterprise),
                selectinload(Application.recommender),
            )
            .order_by(Application.id)
        )
        batches = db.session.scalars(select(Campaign).where(Campaign.earlier_batch.is_(True)))
        recommenders = db.session.scalars(select(Organisation).where(Organisation.kind.in_(RECOMMENDER_KINDS)))
        return Holdings(
            {(a.campaign.year, a.enterprise.uscc): (a, self._values(a)) for a in units},
            {
                "batches": {campaign.year: campaign for campaign in batches},
                "recommenders": {organisation.name: organisation for organisation in recommenders},
                "units": _published_codes(),
            },
        )

    def check(self, values, known, holdings):
        problems = []
        if values["recommender"] not in holdings.lookups["recommenders"]:
            problems.append(("recommender", f"系统中没有名为“{values['recommender']}”的推荐单位，请先导入推荐单位。"))
        earlier_rows = holdings.seen.setdefault("units", {})
        unit_of = holdings.lookups["units"].get(values["uscc"]) or earlier_rows.get(values["uscc"])
        if known is None and unit_of is not None:
            problems.append(
                (
                    "uscc",
                    f"该企业已是 {unit_of} 年度批次的示范单位：一个企业只有一个示范单位，不能再导入为 {values['year']} 年度的。",
                )
            )
        earlier_rows.setdefault(values["uscc"], values["year"])
        if values["published_on"] < date(values["year"], 1, 1):
            return [*problems, ("published_on", f"公布日期应在批次年度 {values['year']} 年 1 月 1 日或之后。")]
        batch = holdings.lookups["batches"].get(values["year"])
        dates = holdings.seen.setdefault("published_on", {})
        settled = _published_on(batch) if batch else dates.setdefault(values["year"], values["published_on"])
        if values["published_on"] != settled:
            problems.append(
                (
                    "published_on",
                    f"同一年度的公布日期应相同：{values['year']} 年度批次的公布日期为 {settled.isoformat()}。",
                )
            )
        return problems

    def _batch(self, values: dict, holdings: Holdings, user: User) -> Campaign:
        batches = holdings.lookups["batches"]
        if values["year"] not in batches:
            batches[values["year"]] = create_earlier_batch(values["year"], values["published_on"], user)
        return batches[values["year"]]

    def _enterprise(self, values: dict) -> Enterprise:
        """The enterprise with the code, or a new one without an account (it can claim its code later)."""
        enterprise = db.session.scalar(select(Enterprise).where(Enterprise.uscc == values["uscc"]))
        if enterprise is None:
            enterprise = Enterprise(name=values["org_name"], uscc=values["uscc"], contact_name="", mobile="", email="")
            db.session.add(enterprise)
        return enterprise

    def create(self, values, holdings, user):
        campaign = self._batch(values, holdings, user)
        application = Application(
            campaign=campaign, enterprise=self._enterprise(values), imported_at=utcnow(), submitted_at=None
        )
        self.update(application, values, holdings, user)
        application.move_to(ApplicationStatus.SELECTED, user, label=IMPORTED_LABEL, reason=campaign.name)
        db.session.add(application)
        db.session.flush()
        # Decided and published like a unit selected on the portal, so the batch's 公布名单 lists it.
        db.session.add(
            Decision(
                application_id=application.id,
                outcome=DecisionOutcome.SELECTED,
                reason=f"{campaign.year}年度公布名单（导入）",
                decided_by_id=user.id,
                decided_at=campaign.published_at,
            )
        )
        return application

    def update(self, target, values, holdings, user):
        target.org_name, target.province, target.industry, target.scale = (
            values["org_name"],
            values["province"],
            values["industry"],
            values["scale"],
        )
        target.recommender = holdings.lookups["recommenders"][values["recommender"]]


KINDS: dict[str, ImportKind] = {
    kind.code: kind for kind in (OrganisationImport(), StaffImport(), ExpertImport(), UnitImport())
}
