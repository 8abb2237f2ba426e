from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from spotcheck_rules.core.text import closest, normalize


def test_full_and_half_width_compare_equal() -> None:
    # The sources mix both: "202５" and "2025", "（" and "(".
    assert normalize("202５年") == normalize("2025年")
    assert normalize("村卫生室（所）") == normalize("村卫生室(所)")


def test_spaces_inside_chinese_words_are_folded() -> None:
    # 附表1 prints the 诊所 row as "诊 所".
    assert normalize("诊 所") == normalize("诊所")
    assert normalize("  医院\n（含中医院）") == normalize("医院（含中医院）")


def test_normalize_keeps_different_labels_apart() -> None:
    assert normalize("社区卫生服务中心") != normalize("社区卫生服务站")


@given(st.text())
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


def test_closest_suggests_the_nearest_label() -> None:
    labels = ["社区卫生服务中心", "社区卫生服务站", "卫生院", "诊所"]
    assert closest("社区卫生服务中", labels)[0] == "社区卫生服务中心"
    assert closest("完全无关的文字内容", labels) == []


def test_preview_keeps_short_values_and_cuts_long_ones() -> None:
    from spotcheck_rules.core.text import preview

    assert preview("abc") == "'abc'"
    assert preview("  a\nb ", quote=False) == "a b"
    cut = preview("9" * 5000)
    assert cut.startswith("'999") and cut.endswith("…（共 5002 个字符）") and len(cut) < 100
