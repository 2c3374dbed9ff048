"""三、企业计量情况自我检查表: the 33 items of the official table, verbatim.

Forms, pages, the print view and the exports all read this one list.
"""

from dataclasses import dataclass

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.models_base import LabelledEnum, enum_column


class SelfCheckAnswerValue(LabelledEnum):
    YES = "yes", "√"
    NO = "no", "×"
    NOT_APPLICABLE = "na", "—"


class SelfCheckAnswerFields:
    """One item's answer as the table records it: in an application, and again at each re-review."""

    item_code: Mapped[str] = mapped_column(String(8))
    answer: Mapped[SelfCheckAnswerValue | None] = mapped_column(enum_column(SelfCheckAnswerValue))
    remark: Mapped[str | None] = mapped_column(String(500))


@dataclass(frozen=True)
class SelfCheckItem:
    code: str
    group: str  # 类别
    topic: str  # 项目
    content: str  # 主要内容


_TABLE = [
    (
        "(一) 过程计量保障",
        [
            ("1 计量保证大纲", [("1.1", "是否对企业产品编制计量保证大纲")]),
            ("2 研制阶段计量控制", [("1.2", "在产品的设计、生产定型过程中是否制定应用计量工作方案")]),
            ("3 试验阶段计量控制", [("1.3", "试验过程中是否进行设备的计量确认和核查")]),
            (
                "4 生产阶段计量控制",
                [
                    ("1.4.1", "(1)工艺文件中是否明确计量参数、计量要求和计量方法"),
                    ("1.4.2", "(2)是否实施了在线计量控制"),
                ],
            ),
            ("5 产品质量管理计量控制", [("1.5", "是否编制了产品质量计量需求明细表和测量设备一览表")]),
            (
                "6 校准和测试软件控制",
                [
                    ("1.6.1", "(1)自编校准测试软件是否经过验证与评审"),
                    ("1.6.2", "(2)外购校准测试软件的功能是否经过计量确认"),
                ],
            ),
        ],
    ),
    (
        "(二) 计量工作有效性",
        [
            (
                "计量管理和测量过程控制的有效性",
                [
                    ("2.1", "(1)是否建立计量过程管理体系"),
                    ("2.2", "(2)是否对计量过程管理体系定期进行内审外审"),
                    ("2.3", "(3)在用的测量设备是否经过计量确认"),
                ],
            ),
        ],
    ),
    (
        "(三) 计量管理",
        [
            (
                "1 组织管理",
                [
                    ("3.1.1", "(1)是否有主管领导分管企业计量工作"),
                    ("3.1.2", "(2)是否有明确的管理计量的职责部门"),
                    ("3.1.3", "(3)计量工作是否纳入本单位年度工作计划并实施"),
                ],
            ),
            (
                "2 制度建设",
                [
                    ("3.2.1", "(1)是否通过 ISO9000 质量体系认证"),
                    ("3.2.2", "(2)是否通过 ISO17025 实验室认可"),
                    ("3.2.3", "(3)是否通过测量管理体系认证"),
                ],
            ),
            (
                "3 人员管理",
                [
                    ("3.3.1", "(1)计量检定人员、检验员和专用测量设备使用人员是否培训上岗"),
                    ("3.3.2", "(2)是否制定计量人员年度培训计划"),
                ],
            ),
            (
                "4 设备管理",
                [
                    ("3.4.1", "(1)是否建立统一的测量设备台账和技术资料档案"),
                    ("3.4.2", "(2)是否制定涵盖全部测量设备的周期检定与校准计划"),
                    ("3.4.3", "(3)是否建立了测量设备分类和标识管理制度"),
                    ("3.4.4", "(4)是否建立了不合格测量设备追溯管理制度"),
                    ("3.4.5", "(5)是否对计量标准证书实施有效期监控"),
                    ("3.4.6", "(6)是否开展测量设备稳定性与重复性考核"),
                    ("3.4.7", "(7)测量设备更换、暂停、恢复等变动是否履行相关审批手续"),
                ],
            ),
            (
                "5 证书记录管理",
                [
                    ("3.5.1", "(1)是否建立计量证书与报告管理制度"),
                    ("3.5.2", "(2)是否建立计量工作印章使用管理制度"),
                    ("3.5.3", "(3)检定与校准原始记录是否内容完整、信息充分,并满足可追溯性要求"),
                ],
            ),
            (
                "6 文件管理",
                [
                    ("3.6.1", "(1)企业是否对正在使用的通用计量技术规范实施动态管理,保证在用技术规范现行有效"),
                    ("3.6.2", "(2)企业自编的计量技术规范是否经过评审和批准"),
                ],
            ),
            (
                "7 数据管理",
                [
                    ("3.7.1", "(1)是否对测量数据进行分析,并实施动态管理"),
                    ("3.7.2", "(2)是否定期研讨测量数据对改进产品设计和产品品质的输入与输出意见"),
                ],
            ),
        ],
    ),
]

SELF_CHECK_ITEMS: list[SelfCheckItem] = [
    SelfCheckItem(code, group, topic, content)
    for group, topics in _TABLE
    for topic, items in topics
    for code, content in items
]
SELF_CHECK_CODES = [item.code for item in SELF_CHECK_ITEMS]

# A √ on these items claims a certification; reviewers check a matching certificate exists.
CERTIFICATION_CLAIMS = {"3.2.1": "qms", "3.2.2": "lab", "3.2.3": "mms"}


def grouped_items() -> list[tuple[str, list[tuple[str, list[SelfCheckItem]]]]]:
    """The items as the official grid: ``[(类别, [(项目, [items])])]``, for rowspans."""
    groups: list[tuple[str, list[tuple[str, list[SelfCheckItem]]]]] = []
    for item in SELF_CHECK_ITEMS:
        if not groups or groups[-1][0] != item.group:
            groups.append((item.group, []))
        topics = groups[-1][1]
        if not topics or topics[-1][0] != item.topic:
            topics.append((item.topic, []))
        topics[-1][1].append(item)
    return groups


def write_answers(rows_by_code: dict, answers: dict[str, tuple[str | None, str | None]], new_row) -> dict:
    """Write typed answers ``{code: (yes / no / na or None, remark)}`` onto a self-check table's rows.

    ``new_row(code)`` adds the row of an item not answered before. Returns the rows by code.
    """
    rows = {}
    for code in SELF_CHECK_CODES:
        answer_code, remark = answers.get(code, (None, None))
        row = rows_by_code.get(code) or new_row(code)
        row.answer = SelfCheckAnswerValue(answer_code) if answer_code else None
        row.remark = (remark or "").strip() or None
        rows[code] = row
    return rows


# The note under the table in 附件1, verbatim (full-width punctuation as printed).
SELF_CHECK_NOTE = (
    "注：请结合企业自身情况进行对照检查，符合的在“是/否”栏画√，不符合的在“是/否”栏画×，不适用的在“是/否”栏画横线“—”"
)
