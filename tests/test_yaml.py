"""The YAML reader must fail safely and say where, for every kind of hostile or broken input."""

from __future__ import annotations

from pathlib import Path

import pytest

from spotcheck_rules.core.errors import RulesetError
from spotcheck_rules.ruleset.documents import MAX_BYTES, read_yaml


def _problem(text: str) -> tuple[str, int | None]:
    with pytest.raises(RulesetError) as exc:
        read_yaml("t.yaml", text=text)
    p = exc.value.problems[0]
    return p.code, p.line


def test_positions_are_recorded_by_json_pointer() -> None:
    doc = read_yaml("t.yaml", text="a: 1\nb:\n  - c: 2\n")
    assert doc.data == {"a": 1, "b": [{"c": 2}]}
    assert doc.locate("/b/0/c") == (3, 5)
    assert doc.locate("/b/0/c/unknown") == (3, 5)  # falls back to the nearest ancestor


def test_duplicate_keys_are_refused_with_their_line() -> None:
    assert _problem("a: 1\nb: 2\na: 3\n") == ("Y002", 3)


def test_syntax_errors_are_located() -> None:
    code, line = _problem("a: [1, 2\nb: 3\n")
    assert code == "Y002" and line is not None


def test_alias_bomb_is_refused() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i, name in enumerate("bcdefg"):
        prev = "abcdefg"[i]
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    assert _problem("\n".join(lines))[0] == "Y003"


def test_deep_nesting_is_refused() -> None:
    assert _problem("a: " + "[" * 100 + "]" * 100)[0] == "Y003"


def test_python_tags_are_refused_not_executed() -> None:
    assert _problem("a: !!python/object/apply:os.system ['echo hi']\n")[0] == "Y004"


def test_non_text_input_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(RulesetError) as exc:
        read_yaml(path)
    assert exc.value.problems[0].code == "Y001"


def test_oversized_input_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: '" + "x" * (MAX_BYTES + 1) + "'\n")
    with pytest.raises(RulesetError) as exc:
        read_yaml(path)
    assert exc.value.problems[0].code == "Y003"


def test_dates_stay_iso_strings() -> None:
    assert read_yaml("t.yaml", text="due: 2025-11-20\n").data == {"due": "2025-11-20"}
