"""`spotcheck check` on broken copies of bundled files reports every problem, each located."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spotcheck_rules import check_files
from spotcheck_rules.cli.app import main


def _break(path: Path, *edits: tuple[str, str]) -> None:
    text = path.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(needle)


def test_every_schema_problem_of_a_plan_is_reported_with_its_line(ruleset_tree: Path) -> None:
    path = ruleset_tree / "2025" / "plans" / "national.yaml"
    _break(
        path,
        ("        ratio: 12%", "        ratoi: 12%"),  # typo'd key (and the ratio is now missing)
        ("  method: ceil", "  method: up"),  # not a rounding method
        ("year: 2025", "year: twenty"),
    )
    problems = check_files([path])
    where = {(p.code, p.line) for p in problems}
    assert ("S001", _line_of(path, "ratoi: 12%")) in where
    assert ("S001", _line_of(path, "method: up")) in where
    assert ("S001", _line_of(path, "year: twenty")) in where
    assert all(p.file == str(path) and p.line is not None for p in problems)


def test_every_reference_problem_of_a_plan_is_reported_with_its_line(ruleset_tree: Path) -> None:
    path = ruleset_tree / "2025" / "plans" / "national.yaml"
    _break(
        path,
        ("        categories: [hospital]", "        categories: [hospitl]"),
        ("        categories: [clinic]", "        categories: [village_clinic]"),
        ("sources: [sx2025,", "sources: [sx2052,"),
    )
    problems = check_files([path])
    got = {(p.code, p.line) for p in problems}
    assert ("P203", _line_of(path, "[hospitl]")) in got
    assert ("P207", _line_of(path, "sources: [sx2052")) in got
    # village_clinic is now in two strata of the same tier
    assert any(p.code == "P204" for p in problems)
    hospital = next(p for p in problems if p.code == "P203")
    assert "hospital" in hospital.suggestions


def test_every_problem_of_a_checklist_is_reported(ruleset_tree: Path) -> None:
    path = ruleset_tree / "2025" / "checklists" / "medical.yaml"
    _break(
        path,
        (
            "    item: personnel\n    provenance: {cites: [sx2025 附表2 第3列]}",
            "    item: personel\n    provenance: {cites: [sx2025 附表2 第3列]}",
        ),
        ("  - id: nurse\n", "  - id: physician\n"),
        (
            "    provenance: {cites: [sx2025 附表2 第12列]}",
            "    provenance: {cites: [sx2205 附表2 第12列]}",
        ),
        ("      exclude: [village_clinic]", "      exclude: [village]"),
    )
    problems = check_files([path])
    codes = sorted(p.code for p in problems)
    assert codes.count("R101") == 1  # duplicate column id
    assert codes.count("R103") == 1  # unknown item
    assert codes.count("R107") == 1  # unknown source document
    assert codes.count("R102") == 1  # unknown category in applies_to
    assert all(p.line is not None for p in problems)
    assert any(p.line == _line_of(path, "item: personel") for p in problems)


def test_cli_check_exit_codes(ruleset_tree: Path, capsys: object) -> None:
    good = ruleset_tree / "2025" / "plans" / "shanxi.yaml"
    assert main(["check", str(good)]) == 0
    bad = ruleset_tree / "2025" / "plans" / "national.yaml"
    _break(bad, ("        categories: [hospital]", "        categories: [hospitl]"))
    assert main(["check", str(bad)]) == 1
    assert main(["check", str(ruleset_tree / "missing.yaml")]) == 2
    junk = ruleset_tree / "junk.yaml"
    junk.write_text("a: [\n", encoding="utf-8")
    assert main(["check", str(junk)]) == 1


def test_cli_check_a_folder(ruleset_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before: "找不到文件" and exit 2 for any folder.
    files = sorted(ruleset_tree.rglob("*.yaml"))
    assert main(["check", str(ruleset_tree)]) == 0
    assert f"{len(files)} 个文件，0 个错误" in capsys.readouterr().err
    bad = ruleset_tree / "2025" / "plans" / "national.yaml"
    _break(bad, ("        categories: [hospital]", "        categories: [hospitl]"))
    hidden = ruleset_tree / ".cache" / "junk.yaml"
    hidden.parent.mkdir()
    hidden.write_text("a: [\n", encoding="utf-8")  # hidden folders are not rulesets
    assert main(["check", str(ruleset_tree / "2025"), "--format", "json"]) == 1
    problems = json.loads(capsys.readouterr().out)
    assert {p["file"] for p in problems} == {str(bad)}
    (ruleset_tree / "empty").mkdir()
    assert main(["check", str(ruleset_tree / "empty")]) == 2
    assert "没有 .yaml 文件" in capsys.readouterr().err


# --------------------------------------------------------------------------- R113: 合理缺项


def test_an_item_not_optional_where_the_table_says_every_item_may_be_is_r113(
    ruleset_tree: Path,
) -> None:
    path = ruleset_tree / "2025" / "checklists" / "cosmetic.yaml"
    _break(path, ("    number: 1\n", "    number: 1\n    optional: false\n"))
    (p,) = [p for p in check_files([path]) if p.code == "R113"]
    assert p.severity.value == "warning" and p.pointer == "/items/0/optional"
    assert "检查内容可合理缺项" in p.message and p.line == _line_of(path, "optional: false")


def test_optional_items_with_no_note_recorded_are_r113(ruleset_tree: Path) -> None:
    path = ruleset_tree / "2025" / "checklists" / "cosmetic.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("optional_notes:")
    end = text.index("\ncategories:")
    path.write_text(text[:start] + text[end + 1 :], encoding="utf-8")
    (p,) = [p for p in check_files([path]) if p.code == "R113"]
    assert p.severity.value == "warning"
    assert "未记录工作计划表的合理缺项说明" in p.message and "6 项检查内容可合理缺项" in p.message
    # once the items say they may not be skipped, nothing rests on the default
    text = path.read_text(encoding="utf-8").replace(
        "    number: ", "    optional: false\n    number: "
    )
    path.write_text(text, encoding="utf-8")
    assert not [p for p in check_files([path]) if p.code == "R113"]


def test_the_bundled_checklists_agree_with_their_notes() -> None:
    root = Path(__file__).resolve().parent.parent / "rulesets"
    paths = sorted(root.glob("*/checklists/*.yaml"))
    assert len(paths) == 9
    assert not [p for p in check_files(paths) if p.code == "R113"]
