"""申报单位承诺: the one text the enterprise ticks on screen and signs on paper.

The pledge section of the form (``templates/applications/section.html``, ``forms.applications.PledgeForm``)
and the printed 申报书 (``templates/applications/print.html``, its PDF) all read these constants, so what
is signed is exactly what was ticked.
"""

PLEDGE_INTRO = "本单位自愿申报工业计量标杆示范单位，并郑重承诺："
PLEDGE_ITEMS = (
    "所填报的信息和提交的材料真实、准确、完整；",
    "近三年未发生重大质量、安全、环境事故，无违法违规行为；",
    "如入选，将积极参与示范推广活动，接受定期复核。",
)
PLEDGE_CONFIRMATION = "本单位承诺：所填报内容及提供的材料真实、准确、完整，如有不实，愿承担相应责任。"


def pledge_context() -> dict:
    """The texts for templates, under the name ``pledge``."""
    return {"pledge": {"intro": PLEDGE_INTRO, "items": PLEDGE_ITEMS, "confirmation": PLEDGE_CONFIRMATION}}
