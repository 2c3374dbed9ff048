"""The staff account rules (portal.accounts.rules) give the same answer to the forms, the services and the
import: a login the portal created one way is accepted unchanged by the others (review findings 11 and 16),
and a recommender account needs a recommender organisation everywhere (finding 15)."""

from io import BytesIO

import pytest

from forms.admin import InviteForm
from forms.review import ExpertForm
from portal.accounts.models import OrganisationKind, Role
from portal.accounts.rules import LOGIN_MESSAGE, why_not_staff_role
from portal.admin.services import change_role
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.imports import columns
from portal.imports.columns import CellProblem
from portal.imports.kinds import KINDS
from tests.conftest import login
from tests.factories import make_recommender, make_staff

ACCEPTED = ["Wang.Li@sh", "ab", "bj-amr-01", "A" * 60]
REFUSED = ["a", "Zhang San", "-lead", "王五", "revıewer", "A" * 61]


def _form_problem(app, form_class, username: str) -> list[str]:
    with app.test_request_context(method="POST", data={"username": username}):
        form = form_class(meta={"csrf": False})
        form.username.validate(form)  # the field alone: the forms' other choices are set by their views
        return form.username.errors


def _import_problem(username: str) -> list[str]:
    try:
        columns.login(username)
    except CellProblem as problem:
        return [str(problem)]
    return []


@pytest.mark.parametrize("username", ACCEPTED)
def test_every_way_in_accepts_a_login_the_service_accepts(app, username):
    with app.app_context():
        make_staff(Role.REVIEWER, username=username)
        db.session.rollback()
    assert _form_problem(app, InviteForm, username) == []
    assert _form_problem(app, ExpertForm, username) == []
    assert _import_problem(username) == []


@pytest.mark.parametrize("username", REFUSED)
def test_every_way_in_refuses_a_login_with_the_same_message(app, username):
    with app.app_context(), pytest.raises(RuleViolation, match=LOGIN_MESSAGE):
        make_staff(Role.REVIEWER, username=username)
    assert _form_problem(app, InviteForm, username) == [LOGIN_MESSAGE]
    assert _form_problem(app, ExpertForm, username) == [LOGIN_MESSAGE]
    assert _import_problem(username) == [LOGIN_MESSAGE]


def test_a_login_created_from_the_command_line_is_exported_and_imported_again_unchanged(app, client):
    with app.app_context():
        make_staff(Role.ADMIN, username="admin")
        make_staff(Role.REVIEWER, username="Wang.Li@sh")  # as `flask create-user` allows
        db.session.commit()
    login(client, "admin")
    exported = client.get("/admin/import/staff/current.xlsx").data
    client.post("/admin/import/", data={"kind": "staff", "workbook": (BytesIO(exported), "staff.xlsx")})
    page = client.get("/admin/import/preview").get_data(as_text=True)
    assert "未变 2" in page and "错误 0" in page


@pytest.mark.parametrize("kind", [None, OrganisationKind.MINISTRY, OrganisationKind.MARKET_REGULATOR])
def test_a_recommender_account_needs_a_recommender_organisation_everywhere(ctx, kind):
    organisation = make_recommender(kind=kind) if kind else None
    reason = why_not_staff_role(Role.RECOMMENDER, organisation)
    assert (reason is None) == (kind == OrganisationKind.MARKET_REGULATOR)
    admin, reviewer = make_staff(Role.ADMIN), make_staff(Role.REVIEWER)
    staff = KINDS["staff"]
    holdings = staff.holdings()
    values = {"username": "new-one", "role": Role.RECOMMENDER, "email": "n@example.cn"}
    values["organisation"] = organisation.name if organisation else None
    assert [message for _, message in staff.check(values, None, holdings)] == ([reason] if reason else [])
    for attempt in (
        lambda: make_staff(Role.RECOMMENDER, organisation),
        lambda: change_role(reviewer, Role.RECOMMENDER, organisation, admin),
    ):
        if reason:
            with pytest.raises(RuleViolation, match=reason):
                attempt()
        else:
            attempt()
