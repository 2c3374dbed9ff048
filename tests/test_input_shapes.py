"""What clerks type and paste into the 申报书: never a server error, never lost, normalised once.

Numbers have stated ranges with a Chinese message next to the field; full-width digits, spaces and
thousands separators are normalised in the form layer; a value stored before the ranges existed
does not stop the page from rendering.
"""

from decimal import Decimal

import pytest
from sqlalchemy import select, update

from forms.admin import CampaignForm
from forms.recommendations import UnlockForm
from forms.review import ConcludeForm, OpenRoundForm
from portal.applications.models import Application
from portal.core.extensions import db
from tests.conftest import login
from tests.factories import make_campaign, make_enterprise_user


@pytest.fixture
def started(client, app):
    with app.app_context():
        make_campaign()
        username = make_enterprise_user("甲公司").username
        db.session.commit()
    login(client, username)
    client.post("/application/start")
    return client


def _application() -> Application:
    return db.session.scalar(select(Application))


@pytest.mark.parametrize(
    "field, typed, message",
    [
        ("employees", "12345678901234567890", "请输入 0 至 10,000,000 之间的整数"),
        ("employees", "3000000000", "请输入 0 至 10,000,000 之间的整数"),
        ("employees", "-5", "请输入 0 至 10,000,000 之间的整数"),
        ("revenue", "1000000000000", "请输入 0 至 1,000,000,000 之间的数值（万元）"),
        ("revenue", "1e309", "之间的数值（万元）"),
        ("total_assets", "NaN", "之间的数值（万元）"),
        ("total_assets", "Infinity", "之间的数值（万元）"),
        ("revenue", "很多", "之间的数值（万元）"),
    ],
)
def test_out_of_range_numbers_are_refused_next_to_the_field_and_kept(started, app, field, typed, message):
    response = started.post("/application/section/basic", data={"version": "1", "city": "北京市", field: typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    assert f'value="{typed}"' in page  # the typed text stays in the field to be corrected
    with app.app_context():
        application = _application()
        assert getattr(application, field) is None and application.city == "北京市"  # the rest saved


def test_full_width_digits_spaces_and_separators_are_normalised(started, app):
    started.post(
        "/application/section/basic",
        data={
            "version": "1",
            "postcode": "１０００８３",
            "contact_phone": "１３８００１３８０００",
            "employees": "1,200",
            "revenue": "５００００.５",
        },
    )
    with app.app_context():
        application = _application()
        assert application.postcode == "100083" and application.contact_phone == "13800138000"
        assert application.employees == 1200 and application.revenue == Decimal("50000.50")


def test_a_page_renders_whatever_was_stored_before(started, app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL's NUMERIC(14, 2) never held an infinity; SQLite did, from 1e309")
        # As a value stored before the ranges were checked could be (SQLite kept 1e309 as infinity).
        db.session.execute(update(Application).values(total_assets=Decimal("Infinity")))
        db.session.commit()
    response = started.get("/application/section/basic")
    assert response.status_code == 200 and 'name="total_assets"' in response.get_data(as_text=True)


MOMENT_FIELDS = [
    (OpenRoundForm, "opens_at"),
    (ConcludeForm, "deadline"),
    (CampaignForm, "opens_at"),
    (CampaignForm, "scoring_deadline"),
    (UnlockForm, "until"),
]


@pytest.mark.parametrize("form_class, name", MOMENT_FIELDS)
@pytest.mark.parametrize(
    "typed, refused",
    [("0001-01-01T00:00", True), ("9999-12-31T23:59", True), ("1999-12-31T23:59", True), ("2100-12-31T23:59", False)],
)
def test_every_date_time_field_keeps_to_sane_years(app, form_class, name, typed, refused):
    """Year 1 overflowed converting 北京时间 to UTC (a 500); every date-time field shares one range."""
    with app.test_request_context(method="POST", data={name: typed, "outcome": "rectify"}):
        form = form_class(meta={"csrf": False})
        form.validate()
        assert form[name].errors == (["请填写 2000 年至 2100 年之间的时间。"] if refused else [])
