"""The filters above each list, as GET forms: read from the query string, no CSRF, nothing stored.

A value that is not one of a field's choices counts as "all", so a hand-edited link never breaks
a page. :meth:`FilterForm.filters` gives the chosen values as the list queries and page links use them.
"""

from flask import request
from markupsafe import Markup, escape
from wtforms import SearchField, SelectField, StringField
from wtforms.validators import Length, Optional, Regexp
from wtforms.widgets import Select

from forms.base import PortalForm
from portal.accounts.models import RECOMMENDER_KINDS
from portal.applications.models import ApplicationStatus
from portal.audit_text import object_label
from portal.campaigns.models import Scale
from portal.reference import INDUSTRIES, REGIONS
from portal.review.candidates import SORT_LABELS
from portal.review.models import DecisionOutcome
from portal.review.progress import PROGRESS_STATES

DATE = Regexp(r"^\d{4}-\d{2}-\d{2}$", message="日期格式应为 YYYY-MM-DD。")


class ListSelect(Select):
    """WTForms' select with each plain option written directly: the same HTML, without building
    attributes through ``html_params`` for each region and industry of every filter bar."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        selected = "selected " if choice.selected else ""
        return Markup(
            f'<option {selected}value="{escape(choice.value)}">{escape(choice.label or choice.value)}</option>'
        )


def _all(label: str, choices) -> SelectField:
    return SelectField(label, choices=[("", f"全部{label}")] + list(choices), default="", widget=ListSelect())


class FilterForm(PortalForm):
    class Meta:
        csrf = False

    def __init__(self, **kwargs):
        super().__init__(formdata=request.args, **kwargs)

    def filters(self) -> dict[str, str]:
        """The chosen values, ``""`` for "all" and for anything not valid."""
        self.validate()
        return {name: "" if field.errors else (field.data or "").strip() for name, field in self._fields.items()}


class InboxFilterForm(FilterForm):
    q = SearchField("单位名称", validators=[Optional(), Length(max=60)], render_kw={"placeholder": "搜索单位名称"})
    scale = _all("规模", Scale.choices())
    industry = _all("行业", [(industry, industry) for industry in INDUSTRIES])
    status = _all("状态", [(s.value, s.label) for s in ApplicationStatus if s != ApplicationStatus.DRAFT])
    region = _all("地区", [(region, region) for region in REGIONS])


class CandidateFilterForm(FilterForm):
    q = SearchField("单位名称", validators=[Optional(), Length(max=60)], render_kw={"placeholder": "搜索单位名称"})
    # A search, not a list: the national campaign has about 1,250 recommenders with candidates.
    recommender = SearchField(
        "推荐单位", validators=[Optional(), Length(max=60)], render_kw={"placeholder": "搜索推荐单位名称"}
    )
    scale = _all("规模", Scale.choices())
    industry = _all("行业", [(industry, industry) for industry in INDUSTRIES])
    region = _all("地区", [(region, region) for region in REGIONS])
    decision = _all("决定", [("none", "尚未决定"), *DecisionOutcome.choices()])
    sort = SelectField(
        "排序", choices=[(key, f"按{label}排序") for key, label in SORT_LABELS.items()], widget=ListSelect()
    )


class RecommenderProgressFilterForm(FilterForm):
    kind = _all("类型", [(kind.value, kind.label) for kind in RECOMMENDER_KINDS])
    region = _all("地区", [("全国", "全国")] + [(region, region) for region in REGIONS])
    state = _all("报送状态", PROGRESS_STATES.items())


class AuditFilterForm(FilterForm):
    user = StringField("操作人", validators=[Optional(), Length(max=60)])
    action = StringField("操作", validators=[Optional(), Length(max=60)], render_kw={"placeholder": "如 application."})
    object_type = _all("对象", [])
    object_id = StringField(
        "对象编号", validators=[Optional(), Regexp(r"^\d{1,9}$")], render_kw={"inputmode": "numeric"}
    )
    date_from = StringField("起始日期", validators=[Optional(), DATE], render_kw={"type": "date"})
    date_to = StringField("截止日期", validators=[Optional(), DATE], render_kw={"type": "date"})

    def __init__(self, object_types: list[str]):
        super().__init__()
        self.object_type.choices = [("", "全部对象")] + [(t, object_label(t)) for t in object_types]
