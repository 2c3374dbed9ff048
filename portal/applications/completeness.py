"""What a complete application needs, section by section.

One function, :func:`missing_fields`, decides; the overview marks sections complete with it and
submission refuses while it returns anything.
"""

import re
from dataclasses import dataclass

from portal.applications.models import (
    BEST_PRACTICES_LIMIT,
    WORK_SUMMARY_LIMIT,
    Application,
    AttachmentKind,
)
from portal.selfcheck import SELF_CHECK_ITEMS

NARRATIVE_MIN_CHARS = 200


@dataclass(frozen=True)
class Section:
    key: str
    title: str


SECTIONS = [
    Section("basic", "基本信息"),
    Section("metrology", "计量基础情况"),
    Section("certifications", "认证与认可"),
    Section("narrative", "计量工作情况"),
    Section("selfcheck", "自我检查表"),
    Section("attachments", "附件"),
    Section("recommender", "推荐单位"),
    Section("pledge", "承诺"),
]
SECTION_TITLES = {section.key: section.title for section in SECTIONS}

LABELS = {
    "org_name": "单位名称",
    "province": "所在省份",
    "city": "所在城市",
    "address": "通讯地址",
    "postcode": "邮政编码",
    "legal_representative": "法定代表人",
    "contact_name": "联系人",
    "contact_title": "职务",
    "contact_phone": "电话/手机",
    "contact_email": "邮箱",
    "ownership": "企业性质",
    "industry": "所处行业",
    "employees": "从业人员数（人）",
    "revenue": "上年度营业收入（万元）",
    "total_assets": "资产总额（万元）",
    "main_products": "主要产品",
    "metrology_department": "计量管理机构",
    "fulltime_metrology_staff": "专职计量人员数",
    "parttime_metrology_staff": "兼职计量人员数",
    "instrument_count": "测量设备总数（台件）",
    "highest_standard_count": "企业最高计量标准数（项）",
    "key_processes": "关键测量过程数",
    "important_processes": "重要测量过程数",
    "general_processes": "一般测量过程数",
    "is_key_energy_user": "是否重点用能单位",
    "energy_use_tce": "年综合能源消费量（吨标准煤）",
    "work_summary": "计量工作情况",
    "best_practices": "典型做法和先进经验",
    "business_licence": "营业执照",
    "recommender": "推荐单位",
    "pledged": "申报单位承诺",
    "pledge_signatory": "承诺人（法定代表人）",
}

REQUIRED = {
    "basic": [
        "org_name",
        "province",
        "city",
        "address",
        "postcode",
        "legal_representative",
        "contact_name",
        "contact_title",
        "contact_phone",
        "contact_email",
        "ownership",
        "industry",
        "employees",
        "revenue",
        "total_assets",
        "main_products",
    ],
    "metrology": [
        "metrology_department",
        "fulltime_metrology_staff",
        "parttime_metrology_staff",
        "instrument_count",
        "highest_standard_count",
        "key_processes",
        "important_processes",
        "general_processes",
        "is_key_energy_user",
    ],
    "narrative": ["work_summary", "best_practices"],
    "pledge": ["pledge_signatory"],
}

PHONE_PATTERN = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
POSTCODE_PATTERN = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class Missing:
    section: str
    field: str
    message: str


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _missing_required(application: Application) -> list[Missing]:
    return [
        Missing(section, field, f"请填写“{LABELS[field]}”。")
        for section, fields in REQUIRED.items()
        for field in fields
        if _blank(getattr(application, field))
    ]


def _invalid_formats(application: Application) -> list[Missing]:
    problems = []
    if application.postcode and not POSTCODE_PATTERN.match(application.postcode):
        problems.append(Missing("basic", "postcode", "邮政编码应为 6 位数字。"))
    if application.contact_phone and not PHONE_PATTERN.match(application.contact_phone):
        problems.append(Missing("basic", "contact_phone", "电话/手机格式不正确。"))
    if application.is_key_energy_user and application.energy_use_tce is None:
        problems.append(Missing("metrology", "energy_use_tce", "重点用能单位请填写年综合能源消费量。"))
    for field, limit in (("work_summary", WORK_SUMMARY_LIMIT), ("best_practices", BEST_PRACTICES_LIMIT)):
        text = getattr(application, field) or ""
        if text and not NARRATIVE_MIN_CHARS <= len(text) <= limit:
            problems.append(
                Missing(
                    "narrative",
                    field,
                    f"“{LABELS[field]}”应为 {NARRATIVE_MIN_CHARS}–{limit} 字，当前 {len(text)} 字。",
                )
            )
    return problems


def draft_problems(application: Application, section_key: str) -> list[Missing]:
    """What a saved section gets wrong (a format, a narrative's length), said when the draft is saved.

    What is merely not filled yet is not listed: a draft may be incomplete.
    """
    return [problem for problem in _invalid_formats(application) if problem.section == section_key]


def _missing_self_check(application: Application) -> list[Missing]:
    """One entry for all unanswered items, linking to the first, so the list stays readable."""
    answered = {a.item_code for a in application.self_check_answers if a.answer is not None}
    unanswered = [item.code for item in SELF_CHECK_ITEMS if item.code not in answered]
    if not unanswered:
        return []
    shown = "、".join(unanswered[:8]) + ("等" if len(unanswered) > 8 else "")
    return [Missing("selfcheck", f"item-{unanswered[0]}", f"尚有 {len(unanswered)} 项未作答：第 {shown} 项。")]


def _missing_other(application: Application) -> list[Missing]:
    problems = []
    if not any(a.kind == AttachmentKind.BUSINESS_LICENCE for a in application.attachments):
        problems.append(Missing("attachments", "business_licence", "请上传营业执照扫描件。"))
    if application.recommender_id is None:
        problems.append(Missing("recommender", "recommender", "请选择一个推荐单位。"))
    if not application.pledged:
        problems.append(Missing("pledge", "pledged", "请阅读并勾选申报单位承诺。"))
    return problems


def missing_fields(application: Application) -> list[Missing]:
    """Every missing or invalid item, in the order of the form's sections."""
    problems = (
        _missing_required(application)
        + _invalid_formats(application)
        + _missing_self_check(application)
        + _missing_other(application)
    )
    order = {section.key: index for index, section in enumerate(SECTIONS)}
    return sorted(problems, key=lambda problem: order[problem.section])


# A section nothing requires: empty, it is neither done nor missing but "无（可选）".
OPTIONAL_SECTIONS = {"certifications": lambda application: not application.certifications}

COMPLETE, INCOMPLETE, OPTIONAL_EMPTY = "complete", "incomplete", "optional"


def section_states(application: Application | None) -> dict[str, str]:
    """For each section key: ``complete``, ``incomplete``, or ``optional`` (an optional section left empty)."""
    if application is None:
        return {section.key: INCOMPLETE for section in SECTIONS}
    incomplete = {problem.section for problem in missing_fields(application)}
    states = {}
    for section in SECTIONS:
        if section.key in incomplete:
            states[section.key] = INCOMPLETE
        elif section.key in OPTIONAL_SECTIONS and OPTIONAL_SECTIONS[section.key](application):
            states[section.key] = OPTIONAL_EMPTY
        else:
            states[section.key] = COMPLETE
    return states
