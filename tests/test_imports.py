"""Importing organisations, staff, experts and earlier units from Excel: templates, checks, preview,
all-or-nothing confirm, idempotence, invitations, imported units in re-review and on /units."""

import os
import struct
import zipfile
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.accounts.models import Enterprise, Organisation, Role, User
from portal.applications.models import Application, ApplicationStatus
from portal.audit import AuditEntry
from portal.campaigns.models import Campaign, current_campaign
from portal.core.extensions import db
from portal.core.timeutil import utcnow
from portal.documents.pdf import pdf_available
from portal.exports.national_workbook import published_list_rows, write_national_workbook
from portal.imports.kinds import KINDS
from portal.imports.reader import HEADER_SEARCH_ROWS, LAST_ROW
from portal.notifications.models import OutboxMessage
from portal.rereview import services as rereview
from portal.rereview.models import ReReview
from portal.review.models import ExpertProfile
from tests.conftest import login
from tests.factories import make_campaign, make_staff, valid_uscc
from tests.imports_sheets import EXPERTS, ORGANISATIONS, STAFF, rows_of, sheet_bytes


@pytest.fixture
def admin(app, client):
    with app.app_context():
        make_staff(Role.ADMIN, username="admin")
        db.session.commit()
    login(client, "admin")
    return client


def upload(client, kind: str, data: bytes, name: str = "导入.xlsx"):
    return client.post("/admin/import/", data={"kind": kind, "workbook": (BytesIO(data), name)})


def preview(client, kind: str, data: bytes) -> str:
    response = upload(client, kind, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get("/admin/import/preview").get_data(as_text=True)


def _token(client) -> str:
    with client.session_transaction() as session:
        return session["pending_import"]["token"]


def confirm(client):
    return client.post("/admin/import/confirm", data={"token": _token(client)})


def imported(client, kind: str, data: bytes):
    preview(client, kind, data)
    response = confirm(client)
    assert response.status_code == 302
    return client.get("/admin/import/").get_data(as_text=True)


def units_sheet(recommender="北京市市场监督管理局", year="2019", published="2019-05-20", count=2, first=0) -> bytes:
    rows = [
        [year, f"往批示范单位{n}有限公司", valid_uscc(9000 + n), "北京", "仪器仪表", "大型", recommender, published]
        for n in range(first, first + count)
    ]
    return sheet_bytes("units", rows)


# --- templates and exports ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_template_has_commented_headers_drop_downs_and_an_example_that_is_skipped(admin, app, kind):
    if kind == "experts":
        with app.app_context():
            make_campaign()
            db.session.commit()
    data = admin.get(f"/admin/import/{kind}/template.xlsx").data
    workbook = load_workbook(BytesIO(data))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers == KINDS[kind].headers
    assert all(cell.comment is not None and cell.comment.text for cell in sheet[1])
    assert [cell.value for cell in sheet[2]] == [KINDS[kind].example.get(c.field, "") for c in KINDS[kind].columns]
    listed = {str(validation.sqref) for validation in sheet.data_validations.dataValidation}
    assert len(listed) == sum(1 for column in KINDS[kind].columns if column.choices) > 0
    assert workbook["选项"].sheet_state == "hidden"
    page = preview(admin, kind, data)
    assert "模板中的示例行已跳过" in page and "文件中没有可导入的数据行" in page


def test_drop_down_lists_hold_the_reference_lists(admin):
    workbook = load_workbook(BytesIO(admin.get("/admin/import/units/template.xlsx").data))
    choices = [[cell for cell in column if cell is not None] for column in zip(*workbook["选项"].values, strict=True)]
    assert "内蒙古自治区" in choices[0] and "仪器仪表" in choices[1] and choices[2] == ["大型", "中小型"]


def test_exporting_and_importing_again_changes_nothing(admin, app):
    make = app.app_context()
    with make:
        make_campaign()
        db.session.commit()
    imported(admin, "organisations", sheet_bytes("organisations", ORGANISATIONS))
    imported(admin, "staff", sheet_bytes("staff", STAFF))
    imported(admin, "experts", sheet_bytes("experts", EXPERTS))
    imported(admin, "units", units_sheet())
    for kind in KINDS:
        exported = admin.get(f"/admin/import/{kind}/current.xlsx").data
        assert len(rows_of(exported)) > 1
        page = preview(admin, kind, exported)
        assert "新增 0" in page and "更新 0" in page and "错误 0" in page, kind
    with app.app_context():
        staff = {row[0] for row in rows_of(admin.get("/admin/import/staff/current.xlsx").data)}
        assert {"bj-amr-01", "reviewer-wang", "admin"} <= staff


# --- reading --------------------------------------------------------------------------------------


def test_values_are_normalised_and_regions_matched_with_their_variants(admin, app):
    rows = [
        ["  北京市市场监督管理局 ", "省级市场监管部门", "北京", "计量处"],
        ["广西壮族自治区市场监督管理局（知识产权局）", "省级市场监管部门", "广西", ""],
    ]
    imported(admin, "organisations", sheet_bytes("organisations", rows))
    staff = [["bj-amr-02", "赵六", "北京市市场监督管理局", "推荐单位", "zhao@example.cn", "１３８ ０013 8001"]]
    imported(admin, "staff", sheet_bytes("staff", staff))
    with app.app_context():
        regions = dict(db.session.execute(select(Organisation.name, Organisation.region)).all())
        # names keep their full-width brackets as typed; codes and numbers are NFKC-normalised
        assert regions == {
            "北京市市场监督管理局": "北京市",
            "广西壮族自治区市场监督管理局（知识产权局）": "广西壮族自治区",
        }
        assert db.session.scalar(select(User.mobile).where(User.username == "bj-amr-02")) == "13800138001"


def test_merged_title_rows_and_blank_trailing_rows_are_tolerated(admin):
    page = preview(admin, "organisations", sheet_bytes("organisations", ORGANISATIONS, title_rows=2, trailing_blank=5))
    assert "新增 3" in page and "错误 0" in page


def test_a_formula_is_refused_not_evaluated(admin):
    page = preview(admin, "organisations", sheet_bytes("organisations", [["=1+1", "省级市场监管部门", "北京", ""]]))
    assert "该单元格是公式" in page and "错误 1" in page


def test_a_sheet_without_the_headers_is_refused(admin):
    response = upload(admin, "staff", sheet_bytes("organisations", ORGANISATIONS))
    assert response.status_code == 302
    page = admin.get("/admin/import/preview", follow_redirects=True).get_data(as_text=True)
    assert "没有找到表头" in page


def test_a_header_given_twice_is_refused(admin, app):
    workbook = load_workbook(BytesIO(sheet_bytes("organisations", ORGANISATIONS)))
    workbook.active["E1"], workbook.active["E2"] = "类型", "省级工业和信息化主管部门"  # the last one won
    data = BytesIO()
    workbook.save(data)
    assert "表头“类型”出现两次" in _refused(admin, "organisations", data.getvalue())
    with app.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == 0


# --- every message --------------------------------------------------------------------------------

ORG = ["北京市市场监督管理局", "省级市场监管部门", "北京", ""]
UNIT = ["2019", "示范有限公司", valid_uscc(8001), "北京", "仪器仪表", "大型", "北京市市场监督管理局", "2019-05-20"]
USER = ["bj-amr-09", "张三", "北京市市场监督管理局", "推荐单位", "z@example.cn", ""]
EXPERT = ["expert-zhou", "周七", "某研究院", "北京", "", "zhou@example.cn"]
NEXT_YEAR = str(date.today().year + 1)
MESSAGES = [
    ("organisations", ORG, 0, "", "请填写单位名称。"),
    ("organisations", ORG, 0, "名" * 121, "不超过 120 字（当前 121 字）。"),
    ("organisations", ORG, 1, "市场监管局", "应为以下之一：省级市场监管部门、"),
    ("organisations", ORG, 2, "北平", "“北平”不是省级行政区名称"),
    ("organisations", ORG, 0, "北京市\n市场监督管理局", "请填写一行文字，不能包含换行符或控制字符。"),
    (
        "staff",
        USER,
        0,
        "Zhang San",
        "登录名只能使用英文字母、数字、点、横线、下划线或 @（2–60 位），以字母或数字开头。",
    ),
    ("staff", USER, 2, "不存在的单位", "系统中没有名为“不存在的单位”的单位，请先导入单位或核对名称。"),
    ("staff", USER, 2, "", "推荐单位账号须属于一个推荐单位。"),
    ("staff", USER, 0, "expert-li", "该登录名已被其他账号使用。"),
    ("staff", USER, 3, "专家", "应为以下之一：推荐单位、主管部门、系统管理员。"),
    ("staff", USER, 4, "zhang@", "邮箱格式不正确。"),
    ("staff", USER, 4, "", "新账号须填写邮箱：账号开通链接发送到此邮箱。"),
    ("experts", EXPERT, 5, "", "请填写邮箱。"),
    ("staff", USER, 5, "1380013800", "请输入 11 位中国大陆手机号码。"),
    ("experts", EXPERT, 3, "全国", "“全国”不是省级行政区名称"),
    ("experts", EXPERT, 0, "admin", "该登录名已被其他账号使用。"),
    ("units", UNIT, 0, "2016", "批次年度应为 2017 至"),
    ("units", UNIT, 0, NEXT_YEAR, "批次年度应为 2017 至"),
    ("units", UNIT, 2, "91110108MA0000001A", "统一社会信用代码校验位不正确"),
    ("units", UNIT, 2, "9111010", "统一社会信用代码应为 18 位，当前为 7 位。"),
    ("units", UNIT, 4, "计量", "“计量”不是所处行业列表中的一项"),
    ("units", UNIT, 5, "小型", "应为以下之一：大型、中小型。"),
    ("units", UNIT, 6, "中国计量科学研究院", "系统中没有名为“中国计量科学研究院”的推荐单位"),
    ("units", UNIT, 7, "2019-02-30", "日期格式应为 2019-05-20。"),
    ("units", UNIT, 7, f"{NEXT_YEAR}-01-01", "公布日期不能晚于今天。"),
    ("units", UNIT, 7, "0001-01-01", "公布日期不能早于 2017 年。"),
    ("units", UNIT, 7, "2018-12-31", "公布日期应在批次年度 2019 年 1 月 1 日或之后。"),
]


@pytest.mark.parametrize("kind, row, column, text, message", MESSAGES)
def test_every_message_names_row_and_column(admin, app, kind, row, column, text, message):
    with app.app_context():
        make_campaign()
        db.session.commit()
    if kind != "organisations":
        imported(admin, "organisations", sheet_bytes("organisations", [ORG]))
        imported(admin, "experts", sheet_bytes("experts", EXPERTS))
    bad = list(row)
    bad[column] = text
    page = preview(admin, kind, sheet_bytes(kind, [bad]))
    header = KINDS[kind].headers[column]
    assert f'<td class="text-end">2</td><td class="text-nowrap">{header}</td><td>{message}' in page
    assert "错误 1" in page and "确认导入" not in page


def test_repeated_keys_and_a_batch_with_two_dates_are_errors(admin):
    imported(admin, "organisations", sheet_bytes("organisations", [ORG]))
    other = list(UNIT)
    other[2], other[7] = valid_uscc(8002), "2019-06-01"
    page = preview(admin, "units", sheet_bytes("units", [UNIT, UNIT, other]))
    assert "与第 2 行重复。" in page
    assert "同一年度的公布日期应相同：2019 年度批次的公布日期为 2019-05-20。" in page


def test_an_enterprise_already_a_unit_cannot_be_imported_as_a_unit_of_another_year(admin, app):
    imported(admin, "organisations", sheet_bytes("organisations", [ORG]))
    imported(admin, "units", sheet_bytes("units", [UNIT]))
    again = list(UNIT)
    again[0], again[7] = "2020", "2020-05-20"
    message = "该企业已是 2019 年度批次的示范单位：一个企业只有一个示范单位，不能再导入为 2020 年度的。"
    assert message in preview(admin, "units", sheet_bytes("units", [UNIT, again]))
    other = list(UNIT)
    other[0], other[2], other[7] = "2020", valid_uscc(8002), "2020-05-20"
    twice = [other, ["2021", *other[1:7], "2021-05-20"]]
    assert "该企业已是 2020 年度批次的示范单位" in preview(admin, "units", sheet_bytes("units", twice))
    with app.app_context():
        assert db.session.scalar(select(func.count(Application.id))) == 1


def test_the_name_columns_note_says_matching_is_by_name_alone(admin):
    sheet = load_workbook(BytesIO(admin.get("/admin/import/organisations/template.xlsx").data)).worksheets[0]
    assert "名称与已有单位相同即为更新该单位（类型不能通过导入修改）" in sheet["A1"].comment.text


def test_an_organisation_of_another_type_with_the_same_name_is_an_error(admin):
    imported(admin, "organisations", sheet_bytes("organisations", [ORG]))
    page = preview(
        admin, "organisations", sheet_bytes("organisations", [[ORG[0], "省级工业和信息化主管部门", "北京", ""]])
    )
    assert "已有同名单位，类型为“省级市场监管部门”；类型不能通过导入修改。" in page


def test_the_error_list_downloads_with_messages_beside_the_rows(admin):
    bad = list(ORG)
    bad[2] = "北平"
    preview(admin, "organisations", sheet_bytes("organisations", [ORG, bad]))
    rows = rows_of(admin.get("/admin/import/errors.xlsx").data)
    assert rows[0] == [*KINDS["organisations"].headers, "原行号", "错误说明"]
    assert rows[1][:3] == ["北京市市场监督管理局", "省级市场监管部门", "北平"] and rows[1][4] == 3
    assert rows[1][5].startswith("地区：“北平”不是省级行政区名称")
    assert len(rows) == 2


# --- confirm --------------------------------------------------------------------------------------


def test_the_preview_writes_nothing_and_confirm_applies_everything(admin, app):
    page = preview(admin, "organisations", sheet_bytes("organisations", ORGANISATIONS))
    assert "新增 3" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == 0
    confirm(admin)
    with app.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == 3
        lead = db.session.scalar(select(Organisation.lead_department).where(Organisation.region == "北京市"))
        assert lead == "计量处"


@pytest.mark.parametrize("sent", [{}, {"token": ""}, {"token": "0" * 32}])
def test_confirm_needs_the_previewed_files_token(admin, app, sent):
    preview(admin, "organisations", sheet_bytes("organisations", ORGANISATIONS))
    page = admin.post("/admin/import/confirm", data=sent, follow_redirects=True).get_data(as_text=True)
    assert "该导入已确认、已被新的上传替换或已过期" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == 0
    assert confirm(admin).status_code == 302  # the preview is still pending and confirms with its token
    with app.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == 3


def test_a_change_in_the_portal_after_the_preview_is_not_overwritten_unseen(admin, app):
    imported(admin, "organisations", sheet_bytes("organisations", ORGANISATIONS))
    assert "未变 3" in preview(admin, "organisations", sheet_bytes("organisations", ORGANISATIONS))
    with app.app_context():  # meanwhile another administrator edits an organisation
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == ORGANISATIONS[0][0]))
        organisation.lead_department = "计量与标准化处"
        db.session.commit()
    refused = admin.post(
        "/admin/import/confirm",
        data={"token": _token(admin)},
        headers={"Referer": "http://localhost/admin/import/preview"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert (
        "预览之后系统中的数据已有变化，未导入任何数据" in refused
        and "更新 1" in refused
        and "原：计量与标准化处" in refused
    )
    with app.app_context():
        assert (
            db.session.scalar(select(Organisation.lead_department).where(Organisation.name == ORGANISATIONS[0][0]))
            == "计量与标准化处"
        )
    assert confirm(admin).status_code == 302  # confirming what the new preview showed
    with app.app_context():
        assert (
            db.session.scalar(select(Organisation.lead_department).where(Organisation.name == ORGANISATIONS[0][0]))
            == "计量处"
        )


def test_a_file_with_errors_cannot_be_confirmed(admin, app):
    bad = list(ORG)
    bad[1] = "局"
    preview(admin, "organisations", sheet_bytes("organisations", [ORGANISATIONS[1], bad]))
    response = confirm(admin)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == 0


def test_the_role_of_an_existing_account_is_not_changed_by_an_import(admin):
    page = preview(admin, "staff", sheet_bytes("staff", [["admin", "管理员", "", "主管部门", "a@example.cn", ""]]))
    assert "已有该账号，其角色和所属单位不能通过导入修改" in page and "错误 1" in page


def test_a_row_that_fails_at_confirm_refuses_the_whole_import(admin, app):
    """Between preview and confirm another admin renamed an organisation: nothing of the file is written."""
    imported(admin, "organisations", sheet_bytes("organisations", ORGANISATIONS))
    preview(admin, "staff", sheet_bytes("staff", STAFF))
    with app.app_context():
        db.session.scalar(select(Organisation).where(Organisation.region == "北京市")).name = "北京市市场监管局"
        db.session.commit()
        before = db.session.scalar(select(func.count(User.id)))
    with admin.session_transaction() as session:
        token = session["pending_import"]["token"]
    back = "http://localhost/admin/import/preview"
    page = admin.post("/admin/import/confirm", data={"token": token}, headers={"Referer": back}, follow_redirects=True)
    page = page.get_data(as_text=True)
    assert "文件中有 1 处错误，未导入任何数据" in page
    assert "系统中没有名为“北京市市场监督管理局”的单位" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == before
        assert db.session.scalar(select(User).where(User.username == "bj-amr-01")) is None


def test_importing_the_same_file_twice_changes_nothing_the_second_time(admin, app):
    data = sheet_bytes("organisations", ORGANISATIONS)
    imported(admin, "organisations", data)
    with app.app_context():
        entries = db.session.scalar(select(func.count(AuditEntry.id)))
    page = preview(admin, "organisations", data)
    assert "新增 0" in page and "更新 0" in page and "未变 3" in page
    confirm(admin)
    with app.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == 3
        # only the import itself is logged, no row
        assert db.session.scalar(select(func.count(AuditEntry.id))) == entries + 1


def test_an_update_shows_before_and_after_and_is_logged_under_the_import(admin, app):
    imported(admin, "organisations", sheet_bytes("organisations", ORGANISATIONS))
    changed = [list(row) for row in ORGANISATIONS]
    changed[0][3] = "计量与标准化处"
    page = preview(admin, "organisations", sheet_bytes("organisations", changed))
    assert "更新 1" in page and "原：计量处" in page
    confirm(admin)
    with app.app_context():
        run = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "import.confirm").order_by(AuditEntry.id.desc())
        )
        assert run.detail | {"file": None} == {
            "kind": "organisations",
            "file": None,
            "create": 0,
            "update": 1,
            "unchanged": 2,
        }
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "import.update")).all()
        assert [(r.object_type, r.detail["import"], r.detail["row"]) for r in rows] == [("Organisation", run.id, 2)]
        assert rows[0].detail["changes"] == {"lead_department": ["计量处", "计量与标准化处"]}
        created = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "import.create")).all()
        assert len(created) == 3 and all(entry.detail["import"] < run.id for entry in created)


def test_staff_and_expert_updates_go_through_their_services_and_are_audited(admin, app):
    with app.app_context():
        make_campaign()
        db.session.commit()
    imported(admin, "organisations", sheet_bytes("organisations", ORGANISATIONS))
    imported(admin, "staff", sheet_bytes("staff", STAFF))
    imported(admin, "experts", sheet_bytes("experts", EXPERTS))
    staff = [["bj-amr-01", "张三丰", *STAFF[0][2:5], "13800138003"]]
    imported(admin, "staff", sheet_bytes("staff", staff))
    imported(
        admin, "experts", sheet_bytes("experts", [["expert-li", "李四光", EXPERTS[0][2], "上海", *EXPERTS[0][4:]]])
    )
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(["account.update", "expert.update"])).order_by(AuditEntry.id)
        ).all()
        assert [(entry.action, entry.detail["changes"]) for entry in entries] == [
            ("account.update", {"display_name": ["张三", "张三丰"], "mobile": ["13800138002", "13800138003"]}),
            ("account.update", {"display_name": ["李四", "李四光"]}),
            ("expert.update", {"region": ["北京市", "上海市"]}),
        ]


def test_an_expert_of_an_earlier_campaign_is_refused_not_matched(admin, app):
    with app.app_context():
        now = utcnow()
        make_campaign(
            year=now.year - 1,
            opens_at=now - timedelta(days=400),
            closes_at=now - timedelta(days=390),
            recommend_deadline=now - timedelta(days=380),
        )
        db.session.commit()
    imported(admin, "experts", sheet_bytes("experts", EXPERTS))
    with app.app_context():
        make_campaign()
        db.session.commit()
    assert rows_of(admin.get("/admin/import/experts/current.xlsx").data) == [KINDS["experts"].headers]
    page = preview(admin, "experts", sheet_bytes("experts", EXPERTS))
    assert "该登录名是往年批次的评审专家" in page and "错误 1" in page and "未变 0" in page


def test_new_staff_and_experts_get_their_invitation_through_the_outbox(admin, app):
    with app.app_context():
        make_campaign()
        db.session.commit()
    imported(admin, "organisations", sheet_bytes("organisations", ORGANISATIONS))
    imported(admin, "staff", sheet_bytes("staff", STAFF))
    imported(admin, "experts", sheet_bytes("experts", EXPERTS))
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [m.to_address for m in messages] == ["zhangsan@example.cn", "wangwu@example.cn", "lisi@example.cn"]
        assert all("/account/set-password/" in m.body or "set-password" in m.body for m in messages)
        staff = db.session.scalar(select(User).where(User.username == "bj-amr-01"))
        assert staff.role == Role.RECOMMENDER and staff.organisation.name == "北京市市场监督管理局"
        assert not staff.check_password("") and staff.mobile == "13800138002"
        expert = db.session.scalar(select(ExpertProfile))
        assert (expert.user.username, expert.region, expert.campaign_id) == (
            "expert-li",
            "北京市",
            current_campaign().id,
        )
    # again: nobody is invited twice
    imported(admin, "staff", sheet_bytes("staff", STAFF))
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 3


# --- earlier units --------------------------------------------------------------------------------


def test_imported_units_are_published_in_their_batch_without_changing_the_current_campaign(admin, app, client):
    with app.app_context():
        current = make_campaign(name="2026年度申报").id
        db.session.commit()
    imported(admin, "organisations", sheet_bytes("organisations", ORGANISATIONS))
    imported(admin, "units", units_sheet())
    imported(admin, "units", units_sheet(year="2021", published="2021-06-01", count=1, first=2))
    with app.app_context():
        assert current_campaign().id == current
        batches = db.session.scalars(select(Campaign).where(Campaign.earlier_batch.is_(True))).all()
        assert sorted((b.year, b.archived) for b in batches) == [(2019, True), (2021, True)]
        units = db.session.scalars(select(Application).where(Application.imported_at.is_not(None))).all()
        assert len(units) == 3 and {u.status for u in units} == {ApplicationStatus.SELECTED}
        assert {u.enterprise.uscc for u in units} == {valid_uscc(9000), valid_uscc(9001), valid_uscc(9002)}
        assert db.session.scalar(select(func.count(Enterprise.id))) == 3
        batch_2019 = next(b for b in batches if b.year == 2019)
        assert [row[1] for row in published_list_rows(batch_2019)] == ["往批示范单位0有限公司", "往批示范单位1有限公司"]
        workbook = write_national_workbook(batch_2019)  # every sheet copes with units that have no application
        published = load_workbook(workbook)["公布名单"]
        os.remove(workbook)
        assert (
            published["A1"].value == "2019年度工业计量标杆示范单位名单"
            and published["B5"].value == "往批示范单位1有限公司"
        )
    page = client.get("/units").get_data(as_text=True)
    assert "2021年度工业计量标杆示范单位名单" in page and "2019年度工业计量标杆示范单位名单" in page
    assert page.index("2021年度") < page.index("2019年度") and "往批示范单位2有限公司" in page


def test_imported_units_are_in_a_re_review_round_and_their_pages_open(admin, app):
    imported(admin, "organisations", sheet_bytes("organisations", ORGANISATIONS))
    imported(admin, "units", units_sheet(count=1))
    with app.app_context():
        reviewer = make_staff(Role.REVIEWER, username="reviewer")
        review_round = rereview.open_round(
            "2027年度定期复核", utcnow() - timedelta(hours=1), utcnow() + timedelta(days=30), reviewer
        )
        db.session.commit()
        review = db.session.scalar(select(ReReview).where(ReReview.round_id == review_round.id))
        assert review is not None and review.answers == [] and review.application.imported_at is not None
        review_id, application_id = review.id, review.application_id
    login(admin, "reviewer")
    entry = admin.get(f"/review/rereviews/entry/{review_id}")
    assert entry.status_code == 200 and "往批示范单位0有限公司" in entry.get_data(as_text=True)
    candidate = admin.get(f"/review/candidates/{application_id}")
    assert candidate.status_code == 200 and "由主管部门从往批名单导入" in candidate.get_data(as_text=True)
    if pdf_available():
        pdf = admin.get(f"/documents/applications/{application_id}.pdf")
        assert pdf.status_code == 200
        text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf.data)).pages)
        assert "由主管部门从往批名单导入" in text.replace("\n", "")
        assert admin.get(f"/documents/applications/{application_id}/dossier.pdf").status_code == 200


def test_an_imported_unit_can_claim_its_code(app, client):
    """Registering its code sends it to the claim; the approved claim gets the enterprise and its units."""
    from portal.accounts.claims import approve_claim, holder_of
    from portal.accounts.services import IMPORTED_UNIT_REGISTERS, register_enterprise
    from portal.core.errors import RuleViolation

    with app.app_context():
        admin_user = make_staff(Role.ADMIN, username="admin")
        enterprise = Enterprise(name="往批示范单位", uscc=valid_uscc(8101), contact_name="", mobile="", email="")
        db.session.add(enterprise)
        db.session.commit()
        assert holder_of(enterprise.uscc) is None
        with pytest.raises(RuleViolation, match=IMPORTED_UNIT_REGISTERS):
            register_enterprise(
                "往批示范单位", enterprise.uscc, "王工", "13800138000", "u@example.cn", "Jiliang-Biaogan-2027"
            )
        from portal.accounts.claims import CodeClaim

        claim = CodeClaim(
            uscc=enterprise.uscc,
            enterprise_name="往批示范单位",
            contact_name="王工",
            mobile="13800138000",
            email="unit@example.cn",
            statement="本单位为往批示范单位。",
            licence_stored_name="x" * 32,
            licence_original_name="营业执照.pdf",
            licence_content_type="application/pdf",
        )
        db.session.add(claim)
        db.session.flush()
        user = approve_claim(claim, "营业执照与代码一致，已电话核实。", admin_user)
        assert user.enterprise_id == enterprise.id and holder_of(enterprise.uscc).id == user.id


# --- hostile files --------------------------------------------------------------------------------


def _replace_entry(data: bytes, name: str, content: bytes) -> bytes:
    source, target = zipfile.ZipFile(BytesIO(data)), BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in source.infolist():
            archive.writestr(entry.filename, content if entry.filename == name else source.read(entry.filename))
    return target.getvalue()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&h;</t></is></c></row></sheetData></worksheet>"""


def _refused(client, kind: str, data: bytes, name: str = "导入.xlsx") -> str:
    response = upload(client, kind, data, name)
    if response.status_code == 302:  # stored: refused when read, on the way to the preview
        response = client.get("/admin/import/preview", follow_redirects=True)
    assert "确认导入" not in response.get_data(as_text=True)
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "文件是空的。"),
        (b"%PDF-1.4\n" + b"0" * 100, "该文件不是 Excel 工作簿（.xlsx）"),
        ("单位名称,类型\n".encode(), "该文件不是 Excel 工作簿（.xlsx）"),
        (b"PK\x03\x04" + b"\x00" * 100, "该文件不是 Excel 工作簿（.xlsx）"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "这是旧版 Excel 文件（.xls）"),
    ],
)
def test_a_file_that_is_not_an_xlsx_gets_a_clear_message(admin, data, message):
    page = _refused(admin, "organisations", data)
    assert message in page


def test_a_word_document_is_not_a_workbook(admin):
    target = BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    assert "该文件不是 Excel 工作簿（.xlsx）" in _refused(admin, "organisations", target.getvalue(), "名单.xlsx")


def test_a_file_over_5_mb_is_refused_before_reading(admin, app):
    page = _refused(admin, "organisations", b"PK" + os.urandom(5 * 1024 * 1024))
    assert "文件不能超过 5 MB。" in page
    assert list((Path(app.instance_path) / "imports").glob("*")) == []


def test_more_than_10000_rows_are_refused(admin):
    rows = [[f"单位{n}", "省级市场监管部门", "北京", ""] for n in range(10_001)]
    assert "一次最多导入 10,000 行，请分成几个文件。" in _refused(
        admin, "organisations", sheet_bytes("organisations", rows)
    )


def _with_cells(data: bytes, cells: str) -> bytes:
    """``data`` with the inline-string ``cells`` (``(row, column)``…) added to the sheet."""
    sheet = zipfile.ZipFile(BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    rows = "".join(
        f'<row r="{row}"><c r="{column}{row}" t="inlineStr"><is><t>{text}</t></is></c></row>'
        for row, column, text in cells
    )
    return _replace_entry(
        data, "xl/worksheets/sheet1.xml", sheet.replace("</sheetData>", rows + "</sheetData>").encode()
    )


def test_rows_far_below_the_data_are_refused_even_when_blank(admin):
    data = _with_cells(sheet_bytes("organisations", ORGANISATIONS), [(LAST_ROW + 1, "A", " ")])
    assert "表格不能超过第 11,010 行" in _refused(admin, "organisations", data)
    within = _with_cells(sheet_bytes("organisations", ORGANISATIONS), [(LAST_ROW, "A", " ")])
    assert "新增 3" in preview(admin, "organisations", within)


def test_a_cell_far_right_does_not_widen_the_rows_read(admin, monkeypatch):
    """One cell in column XFD made every row 16,384 cells wide: 13 s per preview for a 2 MB file."""
    widths = []
    get_row = ReadOnlyWorksheet._get_row

    def measured(self, *args, **kwargs):
        row = get_row(self, *args, **kwargs)
        widths.append(len(row))
        return row

    monkeypatch.setattr(ReadOnlyWorksheet, "_get_row", measured)
    cells = [(number, "XFD", "x") for number in range(10, 60)]
    page = preview(admin, "organisations", _with_cells(sheet_bytes("organisations", ORGANISATIONS), cells))
    assert "新增 3" in page
    assert sum(1 for width in widths if width > 4) <= HEADER_SEARCH_ROWS


def test_a_zip_bomb_is_refused_by_its_declared_size(admin):
    """1 GB of spaces deflates to about 1 MB: refused from the ZIP's directory, before anything inflates it."""
    bomb = BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as entry:
            chunk = b" " * (1024 * 1024)
            for _ in range(1024):
                entry.write(chunk)
    data = bomb.getvalue()
    assert len(data) < 5 * 1024 * 1024
    assert "文件解压后过大，已拒绝读取" in _refused(admin, "organisations", data)


def test_entity_expansion_is_refused(admin):
    data = _replace_entry(sheet_bytes("organisations", ORGANISATIONS), "xl/worksheets/sheet1.xml", BILLION_LAUGHS)
    page = _refused(admin, "organisations", data)
    assert "含有不允许的 XML 结构" in page


def _corrupt_deflate(data: bytes, name: str) -> bytes:
    """``data`` with the compressed bytes of entry ``name`` scrambled: the ZIP directory stays valid."""
    raw = bytearray(data)
    entry = zipfile.ZipFile(BytesIO(data)).getinfo(name)
    name_length, extra_length = struct.unpack("<HH", raw[entry.header_offset + 26 : entry.header_offset + 30])
    start = entry.header_offset + 30 + name_length + extra_length
    for index in range(start + 2, start + entry.compress_size - 2):
        raw[index] ^= 0x55
    return bytes(raw)


def test_a_workbook_with_corrupt_compressed_data_gets_a_message_everywhere(admin):
    data = _corrupt_deflate(sheet_bytes("organisations", ORGANISATIONS), "xl/worksheets/sheet1.xml")
    assert upload(admin, "organisations", data).status_code == 302
    assert admin.get("/admin/import/errors.xlsx").status_code == 404
    assert admin.post("/admin/import/confirm", data={"token": _token(admin)}).status_code == 302
    assert "该文件不是 Excel 工作簿（.xlsx）" in _refused(admin, "organisations", data)


def test_a_broken_workbook_gets_a_message_not_an_error_page(admin):
    data = _replace_entry(sheet_bytes("organisations", ORGANISATIONS), "xl/workbook.xml", b"<not-closed")
    assert "文件内容不是有效的 Excel 格式" in _refused(admin, "organisations", data)


# --- the demo -------------------------------------------------------------------------------------


def test_the_demos_organisations_and_experts_load_from_the_templates(app, admin):
    """Exported in the templates' layout from the demo, imported into an empty portal: the same ones."""
    from portal.core.demo import load_demo

    def holdings():
        organisations = db.session.execute(select(Organisation.name, Organisation.kind, Organisation.region)).all()
        experts = db.session.execute(
            select(User.username, User.display_name, ExpertProfile.organisation, ExpertProfile.region).join(
                ExpertProfile.user
            )
        ).all()
        return set(organisations), set(experts)

    with app.app_context():
        db.drop_all()
        db.create_all()
        load_demo()
        db.session.commit()
        demo = holdings()
        earlier = db.session.scalar(select(func.count(Application.id)).where(Application.imported_at.is_not(None)))
        assert (
            earlier > 0
            and db.session.scalar(
                select(func.count(ReReview.id)).join(Application).where(Application.imported_at.is_not(None))
            )
            == earlier
        )
    login(admin, "admin", "jiliang-demo-2026")
    sheets = {kind: admin.get(f"/admin/import/{kind}/current.xlsx").data for kind in ("organisations", "experts")}
    with app.app_context():
        db.drop_all()
        db.create_all()
        make_staff(Role.ADMIN, username="admin")
        make_campaign()
        db.session.commit()
    login(admin, "admin")
    for kind, data in sheets.items():
        imported(admin, kind, data)
    with app.app_context():
        assert holdings() == demo and len(demo[0]) > 80 and len(demo[1]) > 5


def test_an_earlier_batch_is_not_offered_for_copying(admin, app):
    from portal.campaigns.services import copy_campaign, create_earlier_batch
    from portal.core.errors import RuleViolation

    with app.app_context():
        batch = create_earlier_batch(2019, date(2019, 5, 20), None)
        db.session.commit()
        with pytest.raises(RuleViolation, match="往批导入的批次"):
            copy_campaign(batch, None)
        batch_id = batch.id
    page = admin.get("/admin/campaigns").get_data(as_text=True)
    assert "往批（导入）" in page and f"/admin/campaigns/{batch_id}/copy" not in page
