"""统一社会信用代码 (unified social credit code) as defined by GB 32100-2015."""

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalise_uscc(code: str) -> str:
    """The code as stored: stripped and upper-case (users often type it in lower case)."""
    return (code or "").strip().upper()


def normalise_login(name: str) -> str:
    """A login name as typed: stripped; a 统一社会信用代码 also upper-cased."""
    return (name or "").strip()


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
    if uscc_check_character(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确，请核对后重新输入。"
    return None
