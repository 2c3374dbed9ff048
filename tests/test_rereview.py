"""定期复核: published units update their self-check and certificates; reviewers keep or revoke."""

from datetime import datetime, timedelta
from io import BytesIO

import pytest
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.applications.models import Application, CertificationKind, CertificationStatus
from portal.campaigns.models import Campaign
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.timeutil import local_today, utcnow
from portal.rereview import services as rereview
from portal.rereview.history import answer_changes, answer_comparison, answers_before, history_of
from portal.rereview.models import ReReview, ReReviewOutcome, ReReviewState
from portal.review import services
from portal.review.models import DecisionOutcome
from portal.selfcheck import SELF_CHECK_CODES, SELF_CHECK_ITEMS
from tests.conftest import login
from tests.factories import PDF_BYTES, make_campaign, make_recommender, make_staff, submitted_list


@pytest.fixture
def world(app):
    """A published campaign: two units selected, one not; a re-review round open now."""
    with app.app_context():
        campaign = make_campaign()
        reviewer = make_staff(Role.REVIEWER, username="reviewer")
        kept, revoked, rejected = submitted_list(campaign, make_recommender("北京市市场监督管理局"), 3)
        for application, outcome in (
            (kept, DecisionOutcome.SELECTED),
            (revoked, DecisionOutcome.SELECTED),
            (rejected, DecisionOutcome.NOT_SELECTED),
        ):
            services.decide(application, outcome, "综合评审意见", reviewer)
        services.publish(campaign, reviewer)
        review_round = rereview.open_round(
            "2027年度定期复核", utcnow() - timedelta(hours=1), utcnow() + timedelta(days=30), reviewer
        )
        for review in review_round.reviews:  # the sampled unit (10 % of 2, rounded up: one) passed its check
            if review.sample:
                rereview.record_on_site_check(
                    review, local_today(), "复核检查组", "计量管理体系运行有效", True, None, reviewer
                )
        db.session.commit()
        return {
            "kept": kept.id,
            "revoked": revoked.id,
            "rejected": rejected.id,
            "round": review_round.id,
            "campaign": campaign.id,
        }


def _user_of(application_id: int) -> User:
    application = db.session.get(Application, application_id)
    return db.session.scalar(select(User).where(User.enterprise_id == application.enterprise_id))


def _review(application_id: int) -> ReReview:
    return db.session.scalar(select(ReReview).where(ReReview.application_id == application_id))


def test_a_round_covers_published_units_and_starts_from_their_answers(app, world):
    with app.app_context():
        reviews = db.session.scalars(select(ReReview)).all()
        assert sorted(r.application_id for r in reviews) == sorted([world["kept"], world["revoked"]])
        review = _review(world["kept"])
        assert len(review.answers) == len(SELF_CHECK_CODES) and len(review.certificates) == 1
        assert review.state_at(utcnow()) == ReReviewState.AWAITING_UPDATE


def test_round_rules(app, world):
    with app.app_context():
        reviewer = db.session.scalar(select(User).where(User.username == "reviewer"))
        with pytest.raises(RuleViolation, match="晚于开始时间"):
            rereview.open_round("另一次", utcnow(), utcnow() - timedelta(days=1), reviewer)
        with pytest.raises(RuleViolation, match="同名"):
            rereview.open_round("2027年度定期复核", utcnow(), utcnow() + timedelta(days=1), reviewer)


def test_unit_updates_submits_and_reviewer_keeps_or_revokes(client, app, world):
    with app.app_context():
        kept_login, revoked_login = _user_of(world["kept"]).username, _user_of(world["revoked"]).username
    login(client, kept_login)
    page = client.get("/rereview/").get_data(as_text=True)
    assert (
        "2027年度定期复核" in page and '定期复核 <span class="badge text-bg-warning">待提交</span></a>' in page
    )  # the nav
    answers = {f"answer-{code}": "yes" for code in SELF_CHECK_CODES} | {"answer-1.1": "no", "remark-1.1": "大纲修订中"}
    assert client.post("/rereview/", data=answers).status_code == 302
    response = client.post(
        "/rereview/certificates",
        data={
            "kind": "mms",
            "number": "MMS-2027-01",
            "issuer": "中启计量体系认证中心",
            "issued_on": "2026-01-01",
            "expires_on": "2029-01-01",
            "status": "valid",
            "certificate": (BytesIO(PDF_BYTES), "测量管理体系证书.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    client.post("/rereview/submit")
    with app.app_context():
        review = _review(world["kept"])
        assert review.submitted_at is not None and review.answers_by_code()["1.1"].remark == "大纲修订中"
        assert {c.kind for c in review.certificates} == {CertificationKind.QMS, CertificationKind.MMS}
        assert all(c.status == CertificationStatus.VALID for c in review.certificates)
    page = client.get("/rereview/").get_data(as_text=True)
    assert "已于" in page and ">定期复核</a>" in page  # still in the nav, no longer 待提交
    client.post("/rereview/", data=answers | {"answer-1.1": "yes"})
    with app.app_context():
        assert _review(world["kept"]).answers_by_code()["1.1"].answer.value == "no"  # locked after submission

    login(client, "reviewer")
    with app.app_context():
        kept_id, revoked_id = _review(world["kept"]).id, _review(world["revoked"]).id
    page = client.get(f"/review/rereviews/entry/{kept_id}").get_data(as_text=True)
    assert "大纲修订中" in page and "MMS-2027-01" in page
    response = client.post(f"/review/rereviews/entry/{kept_id}/conclude", data={"outcome": "keep", "reason": ""})
    assert response.status_code == 422 and "请填写结论理由" in response.get_data(as_text=True)
    client.post(f"/review/rereviews/entry/{kept_id}/conclude", data={"outcome": "keep", "reason": "计量管理持续有效"})
    # The other unit has not submitted: no conclusion while its window is open.
    response = client.post(
        f"/review/rereviews/entry/{revoked_id}/conclude", data={"outcome": "revoke", "reason": "未按期提交复核材料"}
    )
    assert response.status_code == 422 and "尚未提交" in response.get_data(as_text=True)
    with app.app_context():
        review_round = _review(world["revoked"]).round
        review_round.opens_at, review_round.closes_at = utcnow() - timedelta(days=40), utcnow() - timedelta(days=1)
        db.session.commit()
    client.post(
        f"/review/rereviews/entry/{revoked_id}/conclude", data={"outcome": "revoke", "reason": "未按期提交复核材料"}
    )
    with app.app_context():
        assert _review(world["kept"]).outcome == ReReviewOutcome.KEEP
        assert _review(world["revoked"]).outcome == ReReviewOutcome.REVOKE
        kept_name = db.session.get(Application, world["kept"]).org_name
        revoked_name = db.session.get(Application, world["revoked"]).org_name
        assert db.session.get(Application, world["revoked"]).events[-1].label == "定期复核：撤销"
    public = client.get("/units").get_data(as_text=True)
    assert kept_name in public and revoked_name not in public
    login(client, revoked_login)
    assert client.get("/rereview/").status_code == 404  # the round is closed


def test_only_the_unit_itself_reaches_its_re_review(client, app, world):
    with app.app_context():
        outsider = _user_of(world["rejected"]).username
    login(client, outsider)
    assert client.get("/rereview/").status_code == 404
    assert client.post("/rereview/submit").status_code == 404
    with app.app_context():
        review = _review(world["kept"])
        with pytest.raises(RuleViolation, match="不是本单位"):
            rereview.submit(review, _user_of(world["rejected"]))


def test_next_round_starts_from_the_last_update(app, world):
    with app.app_context():
        unit = _user_of(world["kept"])
        review = _review(world["kept"])
        rereview.save_answers(
            review, unit, {code: ("yes", None) for code in SELF_CHECK_CODES} | {"2.1": ("na", "改制中")}
        )
        rereview.submit(review, unit)
        reviewer = db.session.scalar(select(User).where(User.username == "reviewer"))
        rereview.conclude(review, ReReviewOutcome.KEEP, "计量管理持续有效", None, reviewer)
        review.round.closes_at = utcnow()  # a new round follows a closed and concluded one
        revoked = _review(world["revoked"])
        rereview.conclude(revoked, ReReviewOutcome.REVOKE, "未提交复核材料", None, reviewer)
        later = rereview.open_round("2029年度定期复核", datetime(2029, 3, 1), datetime(2029, 5, 1), reviewer)
        following = next(r for r in later.reviews if r.application_id == world["kept"])
        assert following.answers_by_code()["2.1"].remark == "改制中"
        assert [r.round.name for r in history_of(db.session.get(Application, world["kept"]))] == [
            "2027年度定期复核",
            "2029年度定期复核",
        ]
        assert db.session.get(Campaign, world["campaign"]).published_at is not None


def test_the_reviewer_sees_every_item_with_the_answer_before_and_now(client, app, world):
    """One comparison (history.answer_comparison) for the entry page and the history's changes."""
    with app.app_context():
        review = _review(world["kept"])
        kept = {a.item_code: (a.answer.value if a.answer else None, a.remark) for a in review.answers}
        rereview.save_answers(review, _user_of(world["kept"]), kept | {"1.1": ("no", "大纲修订中")})
        before, after = answers_before(review, history_of(review.application)), review.answers_by_code()
        rows = answer_comparison(before, after)
        assert [row.item.code for row in rows] == [item.code for item in SELF_CHECK_ITEMS]
        (changed,) = answer_changes(before, after)
        assert changed.item.code == "1.1" and (changed.before, changed.after, changed.remark) == (
            "√",
            "×",
            "大纲修订中",
        )
        assert [row for row in rows if row.changed] == [changed]
        db.session.commit()
        review_id = review.id
    login(client, "reviewer")
    page = client.get(f"/review/rereviews/entry/{review_id}").get_data(as_text=True)
    assert page.count('<tr class="table-warning">') == 1
    assert (
        '<td class="text-center">√</td><td class="text-center fw-semibold">×</td><td class="small">大纲修订中</td>'
        in page
    )
