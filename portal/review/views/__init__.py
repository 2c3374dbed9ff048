"""The ministry reviewers' pages: one blueprint, guarded for reviewers and admins, one module per task.

dashboard (and the national workbook) · candidates (the list, one candidate, experts assigned,
site visits, decisions) · experts · recommenders (progress, reopening a list) · publication
(and the public list) · rubric. The experts' own pages are :mod:`portal.review.expert_views`;
re-review is :mod:`portal.rereview`.
"""

from flask import Blueprint

from portal.accounts.models import Role
from portal.core.auth import require_role

bp = Blueprint("review", __name__, url_prefix="/review")
bp.before_request(require_role(Role.REVIEWER, Role.ADMIN))

from portal.review.views import candidates, dashboard, experts, publication, recommenders, rubric  # noqa: E402, F401
