"""Every route × every role, generated from the URL map: a new route without a rule here fails.

The matrix checks the role guard of each page: the roles allowed get the page (200, a redirect within
their area, or a 404 for an object that does not exist), the others get 403 or 404, and anonymous
visitors are sent to the login page.
Whether one enterprise or recommender can reach another's objects is tested with real objects in
the domain tests (by guessing ids).
"""

import pytest

from portal.accounts.models import Role
from portal.applications.services import start_application
from portal.core.extensions import db
from portal.documents.pdf import pdf_available
from tests.conftest import login
from tests.factories import make_campaign, make_enterprise_user, make_recommender, make_staff

ANYONE = "anyone"
LOGGED_IN = "logged in"
STAFF_REVIEW = {Role.REVIEWER, Role.ADMIN}

# Who may use each endpoint. Blueprints guard whole areas; this table says it out loud.
ACCESS = {
    "static": ANYONE,
    "main.index": ANYONE,
    "main.health": ANYONE,
    "main.favicon": ANYONE,
    "public.published_units": ANYONE,
    "accounts.login": ANYONE,
    "accounts.register": ANYONE,
    "accounts.set_password": ANYONE,
    "accounts.change_password": LOGGED_IN,
    "code_claim.submit": ANYONE,
    "accounts.password_strength": ANYONE,
    "claims_admin": {Role.ADMIN},
    "two_factor.verify": ANYONE,  # the second step of a login; without the first, back to the login page
    "two_factor.setup": {Role.RECOMMENDER, Role.REVIEWER, Role.EXPERT, Role.ADMIN},
    "accounts.logout": LOGGED_IN,
    "files.download": LOGGED_IN,
    "notifications": LOGGED_IN,
    "applications": {Role.ENTERPRISE},
    "rereview_unit": {Role.ENTERPRISE},
    "recommendations": {Role.RECOMMENDER},
    "experts": {Role.EXPERT},
    "review": STAFF_REVIEW,
    "rereview": STAFF_REVIEW,
    "admin": {Role.ADMIN},
    "imports": {Role.ADMIN},
    "documents.own_application_pdf": {Role.ENTERPRISE},
    "documents.application_pdf": LOGGED_IN,  # and Application.can_view: 404 for others (tests/test_documents_pdf.py)
    "documents.application_dossier": {Role.RECOMMENDER, Role.REVIEWER, Role.ADMIN, Role.EXPERT},  # and can_view
    "documents.recommender_dossiers": {Role.RECOMMENDER},
    "documents.candidate_dossiers": STAFF_REVIEW,
    "documents.expert_dossiers": {Role.EXPERT},
}
# Pages the allowed role reaches with another answer than 200 in an empty campaign.
ALLOWED_STATUS = {
    "rereview_unit.update": 404,  # no re-review round is open
    "accounts.set_password": 404,  # the token in the URL is not a real one
    "two_factor.verify": 302,  # no password given first: to the login page
    "imports.template": 404,  # no kind of import is called "basic"
    "imports.holdings": 404,
    "imports.preview": 302,  # nothing uploaded: back to the import page
    "imports.errors": 404,
}
ROLES = [None, *Role]


def _rule_for(endpoint: str):
    return ACCESS.get(endpoint, ACCESS.get(endpoint.split(".")[0]))


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = rule.rule
        for argument in rule.arguments:
            url = url.replace(f"<int:{argument}>", "999999").replace(f"<{argument}>", "basic")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


@pytest.fixture
def logins(app):
    with app.app_context():
        campaign = make_campaign()
        enterprise = make_enterprise_user("矩阵测试企业有限公司")
        start_application(enterprise, campaign)  # so that its sections take the nonsense in
        users = {Role.ENTERPRISE: enterprise.username}
        recommender = make_recommender("矩阵测试推荐单位")
        for role in (Role.RECOMMENDER, Role.REVIEWER, Role.EXPERT, Role.ADMIN):
            users[role] = make_staff(role, recommender if role == Role.RECOMMENDER else None).username
        db.session.commit()
    return users


def test_every_route_has_an_access_rule(app):
    missing = sorted({endpoint for endpoint, _, _ in _routes(app) if _rule_for(endpoint) is None})
    assert not missing, f"add these endpoints to ACCESS in {__file__}: {missing}"


def test_access_matrix(app, logins):
    failures = []
    for role in ROLES:
        client = app.test_client()
        if role is not None:
            login(client, logins[role])
        for endpoint, method, url in _routes(app):
            rule = _rule_for(endpoint)
            allowed = (
                rule == ANYONE or (rule == LOGGED_IN and role is not None) or (isinstance(rule, set) and role in rule)
            )
            if method == "POST" and allowed:
                continue  # the allowed roles' POSTs change data: tested in the domain tests
            response = client.open(url, method=method)
            status, location = response.status_code, response.headers.get("Location", "")
            if allowed:
                # 200, or a redirect within the role's area (the home page sends each role to its own start,
                # sections before an application is started go to the overview), never to the login page.
                ok = (
                    status == ALLOWED_STATUS.get(endpoint, 200)
                    or (status == 404 and "999999" in url)
                    or (status == 302 and "/account/login" not in location)
                )
            elif role is None:
                ok = status == 302 and "/account/login" in location
            else:
                ok = status in (403, 404)
            if not ok:
                failures.append(f"{role.value if role else 'anonymous'} {method} {url} -> {status} {location}")
    assert not failures, "\n".join(failures)


NONSENSE = "=cmd|' /C calc'!A0 <script>x</script> 💥"
# Nonsense as it is, with a line break (subjects and headers built from it), and with a NUL byte
# (PostgreSQL refuses it in text: it must be a 400 before the database sees it).
# Numbers no column can hold: 20 digits, an infinity, not-a-number (in every field, numeric or not).
PAYLOADS = {
    "plain": NONSENSE,
    "crlf": f"第一行\r\n{NONSENSE}\r\nBcc: x@example.cn",
    "nul": f"{NONSENSE}\x00",
    "overflow": "99999999999999999999",
    "infinite": "1e309",
    "nan": "NaN",
}
FIELDS = (
    "username",
    "password",
    "reason",
    "order",
    "scale",
    "until",
    "outcome",
    "expert_id",
    "experts_per_candidate",
    "visited_on",
    "team",
    "findings",
    "opens_at",
    "closes_at",
    "recommend_deadline",
    "year",
    "quota_large",
    "name",
    "kind",
    "region",
    "role",
    "organisation_id",
    "id",
    "confirm",
    "opinion",
    "new",
    "confirm",
    "version",
    "criteria-0-weight",
    "criteria-0-name",
    "lead_department",
    "contact_phone",
    "contact_email",
    "employees",
    "revenue",
    "total_assets",
    "energy_use_tce",
    "instrument_count",
    "postcode",
    "score_1",
)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_nothing_a_user_sends_gives_a_server_error(app, logins, payload):
    """Every route and role, with nonsense in every field and query argument anyone uses: never a 500.

    With a NUL byte anywhere, every request is a 400.
    """
    garbage = dict.fromkeys(FIELDS, PAYLOADS[payload])
    errors = []
    for role in ROLES:
        client = app.test_client()
        if role is not None:
            login(client, logins[role])
        for endpoint, method, url in _routes(app):
            if endpoint == "accounts.logout":
                continue
            for path in {url, url.replace("999999", "1")}:
                if method == "POST":
                    status = client.post(path, data=garbage).status_code
                else:
                    status = client.get(
                        path, query_string=garbage | {"page": "-1", "sort": "💥", "version": "x"}
                    ).status_code
                if status == 503 and endpoint.startswith("documents.") and not pdf_available():
                    continue  # WeasyPrint or Pango missing here: the documents say so, as they should
                if status >= 500 or (payload == "nul" and status != 400):
                    errors.append(f"{role.value if role else 'anonymous'} {method} {path} -> {status}")
    assert not errors, "\n".join(errors)
