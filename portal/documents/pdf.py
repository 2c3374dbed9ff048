"""The 申报书 as PDF: WeasyPrint renders the print view's template (``applications/print.html``).

WeasyPrint needs Debian's Pango (``libpango-1.0-0 libpangoft2-1.0-0``) and, for Chinese,
``fonts-noto-cjk``. Nothing is fetched over the network: the only resource is the print stylesheet,
read from disk; the template escapes everything the enterprise typed.
"""

from functools import cache
from pathlib import Path

from flask import current_app, render_template

from portal.applications.models import Application
from portal.selfcheck import grouped_items


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it needs are missing."""


@cache
def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango missing
        raise PdfUnavailable(f"WeasyPrint is not usable here: {error}") from error
    return weasyprint


def pdf_available() -> bool:
    try:
        _weasyprint()
    except PdfUnavailable:
        return False
    return True


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal: quotes, backslashes and line breaks escaped."""
    escaped = "".join(ch if ch.isprintable() and ch not in '"\\' else f"\\{ord(ch):x} " for ch in text)
    return f'"{escaped}"'


def _page_css(application: Application, version_line: str) -> str:
    """The margin boxes: a running header with the applicant, the version and page numbers below."""
    header = _css_string(f"{application.display_name}　工业计量标杆示范单位申报书")
    return f"""
    @page {{
      size: A4;
      margin: 24mm 18mm 22mm;
      @top-center {{ content: {header}; width: 100%; font-size: 9pt; color: #333;
                     border-bottom: 0.5pt solid #666; vertical-align: bottom; padding-bottom: 2mm; }}
      @bottom-left {{ content: {_css_string(version_line)}; font-size: 8.5pt; color: #333; }}
      @bottom-right {{ content: "第 " counter(page) " 页 共 " counter(pages) " 页"; font-size: 9pt; }}
    }}
    @page :first {{
      @top-center {{ content: none; border: none; }}
      @bottom-left {{ content: none; }}
      @bottom-right {{ content: none; }}
    }}
    body {{ max-width: none; }}
    .page {{ padding: 0; }}
    """


def _no_fetching(url: str, *args, **kwargs):
    raise ValueError(f"the 申报书 PDF loads no resources: {url}")


def application_html(application: Application) -> str:
    """The print view's HTML, as the PDF renders it."""
    return render_template(
        "applications/print.html",
        application=application,
        groups=grouped_items(),
        answers=application.answers_by_code(),
        missing=[],
        pdf=True,
    )


def render_application_pdf(application: Application) -> bytes:
    """The 申报书 of ``application`` as PDF bytes."""
    from portal.documents.facts import document_facts

    weasyprint = _weasyprint()
    stylesheet = Path(current_app.static_folder) / "css" / "print.css"
    facts = document_facts(application)
    document = weasyprint.HTML(string=application_html(application), url_fetcher=_no_fetching)
    return document.write_pdf(
        stylesheets=[
            weasyprint.CSS(filename=str(stylesheet)),
            weasyprint.CSS(string=_page_css(application, facts.version_line)),
        ],
    )
