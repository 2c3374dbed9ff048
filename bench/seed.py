"""Bulk data for the benchmarks: thousands of complete applications in one campaign, written with
SQLAlchemy's bulk INSERT (not the services, which would take minutes for 10,000).
"""

import random
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import insert

from portal.accounts.models import Enterprise, Organisation, OrganisationKind, Role
from portal.accounts.services import create_staff_user
from portal.applications.models import (
    Application,
    ApplicationStatus,
    Certification,
    CertificationKind,
    CertificationStatus,
    SelfCheckAnswer,
)
from portal.campaigns.models import Campaign, Scale
from portal.campaigns.services import create_campaign
from portal.core.extensions import db
from portal.core.timeutil import local_today, utcnow
from portal.files import StoredFile
from portal.reference import INDUSTRIES, PROVINCES
from portal.selfcheck import SELF_CHECK_CODES

BATCH = 1000
PASSWORD = "bench-jiliang-2026"


def make_campaign() -> Campaign:
    now = utcnow()
    values = {
        "name": "基准测试批次",
        "year": now.year,
        "opens_at": now - timedelta(days=30),
        "closes_at": now + timedelta(days=10),
        "recommend_deadline": now + timedelta(days=20),
    }
    return create_campaign(values, None)


def make_recommenders(count: int) -> list[Organisation]:
    organisations = [
        Organisation(
            name=f"基准推荐单位{number:03d}",
            kind=OrganisationKind.MARKET_REGULATOR,
            region=PROVINCES[number % len(PROVINCES)],
        )
        for number in range(count)
    ]
    db.session.add_all(organisations)
    db.session.flush()
    return organisations


def make_recommender_login(organisation: Organisation, username: str):
    return create_staff_user(username, PASSWORD, Role.RECOMMENDER, "基准测试经办人", organisation)


def _placeholder_file(uploader_id: int) -> int:
    """One file record every certificate points to; the benchmarks never read its bytes."""
    stored = StoredFile(
        stored_name=f"bench-{uploader_id}",
        original_name="证书.pdf",
        content_type="application/pdf",
        size=1,
        uploaded_by_id=uploader_id,
    )
    db.session.add(stored)
    db.session.flush()
    return stored.id


def seed_applications(
    campaign: Campaign,
    recommenders: list[Organisation],
    count: int,
    uploader_id: int,
    statuses=(ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED),
    seed: int = 1,
) -> list[int]:
    """``count`` complete applications spread over ``recommenders``: 33 answers and a certificate each."""
    rng = random.Random(seed)
    file_id = _placeholder_file(uploader_id)
    ids: list[int] = []
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        enterprise_ids = db.session.scalars(
            insert(Enterprise).returning(Enterprise.id),
            [
                {
                    "name": f"基准企业{start + i:05d}有限公司",
                    "uscc": f"91B{seed:03d}{start + i:012d}",
                    "contact_name": "王工",
                    "mobile": "13800138000",
                    "email": f"bench{start + i}@example.cn",
                }
                for i in range(size)
            ],
        ).all()
        rows = []
        for i, enterprise_id in enumerate(enterprise_ids):
            recommender = recommenders[(start + i) % len(recommenders)]
            large = rng.random() < 0.45
            rows.append(
                {
                    "campaign_id": campaign.id,
                    "enterprise_id": enterprise_id,
                    "recommender_id": recommender.id,
                    "status": statuses[(start + i) % len(statuses)],
                    "submitted_at": utcnow(),
                    "org_name": f"基准企业{start + i:05d}有限公司",
                    "province": recommender.region,
                    "city": "测试市",
                    "contact_name": "王工",
                    "contact_phone": "13800138000",
                    "contact_email": f"bench{start + i}@example.cn",
                    "industry": INDUSTRIES[(start + i) % len(INDUSTRIES)],
                    "ownership": "民营企业",
                    "employees": rng.randint(1000, 9000) if large else rng.randint(50, 990),
                    "revenue": Decimal(rng.randint(40000, 900000) if large else rng.randint(1000, 39000)),
                    "total_assets": Decimal(rng.randint(5000, 900000)),
                    "scale": Scale.LARGE if large else Scale.SME,
                    "pledged": True,
                }
            )
        application_ids = db.session.scalars(insert(Application).returning(Application.id), rows).all()
        db.session.execute(
            insert(SelfCheckAnswer),
            [
                {
                    "application_id": application_id,
                    "item_code": code,
                    "answer": rng.choices(["yes", "no", "na"], weights=[85, 8, 7])[0],
                }
                for application_id in application_ids
                for code in SELF_CHECK_CODES
            ],
        )
        db.session.execute(
            insert(Certification),
            [
                {
                    "application_id": application_id,
                    "kind": CertificationKind.QMS,
                    "number": f"Q{application_id}",
                    "issuer": "示例认证有限公司",
                    "issued_on": local_today() - timedelta(days=700),
                    "expires_on": local_today() + timedelta(days=rng.randint(-60, 700)),
                    "status": CertificationStatus.VALID,
                    "certificate_file_id": file_id,
                }
                for application_id in application_ids
            ],
        )
        ids.extend(application_ids)
    db.session.flush()
    return ids


def analyse_tables() -> None:
    """Give PostgreSQL's planner the statistics a database in use has (autovacuum would, later)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
