"""Plugins that fail safely, and authoring messages that say how to fix (issue 12, items 3–4).

A plugin is faked the way pip installs one: a package folder and a ``*.dist-info`` folder with
``entry_points.txt`` on a path put at the front of ``sys.path``. Each test uses its own module
name, so an import made by one test cannot satisfy another.
"""

from __future__ import annotations

import io
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from treebuilder import checklist, plan, school_domain, write_tree

from spotcheck_rules import check_files, list_rulesets, load_ruleset, load_ruleset_file
from spotcheck_rules.cli.app import main
from spotcheck_rules.core.errors import RulesetError
from spotcheck_rules.ruleset.loader import clear_cache
from spotcheck_rules.ruleset.registry import PluginWarning

ROOT = Path(__file__).resolve().parent.parent


class Site:
    """A folder on ``sys.path`` where fake distributions are installed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir()

    def install(self, dist: str, module: str, init: str, entry: str | None = None) -> Path:
        pkg = self.path / module
        pkg.mkdir()
        (pkg / "__init__.py").write_text(init, encoding="utf-8")
        info = self.path / f"{module}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(
            f"[spotcheck_rules.rulesets]\n{module} = {entry or module + ':ROOT'}\n"
        )
        return pkg


ROOT_INIT = "from pathlib import Path\nROOT = Path(__file__).parent / 'rulesets'\n"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    s = Site(tmp_path / "site")
    sys.path.insert(0, str(s.path))
    clear_cache()
    try:
        yield s
    finally:
        sys.path.remove(str(s.path))
        clear_cache()


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _plugin_warnings(record: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, PluginWarning)]


# --------------------------------------------------------------------------- broken plugins


def test_a_plugin_that_does_not_import_is_one_warning_naming_it(site: Site) -> None:
    site.install("broken-imports", "broken_imports", "import no_such_module_anywhere\n")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        ids = {i.id for i in list_rulesets()}
    assert "shanxi/2025" in ids  # the bundled rulesets keep working
    (message,) = set(_plugin_warnings(record))
    assert "broken-imports" in message and "no_such_module_anywhere" in message
    code, out, err = _run(["list"])
    assert code == 0 and "shanxi/2025" in out
    lines = [line for line in err.splitlines() if "P230" in line]
    assert len(lines) == 1 and "broken-imports" in lines[0] and "warning" in lines[0], err


def test_a_plugin_whose_folder_is_missing_is_one_warning(site: Site) -> None:
    site.install("no-folder", "no_folder", ROOT_INIT)  # rulesets/ never created
    code, out, err = _run(["list"])
    assert code == 0 and "national/2025" in out
    (line,) = [line for line in err.splitlines() if "P230" in line]
    assert "no-folder" in line and "不存在" in line


def test_a_plugin_with_invalid_yaml_is_one_warning_and_its_good_plans_still_list(
    site: Site,
) -> None:
    pkg = site.install("bad-yaml", "bad_yaml", ROOT_INIT)
    root = write_tree(pkg / "rulesets", [checklist()], [plan("good/2030")])
    (root / "2030" / "plans" / "bad.yaml").write_text("kind: plan\nid: [unclosed\n", "utf-8")
    code, out, err = _run(["list"])
    assert code == 0 and "good/2030" in out and "shanxi/2025" in out
    (line,) = [line for line in err.splitlines() if "P230" in line]
    assert "bad-yaml" in line and "bad/2030" in line and "Y002" in line


def test_a_plugin_with_a_broken_sources_file_does_not_break_other_trees(
    site: Site, tmp_path: Path
) -> None:
    pkg = site.install("bad-sources", "bad_sources", ROOT_INIT)
    root = write_tree(pkg / "rulesets", [checklist()], [plan("other/2030")])
    (root / "sources.yaml").write_text("kind: sources\ndocuments: [\n", encoding="utf-8")
    mine = write_tree(tmp_path / "mine", [checklist()], [plan()])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        rs = load_ruleset_file(mine / "2030" / "plans" / "land.yaml")
    assert rs.id == "land/2030"
    assert any("bad-sources" in m for m in _plugin_warnings(record))


def test_two_trees_defining_the_same_id_is_an_error_naming_both(site: Site) -> None:
    a = site.install("rules-a", "rules_a", ROOT_INIT)
    b = site.install("rules-b", "rules_b", ROOT_INIT)
    for pkg in (a, b):
        write_tree(pkg / "rulesets", [checklist()], [plan("twin/2030")])
    with pytest.raises(RulesetError) as exc:
        load_ruleset("twin/2030")
    (p,) = exc.value.problems
    assert p.code == "P231" and "rules-a" in p.message and "rules-b" in p.message
    code, out, err = _run(["list"])
    assert code == 1 and "P231" in err and "rules-a" in err and "rules-b" in err
    assert "shanxi/2025" in out


def test_a_plugin_redefining_a_bundled_id_is_an_error_naming_both(site: Site) -> None:
    pkg = site.install("shadow", "shadow_rules", ROOT_INIT)
    write_tree(pkg / "rulesets", [checklist()], [plan("tianjin/2030")])
    write_tree(pkg / "rulesets", [], [])
    (pkg / "rulesets" / "2025" / "plans").mkdir(parents=True)
    bundled = (ROOT / "rulesets" / "2025" / "plans" / "tianjin.yaml").read_text("utf-8")
    (pkg / "rulesets" / "2025" / "plans" / "tianjin.yaml").write_text(bundled, "utf-8")
    errors: list[Exception] = []
    infos = {i.id for i in list_rulesets(errors)}  # type: ignore[arg-type]
    assert "tianjin/2025" in infos  # still listed from the first tree
    (err,) = errors
    assert "bundled" in str(err) and "shadow" in str(err)


def test_a_plugin_through_the_cli_is_listed_with_its_provider(site: Site) -> None:
    pkg = site.install("province-rules", "province_rules", ROOT_INIT)
    write_tree(pkg / "rulesets", [checklist()], [plan("beijing/2030")])
    code, out, err = _run(["list"])
    assert code == 0 and err == ""
    (line,) = [line for line in out.splitlines() if line.startswith("beijing/2030")]
    assert line.endswith("[province-rules]")


# --------------------------------------------------------------------------- authoring messages


def test_a_missing_local_checklist_is_an_error_naming_where_it_looked(tmp_path: Path) -> None:
    # the plan names 2025/medical, which the bundled tree has: it must not be used silently
    pl = plan("land/2025")
    pl["domains"]["medical"]["checklist"] = "2025/medical"
    root = write_tree(tmp_path / "mine", [], [pl])
    with pytest.raises(RulesetError) as exc:
        load_ruleset_file(root / "2025" / "plans" / "land.yaml")
    (p,) = [p for p in exc.value.problems if p.code == "P202"]
    assert "2025/medical" in p.message
    assert str(Path("2025", "checklists", "medical.yaml")) in p.message
    assert str(tmp_path / "mine") in p.message or "mine" in p.message
    assert p.pointer == "/domains/medical/checklist" and p.line is not None


def test_a_child_plan_inherits_its_parents_checklist_from_the_parents_tree(
    tmp_path: Path,
) -> None:
    # what a city overlay does: it names no checklist, so the bundled parent's is used
    child = {
        "kind": "plan",
        "id": "datong/2025",
        "year": 2025,
        "title": "2025年大同市计划",
        "jurisdiction": {"level": "city", "name": "大同市"},
        "extends": "shanxi/2025",
        "domains": {"medical": {}},
    }
    root = write_tree(tmp_path / "city", [], [])
    (root / "2025" / "plans").mkdir(parents=True)
    from spotcheck_rules.ruleset.documents import dump_yaml

    (root / "2025" / "plans" / "datong.yaml").write_text(dump_yaml(child), encoding="utf-8")
    rs = load_ruleset_file(root / "2025" / "plans" / "datong.yaml")
    assert rs.domain("medical").checklist.id == "2025/medical"


def test_a_ratio_written_without_its_percent_sign_says_how_to_fix(tmp_path: Path) -> None:
    pl = plan()
    pl["domains"]["medical"]["strata"][0]["ratio"] = 20
    root = write_tree(tmp_path / "r", [checklist()], [pl])
    problems = check_files([root / "2030" / "plans" / "land.yaml"])
    (p,) = [p for p in problems if "ratio" in p.message]
    assert "请写 20%" in p.message and p.pointer.endswith("/strata/0/ratio")


def test_an_unknown_domain_lists_the_known_ones_and_how_to_declare_one(tmp_path: Path) -> None:
    pl = plan()
    pl["domains"]["schools"] = pl["domains"].pop("medical")
    root = write_tree(tmp_path / "r", [checklist()], [pl])
    problems = check_files([root / "2030" / "plans" / "land.yaml"])
    (p,) = [p for p in problems if p.code == "P213"]
    assert "schools" in p.message and "medical（医疗机构）" in p.message
    # how to declare one: in this tree's own domains.yaml (the message names it)
    assert f"{root.name}/domains.yaml" in p.message and "kind: domains" in p.message
    assert "尚不能" not in p.message
    # done as it says, the domain is known (the checklist of that id is then what is missing)
    write_tree(root, [checklist()], [pl], domains=[school_domain("schools")])
    clear_cache()
    problems = check_files([root / "2030" / "plans" / "land.yaml"])
    assert [p.code for p in problems if p.code == "P213"] == []


def test_check_verifies_each_sources_file_exists(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "r", [checklist()], [plan()])
    assert check_files([root / "sources.yaml"]) == []
    (root / "doc.txt").unlink()
    (p,) = check_files([root / "sources.yaml"])
    assert p.code == "R112" and "doc.txt" in p.message
    assert p.pointer == "/documents/doc/file" and p.line is not None


def test_the_bundled_sources_files_are_the_seed_texts() -> None:
    # rulesets/ carries the texts it cites (so `check` can verify them): the seeds, byte for byte
    for seed in sorted((ROOT / "tests" / "seeds").glob("0*.txt")):
        assert (ROOT / "rulesets" / seed.name).read_bytes() == seed.read_bytes(), seed.name


def test_r107_names_the_authors_own_sources_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cl = checklist()
    cl["provenance"] = {"cites": ["nosuchdoc 附表1"]}
    root = write_tree(tmp_path / "mine", [cl], [])
    monkeypatch.chdir(tmp_path)
    (p,) = [p for p in check_files([root / "2030" / "checklists" / "medical.yaml"])]
    assert p.code == "R107"
    assert str(Path("mine") / "sources.yaml") in p.message
    assert "rulesets/sources.yaml" not in p.message


# --------------------------------------------------------------------------- authoring.md


def _schema_objects(name: str) -> dict[str, set[str]]:
    """Each object of a ruleset schema (the file itself under its model's title) and its keys."""
    import json

    from spotcheck_rules.schemas.catalogue import schema

    def keys(node: dict[str, object]) -> set[str]:
        if "properties" in node:
            return set(node["properties"])  # type: ignore[arg-type]
        out: set[str] = set()
        for alt in node.get("anyOf", []):  # type: ignore[attr-defined]
            out |= keys(alt)
        return out

    s = json.loads(json.dumps(schema(name)))
    objects = {n: keys(d) for n, d in s.get("$defs", {}).items() if keys(d)}
    model = {
        "plan": "Plan",
        "checklist": "Checklist",
        "sources": "SourceRegistry",
        "spec": "Spec",
        "domains": "DomainFile",
    }[name]
    objects[model] = set(s["properties"])
    return objects


def _documented() -> dict[str, set[str]]:
    import re

    text = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    section = text.split("\n## Every key\n", 1)[1].split("\n## ", 1)[0]
    out: dict[str, set[str]] = {}
    current: set[str] | None = None
    for line in section.splitlines():
        m = re.match(r"^#### `(\w+)`", line)
        if m:
            current = out.setdefault(m.group(1), set())
        elif current is not None and (k := re.match(r"^\| `(\w+)` \|", line)):
            current.add(k.group(1))
    return out


@pytest.mark.parametrize("name", ["plan", "checklist", "sources", "spec", "domains"])
def test_authoring_documents_every_key_the_schemas_accept(name: str) -> None:
    documented = _documented()
    for obj, keys in sorted(_schema_objects(name).items()):
        assert obj in documented, f"docs/authoring.md has no '#### `{obj}`' table"
        assert keys - documented[obj] == set(), f"{obj}: undocumented keys"
        assert documented[obj] - keys == set(), f"{obj}: documented keys the schema lacks"


def test_the_example_plugin_declares_its_own_domain(tmp_path: Path) -> None:
    """examples/plugin: its tree declares 学校卫生 (domains.yaml), so its plan loads from its
    folder and its example findings validate and aggregate, with the 合格率 the data give."""
    from spotcheck_rules import aggregate, validate

    tree = ROOT / "examples" / "plugin" / "src" / "spotcheck_school_example"
    clear_cache()
    rs = load_ruleset_file(tree / "rulesets" / "2025" / "plans" / "school_national.yaml")
    assert rs.domain("学校卫生").domain == "school"
    findings = tree / "findings" / "school-2025-findings.jsonl"
    report = validate(str(findings), rs)
    assert report.rejected == 0 and not report.errors
    (table,) = aggregate(str(findings), rs).tables
    total = table.rows[-1]
    ratio = next(c for c in table.columns if c.ratio is not None)
    assert str(total.values[ratio.id]) in ("60", "60.00")
    assert not [p for p in check_files([tree / "rulesets"]) if p.severity.value != "info"]


def test_a_copy_of_the_plugin_with_its_domain_renamed_by_text_alone_works(tmp_path: Path) -> None:
    """Rename the plugin's domain by text substitution alone — YAML, findings and file names,
    no code — and the copy loads, validates and aggregates as the original does."""
    import shutil

    from spotcheck_rules import aggregate, validate

    src = ROOT / "examples" / "plugin" / "src" / "spotcheck_school_example"
    dst = tmp_path / "campus"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    for path in sorted(dst.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_file() and path.suffix in (".yaml", ".jsonl"):
            path.write_text(path.read_text("utf-8").replace("school", "campus"), "utf-8")
        if "school" in path.name:
            path.rename(path.with_name(path.name.replace("school", "campus")))
    clear_cache()
    original = load_ruleset_file(src / "rulesets" / "2025" / "plans" / "school_national.yaml")
    copy = load_ruleset_file(dst / "rulesets" / "2025" / "plans" / "campus_national.yaml")
    assert copy.id == "campus_national/2025" and list(copy.domains) == ["campus"]
    a = aggregate(str(src / "findings" / "school-2025-findings.jsonl"), original)
    b = aggregate(str(dst / "findings" / "campus-2025-findings.jsonl"), copy)
    assert [r.values for r in a.tables[0].rows] == [r.values for r in b.tables[0].rows]
    report = validate(str(dst / "findings" / "campus-2025-findings.jsonl"), copy)
    assert report.accepted == report.records_read > 0
