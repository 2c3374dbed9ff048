"""The page cache (portal.fragments): busy pages are rendered once per change and never show stale data."""
import re

import pytest
from sqlalchemy import select, update

from portal import fragments
from portal.accounts.models import Role, User
from portal.admin.models import Campaign
from portal.applications import services as application_services
from portal.applications.models import Application, ApplicationStatus, SelfCheckAnswer
from portal.extensions import db
from portal.notifications.models import Notification
from portal.recommendations.services import return_application
from portal.review import services as review_services
from portal.review.models import DecisionOutcome
from tests.conftest import login
from tests.factories import (PASSWORD, complete_application, make_campaign, make_enterprise_user, make_recommender, make_staff,
                             submitted_application, submitted_list)


@pytest.fixture
def app(make_app, redis_url):
    return make_app(REDIS_URL=redis_url)


@pytest.fixture
def world(app):
    """A campaign with two candidates of 北京, one application submitted to 上海, one enterprise drafting."""
    with app.app_context():
        campaign = make_campaign()
        beijing, shanghai = make_recommender("北京市市场监督管理局"), make_recommender("上海市市场监督管理局", region="上海市")
        candidates = submitted_list(campaign, beijing, 2)
        make_staff(Role.REVIEWER, username="reviewer")
        make_staff(Role.RECOMMENDER, shanghai, username="tuijian-shanghai")
        waiting = submitted_application(campaign, shanghai, name="上海待受理企业")
        drafting = make_enterprise_user("起草中企业")
        draft = complete_application(drafting, campaign, shanghai)
        db.session.commit()
        return {"candidates": [a.id for a in candidates], "waiting": waiting.id, "draft": draft.id,
                "drafting": drafting.username, "campaign": campaign.id}


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
        review_services.decide(db.session.get(Application, world["candidates"][0]), DecisionOutcome.SELECTED, "示范作用突出",
                               db.session.scalar(select(User).where(User.username == "reviewer")))
        db.session.commit()
    assert "入选</span>" in reviewer.get("/review/candidates").get_data(as_text=True)


def test_a_return_shows_in_the_inbox_on_the_next_request(app, world):
    recommender = _logged_in(app, "tuijian-shanghai")
    assert "退回修改" not in _inbox_table(recommender)
    with app.app_context():
        return_application(db.session.get(Application, world["waiting"]),
                           db.session.scalar(select(User).where(User.username == "tuijian-shanghai")), "请补充证书")
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
        return db.session.scalar(select(User.username).where(User.role == Role.RECOMMENDER, User.username != "tuijian-shanghai"))


def test_an_enterprise_sees_its_saved_draft_and_the_form_carries_its_own_token(app, world):
    """Two sessions of one enterprise share the cached form; each gets a CSRF token that works for it."""
    app.config["WTF_CSRF_ENABLED"] = True
    sessions = [app.test_client(), app.test_client()]
    for client in sessions:
        token = _token(client.get("/account/login").get_data(as_text=True))
        response = client.post("/account/login", data={"csrf_token": token, "username": world["drafting"], "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    pages = [client.get("/application/section/basic").get_data(as_text=True) for client in sessions]
    assert _token(pages[0]) != _token(pages[1])
    form = {"csrf_token": _token(pages[1]), "org_name": "起草中企业", "province": "北京市", "city": "北京市",
            "main_products": "新的主营产品", "save": "1"}
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
        assert fragments.scopes_of(session, draft) == {f"application:{draft.id}"}
        assert fragments.scopes_of(session, answer) == {f"application:{draft.id}"}  # a draft's part: lists unaffected
        assert fragments.scopes_of(session, waiting) == {f"application:{waiting.id}", "lists"}
        draft.status = ApplicationStatus.SUBMITTED
        assert fragments.scopes_of(session, draft) == {f"application:{draft.id}", "lists"}  # it enters an inbox
        assert fragments.scopes_of(session, session.get(Campaign, world["campaign"])) == {"settings"}
        assert fragments.scopes_of(session, Notification(user_id=1, message="x")) == set()
        session.rollback()


def test_a_draft_save_leaves_the_lists_cached_and_a_bulk_update_does_not(app, world):
    store = app.extensions["fragments"]
    with app.app_context():
        before = store.generations(("settings", "lists", f"application:{world['draft']}"))
        draft = db.session.get(Application, world["draft"])
        user = db.session.scalar(select(User).where(User.username == world["drafting"]))
        application_services.save_fields(draft, user, {"main_products": "草稿修改"}, None)
        db.session.commit()
        after_draft = store.generations(("settings", "lists", f"application:{world['draft']}"))
        db.session.execute(update(Campaign).values(quota_large=6))
        db.session.commit()
        after_bulk = store.generations(("settings", "lists", f"application:{world['draft']}"))
    assert after_draft[:2] == before[:2] and after_draft[2] != before[2]
    assert after_bulk[0] != after_draft[0]


def test_a_redis_outage_renders_the_page_in_full(app, world, monkeypatch):
    from redis import RedisError

    def unavailable(*args):
        raise RedisError("down")

    monkeypatch.setattr(fragments.FragmentStore, "generations", unavailable)
    reviewer = _logged_in(app, "reviewer")
    assert "共 2 家" in reviewer.get("/review/candidates").get_data(as_text=True)
