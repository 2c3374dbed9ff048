"""Reference lists from the notice and national standards, used by forms and demo data."""

# 所处行业: 附件2 note 2, exactly these 16.
INDUSTRIES = [
    "新一代信息技术产业",
    "高档数控机床和机器人",
    "航空航天装备",
    "海洋工程装备及高技术船舶",
    "先进轨道交通装备",
    "节能与新能源汽车",
    "电力装备",
    "农机装备",
    "新材料",
    "生物医药及高性能医疗器械",
    "钢铁",
    "石油和化学",
    "轻工",
    "机械",
    "仪器仪表",
    "其他",
]

# Provincial-level regions, plus the bodies the notice also addresses.
PROVINCES = [
    "北京市",
    "天津市",
    "河北省",
    "山西省",
    "内蒙古自治区",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "上海市",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "广西壮族自治区",
    "海南省",
    "重庆市",
    "四川省",
    "贵州省",
    "云南省",
    "西藏自治区",
    "陕西省",
    "甘肃省",
    "青海省",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
]
XINJIANG_CORPS = "新疆生产建设兵团"
# 计划单列市 and the province each lies in.
SEPARATELY_PLANNED_CITIES = {
    "大连市": "辽宁省",
    "青岛市": "山东省",
    "宁波市": "浙江省",
    "厦门市": "福建省",
    "深圳市": "广东省",
}
REGIONS = PROVINCES + [XINJIANG_CORPS]

OWNERSHIP_TYPES = [
    "国有企业",
    "集体企业",
    "民营企业",
    "股份有限公司",
    "有限责任公司",
    "外商投资企业",
    "港澳台投资企业",
    "其他",
]

# The region of national bodies (associations, ministries); organisations choose among these.
NATIONWIDE = "全国"
ORGANISATION_REGIONS = [NATIONWIDE] + REGIONS

_REGION_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")


def _short_name(region: str) -> str:
    return next((region.removesuffix(s) for s in _REGION_SUFFIXES if region.endswith(s)), region)


# How regions are written in the ministries' sheets besides their full names: 北京 / 北京市, 内蒙古 /
# 内蒙古自治区, 广西 / 广西壮族自治区, 兵团 / 新疆生产建设兵团.
REGION_VARIANTS = {_short_name(region): region for region in PROVINCES} | {
    "兵团": XINJIANG_CORPS,
    "新疆兵团": XINJIANG_CORPS,
}


def canonical_region(text: str, allowed: list[str]) -> str | None:
    """The full name of the region ``text`` names, if it is one of ``allowed``; else ``None``."""
    region = REGION_VARIANTS.get(text, text)
    return region if region in allowed else None
