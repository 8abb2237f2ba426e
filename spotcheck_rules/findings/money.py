"""Amounts of money in findings: how a value is read as yuan (:func:`parse_amount`), the bound
every amount must stay under (:data:`YUAN_LIMIT`), and the white space the published patterns
mean.

One rule on every path: the pydantic models (:mod:`.models`), the slow-path coercion
(:mod:`.records`) and msgspec's decode hook of the JSON Lines readers (:mod:`.readers`) all read an
amount here, so the fast and the detailed path agree.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any, NamedTuple, cast

__all__ = [
    "YUAN_LIMIT",
    "AmountProblem",
    "parse_amount",
    "whole_cents",
]

# What ``str.strip()`` removes, written out so that the published schema's patterns mean the
# same in every regular-expression dialect (ECMA-262's ``\s`` and Python's differ).
_WS_CHARS = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_WS = f"[{_WS_CHARS}]"
_NOT_BLANK = f"[^{_WS_CHARS}]"
"""A text with at least one character that is not white space (U+3000 is white space)."""

YUAN_LIMIT = Decimal(10) ** 10
"""Every amount (罚没款, 财产损失) must be below 10¹⁰ yuan (100 亿元). No law sets a maximum
(fines are multiples of 违法所得 or 货值金额); the bound is our judgement of what one record can
plausibly hold, to catch an amount in 分 or with extra digits. See docs/findings.md."""

# Full-width digits, comma and full stop (what a Chinese input method types) are read as
# their ASCII forms; nothing else is translated (no superscripts, circled or other digits).
_FULLWIDTH = str.maketrans("０１２３４５６７８９，．", "0123456789,.")


_AMOUNT = re.compile(
    r"(?:0*[0-9]{1,10}|[1-9][0-9]{0,2}(?:,[0-9]{3}){1,2}|[1-9](?:,[0-9]{3}){3})"
    r"(?:\.[0-9]{1,2}0*)?"
)
_PLAIN = re.compile(r"([0-9]+)(?:\.([0-9]+))?")
_GROUPED = re.compile(r"([1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.([0-9]+))?")
_EXPONENT = re.compile(r"[0-9.,]*[0-9][0-9.,]*e[+-]?[0-9]+")
_NONFINITE = frozenset({"nan", "snan", "inf", "infinity"})
_CENT = Decimal("0.01")

# The string form of an amount in the published schema: _AMOUNT with the full-width forms and
# surrounding white space, exactly what parse_amount accepts.
_AMOUNT_SCHEMA_PATTERN = (
    f"^{_WS}*"
    r"(?:[0０]*[0-9０-９]{1,10}|[1-9１-９][0-9０-９]{0,2}(?:[,，][0-9０-９]{3}){1,2}"
    r"|[1-9１-９](?:[,，][0-9０-９]{3}){3})(?:[.．][0-9０-９]{1,2}[0０]*)?"
    f"{_WS}*$"
)


class AmountProblem(NamedTuple):
    """Why a value is not an amount: ``kind`` is ``unreadable``, ``negative``, ``nonfinite``,
    ``precision`` (more than two decimals) or ``limit`` (not below :data:`YUAN_LIMIT`)."""

    kind: str
    reason: str


class _Yuan(Decimal):
    """An amount in yuan that :func:`parse_amount` accepted (decoded by msgspec's hook)."""

    __slots__ = ()


def _amount_of(d: Decimal, raw: Any) -> _Yuan | AmountProblem:
    if not d.is_finite():
        return AmountProblem("nonfinite", "不是有限数字")
    if d < 0:
        return AmountProblem("negative", "为负数")
    if d >= YUAN_LIMIT:
        return AmountProblem("limit", "超过单笔上限 100 亿元（10¹⁰ 元）")
    # below the limit, a quantize to cents has at most 12 digits: exact in any context
    if cast(int, d.as_tuple().exponent) < -2 and d != d.quantize(_CENT):
        return AmountProblem("precision", "超过两位小数（单位：元，精确到分）")
    return _Yuan(d)


def _text_amount(raw: str) -> _Yuan | AmountProblem:
    if _AMOUNT.fullmatch(raw):  # the common case: ASCII, nothing to trim
        return _Yuan(raw.replace(",", "") if "," in raw else raw)
    s = raw.translate(_FULLWIDTH).strip()
    if _AMOUNT.fullmatch(s):
        return _Yuan(s.replace(",", ""))
    folded = s.casefold()
    if folded.lstrip("+-") in _NONFINITE:
        return AmountProblem("nonfinite", "不是有限数字")
    if not s:
        return AmountProblem("unreadable", "是空文本")
    if s[0] in "+-":
        body = s[1:].strip()
        if s[0] == "-" and (_PLAIN.fullmatch(body) or _GROUPED.fullmatch(body)):
            return AmountProblem("negative", "为负数")
        if s[0] == "+":
            return AmountProblem("unreadable", "带有正号：金额不写正负号")
    if _EXPONENT.fullmatch(folded):
        return AmountProblem("unreadable", "是科学计数法：不接受（如 1e3），请写出全部数字")
    m = _PLAIN.fullmatch(s) or _GROUPED.fullmatch(s)
    if m is not None:  # well formed, but too many decimals or digits
        if len((m.group(2) or "").rstrip("0")) > 2:
            return AmountProblem("precision", "超过两位小数（单位：元，精确到分）")
        return AmountProblem("limit", "超过单笔上限 100 亿元（10¹⁰ 元）")
    if "," in s:
        return AmountProblem(
            "unreadable",
            "的逗号不是千位分隔符（千位分隔逗号从个位起每三位一组，小数点用“.”，"
            "如 1,234.50），无法确定金额",
        )
    if s.count(".") > 1:
        return AmountProblem("unreadable", "有多个小数点，无法确定金额")
    return AmountProblem("unreadable", "不是数字（只接受数字、一个小数点和千位分隔逗号）")


def parse_amount(value: Any, *, flat: bool = False) -> _Yuan | AmountProblem:
    """An amount in yuan exactly as written, or why it is not one.

    Text: digits with at most one decimal point and at most two decimals (trailing zeros are
    fine), ``,`` only as a thousands separator in groups of three (``1,234.50``), full-width
    digits, comma and point as their ASCII forms, surrounding white space ignored; no sign, no
    exponent, nothing else. A number: an integer (a JSON number with a fraction, which most
    programs read as a binary float, must be written as text); a :class:`~decimal.Decimal`
    as it is. ``flat`` (a spreadsheet cell) also takes a float, by its shortest repr. Always
    not negative, finite and below :data:`YUAN_LIMIT`.
    """
    if isinstance(value, str):
        return _text_amount(value)
    if isinstance(value, bool):
        return AmountProblem("unreadable", "应为金额（数字或数字文本），实为布尔值")
    if isinstance(value, int):
        if value < 0:
            return AmountProblem("negative", "为负数")
        if value >= YUAN_LIMIT:
            return AmountProblem("limit", "超过单笔上限 100 亿元（10¹⁰ 元）")
        return _Yuan(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return AmountProblem("nonfinite", "不是有限数字")
        if flat or value.is_integer() or value < 0:
            return _amount_of(Decimal(repr(value)), value)
        return AmountProblem(
            "unreadable",
            '是带小数的 JSON 数字：JSON 数字只能写整数元，有角、分时请写成文本，如 "12.50"',
        )
    if isinstance(value, Decimal):
        return _amount_of(value, value)
    return AmountProblem("unreadable", f"应为金额（数字或数字文本），实为 {type(value).__name__}")


def _dec_hook(type_: type, obj: Any) -> Any:
    """msgspec's hook for the custom types of the internal record: amounts."""
    if type_ is _Yuan:
        got = parse_amount(obj)
        if isinstance(got, AmountProblem):
            raise ValueError(got.reason)
        return got
    raise NotImplementedError(f"no decoder for {type_}")


def whole_cents(fine: Decimal) -> int | None:
    """A decoded fine in whole cents, or ``None`` when it is not a whole, non-negative number
    of cents (what :func:`parse_amount` accepted when it decoded the record; ``as_tuple``,
    its own test, is slow). The hot loop, the columnar engine and its CSV reading ask this."""
    if not fine.is_finite():
        return None
    scaled = fine.scaleb(2)
    cents = int(scaled)
    return cents if cents >= 0 and scaled == cents else None
