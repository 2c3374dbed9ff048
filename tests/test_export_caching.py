"""Finding 11: spreadsheets hold personal data: no browser or proxy may keep a copy."""

from portal.accounts.models import Role
from portal.core.extensions import db
from tests.conftest import login
from tests.factories import make_campaign, make_recommender, make_staff


def test_xlsx_exports_are_sent_with_no_store(app, client):
    with app.app_context():
        make_campaign()
        make_staff(Role.ADMIN, username="admin")
        make_staff(Role.RECOMMENDER, make_recommender(), username="tuijian")
        make_staff(Role.REVIEWER, username="reviewer")
        db.session.commit()
    for username, url in (
        ("admin", "/admin/audit.xlsx"),
        ("tuijian", "/recommender/applications.xlsx"),
        ("tuijian", "/recommender/ranking/summary.xlsx"),
        ("reviewer", "/review/export.xlsx"),
    ):
        login(client, username)
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype.endswith("spreadsheetml.sheet")
        assert response.headers["Cache-Control"] == "no-store", url
        client.post("/account/logout")
