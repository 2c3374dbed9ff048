"""Application state changes at the service level: each transition and each refusal."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.applications import services
from portal.applications.models import Application, ApplicationStatus, ApplicationVersion
from portal.audit import AuditEntry
from portal.campaigns.models import Scale
from portal.core.errors import RuleViolation, StaleEdit
from portal.core.extensions import db
from portal.core.timeutil import utcnow
from tests.factories import complete_application, make_campaign, make_enterprise_user, make_recommender

pytestmark = pytest.mark.usefixtures("ctx")


@pytest.fixture
def setup():
    campaign = make_campaign()
    recommender = make_recommender()
    user = make_enterprise_user()
    return campaign, recommender, user


def test_start_creates_one_draft_per_enterprise_and_campaign(setup):
    campaign, _, user = setup
    first = services.start_application(user, campaign)
    again = services.start_application(user, campaign)
    assert first.id == again.id
    assert first.status == ApplicationStatus.DRAFT
    assert first.org_name == user.enterprise.name


def test_database_refuses_a_second_application_for_the_same_campaign(setup):
    campaign, _, user = setup
    services.start_application(user, campaign)
    db.session.add(Application(campaign_id=campaign.id, enterprise_id=user.enterprise_id))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_saving_derives_the_scale_from_the_figures(setup):
    campaign, _, user = setup
    application = services.start_application(user, campaign)
    services.save_fields(application, user, {"employees": 1000, "revenue": 40000}, None)
    assert application.scale == Scale.LARGE
    services.save_fields(application, user, {"employees": 999}, None)
    assert application.scale == Scale.SME


def test_a_stale_version_is_refused(setup):
    campaign, _, user = setup
    application = services.start_application(user, campaign)
    version = application.version
    services.save_fields(application, user, {"city": "北京市"}, version)
    with pytest.raises(StaleEdit):
        services.save_fields(application, user, {"city": "天津市"}, version)


def test_submit_lists_every_missing_field(setup):
    campaign, _, user = setup
    application = services.start_application(user, campaign)
    with pytest.raises(services.IncompleteApplication) as refused:
        services.submit_application(application, user)
    missing = {(problem.section, problem.field) for problem in refused.value.missing}
    assert ("basic", "industry") in missing
    assert ("selfcheck", "item-1.1") in missing
    self_check = next(problem for problem in refused.value.missing if problem.section == "selfcheck")
    assert "尚有 33 项未作答" in self_check.message
    assert ("attachments", "business_licence") in missing
    assert ("recommender", "recommender") in missing
    assert application.status == ApplicationStatus.DRAFT


def test_submit_freezes_a_version_and_records_the_step(setup):
    campaign, recommender, user = setup
    application = complete_application(user, campaign, recommender)
    services.submit_application(application, user)
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.submitted_at is not None
    version = db.session.scalar(select(ApplicationVersion).where(ApplicationVersion.application_id == application.id))
    assert version.number == 1 and version.data["self_check"]["1.1"]["answer"] == "yes"
    assert [event.label for event in application.events][-1] == "已提交"
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == application.id)).all()
    assert "application.submit" in actions


def test_a_submitted_application_is_read_only(setup):
    campaign, recommender, user = setup
    application = complete_application(user, campaign, recommender)
    services.submit_application(application, user)
    with pytest.raises(RuleViolation, match="不能修改"):
        services.save_fields(application, user, {"city": "天津市"}, None)
    with pytest.raises(RuleViolation):
        services.submit_application(application, user)


def test_a_save_from_a_copy_loaded_before_the_submission_is_refused(setup):
    """Another tab submitted after this request loaded the application: the save reads the row again, locked."""
    from sqlalchemy.orm.attributes import set_committed_value

    campaign, recommender, user = setup
    application = complete_application(user, campaign, recommender)
    services.submit_application(application, user)
    db.session.flush()
    set_committed_value(application, "status", ApplicationStatus.DRAFT)  # what this request saw
    with pytest.raises(RuleViolation, match="不能修改"):
        services.save_fields(application, user, {"city": "天津市"}, None)
    assert application.city != "天津市"


def test_withdraw_returns_to_draft_while_the_recommender_has_not_acted(setup):
    campaign, recommender, user = setup
    application = complete_application(user, campaign, recommender)
    services.submit_application(application, user)
    services.withdraw_application(application, user)
    assert application.status == ApplicationStatus.DRAFT
    assert application.events[-1].label == "已撤回"


def test_withdraw_is_refused_once_the_recommender_acted(setup):
    campaign, recommender, user = setup
    application = complete_application(user, campaign, recommender)
    services.submit_application(application, user)
    application.status = ApplicationStatus.ACCEPTED
    with pytest.raises(RuleViolation, match="不能撤回"):
        services.withdraw_application(application, user)


def test_a_returned_application_can_be_edited_and_resubmitted(setup):
    campaign, recommender, user = setup
    application = complete_application(user, campaign, recommender)
    services.submit_application(application, user)
    application.status = ApplicationStatus.RETURNED
    services.save_fields(application, user, {"city": "北京市海淀区"}, None)
    services.submit_application(application, user)
    assert application.events[-1].label == "重新提交"
    count = db.session.scalar(select(func.count()).where(ApplicationVersion.application_id == application.id))
    assert count == 2


def test_nothing_is_accepted_after_the_window_closes(setup):
    campaign, recommender, user = setup
    application = complete_application(user, campaign, recommender)
    campaign.closes_at = utcnow() - timedelta(minutes=1)
    with pytest.raises(RuleViolation, match="截止"):
        services.submit_application(application, user)
    with pytest.raises(RuleViolation, match="截止"):
        services.save_fields(application, user, {"city": "天津市"}, None)


def test_nothing_is_accepted_before_the_window_opens(setup):
    campaign, _, user = setup
    campaign.opens_at = utcnow() + timedelta(days=1)
    with pytest.raises(RuleViolation, match="开始接受申报"):
        services.start_application(user, campaign)


def test_only_a_recommender_can_be_chosen(setup):
    from portal.accounts.models import OrganisationKind

    campaign, _, user = setup
    application = services.start_application(user, campaign)
    ministry = make_recommender("工业和信息化部", kind=OrganisationKind.MINISTRY, region="全国")
    with pytest.raises(RuleViolation):
        services.choose_recommender(application, user, ministry)
