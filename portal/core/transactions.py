"""One unit of work per request, as Indico's request handler does.

Services check, write and flush; they never commit. The request decides once, at its end:

* a POST (or other write) whose response is not an error commits, after the view has returned;
* a :class:`RuleViolation` that a view lets through rolls everything back, and the user is sent
  back to the page they came from with the message (:func:`_show_refusal`);
* a view that shows its form again after a refusal, with the input kept, calls :func:`refuse`
  and answers with a 4xx status, so nothing it wrote is committed;
* GET never commits: pages only read.

Uploaded files written during a request that does not commit are deleted again (``portal.files``).
"""

from urllib.parse import urlsplit

from flask import flash, redirect, request, url_for

from portal.core.errors import InputRefused, RuleViolation
from portal.core.extensions import db

READ_ONLY_METHODS = ("GET", "HEAD", "OPTIONS")


def init_unit_of_work(app) -> None:
    app.after_request(_commit_successful_write)
    app.register_error_handler(RuleViolation, _show_refusal)


def _commit_successful_write(response):
    if request.method not in READ_ONLY_METHODS and response.status_code < 400:
        db.session.commit()
    return response


def refuse(error: RuleViolation, field=None) -> None:
    """Roll back what the request wrote and show why, before rendering the form again (with a 4xx).

    The message goes next to ``field`` (a WTForms field) when given, else to the top of the page.
    """
    db.session.rollback()
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        flash(str(error), "danger")


def refuse_in(form, error: RuleViolation) -> None:
    """:func:`refuse`, with the message next to the field of ``form`` that an :class:`InputRefused` names."""
    field = form[error.field] if isinstance(error, InputRefused) and error.field in form else None
    refuse(error, field)


def _show_refusal(error: RuleViolation):
    refuse(error)
    return redirect(_page_before())


def _page_before() -> str:
    """The page the user acted on (same site only), else the home page."""
    referrer = request.referrer
    if referrer and urlsplit(referrer).netloc == request.host:
        return referrer
    return url_for("main.index")
