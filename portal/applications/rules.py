"""The notice's rules about applications, each in one function."""

from decimal import Decimal

from portal.core.models_base import LabelledEnum


class Scale(LabelledEnum):
    LARGE = "large", "大型"
    SME = "sme", "中小型"


def derive_scale(
    employees: int | None,
    revenue_wan: Decimal | float | None,
    min_employees: int = 1000,
    min_revenue_wan: int = 40000,
) -> Scale | None:
    """企业规模 by 附件2 note 1.

    "从业人员 1000 人以下或营业收入 4 亿元以下的为中小型企业": small/medium if fewer than
    1000 people **or** revenue below 40,000 万元 ("以下" excludes the bound); large otherwise.
    ``None`` while either figure is missing. The thresholds are the campaign's.
    """
    if employees is None or revenue_wan is None:
        return None
    if employees < min_employees or Decimal(str(revenue_wan)) < min_revenue_wan:
        return Scale.SME
    return Scale.LARGE
