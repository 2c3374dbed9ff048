"""The reviewer's dossier (申报书 + every uploaded file, bookmarked) and the streamed ZIPs of dossiers."""

import io
import shutil
import subprocess
import zipfile

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from portal.accounts.models import User
from portal.applications.models import Application, Attachment, AttachmentKind
from portal.core.extensions import db
from portal.documents.dossier import dossier_files, stored_path
from portal.documents.pdf import pdf_available, render_application_pdf
from portal.documents.zipstream import safe_name, unique_names, zip_stream
from portal.files import FileOwner, store_upload
from tests.conftest import login
from tests.documents_world import build_world
from tests.factories import upload

pytestmark = pytest.mark.skipif(not pdf_available(), reason="WeasyPrint or Pango missing")


def pdf_with_pages(count: int, landscape: bool = False) -> bytes:
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(width=842 if landscape else 595, height=595 if landscape else 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_bytes(kind: str, size=(2400, 1600)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=kind)
    return buffer.getvalue()


@pytest.fixture
def world(app):
    """Our candidate's files: a 3-page certificate, a 2-page licence, a PNG and a JPEG attachment."""
    with app.app_context():
        world = build_world()
        application = db.session.get(Application, world["application"])
        certificate = application.certifications[0].certificate_file
        licence = application.attachments[0].file
        stored_path(certificate).write_bytes(pdf_with_pages(3))
        stored_path(licence).write_bytes(pdf_with_pages(2, landscape=True))
        uploader = db.session.get(User, certificate.uploaded_by_id)
        for filename, data, description in (
            ("现场照片.png", image_bytes("PNG"), "计量实验室照片"),
            ("荣誉证书.jpg", image_bytes("JPEG", (1200, 1800)), None),
        ):
            stored = store_upload(upload(data, filename), uploader, FileOwner.APPLICATION, application)
            db.session.flush()
            db.session.add(
                Attachment(application=application, kind=AttachmentKind.OTHER, description=description, file=stored)
            )
        db.session.commit()
        return world


def _reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def test_dossier_is_the_form_then_every_files_pages_with_bookmarks(app, client, world):
    with app.app_context(), app.test_request_context():
        application = db.session.get(Application, world["application"])
        form_pages = len(_reader(render_application_pdf(application)).pages)
        titles = [item.title for item in dossier_files(application)]
    assert len(titles) == 4
    login(client, "reviewer")
    response = client.get(f"/documents/applications/{world['application']}/dossier.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = _reader(response.data)
    assert len(reader.pages) == form_pages + 3 + 2 + 1 + 1
    # Top level: 申报书 (with the 申报书's own headings nested under it), then one bookmark per file.
    top = [item for item in reader.outline if not isinstance(item, list)]
    outline = [(item.title, reader.get_destination_page_number(item)) for item in top]
    assert any(isinstance(item, list) for item in reader.outline)
    assert outline[0] == ("申报书", 0)
    starts = [page for _, page in outline[1:]]
    assert starts == [form_pages, form_pages + 3, form_pages + 5, form_pages + 6]
    assert "证书.pdf" in outline[1][0] and "营业执照" in outline[2][0]
    assert "计量实验室照片" in outline[3][0] and "荣誉证书.jpg" in outline[4][0]
    for number in (form_pages + 5, form_pages + 6):  # images sit on A4 pages
        box = reader.pages[number].mediabox
        assert sorted((round(float(box.width)), round(float(box.height)))) == [595, 842]


def test_an_unreadable_pdf_gets_one_page_saying_so(app, client, world):
    with app.app_context():
        application = db.session.get(Application, world["application"])
        stored_path(application.certifications[0].certificate_file).write_bytes(b"%PDF-1.4\nbroken")
    login(client, "beijing")
    reader = _reader(client.get(f"/documents/applications/{world['application']}/dossier.pdf").data)
    top = [item for item in reader.outline if not isinstance(item, list)]
    certificate_page = reader.get_destination_page_number(top[1])
    assert "无法并入" in reader.pages[certificate_page].extract_text()


@pytest.mark.parametrize("who, status", [("tianjin", 404), ("expert2", 404), ("enterprise", 403)])
def test_dossier_refused_to_others(client, world, who, status):
    login(client, world.get(who, who))
    assert client.get(f"/documents/applications/{world['application']}/dossier.pdf").status_code == status


def _zip_names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        for info in archive.infolist():
            assert info.flag_bits & 0x800  # names flagged UTF-8
            assert info.flag_bits & 0x08  # streamed: sizes in a data descriptor
            assert archive.read(info).startswith(b"%PDF")
        return archive.namelist()


def test_recommender_zip_holds_its_list_in_order(app, client, world, tmp_path):
    with app.app_context():
        names = {key: db.session.get(Application, world[key]).display_name for key in ("application", "other")}
    login(client, "beijing")
    response = client.get("/documents/recommender/dossiers.zip")
    assert response.status_code == 200 and response.is_streamed and response.mimetype == "application/zip"
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    data = response.get_data()
    assert _zip_names(data) == [f"01-大型企业-{names['application']}.pdf", f"02-中小型企业-{names['other']}.pdf"]
    if shutil.which("unzip"):
        path = tmp_path / "dossiers.zip"
        path.write_bytes(data)
        listed = subprocess.run(["unzip", "-Z1", str(path)], capture_output=True, check=True).stdout.decode("utf-8")
        assert listed.split() == _zip_names(data)


def test_candidates_zip_follows_the_filters_and_the_experts_zip_its_assignments(app, client, world):
    with app.app_context():
        name, other = (db.session.get(Application, world[key]).display_name for key in ("application", "other"))
    login(client, "reviewer")
    assert _zip_names(client.get("/documents/candidates/dossiers.zip").get_data()) == [
        f"001-北京市市场监督管理局-{name}.pdf",
        f"002-北京市市场监督管理局-{other}.pdf",
    ]
    assert _zip_names(client.get("/documents/candidates/dossiers.zip?scale=sme").get_data()) == [
        f"001-北京市市场监督管理局-{other}.pdf"
    ]
    login(client, "expert")
    assert _zip_names(client.get("/documents/expert/dossiers.zip").get_data()) == [f"01-{name}.pdf"]
    login(client, "expert2")
    assert _zip_names(client.get("/documents/expert/dossiers.zip").get_data()) == []


def test_zip_stream_makes_each_member_only_when_sent():
    made = []

    def member(number):
        def make():
            made.append(number)
            return f"第 {number} 份".encode() * 1000

        return make

    stream = zip_stream([(f"材料{number}.pdf", member(number)) for number in range(3)])
    first = next(stream)
    assert made == [0] and first.startswith(b"PK")
    data = first + b"".join(stream)
    assert made == [0, 1, 2]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["材料0.pdf", "材料1.pdf", "材料2.pdf"]
        assert archive.read("材料2.pdf") == "第 2 份".encode() * 1000


def test_names_are_safe_and_unique():
    assert safe_name('a/b\\c:"d"\x00') == "a_b_c_d_"
    assert safe_name("  ") == "未命名"
    assert unique_names(["甲.pdf", "甲.pdf", "乙.pdf"]) == ["甲.pdf", "甲（2）.pdf", "乙.pdf"]
