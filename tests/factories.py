"""Plain factory functions: each makes one thing the way the portal would, through its services."""

import itertools
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

from werkzeug.datastructures import FileStorage

from portal.accounts.models import Organisation, OrganisationKind, Role
from portal.accounts.services import create_staff_user, register_enterprise
from portal.accounts.uscc import uscc_check_character
from portal.applications import services
from portal.applications.models import AttachmentKind, CertificationKind, CertificationStatus
from portal.campaigns.models import Campaign
from portal.campaigns.services import create_campaign
from portal.core.extensions import db
from portal.core.timeutil import local_today, utcnow
from portal.selfcheck import SELF_CHECK_CODES

PASSWORD = "Jiliang-Biaogan-2027"  # long and not guessable: passes the password policy
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4b30000000049454e44ae426082"
)
_counter = itertools.count(1)


def valid_uscc(number: int | None = None) -> str:
    first17 = f"91110108MA{(number or next(_counter)):07d}"
    return first17 + uscc_check_character(first17)


def make_campaign(**overrides) -> Campaign:
    now = utcnow()
    values = {
        "name": f"测试批次{next(_counter)}",
        "year": now.year,
        "opens_at": now - timedelta(days=1),
        "closes_at": now + timedelta(days=10),
        "recommend_deadline": now + timedelta(days=20),
    }
    return create_campaign(values | overrides, None)


def make_recommender(name: str | None = None, kind=OrganisationKind.MARKET_REGULATOR, region="北京市") -> Organisation:
    org = Organisation(name=name or f"测试市场监督管理局{next(_counter)}", kind=kind, region=region)
    db.session.add(org)
    db.session.flush()
    return org


def make_enterprise_user(name: str | None = None):
    number = next(_counter)
    return register_enterprise(
        name or f"测试企业{number}有限公司",
        valid_uscc(number),
        "王工",
        "13800138000",
        f"e{number}@example.cn",
        PASSWORD,
    )


def make_staff(role: Role, organisation: Organisation | None = None, username: str | None = None):
    return create_staff_user(
        username or f"{role.value}{next(_counter)}", PASSWORD, role, f"测试{role.label}", organisation
    )


def upload(data: bytes = PDF_BYTES, filename: str = "营业执照.pdf") -> FileStorage:
    return FileStorage(stream=BytesIO(data), filename=filename)


BASIC_VALUES = {
    "org_name": None,
    "province": "北京市",
    "city": "北京市",
    "address": "海淀区测试路 1 号",
    "postcode": "100080",
    "legal_representative": "张明",
    "contact_name": "王工",
    "contact_title": "计量室主任",
    "contact_phone": "13800138000",
    "contact_email": "metrology@example.cn",
    "ownership": "民营企业",
    "industry": "仪器仪表",
    "employees": 1200,
    "revenue": Decimal("50000"),
    "total_assets": Decimal("80000"),
    "main_products": "压力变送器",
}
METROLOGY_VALUES = {
    "metrology_department": "计量管理中心",
    "fulltime_metrology_staff": 5,
    "parttime_metrology_staff": 12,
    "instrument_count": 3000,
    "highest_standard_count": 8,
    "key_processes": 40,
    "important_processes": 90,
    "general_processes": 300,
    "is_key_energy_user": False,
    "energy_use_tce": None,
}
NARRATIVE = "计量工作贯穿设计、研发、试验、生产和使用全过程。" * 10


def complete_application(user, campaign, recommender, employees: int = 1200, revenue: int = 50000):
    """An application with every section filled, ready to submit."""
    application = services.start_application(user, campaign)
    services.save_fields(
        application,
        user,
        BASIC_VALUES | {"org_name": user.enterprise.name, "employees": employees, "revenue": Decimal(revenue)},
        None,
    )
    services.save_fields(
        application,
        user,
        METROLOGY_VALUES
        | {"work_summary": NARRATIVE, "best_practices": NARRATIVE, "pledged": True, "pledge_signatory": "张明"},
        None,
    )
    services.save_self_check(application, user, {code: ("yes", None) for code in SELF_CHECK_CODES}, {}, None)
    services.add_certification(
        application,
        user,
        {
            "kind": CertificationKind.QMS,
            "kind_other": None,
            "number": "00123Q45678R0M",
            "issuer": "测试认证中心",
            "issued_on": local_today() - timedelta(days=365),
            "expires_on": local_today() + timedelta(days=700),
            "status": CertificationStatus.VALID,
        },
        upload(filename="证书.pdf"),
        None,
    )
    services.add_attachment(application, user, AttachmentKind.BUSINESS_LICENCE, upload(), None)
    services.choose_recommender(application, user, recommender)
    return application


def submitted_application(campaign, recommender, employees: int = 1200, revenue: int = 50000, name: str | None = None):
    """A complete application of a new enterprise, submitted to ``recommender``."""
    user = make_enterprise_user(name)
    application = complete_application(user, campaign, recommender, employees, revenue)
    services.submit_application(application, user)
    return application


def accepted_application(campaign, recommender, staff, employees: int = 1200, revenue: int = 50000):
    """A submitted application that ``staff`` of the recommender has accepted into its pool."""
    from portal.recommendations.services import accept_application

    application = submitted_application(campaign, recommender, employees, revenue)
    accept_application(application, staff)
    return application


def submitted_list(campaign, recommender, count: int, username: str | None = None) -> list:
    """``count`` applications accepted, ranked and submitted by ``recommender``: ministry candidates."""
    from portal.recommendations.services import add_to_ranking, submit_recommendation

    staff = make_staff(Role.RECOMMENDER, recommender, username=username)
    applications = []
    for number in range(count):
        application = accepted_application(campaign, recommender, staff, employees=1200 if number % 2 == 0 else 300)
        application.province = recommender.region
        add_to_ranking(application, staff)
        applications.append(application)
    submit_recommendation(
        campaign,
        staff,
        {
            "lead_department": "计量处",
            "responsible_person": "王处长",
            "contact_person": "李敏",
            "contact_phone": "010-82260000",
            "contact_email": "jiliang@example.gov.cn",
        },
        upload(),
    )
    return applications


def make_expert(campaign, username: str, name: str, organisation: str, region: str, specialities, by):
    """An expert added by reviewer ``by``, who has then set the password from the invitation link."""
    from portal.review.services import create_expert

    expert = create_expert(campaign, username, f"{username}@example.cn", name, organisation, region, specialities, by)
    expert.user.set_password(PASSWORD)
    return expert
