"""The on-disk cache of resolved rulesets: used only when everything it depends on matches."""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest

import spotcheck_rules
from spotcheck_rules import describe, load_ruleset_file
from spotcheck_rules.ruleset import cache as _cache
from spotcheck_rules.ruleset import loader as loader_module
from spotcheck_rules.ruleset.loader import clear_cache
from tests.treebuilder import checklist, plan, write_tree


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    where = tmp_path / "cache"
    monkeypatch.delenv("SPOTCHECK_NO_CACHE", raising=False)
    monkeypatch.setenv("SPOTCHECK_CACHE_DIR", str(where))
    clear_cache()
    yield where
    clear_cache()


def _no_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("parsed YAML although the cache had the ruleset")

    monkeypatch.setattr(loader_module, "_parse", refuse)


def _tree(tmp_path: Path) -> Path:
    root = write_tree(tmp_path / "r", [checklist()], [plan()])
    return root / "2030" / "plans" / "land.yaml"


def test_a_second_process_reads_the_cache(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _tree(tmp_path)
    first = load_ruleset_file(path)
    assert len(list(cache.glob("*.pickle"))) == 1
    assert not [p for p in cache.iterdir() if p.name.startswith(".tmp-")]
    clear_cache()  # as a fresh process would be
    with monkeypatch.context() as m:
        _no_yaml(m)
        again = load_ruleset_file(path)
    assert again is not first
    assert again.digest() == first.digest() and describe(again) == describe(first)
    assert again.domain("medical").categories["医院"].id == "hospital"


def test_a_changed_file_is_never_served_from_the_cache(cache: Path, tmp_path: Path) -> None:
    path = _tree(tmp_path)
    old = load_ruleset_file(path)
    clear_cache()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("2030年测试计划", "2030年新标题"), encoding="utf-8")
    os.utime(path, ns=(1, 1))  # even with the same size and an old mtime: content decides
    new = load_ruleset_file(path)
    assert new.title == "2030年新标题" and new.digest() != old.digest()
    # a checklist is a dependency too
    clear_cache()
    cl = path.parent.parent / "checklists" / "medical.yaml"
    cl.write_text(cl.read_text(encoding="utf-8").replace("医院", "大医院", 1), encoding="utf-8")
    assert load_ruleset_file(path).digest() != new.digest()


def test_broken_or_foreign_entries_are_ignored(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _tree(tmp_path)
    want = load_ruleset_file(path).digest()
    (entry,) = cache.glob("*.pickle")
    for junk in (b"", b"not a pickle", pickle.dumps(("other-key", ())) + pickle.dumps(1)):
        entry.write_bytes(junk)
        clear_cache()
        assert load_ruleset_file(path).digest() == want  # rebuilt and rewritten
    # an entry made by other code (another version) does not match the key
    clear_cache()
    monkeypatch.setattr(_cache, "_code_key", "another version")
    with monkeypatch.context() as m:
        m.setattr(loader_module, "_parse", _raise)
        with pytest.raises(AssertionError, match="parsed"):
            load_ruleset_file(path)


def _raise(*_: object, **__: object) -> None:
    raise AssertionError("parsed")


def test_a_cache_not_private_to_the_user_is_not_used(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _tree(tmp_path)
    load_ruleset_file(path)
    cache.chmod(0o777)
    clear_cache()
    with monkeypatch.context() as m:
        m.setattr(loader_module, "_parse", _raise)
        with pytest.raises(AssertionError, match="parsed"):
            load_ruleset_file(path)


def test_an_unwritable_or_disabled_cache_is_no_cache(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _tree(tmp_path)
    cache.parent.mkdir(exist_ok=True)
    cache.write_text("a file where the folder should be", encoding="utf-8")
    assert load_ruleset_file(path).id == "land/2030"
    cache.unlink()
    monkeypatch.setenv("SPOTCHECK_NO_CACHE", "1")
    clear_cache()
    assert load_ruleset_file(path).id == "land/2030"
    assert not cache.exists()


def test_the_bundled_plans_round_trip_through_the_cache(cache: Path) -> None:
    from spotcheck_rules import load_ruleset

    for plan_id in ("national/2025", "shanxi/2025", "county/2024"):
        built = load_ruleset(plan_id)
        clear_cache()
        cached = load_ruleset(plan_id)
        assert cached is not built and describe(cached) == describe(built)
        assert cached.plan == built.plan


def test_the_cache_key_covers_every_module_below_the_findings_layer() -> None:
    # core/codes.py (severities stamped by the YAML reader) was missing from a hand-kept list.
    from spotcheck_rules.ruleset.cache import code_files

    files = code_files()
    assert "core/codes/__init__.py" in files and "ruleset/documents.py" in files
    # the catalogue's entries are a subpackage (core/codes/): a glob of core/*.py missed them
    assert "core/codes/findings_codes.py" in files and "core/codes/model.py" in files
    here = Path(spotcheck_rules.__file__).parent
    every = {
        p.relative_to(here).as_posix()
        for d in ("core", "ruleset")
        for p in (here / d).rglob("*.py")
    }
    assert set(files) == every
    assert not [f for f in files if not f.startswith(("core/", "ruleset/"))]
