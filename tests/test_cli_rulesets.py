from __future__ import annotations

import json

import pytest

from spotcheck_rules.cli.app import main


def test_show_json_follows_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "shanxi/2025", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["id"] == "shanxi/2025" and data["year"] == 2025
    for dom in data["domains"]:
        assert {"id", "title", "categories", "items", "columns", "strata"} <= dom.keys()
        for c in dom["categories"]:
            assert set(c) == {"id", "label", "parent"}
        for i in dom["items"]:
            assert {"id", "number", "title"} <= i.keys()
        for col in dom["columns"]:
            assert {"id", "label", "groups", "kind"} <= col.keys()
            assert isinstance(col["groups"], list)
        for s in dom["strata"]:
            assert {"tier", "categories", "ratio", "count"} <= s.keys()
            assert s["ratio"] is None or 0 <= s["ratio"] <= 1
            assert s["count"] is None or isinstance(s["count"], int)
    medical = next(d for d in data["domains"] if d["id"] == "medical")
    hospital = next(s for s in medical["strata"] if s["categories"] == ["hospital"])
    assert hospital["ratio"] == 0.12 and hospital["tier"] == "national"


def test_show_markdown_is_a_field_checklist(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "shanxi/2025", "--domain", "医疗机构", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "☐ 符合" in out and "☐ 合理缺项" in out
    assert "村卫生室仅抽查处方管理情况" in out
    assert "仅公立医疗机构" in out  # 政策落实 columns
    assert "汇总表表头" in out


def test_show_unknown_plan_or_domain_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "shanxi/2052"]) == 2
    assert "shanxi/2025" in capsys.readouterr().err  # suggested
    assert main(["show", "shanxi/2025", "--domain", "不存在"]) == 2


def test_usage_errors_exit_2_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["show"])
    assert exc.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--format", "json"]) == 0
    ids = [i["id"] for i in json.loads(capsys.readouterr().out)]
    assert "shanxi/2025" in ids and ids == sorted(ids, key=lambda i: (i[-4:], i))


def test_schema_command_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "plan"]) == 0
    assert json.loads(capsys.readouterr().out)["title"].startswith("spotcheck_rules plan")
