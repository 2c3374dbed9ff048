"""The page cache (portal.core.page_cache): busy pages are rendered once per change and never show stale data."""

import re

import pytest
from sqlalchemy import select, update

from portal.accounts.models import Role, User
from portal.applications import services as application_services
from portal.applications.models import Application, ApplicationStatus, SelfCheckAnswer
from portal.campaigns.models import Campaign
from portal.core import page_cache
from portal.core.extensions import db
from portal.notifications.models import Notification
from portal.recommendations.services import return_application
from portal.review import services as review_services
from portal.review.models import DecisionOutcome
from tests.conftest import login
from tests.factories import (
    PASSWORD,
    complete_application,
    make_campaign,
    make_enterprise_user,
    make_recommender,
    make_staff,
    submitted_application,
    submitted_list,
)


@pytest.fixture
def app(make_app, redis_url):
    return make_app(REDIS_URL=redis_url)


@pytest.fixture
def world(app):
    """A campaign with two candidates of 北京, one application submitted to 上海, one enterprise drafting."""
    with app.app_context():
        campaign = make_campaign()
        beijing, shanghai = (
            make_recommender("北京市市场监督管理局"),
            make_recommender("上海市市场监督管理局", region="上海市"),
        )
        candidates = submitted_list(campaign, beijing, 2)
        make_staff(Role.REVIEWER, username="reviewer")
        make_staff(Role.RECOMMENDER, shanghai, username="tuijian-shanghai")
        waiting = submitted_application(campaign, shanghai, name="上海待受理企业")
        drafting = make_enterprise_user("起草中企业")
        draft = complete_application(drafting, campaign, shanghai)
        db.session.commit()
        return {
            "candidates": [a.id for a in candidates],
            "waiting": waiting.id,
            "draft": draft.id,
            "drafting": drafting.username,
            "campaign": campaign.id,
        }


def _logged_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def test_a_repeated_page_is_served_from_the_cache(app, world, count_queries):
    reviewer = _logged_in(app, "reviewer")
    first = reviewer.get("/review/candidates")
    count_queries.clear()
    second = reviewer.get("/review/candidates")
    assert second.data == first.data
    assert not any("ranking_entry" in statement for statement in count_queries)  # the candidate query did not run
    other_page = reviewer.get("/review/candidates?sort=name")
    assert other_page.status_code == 200 and any("ranking_entry" in statement for statement in count_queries)


def test_a_decision_shows_on_the_next_request(app, world):
    reviewer = _logged_in(app, "reviewer")
    assert "入选</span>" not in reviewer.get("/review/candidates").get_data(as_text=True)
    with app.app_context():
        review_services.decide(
            db.session.get(Application, world["candidates"][0]),
            DecisionOutcome.SELECTED,
            "示范作用突出",
            db.session.scalar(select(User).where(User.username == "reviewer")),
        )
        db.session.commit()
    assert "入选</span>" in reviewer.get("/review/candidates").get_data(as_text=True)


def test_a_return_shows_in_the_inbox_on_the_next_request(app, world):
    recommender = _logged_in(app, "tuijian-shanghai")
    assert "退回修改" not in _inbox_table(recommender)
    with app.app_context():
        return_application(
            db.session.get(Application, world["waiting"]),
            db.session.scalar(select(User).where(User.username == "tuijian-shanghai")),
            "请补充证书",
        )
        db.session.commit()
    assert "退回修改" in _inbox_table(recommender)


def _inbox_table(client) -> str:
    return client.get("/recommender/").get_data(as_text=True).split("<tbody>")[1]


def test_each_recommender_sees_its_own_cached_inbox(app, world):
    shanghai = _logged_in(app, "tuijian-shanghai").get("/recommender/").get_data(as_text=True)
    beijing_staff = _beijing_staff(app)
    beijing = _logged_in(app, beijing_staff).get("/recommender/").get_data(as_text=True)
    assert "上海待受理企业" in shanghai and "上海待受理企业" not in beijing


def _beijing_staff(app) -> str:
    with app.app_context():
        return db.session.scalar(
            select(User.username).where(User.role == Role.RECOMMENDER, User.username != "tuijian-shanghai")
        )


def test_an_enterprise_sees_its_saved_draft_and_the_form_carries_its_own_token(app, world):
    """Two sessions of one enterprise share the cached form; each gets a CSRF token that works for it."""
    app.config["WTF_CSRF_ENABLED"] = True
    sessions = [app.test_client(), app.test_client()]
    for client in sessions:
        token = _token(client.get("/account/login").get_data(as_text=True))
        response = client.post(
            "/account/login", data={"csrf_token": token, "username": world["drafting"], "password": PASSWORD}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    pages = [client.get("/application/section/basic").get_data(as_text=True) for client in sessions]
    assert _token(pages[0]) != _token(pages[1])
    form = {
        "csrf_token": _token(pages[1]),
        "org_name": "起草中企业",
        "province": "北京市",
        "city": "北京市",
        "main_products": "新的主营产品",
        "save": "1",
    }
    assert sessions[1].post("/application/section/basic", data=form).status_code == 302
    assert "新的主营产品" in sessions[0].get("/application/section/basic").get_data(as_text=True)


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_without_redis_nothing_is_cached(make_app):
    assert make_app(REDIS_URL=None).extensions["fragments"] is None


def test_scopes_of_each_change(app, world):
    with app.app_context():
        session = db.session
        draft = session.get(Application, world["draft"])
        waiting = session.get(Application, world["waiting"])
        answer = session.scalar(select(SelfCheckAnswer).where(SelfCheckAnswer.application_id == draft.id).limit(1))
        drafting, waiting_enterprise = f"enterprise:{draft.enterprise_id}", f"enterprise:{waiting.enterprise_id}"
        assert page_cache.scopes_of(session, draft) == {drafting}
        assert page_cache.scopes_of(session, answer) == {drafting}  # a draft's part: the lists are unaffected
        assert page_cache.scopes_of(session, waiting) == {waiting_enterprise, "lists"}
        draft.status = ApplicationStatus.SUBMITTED
        assert page_cache.scopes_of(session, draft) == {drafting, "lists"}  # it enters an inbox
        assert page_cache.scopes_of(session, session.get(Campaign, world["campaign"])) == {"settings"}
        assert page_cache.scopes_of(session, Notification(user_id=1, message="x")) == set()
        session.rollback()
        session.expunge_all()
        orphan = session.scalar(select(SelfCheckAnswer).limit(1))  # its application is not loaded
        assert page_cache.scopes_of(session, orphan) == {"settings"}


def _generations(app, *scopes: str) -> list[str]:
    return app.extensions["fragments"].lookup("none", "none", scopes)[0].split(",")


def test_a_draft_save_leaves_the_lists_cached_and_a_bulk_update_does_not(app, world):
    with app.app_context():
        draft = db.session.get(Application, world["draft"])
        scopes = ("settings", "lists", f"enterprise:{draft.enterprise_id}")
        before = _generations(app, *scopes)
        user = db.session.scalar(select(User).where(User.username == world["drafting"]))
        application_services.save_fields(draft, user, {"main_products": "草稿修改"}, None)
        db.session.commit()
        after_draft = _generations(app, *scopes)
        db.session.execute(update(Campaign).values(quota_large=6))
        db.session.commit()
        after_bulk = _generations(app, *scopes)
    assert after_draft[:2] == before[:2] and after_draft[2] != before[2]
    assert after_bulk[0] != after_draft[0]


def test_generations_move_when_the_transaction_commits_not_when_a_savepoint_ends(app, world):
    with app.app_context():
        before = _generations(app, "settings")
        db.session.get(Campaign, world["campaign"]).quota_large = 7
        db.session.flush()
        with db.session.begin_nested():
            pass
        assert _generations(app, "settings") == before
        db.session.commit()
        assert _generations(app, "settings") != before


def test_what_one_user_can_make_the_cache_hold_is_bounded(app, world, monkeypatch, redis_url):
    import redis

    monkeypatch.setattr(page_cache, "VARIANTS", 3)
    reviewer = _logged_in(app, "reviewer")
    for number in range(5):
        assert reviewer.get(f"/review/candidates?q=x{number}").status_code == 200
    hashes = list(redis.Redis.from_url(redis_url).scan_iter(app.config["REDIS_KEY_PREFIX"] + "fragment:[0-9a-f]*"))
    assert len(hashes) == 1 and redis.Redis.from_url(redis_url).hlen(hashes[0]) <= 3


def test_a_redis_outage_renders_the_page_in_full(app, world, monkeypatch):
    from redis import RedisError

    def unavailable(*args):
        raise RedisError("down")

    monkeypatch.setattr(page_cache.FragmentStore, "lookup", unavailable)
    reviewer = _logged_in(app, "reviewer")
    assert "共 2 家" in reviewer.get("/review/candidates").get_data(as_text=True)
