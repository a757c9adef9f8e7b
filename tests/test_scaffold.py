"""`toolbook.py new` and `finalize`: stubs that pass the checks, linked to the schema, never overwriting."""

from __future__ import annotations

import json
from pathlib import Path

from functools import partial

import helpers
from helpers import ROOT

toolbook = partial(helpers.toolbook, today="2026-11-22")  # the day the scaffolding tests assume

from kb.data.load import load_knowledge_base
from kb.data.yamlio import read_document


def with_schema(data: Path) -> Path:
    """The data set with a copy of the schema beside it, as the repository's data/ has."""
    import shutil

    shutil.copytree(ROOT / "data" / "schema", data / "schema")
    return data


def test_new_issue_writes_the_issue_and_its_case_stubs(data):
    with_schema(data)
    result = toolbook("new", "issue", "2026-12", "--theme", "过硬支部建设", "--cases", "3", data=data)
    assert result.returncode == 0, result.stderr
    issue = data / "issues" / "2026-12.yml"
    cases = [data / "cases" / f"2026-12-anli-{n}.yml" for n in (1, 2, 3)]
    assert [line.split("：", 1)[1] for line in result.stdout.splitlines()] == [str(p) for p in [issue, *cases]]
    assert "草稿" in result.stderr
    doc, _ = read_document(issue)
    assert doc.value["cases"] == [p.stem for p in cases]
    assert (doc.value["number"], doc.value["serial"], doc.value["theme"], doc.value["draft"]) == (7, 19, "过硬支部建设", True)
    for path, kind in [(issue, "issue"), *((p, "case") for p in cases)]:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == f"# yaml-language-server: $schema=../schema/{kind}.json"
        # the relative path leads to a schema that has Chinese descriptions for the editor's tooltips
        schema = json.loads((path.parent / first.split("=", 1)[1]).read_text(encoding="utf-8"))
        assert schema["properties"]["draft"]["$ref"] == "common.json#/$defs/draft"
    # the stubs pass every check with drafts, and leave the published set as it was
    kb, problems = load_knowledge_base(data, include_drafts=True)
    assert problems == [] and kb.issue_of_case["2026-12-anli-2"].id == "2026-12"
    published, problems = load_knowledge_base(data)
    assert problems == [] and "2026-12" not in published.records


def test_new_single_records_pass_the_checks(data):
    for kind, record_id in [("case", "xin-anli"), ("method", "xin-fa"), ("standard", "xin-biaozhun")]:
        result = toolbook("new", kind, record_id, data=data)
        assert result.returncode == 0, result.stderr
        path = data / f"{kind}s" / f"{record_id}.yml"
        assert path.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=")
    kb, problems = load_knowledge_base(data, include_drafts=True)
    assert problems == [] and {"xin-anli", "xin-fa", "xin-biaozhun"} <= set(kb.drafts)
    # a new standard's clause says what it rests on (issue 29), with the comment naming the three kinds
    stub = (data / "standards" / "xin-biaozhun.yml").read_text(encoding="utf-8")
    assert "# 依据类别：法规（出处写文件简称和第几条）、上级要求（出处写哪一级党组织、什么文件）或通行做法" in stub
    clause = kb.records["xin-biaozhun"].data["clauses"][0]
    assert clause["basis_kind"] == "法规" and clause["source"].startswith("（待填写）")


def test_new_never_overwrites(data):
    before = (data / "standards" / "sanhui-yike.yml").read_bytes()
    result = toolbook("new", "case", "sanhui-yike", data=data)
    assert result.returncode == 1 and "已被" in result.stderr and "不会覆盖" in result.stderr
    assert (data / "standards" / "sanhui-yike.yml").read_bytes() == before
    assert not (data / "cases" / "sanhui-yike.yml").exists()
    assert toolbook("new", "issue", "2026-12", "--theme", "过硬支部建设", "--cases", "1", data=data).returncode == 0
    again = toolbook("new", "issue", "2026-12", "--theme", "过硬支部建设", "--cases", "1", data=data)
    assert again.returncode == 1 and "已存在，不会覆盖" in again.stderr


def test_new_issue_suggests_the_theme_meant(data):
    result = toolbook("new", "issue", "2026-12", "--theme", "过硬支部", "--cases", "2", data=data)
    assert result.returncode == 2 and '是否指 "过硬支部建设"' in result.stderr and "未创建任何文件" in result.stderr
    assert not (data / "issues" / "2026-12.yml").exists() and not list((data / "cases").glob("2026-12-*"))


def test_new_refuses_bad_ids_and_months(data):
    assert "格式不对" in toolbook("new", "case", "Hong_Se", data=data).stderr
    assert "YYYY-MM" in toolbook("new", "issue", "2026-13", "--theme", "过硬支部建设", data=data).stderr
    assert toolbook("new", "issue", "2026-12", data=data).returncode == 2  # no theme


def test_finalize_refuses_placeholders_then_publishes(data):
    toolbook("new", "issue", "2026-12", "--theme", "过硬支部建设", "--cases", "1", data=data)
    refused = toolbook("finalize", "2026-12", data=data)
    assert refused.returncode == 1 and "待填写" in refused.stderr
    assert "2026-12-anli-1.yml:3: " in refused.stderr  # the title line of the case stub
    for path in [data / "issues" / "2026-12.yml", data / "cases" / "2026-12-anli-1.yml"]:
        text = path.read_text(encoding="utf-8")
        text = "\n".join(line.split("  # 待填写")[0] for line in text.splitlines()) + "\n"
        path.write_text(text.replace("（待填写）", "已填写"), encoding="utf-8")
    published = toolbook("finalize", "2026-12", data=data)
    assert published.returncode == 0, published.stdout + published.stderr
    assert "数据检查通过" in published.stderr
    kb, problems = load_knowledge_base(data)
    assert problems == [] and {"2026-12", "2026-12-anli-1"} <= set(kb.records)


def test_finalize_with_a_date_schedules_the_issue(data):
    toolbook("new", "issue", "2026-12", "--theme", "过硬支部建设", "--cases", "1", data=data)
    for path in [data / "issues" / "2026-12.yml", data / "cases" / "2026-12-anli-1.yml"]:
        text = "\n".join(line.split("  # 待填写")[0] for line in path.read_text(encoding="utf-8").splitlines()) + "\n"
        path.write_text(text.replace("（待填写）", "已填写"), encoding="utf-8")
    result = toolbook("finalize", "2026-12", "--date", "2026-12-01", data=data)
    assert result.returncode == 0, result.stderr
    assert "另有 2 条草稿或未到发布日期的记录" in result.stderr
    doc, _ = read_document(data / "issues" / "2026-12.yml")
    assert doc.value["publish_date"] == "2026-12-01" and "draft" not in doc.value


def test_finalize_explains_a_file_it_cannot_read(data):
    toolbook("new", "case", "xin-anli", data=data)
    path = data / "cases" / "xin-anli.yml"
    path.write_bytes(path.read_text(encoding="utf-8").replace("  - ", "\t- ", 1).encode("gbk"))
    result = toolbook("finalize", "xin-anli", data=data)
    assert result.returncode == 1 and "GBK" in result.stderr and "Traceback" not in result.stderr
    path.write_text(path.read_bytes().decode("gbk"), encoding="utf-8")
    result = toolbook("finalize", "xin-anli", data=data)
    assert result.returncode == 1 and "Tab" in result.stderr and "xin-anli.yml:" in result.stderr


def test_an_editors_file_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    """kb.platform.write_whole, which new, finalize and import-docx write with: an interrupted write leaves the
    file as it was and no stray file; a new file never replaces one; without hard links (FAT, some network shares)
    it still writes; a file that reads back otherwise is an error, not silence."""
    import os

    import pytest

    from kb import platform

    record = tmp_path / "case.yml"
    record.write_text("title: 原来的\n", encoding="utf-8")

    def interrupted(*args):
        raise OSError("断电")

    with monkeypatch.context() as m:
        m.setattr(os, "replace", interrupted)
        with pytest.raises(OSError):
            platform.write_whole(record, "title: 新的\n")
    assert record.read_text(encoding="utf-8") == "title: 原来的\n" and os.listdir(tmp_path) == ["case.yml"]

    with pytest.raises(FileExistsError):
        platform.write_whole(record, "title: 新的\n", create=True)
    assert record.read_text(encoding="utf-8") == "title: 原来的\n"

    with monkeypatch.context() as m:
        m.setattr(os, "link", lambda *a: (_ for _ in ()).throw(PermissionError("no hard links")))
        platform.write_whole(tmp_path / "new.yml", "title: 新建\n", create=True)
        with pytest.raises(FileExistsError):
            platform.write_whole(record, "x", create=True)
    assert (tmp_path / "new.yml").read_text(encoding="utf-8") == "title: 新建\n"

    platform.write_whole(record, "title: 新的\n")
    assert record.read_bytes() == "title: 新的\n".encode("utf-8")
    real_replace = os.replace

    def lossy(src, dst):  # a share that keeps only part of what it was given
        with open(src, "r+b") as f:
            f.truncate(3)
        real_replace(src, dst)

    with monkeypatch.context() as m:
        m.setattr(os, "replace", lossy)
        with pytest.raises(platform.ReadBackError):
            platform.write_whole(record, "title: 第三版\n")
    assert sorted(os.listdir(tmp_path)) == ["case.yml", "new.yml"]
