"""A campaign with two recommended candidates of 北京, seen by everyone who may or may not see them."""

from pypdf import PdfReader

from portal.accounts.models import Role
from portal.core.extensions import db
from portal.review import services as review
from tests.factories import (
    make_campaign,
    make_enterprise_user,
    make_expert,
    make_recommender,
    make_staff,
    submitted_list,
)


def build_world() -> dict:
    campaign = make_campaign()
    ours = make_recommender("北京市市场监督管理局")
    theirs = make_recommender("天津市市场监督管理局", region="天津市")
    applications = submitted_list(campaign, ours, 2, username="beijing")
    make_staff(Role.RECOMMENDER, theirs, username="tianjin")
    reviewer = make_staff(Role.REVIEWER, username="reviewer")
    make_staff(Role.ADMIN, username="admin")
    assigned = make_expert(campaign, "expert", "李专家", "上海计量院", "上海市", None, reviewer)
    make_expert(campaign, "expert2", "王专家", "广东计量院", "广东省", None, reviewer)
    review.assign(applications[0], assigned, reviewer)
    stranger = make_enterprise_user("别家企业有限公司")
    db.session.commit()
    return {
        "campaign": campaign.id,
        "application": applications[0].id,
        "other": applications[1].id,
        "enterprise": applications[0].enterprise.uscc,
        "stranger": stranger.username,
    }


def pdf_pages(data: bytes) -> list[str]:
    from io import BytesIO

    return [page.extract_text() or "" for page in PdfReader(BytesIO(data)).pages]
