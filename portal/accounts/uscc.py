"""统一社会信用代码 (unified social credit code) as defined by GB 32100-2015.

Eighteen characters: 登记管理部门代码 (1), 机构类别代码 (1), 登记管理机关行政区划码 (6 digits), 主体标识码
(9), 校验码 (1). People paste codes from licences and scans with full-width characters, spaces and hyphens:
they are normalised (NFKC, removed, upper-cased) before anything is checked or looked up.
"""

import re
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
REGION = slice(2, 8)  # positions 3–8: the registration authority's administrative division code
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―]")


def normalise_uscc(code: str) -> str:
    """The code as stored: NFKC (full-width ０-９ Ａ-Ｚ become ASCII), no spaces or hyphens, upper-case."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", code or "")).upper()


def normalise_login(name: str) -> str:
    """A login name as typed: a 统一社会信用代码 normalised like at registration; any other name stripped."""
    code = normalise_uscc(name)
    return code if uscc_error(code) is None else (name or "").strip()


def uscc_check_character(first17: str) -> str:
    """The 18th character for the first 17, by the standard's weighted sum modulo 31."""
    total = sum(ALPHABET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def uscc_error(code: str) -> str | None:
    """Why ``code`` is not a valid 统一社会信用代码, in Chinese, or ``None`` if it is valid."""
    code = normalise_uscc(code)
    if len(code) != 18:
        return f"统一社会信用代码应为 18 位，当前为 {len(code)} 位。"
    bad = sorted({char for char in code if char not in ALPHABET})
    if bad:
        return f"统一社会信用代码含有不允许的字符：{''.join(bad)}（不使用 I、O、S、V、Z）。"
    if not code[REGION].isdigit():
        return "统一社会信用代码第 3–8 位是登记管理机关行政区划码，应为 6 位数字。"
    if uscc_check_character(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确，请核对后重新输入。"
    return None
