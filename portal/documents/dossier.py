"""The reviewer's dossier: one PDF with the 申报书 followed by every file the enterprise uploaded.

PDFs are appended page for page, images are placed on A4 pages (scaled to fit, never enlarged past
their size at 150 dpi), and each file gets a bookmark (outline item) under its title. A file that
cannot be read as PDF gets one page saying so, so the dossier still lists it and the reviewer knows
to download it on its own.
"""

import io
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from portal.applications.models import Application
from portal.documents.pdf import render_application_pdf
from portal.files import StoredFile

A4 = (595.276, 841.89)  # points
MARGIN = 36  # 12.7 mm around a placed image
IMAGE_DPI = 150
# Photos are reduced to at most this many pixels on their long side (A4's at 200 dpi) before they go
# into the PDF: a 20 MB camera JPEG would otherwise be decoded whole and embedded at full size.
MAX_IMAGE_PIXELS = 2339


@dataclass(frozen=True)
class DossierFile:
    title: str
    stored: StoredFile


def dossier_files(application: Application) -> list[DossierFile]:
    """Every uploaded file of the application, in the order of the 申报书: certificates (and their audit
    reports), attachments (营业执照 first), then the self-check evidence."""
    files: list[DossierFile] = []
    for certification in application.certifications:
        title = f"{certification.kind_label} {certification.number}"
        files.append(DossierFile(f"证书：{title}", certification.certificate_file))
        if certification.audit_report_file is not None:
            files.append(DossierFile(f"审核报告：{title}", certification.audit_report_file))
    for attachment in sorted(
        application.attachments, key=lambda item: (item.kind.value != "business_licence", item.id)
    ):
        label = attachment.description or attachment.kind.label
        files.append(
            DossierFile(f"{attachment.kind.label}：{label}" if attachment.description else label, attachment.file)
        )
    for answer in sorted(application.self_check_answers, key=lambda item: item.item_code):
        if answer.evidence_file is not None:
            files.append(DossierFile(f"自查 {answer.item_code} 佐证材料", answer.evidence_file))
    return files


def stored_path(stored: StoredFile) -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / stored.stored_name


def _image_page(data: bytes):
    """An A4 page with the image centred on it, as a pypdf page."""
    from PIL import Image
    from pypdf import PageObject, PdfReader, Transformation

    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (MAX_IMAGE_PIXELS, MAX_IMAGE_PIXELS))  # JPEG: decode at a reduced scale
        image.thumbnail((MAX_IMAGE_PIXELS, MAX_IMAGE_PIXELS))
        if image.mode not in ("RGB", "L"):
            background = Image.new("RGB", image.size, "white")
            background.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
            image = background
        buffer = io.BytesIO()
        image.save(buffer, format="PDF", resolution=IMAGE_DPI)
    placed = PdfReader(buffer).pages[0]
    width, height = float(placed.mediabox.width), float(placed.mediabox.height)
    landscape = width > height
    page_width, page_height = (A4[1], A4[0]) if landscape else A4
    scale = min((page_width - 2 * MARGIN) / width, (page_height - 2 * MARGIN) / height, 1.0)
    page = PageObject.create_blank_page(width=page_width, height=page_height)
    offset_x, offset_y = (page_width - width * scale) / 2, (page_height - height * scale) / 2
    page.merge_transformed_page(placed, Transformation().scale(scale, scale).translate(offset_x, offset_y))
    return page


def _notice_page(title: str, original_name: str):
    """One page saying that a file could not be placed in the dossier."""
    from pypdf import PdfReader

    from portal.documents.pdf import _weasyprint

    html = (
        "<html><body style='font-family: \"Noto Serif CJK SC\", serif; font-size: 12pt; margin: 30mm 20mm'>"
        f"<h2>{_escape(title)}</h2><p>文件“{_escape(original_name)}”无法并入本材料汇编，请在系统中单独下载查看。</p>"
        "</body></html>"
    )
    data = _weasyprint().HTML(string=html).write_pdf()
    return PdfReader(io.BytesIO(data)).pages[0]


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def _file_pages(item: DossierFile) -> list:
    """The pages of one uploaded file."""
    from PIL import Image
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    data = stored_path(item.stored).read_bytes()
    if item.stored.content_type in ("image/jpeg", "image/png"):
        try:
            return [_image_page(data)]
        except (OSError, ValueError, Image.DecompressionBombError):
            return [_notice_page(item.title, item.stored.original_name)]
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise PdfReadError("encrypted")
        pages = list(reader.pages)
        if not pages:
            raise PdfReadError("no pages")
        return pages
    except (PdfReadError, OSError, ValueError, KeyError, TypeError, AttributeError):
        return [_notice_page(item.title, item.stored.original_name)]


def build_dossier(application: Application) -> bytes:
    """The dossier of ``application`` as PDF bytes, with a bookmark for the 申报书 and for each file."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    form = PdfReader(io.BytesIO(render_application_pdf(application)))
    writer.append(form, outline_item="申报书")
    for item in dossier_files(application):
        first = len(writer.pages)
        for page in _file_pages(item):
            writer.add_page(page)
        writer.add_outline_item(title=f"{item.title}（{item.stored.original_name}）", page_number=first)
    writer.add_metadata({"/Title": f"{application.display_name} 申报材料", "/Producer": "工业计量标杆示范申报平台"})
    writer.page_mode = "/UseOutlines"
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
