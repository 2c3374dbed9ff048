"""The notice (国质检量联〔2017〕399号) as published, read from a copy kept with the tests.

``tests/data/notice_2017_399.txt`` is the text of the notice and its two attachments as extracted
from the official PDF (the same file as the project's seed). The documents the portal prints are
checked against it, so a paraphrase anywhere fails a test.
"""

import re
import unicodedata
from pathlib import Path

NOTICE_PATH = Path(__file__).parent / "data" / "notice_2017_399.txt"
NOTICE = NOTICE_PATH.read_text(encoding="utf-8")


def squash(text: str) -> str:
    """Compare texts the way a reader does: full- and half-width forms alike, no whitespace.

    The extraction from the PDF left spaces inside spaced-out headers ("邮 箱") and half-width
    brackets ("推荐单位 (盖章):"); the printed documents use the full-width forms."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def attachment2() -> str:
    return NOTICE[NOTICE.index("附件 2\n") :]


def attachment2_headers() -> list[str]:
    line = next(line for line in attachment2().splitlines() if line.startswith("| 序号"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def attachment2_notes() -> list[str]:
    """The three notes of 附件2, each as one paragraph, exactly as in the notice."""
    lines = attachment2().splitlines()
    starts = ("注：1、", "2、", "3、")
    return [next(line.strip() for line in lines if line.startswith(start)) for start in starts]


def selfcheck_table() -> str:
    return NOTICE[NOTICE.index("| 三、企业计量情况自我检查表") : NOTICE.index("附件 2\n")]


def selfcheck_headers() -> list[str]:
    line = next(line for line in selfcheck_table().splitlines() if line.startswith("| 类别"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def selfcheck_note() -> str:
    return next(line.strip() for line in selfcheck_table().splitlines() if line.startswith("注"))
