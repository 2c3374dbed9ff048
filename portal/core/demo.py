"""Demo data: a campaign, every recommender, ~60 fictional enterprises in every state.

All names, codes and phone numbers are invented. Loading twice does nothing the second time.
"""

import os
import random
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.accounts.models import Organisation, OrganisationKind, Role, User
from portal.accounts.services import create_staff_user, register_enterprise
from portal.accounts.uscc import uscc_check_character
from portal.applications import services
from portal.applications.models import (
    Application,
    ApplicationStatus,
    AttachmentKind,
    CertificationKind,
    CertificationStatus,
)
from portal.campaigns import services as campaign_services
from portal.campaigns.models import Campaign, Scale
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.timeutil import local_today, utcnow
from portal.imports.kinds import KINDS
from portal.imports.services import confirm_import, preview_import
from portal.imports.sheets import write_sheet
from portal.recommendations import services as recommendation_services
from portal.reference import INDUSTRIES, OWNERSHIP_TYPES, PROVINCES, SEPARATELY_PLANNED_CITIES, XINJIANG_CORPS
from portal.rereview import services as rereview
from portal.rereview.models import ReReview, ReReviewOutcome
from portal.review import services as review_services
from portal.review.models import Assignment, DecisionOutcome, ExpertOpinion
from portal.selfcheck import SELF_CHECK_CODES

DEMO_PASSWORD = "jiliang-demo-2026"
DEMO_CAMPAIGN = "2026年度工业计量标杆示范单位申报"

ASSOCIATIONS = [
    "中国计量测试学会",
    "中国计量协会",
    "中国仪器仪表学会",
    "中国仪器仪表行业协会",
    "中国衡器协会",
    "中国机械工业联合会",
    "中国建筑材料联合会",
    "中国石油和化学工业联合会",
    "中国轻工业联合会",
    "中国钢铁工业协会",
    "中国汽车工业协会",
    "中国电子仪器行业协会",
]
NAME_PARTS = [
    "华研",
    "精测",
    "恒准",
    "中衡",
    "瑞量",
    "启航",
    "鼎盛",
    "宏远",
    "天工",
    "博创",
    "远景",
    "新锐",
    "光大",
    "金桥",
    "长风",
    "海川",
    "云帆",
    "泰和",
    "创铭",
    "致远",
]
SUFFIXES = {
    "新一代信息技术产业": "电子科技",
    "高档数控机床和机器人": "智能装备",
    "航空航天装备": "航空部件",
    "海洋工程装备及高技术船舶": "海工装备",
    "先进轨道交通装备": "轨道装备",
    "节能与新能源汽车": "新能源汽车",
    "电力装备": "电气",
    "农机装备": "农业机械",
    "新材料": "新材料",
    "生物医药及高性能医疗器械": "医疗器械",
    "钢铁": "钢铁",
    "石油和化学": "石化",
    "轻工": "轻工制品",
    "机械": "机械制造",
    "仪器仪表": "仪器仪表",
    "其他": "实业",
}
RETURN_REASONS = [
    "测量管理体系证书已过期，请上传有效证书后重新提交。",
    "自我检查表 3.2.2 项选“√”，但未附实验室认可证书，请补充或更正。",
]
# A tiny, valid PDF, so demo applications have real files to open.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _recommender_organisations() -> list[Organisation]:
    orgs = []
    for province in PROVINCES:
        municipality = province.endswith("市")
        orgs.append(
            Organisation(name=f"{province}市场监督管理局", kind=OrganisationKind.MARKET_REGULATOR, region=province)
        )
        orgs.append(
            Organisation(
                name=f"{province}{'经济和信息化局' if municipality else '工业和信息化厅'}",
                kind=OrganisationKind.INDUSTRY_AUTHORITY,
                region=province,
            )
        )
    orgs.append(
        Organisation(
            name=f"{XINJIANG_CORPS}市场监督管理局", kind=OrganisationKind.MARKET_REGULATOR, region=XINJIANG_CORPS
        )
    )
    orgs.append(
        Organisation(
            name=f"{XINJIANG_CORPS}工业和信息化局", kind=OrganisationKind.INDUSTRY_AUTHORITY, region=XINJIANG_CORPS
        )
    )
    for city, province in SEPARATELY_PLANNED_CITIES.items():
        orgs.append(Organisation(name=f"{city}市场监督管理局", kind=OrganisationKind.CITY_AUTHORITY, region=province))
        orgs.append(Organisation(name=f"{city}工业和信息化局", kind=OrganisationKind.CITY_AUTHORITY, region=province))
    orgs += [Organisation(name=name, kind=OrganisationKind.ASSOCIATION, region="全国") for name in ASSOCIATIONS]
    orgs += [
        Organisation(name=name, kind=OrganisationKind.MINISTRY, region="全国")
        for name in ("国家市场监督管理总局", "工业和信息化部")
    ]
    return orgs


def _uscc(rng: random.Random) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    first17 = "91" + f"{rng.randint(110000, 650000):06d}" + "".join(rng.choice(alphabet) for _ in range(9))
    return first17 + uscc_check_character(first17)


def _pdf(name: str) -> FileStorage:
    return FileStorage(stream=BytesIO(DEMO_PDF), filename=name, content_type="application/pdf")


def _fill_application(
    application, user, rng: random.Random, industry: str, province: str, large: bool, complete: bool
) -> None:
    employees = rng.randint(1200, 9000) if large else rng.randint(80, 990)
    revenue = Decimal(rng.randint(45000, 900000) if large else rng.randint(3000, 38000))
    services.save_fields(
        application,
        user,
        {
            "province": province,
            "city": province.rstrip("省市") + "市" if not province.endswith("市") else province,
            "address": f"{province}高新技术产业开发区创新路{rng.randint(1, 300)}号",
            "postcode": f"{rng.randint(100000, 850000)}",
            "legal_representative": rng.choice(["张明", "李华", "王强", "赵磊", "陈静", "刘洋", "杨帆", "周婷"]),
            "contact_title": rng.choice(["计量室主任", "质量部部长", "计量工程师"]),
            "ownership": rng.choice(OWNERSHIP_TYPES[:6]),
            "industry": industry,
            "employees": employees,
            "revenue": revenue,
            "total_assets": revenue * Decimal("1.6"),
            "main_products": f"{SUFFIXES[industry]}产品及配套服务",
        },
        None,
    )
    if not complete:
        return
    services.save_fields(
        application,
        user,
        {
            "metrology_department": "计量管理中心",
            "fulltime_metrology_staff": rng.randint(3, 40),
            "parttime_metrology_staff": rng.randint(5, 80),
            "instrument_count": rng.randint(300, 20000),
            "highest_standard_count": rng.randint(2, 30),
            "key_processes": rng.randint(10, 200),
            "important_processes": rng.randint(20, 400),
            "general_processes": rng.randint(50, 900),
            "is_key_energy_user": large,
            "energy_use_tce": Decimal(rng.randint(5000, 90000)) if large else None,
            "work_summary": (
                "本单位将计量工作嵌入产品设计、研发、试验、生产和使用全过程，建立了覆盖关键测量过程的计量确认体系，"
                "在线测量数据实时采集并用于过程控制。" * 4
            ),
            "best_practices": (
                "通过测量数据分析驱动工艺改进，关键参数过程能力指数显著提升，产品一次合格率持续提高，"
                "形成了可复制推广的计量保障经验。" * 4
            ),
            "pledged": True,
            "pledge_signatory": "法定代表人",
        },
        None,
    )
    answers = {code: (rng.choices(["yes", "no", "na"], weights=[85, 8, 7])[0], None) for code in SELF_CHECK_CODES}
    answers["3.2.1"] = ("yes", "证书见认证与认可")
    # Few claim the other two certifications; those who do without a certificate get flagged.
    answers["3.2.2"] = rng.choices([("yes", None), ("na", "无独立实验室")], weights=[1, 4])[0]
    answers["3.2.3"] = rng.choices([("yes", None), ("no", "正在准备认证")], weights=[1, 3])[0]
    services.save_self_check(application, user, answers, {}, None)
    expires = local_today() + timedelta(days=rng.randint(-60, 900))
    services.add_certification(
        application,
        user,
        {
            "kind": CertificationKind.QMS,
            "kind_other": None,
            "number": f"0{rng.randint(10, 99)}16Q{rng.randint(10000, 99999)}R0M",
            "issuer": "示例认证有限公司",
            "issued_on": expires - timedelta(days=3 * 365),
            "expires_on": expires,
            "status": rng.choices([CertificationStatus.VALID, CertificationStatus.SUSPENDED], weights=[9, 1])[0],
        },
        _pdf("质量管理体系认证证书.pdf"),
        None,
    )
    services.add_attachment(application, user, AttachmentKind.BUSINESS_LICENCE, _pdf("营业执照.pdf"), None)


DEMO_STAFF_LOGINS = ("admin", "reviewer", "expert", "tuijian-beijing", "tuijian-jiliang")


def demo_accounts_present() -> list[str]:
    """What shows that demo data was loaded: the demo campaign, demo staff logins that accept the demo password."""
    found = []
    if db.session.scalar(select(Campaign.id).where(Campaign.name == DEMO_CAMPAIGN)) is not None:
        found.append(f"批次“{DEMO_CAMPAIGN}”")
    for user in db.session.scalars(select(User).where(User.username.in_(DEMO_STAFF_LOGINS))):
        if user.check_password(DEMO_PASSWORD):
            found.append(user.username)
    return found


def real_data_present() -> bool:
    """Whether the database holds anything the demo did not make (a campaign, an account, an organisation)."""
    if db.session.scalar(select(Campaign.id).where(Campaign.name == DEMO_CAMPAIGN)) is not None:
        return False  # the demo was loaded here before: loading again changes nothing
    return any(db.session.scalar(select(model.id).limit(1)) is not None for model in (Campaign, User, Organisation))


def load_demo() -> list[tuple[str, str, str]]:
    """Create the demo data; returns ``(role, username, note)`` for each demo login.

    Refuses a database that already holds other data: demo accounts with a published password must
    never land in a production database.
    """
    rng = random.Random(2026)
    if real_data_present():
        raise RuleViolation("数据库中已有数据（批次、账号或单位）：演示数据只能载入空数据库。")
    if db.session.scalar(select(Campaign).where(Campaign.name == DEMO_CAMPAIGN)) is None:
        _create(rng)
    enterprise_logins = []
    for status in (ApplicationStatus.RETURNED, ApplicationStatus.UNDER_REVIEW, ApplicationStatus.DRAFT):
        application = db.session.scalar(
            select(Application).where(Application.status == status).order_by(Application.id).limit(1)
        )
        user = db.session.scalar(select(User).where(User.enterprise_id == application.enterprise_id))
        enterprise_logins.append(("企业", user.username, f"{application.display_name}（{status.label}）"))
    unit = db.session.scalar(
        select(ReReview).where(ReReview.submitted_at.is_(None)).order_by(ReReview.id).limit(1)
    ).application
    unit_user = db.session.scalar(select(User).where(User.enterprise_id == unit.enterprise_id))
    enterprise_logins.append(("企业", unit_user.username, f"{unit.display_name}（示范单位，定期复核待提交）"))
    rectifying = db.session.scalar(select(ReReview).where(ReReview.rectification_deadline.is_not(None)).limit(1))
    rectifying_user = db.session.scalar(select(User).where(User.enterprise_id == rectifying.application.enterprise_id))
    enterprise_logins.append(
        ("企业", rectifying_user.username, f"{rectifying.application.display_name}（示范单位，定期复核限期整改）")
    )
    fresh_user = db.session.scalar(select(User).where(User.role == Role.ENTERPRISE).order_by(User.id.desc()).limit(1))
    return enterprise_logins + [
        ("企业", fresh_user.username, f"{fresh_user.display_name}（尚未开始填写）"),
        ("推荐单位", "tuijian-beijing", "北京市市场监督管理局（待处理、已退回、排序中）"),
        ("推荐单位", "tuijian-jiliang", "中国计量测试学会（已报送推荐汇总表）"),
        ("主管部门", "reviewer", "市场监管总局计量司"),
        ("评审专家", "expert", "周建国（中国计量科学研究院），已分配评审任务"),
        ("管理员", "admin", "系统管理员"),
    ]


def _apply(
    rng: random.Random,
    index: int,
    campaign: Campaign,
    recommender: Organisation | None,
    large: bool,
    submit: bool = True,
):
    """A fictional enterprise registers and fills its application; submitted to ``recommender`` if asked."""
    industry = INDUSTRIES[index % len(INDUSTRIES)]
    province = recommender.region if recommender and recommender.region in PROVINCES else rng.choice(PROVINCES)
    name = (
        f"{province[:2]}{NAME_PARTS[index % len(NAME_PARTS)]}{SUFFIXES[industry]}{'股份' if index % 2 else ''}有限公司"
    )
    user = register_enterprise(
        name,
        _uscc(rng),
        rng.choice(["王工", "李工", "张经理", "刘主任"]),
        f"139{rng.randint(10000000, 99999999)}",
        f"metrology{index}@example.cn",
        DEMO_PASSWORD,
    )
    application = services.start_application(user, campaign)
    _fill_application(application, user, rng, industry, province, large, complete=submit or index % 2 == 0)
    if submit:
        services.choose_recommender(application, user, recommender)
        services.submit_application(application, user)
    return application, user


def _accept_and_rank(staff: User, applications, per_scale: int) -> None:
    """The recommender accepts ``applications`` and ranks the first ``per_scale`` of each scale."""
    for application in applications:
        recommendation_services.accept_application(application, staff)
    for scale in Scale:
        for application in [a for a in applications if a.scale == scale][:per_scale]:
            recommendation_services.add_to_ranking(application, staff)


def _submit_list(staff: User, campaign: Campaign) -> None:
    recommendation_services.submit_recommendation(
        campaign,
        staff,
        {
            "lead_department": "计量处",
            "responsible_person": "王处长",
            "contact_person": "李敏",
            "contact_phone": "010-82260000",
            "contact_email": "jiliang@example.gov.cn",
        },
        _pdf("推荐汇总表（盖章）.pdf"),
    )


EXPERTS = [  # name, organisation, region, specialities
    ("周建国", "中国计量科学研究院", "北京市", "测量管理体系、计量标准"),
    ("吴敏", "上海市计量测试技术研究院", "上海市", "仪器仪表、在线计量"),
    ("郑海涛", "广东省计量科学研究院", "广东省", "电力装备、能源计量"),
    ("孙丽华", "浙江省计量科学研究院", "浙江省", "新材料、化学计量"),
    ("马志远", "中国航空工业集团计量测试中心", "陕西省", "航空航天装备"),
    ("何静", "湖北省计量测试技术研究院", "湖北省", "节能与新能源汽车"),
    ("冯涛", "中国计量大学", "浙江省", "计量管理、数据应用"),
    ("林晓", "四川省计量测试研究院", "四川省", "生物医药及高性能医疗器械"),
]


def _review(rng: random.Random, campaign: Campaign, reviewer: User) -> None:
    """Experts assigned (3 per candidate, no conflicts), most scores in, some decisions recorded."""
    for number, (name, organisation, region, specialities) in enumerate(EXPERTS):
        username = "expert" if number == 0 else f"expert{number + 1}"
        expert = review_services.create_expert(
            campaign, username, f"{username}@example.cn", name, organisation, region, specialities, reviewer
        )
        expert.user.set_password(DEMO_PASSWORD)  # as if the expert had used the invitation link
    review_services.auto_assign(campaign, 3, reviewer)
    criteria = campaign_services.rubric(campaign)
    for assignment in db.session.scalars(select(Assignment).order_by(Assignment.id)):
        if rng.random() < 0.25:
            continue  # not scored yet
        strength = rng.uniform(0.6, 0.95)
        values = {
            c.id: (Decimal(round(c.max_score * min(strength + rng.uniform(-0.08, 0.08), 1), 0)), None) for c in criteria
        }
        opinion = ExpertOpinion.RECOMMEND if strength > 0.72 else ExpertOpinion.NOT_RECOMMEND
        review_services.save_scores(
            assignment,
            assignment.expert.user,
            values,
            opinion,
            "计量工作基础扎实，过程控制有效。" if strength > 0.72 else "计量管理体系尚需完善。",
            submit=True,
        )
    for application in review_services.candidates(campaign)[:8]:
        selected = application.id % 3 != 0
        review_services.decide(
            application,
            DecisionOutcome.SELECTED if selected else DecisionOutcome.NOT_SELECTED,
            "专家评审得分靠前，现场核查情况良好。" if selected else "专家评审得分偏低。",
            reviewer,
        )


def _earlier_campaign_under_rereview(rng: random.Random, serial, recommenders, reviewer: User) -> None:
    """A campaign of two years ago, published, whose units are now in a 定期复核 round."""
    now = utcnow()
    earlier = campaign_services.create_campaign(
        {
            "name": f"{now.year - 2}年度工业计量标杆示范单位申报",
            "year": now.year - 2,
            "opens_at": now - timedelta(days=1),
            "closes_at": now + timedelta(days=1),
            "recommend_deadline": now + timedelta(days=2),
        },
        reviewer,
    )
    for recommender, staff in recommenders:
        applications = [
            a for a, _ in (_apply(rng, next(serial), earlier, recommender, large=i % 2 == 0) for i in range(4))
        ]
        _accept_and_rank(staff, applications, per_scale=5)
        _submit_list(staff, earlier)
        for number, application in enumerate(applications):
            outcome = DecisionOutcome.SELECTED if number < 3 else DecisionOutcome.NOT_SELECTED
            review_services.decide(application, outcome, "专家评审和现场核查结论", reviewer)
    review_services.publish(earlier, reviewer)
    # It ran two years ago.
    earlier.opens_at, earlier.closes_at = now - timedelta(days=760), now - timedelta(days=700)
    earlier.recommend_deadline, earlier.published_at, earlier.archived = (
        now - timedelta(days=690),
        now - timedelta(days=600),
        True,
    )
    review_round = rereview.open_round(
        f"{now.year}年度示范单位定期复核", now - timedelta(days=7), now + timedelta(days=30), reviewer
    )
    # Two units submitted: the first failed an on-site check and is ordered to rectify, the second is kept.
    # The sampled units (10 %) passed their checks; the others still have to submit.
    first, second = review_round.reviews[:2]
    for review in (first, second):
        unit = db.session.scalar(select(User).where(User.enterprise_id == review.application.enterprise_id))
        rereview.submit(review, unit)
    rereview.record_on_site_check(
        first,
        local_today() - timedelta(days=2),
        "复核检查组（3 人）",
        "计量标准溯源证书过期 2 项。",
        False,
        None,
        reviewer,
    )
    rereview.order_rectification(
        first, "完成 2 项计量标准的溯源，并提交溯源证书和整改报告。", now + timedelta(days=14), reviewer
    )
    for review in review_round.reviews:
        if review.sample and review is not first:
            rereview.record_on_site_check(
                review,
                local_today() - timedelta(days=1),
                "复核检查组（3 人）",
                "计量管理体系运行有效。",
                True,
                None,
                reviewer,
            )
    rereview.conclude(second, ReReviewOutcome.KEEP, "复核材料齐全，计量管理持续有效。", None, reviewer)


def _import_earlier_units(rng: random.Random, recommenders: list[Organisation], admin: User) -> None:
    """Units of two batches before the portal existed, imported from a sheet as the ministries would
    (/admin/import): published, listed on /units, and in this year's 定期复核 round."""
    kind = KINDS["units"]
    picked = [(org, org.region if org.region in PROVINCES else rng.choice(PROVINCES)) for org in recommenders]
    rows = [
        [
            str(year),
            f"{province[:2]}{NAME_PARTS[number % len(NAME_PARTS)]}计量科技有限公司",
            _uscc(rng),
            province,
            INDUSTRIES[number % len(INDUSTRIES)],
            ("大型", "中小型")[number % 2],
            recommender.name,
            f"{year}-0{5 + year % 2}-20",
        ]
        for year in (2019, 2021)
        for number, (recommender, province) in enumerate(rng.sample(picked, 4))
    ]
    path = write_sheet(kind, rows)
    try:
        planned = preview_import(kind, path).fingerprint  # as the admin confirms what the preview showed
        confirm_import(kind, path, "往批示范单位名单.xlsx", planned, admin)
    finally:
        os.remove(path)


def _create(rng: random.Random) -> None:
    """Every step through the portal's own services, so the data is what real use would leave."""
    now = utcnow()
    campaign = campaign_services.create_campaign(
        {
            "name": DEMO_CAMPAIGN,
            "year": now.year,
            "opens_at": now - timedelta(days=30),
            "closes_at": now + timedelta(days=27),
            "recommend_deadline": now + timedelta(days=38),
            "scoring_deadline": now + timedelta(days=68),
        },
        None,
    )
    organisations = _recommender_organisations()
    db.session.add_all(organisations)
    db.session.flush()
    by_name = {org.name: org for org in organisations}
    beijing, society = by_name["北京市市场监督管理局"], by_name["中国计量测试学会"]
    beijing_staff = create_staff_user(
        "tuijian-beijing", DEMO_PASSWORD, Role.RECOMMENDER, "北京市市场监督管理局 计量处", beijing
    )
    society_staff = create_staff_user(
        "tuijian-jiliang", DEMO_PASSWORD, Role.RECOMMENDER, "中国计量测试学会 秘书处", society
    )
    reviewer = create_staff_user(
        "reviewer", DEMO_PASSWORD, Role.REVIEWER, "市场监管总局计量司", by_name["国家市场监督管理总局"]
    )
    admin = create_staff_user("admin", DEMO_PASSWORD, Role.ADMIN, "系统管理员")
    serial = iter(range(10_000))

    # 北京: a full inbox in progress — to review, returned, one resubmitted after a return, a ranking not yet submitted.
    beijing_applications = [_apply(rng, next(serial), campaign, beijing, large=i % 2 == 0) for i in range(24)]
    _accept_and_rank(beijing_staff, [a for a, _ in beijing_applications[:11]], per_scale=3)
    for (application, _), reason in zip(beijing_applications[11:14], RETURN_REASONS + RETURN_REASONS[:1], strict=True):
        recommendation_services.return_application(application, beijing_staff, reason)
    revised, enterprise_user = beijing_applications[13]
    services.save_fields(
        revised, enterprise_user, {"fulltime_metrology_staff": 18, "main_products": "智能计量仪表及在线校准系统"}, None
    )
    services.submit_application(revised, enterprise_user)

    # 中国计量测试学会: ranked 5 + 5 and submitted; the rest of its inbox becomes 未推荐.
    society_applications = [
        a for a, _ in (_apply(rng, next(serial), campaign, society, large=i % 2 == 0) for i in range(16))
    ]
    _accept_and_rank(society_staff, society_applications[:13], per_scale=5)
    _submit_list(society_staff, campaign)

    # Twelve provinces have submitted their lists; two more have ranked but not yet submitted.
    others = [org for org in organisations if org.is_recommender and org not in (beijing, society)]
    for number, recommender in enumerate(rng.sample(others, 14)):
        staff = create_staff_user(
            f"tuijian-{recommender.id}", DEMO_PASSWORD, Role.RECOMMENDER, f"{recommender.name} 经办人", recommender
        )
        applications = [
            a
            for a, _ in (
                _apply(rng, next(serial), campaign, recommender, large=rng.random() < 0.5)
                for _ in range(rng.randint(2, 4))
            )
        ]
        _accept_and_rank(staff, applications, per_scale=5)
        if number < 12:
            _submit_list(staff, campaign)

    _review(rng, campaign, reviewer)
    _import_earlier_units(rng, [org for org in organisations if org.is_recommender], admin)
    _earlier_campaign_under_rereview(rng, serial, [(beijing, beijing_staff), (society, society_staff)], reviewer)

    for _ in range(6):  # drafts still being written
        _apply(rng, next(serial), campaign, None, large=rng.random() < 0.5, submit=False)
    # One enterprise that has registered and not started, for trying the form from scratch.
    register_enterprise("演示新注册科技有限公司", _uscc(rng), "孙工", "13900000000", "new@example.cn", DEMO_PASSWORD)
    db.session.flush()
