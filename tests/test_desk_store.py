"""The editing desk's back end (kb.desk): what an editor sees when a form edits a record file.

yamledit: one field changed, every other byte stays (comments, blank lines, odd spacing); a nested change keeps
its siblings' comments; a value the strict reader would read otherwise is quoted; what cannot be written
faithfully is refused. records: a file changed since it was opened is not overwritten; a published record made
invalid is refused, a draft is saved with its problems; undo puts back the exact bytes; ids from the browser
cannot leave the data folder; the list shows each record's status and the problems `check --drafts` reports;
a reference field names the kinds of records it may refer to; a desk handed the preview's readings reads no
file again for its first list.
"""

from __future__ import annotations

import datetime
import io
import os
import re
import shutil
from pathlib import Path

import pytest
from helpers import SAMPLE
from hypothesis import given, settings
from hypothesis import HealthCheck, strategies as st
from ruamel.yaml import YAML

from kb.data.load import load
from kb.data.problems import display_path
from kb.data.yamlio import read_bytes
from kb.desk import records, yamledit
from kb.desk.records import Desk, DeskError


def list_records(settings):
    return Desk(settings).list_records()


def open_record(settings, kind, record_id):
    return Desk(settings).open_record(kind, record_id)


def save_record(settings, kind, record_id, values, version):
    return Desk(settings).save_record(kind, record_id, values, version)


def undo(settings, kind, record_id):
    return Desk(settings).undo(kind, record_id)
from kb.desk.yamledit import EditRefused, edit, edit_with_report
from kb.settings import Settings

TODAY = datetime.date(2026, 8, 1)

# A record as an editor writes it by hand: comments above keys, inline comments, a block scalar, flow lists
# (one with odd spacing), quoted strings, extra spaces after a colon, blank lines, a comment at the end.
HAND = """\
# yaml-language-server: $schema=../schema/standard.json
# 三会一课：手写的说明
id: sanhui-yike   # 编号不要改
title:    "三会一课"
category: 组织生活

# 依据的法规
basis:
  - document: 中国共产党支部工作条例（试行）  # 条例全称
    articles: 第十八条
summary: '支部的基本制度。'
clauses:
  # 第一条
  - requirement: 每月召开支委会   # 行内注释
    frequency: 每月 1 次
  # 第二条
  - requirement: 每季度召开党员大会
    frequency: 每季度 1 次
checklist: [ 会议记录,签到表 ]
related: [zhuti-dangri]
tags: [三会一课, 台账]

# 最后更新
updated: 2026-03-15
body: |
  第一段。

  第二段。
# 文件末尾的注释
"""
ORDER = ["id", "title", "category", "basis", "summary", "clauses", "checklist", "forms", "related", "tags",
         "updated", "draft"]


def values_of(text: str) -> dict:
    doc, problems = read_bytes(text.encode("utf-8"), "x.yml")
    assert doc is not None, problems
    return doc.value


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """(lines only in `before`, lines only in `after`), in order."""
    import difflib
    diff = list(difflib.ndiff(before.splitlines(True), after.splitlines(True)))
    return [d[2:] for d in diff if d.startswith("- ")], [d[2:] for d in diff if d.startswith("+ ")]


# -- yamledit ----------------------------------------------------------------------------------------------------

def test_one_field_edited_keeps_every_other_byte():
    values = values_of(HAND)
    values["summary"] = "支部最基本的组织生活制度。"
    assert edit(HAND, values, ORDER) == HAND.replace("summary: '支部的基本制度。'", "summary: '支部最基本的组织生活制度。'")
    unchanged = values_of(HAND)
    assert edit(HAND, unchanged, ORDER) == HAND  # nothing changed: the same bytes


def test_a_nested_edit_keeps_the_comments_of_its_siblings():
    values = values_of(HAND)
    values["clauses"][1]["frequency"] = "每季度 2 次"
    values["basis"][0]["articles"] = "第十八条、第十九条"
    result = edit(HAND, values, ORDER)
    assert result == HAND.replace("frequency: 每季度 1 次", "frequency: 每季度 2 次").replace(
        "articles: 第十八条", "articles: 第十八条、第十九条")
    assert "  # 第一条\n  - requirement: 每月召开支委会   # 行内注释\n" in result
    assert "document: 中国共产党支部工作条例（试行）  # 条例全称" in result


def test_an_item_deleted_from_a_list_goes_with_its_own_comment_and_the_others_keep_theirs():
    three = HAND.replace("    frequency: 每季度 1 次\n", "    frequency: 每季度 1 次\n  # 第三条\n  - requirement: 党小组会\n"
                                                       "    frequency: 每月 1 次  # 小组\n")
    values = values_of(three)
    del values["clauses"][1]
    assert edit(three, values, ORDER) == three.replace(
        "  # 第二条\n  - requirement: 每季度召开党员大会\n    frequency: 每季度 1 次\n", "")
    values = values_of(three)
    del values["clauses"][2]
    assert edit(three, values, ORDER) == three.replace("  # 第三条\n  - requirement: 党小组会\n    frequency: 每月 1 次  # 小组\n", "")
    values = values_of(three)
    values["clauses"][1] = "只写一句"  # a clause replaced by another kind of value: the next one keeps its comment
    assert edit(three, values, ORDER) == three.replace(
        "  - requirement: 每季度召开党员大会\n    frequency: 每季度 1 次\n", "  - 只写一句\n")


def test_an_item_added_to_a_list_keeps_the_others_and_their_comments():
    values = values_of(HAND)
    values["clauses"].insert(1, {"requirement": "每月召开党小组会", "frequency": "每月 1 次"})
    values["tags"].append("组织生活")
    removed, added = changed_lines(HAND, edit(HAND, values, ORDER))
    assert removed == ["tags: [三会一课, 台账]\n"]
    assert added == ["  - requirement: 每月召开党小组会\n", "    frequency: 每月 1 次\n", "tags: [三会一课, 台账, 组织生活]\n"]


@pytest.mark.parametrize("text", [
    "yes", "No", "on", "OFF", "010", "0o17", "0x1F", "1e3", "12:30", "1_000", ".inf", "null", "~", "true", "123",
    "-1.5", "2026-03-15", "", " 前后有空格 ", "a: b", "a #b", "#开头", "- 开头", "[方括号]", "{花括号}", "&锚", "*别名",
    "!标签", "@at", "`反引号", "'单引号", '"双引号', "? 问号", "|竖线", ">大于号", "% 百分号", "x\ty", "\t制表符开头",
    "第一行\n第二行", "结尾换行\n", "行尾空格  \n下一行", "\n开头换行", "  缩进开头\n第二行", "\t制表符缩进\n第二行",
    "x\u2028y", "x\x85y", "铃\x07声", "a\r\nb", "<<",
])
def test_a_string_is_written_so_that_it_reads_back_as_the_same_string(text):
    values = values_of(HAND)
    values["title"] = text
    values["tags"] = ["三会一课", text]
    result = edit(HAND, values, ORDER)
    assert values_of(result) == values
    removed, _ = changed_lines(HAND, result)
    assert set(removed) <= {'title:    "三会一课"\n', "tags: [三会一课, 台账]\n"}


def test_values_the_strict_reader_would_read_otherwise_are_quoted():
    values = values_of(HAND)
    values["title"], values["category"] = "yes", "12:30"
    values["summary"] = "第一行\n第二行\n"
    result = edit(HAND, values, ORDER)
    assert 'title: "yes"\n' in result and 'category: "12:30"\n' in result
    assert "summary: |\n  第一行\n  第二行\n" in result  # multi-line text: a literal block
    values["body"] = "只有一行"
    assert "body: |-\n  只有一行\n" in edit(HAND, values, ORDER)  # a block stays a block


def test_where_ruamel_alters_an_unchanged_field_its_original_lines_are_spliced_back():
    # ruamel.yaml alone normalises the spacing after "title:" and inside the flow list "checklist"
    rt = YAML()
    rt.preserve_quotes = True
    out = io.StringIO()
    rt.dump(rt.load(HAND), out)
    assert 'title:    "三会一课"' not in out.getvalue() and "checklist: [ 会议记录,签到表 ]" not in out.getvalue()

    values = values_of(HAND)
    values["summary"] = "改过的摘要"
    result = edit_with_report(HAND, values, ORDER)
    assert {"title", "checklist"} <= set(result.spliced)
    assert result.text == HAND.replace("summary: '支部的基本制度。'", "summary: '改过的摘要'")


def test_a_file_indented_another_way_keeps_its_indentation():
    text = "id: x\nclauses:\n- requirement: 一\n  frequency: 每月\n-   requirement: 二\n    frequency: 每年\ntags: [a]\n"
    values = values_of(text)
    values["tags"] = ["b"]
    assert edit(text, values) == text.replace("tags: [a]", "tags: [b]")
    values["clauses"][0]["frequency"] = "每季度"
    removed, added = changed_lines(text, edit(text, values))
    assert added[0] == "  frequency: 每季度\n"


def test_a_removed_field_goes_with_its_own_lines_and_a_new_one_follows_the_schema_order():
    values = values_of(HAND)
    del values["basis"]
    result = edit(HAND, values, ORDER)
    assert result == HAND.replace("# 依据的法规\nbasis:\n  - document: 中国共产党支部工作条例（试行）  # 条例全称\n"
                                  "    articles: 第十八条\n", "")
    values = values_of(HAND)
    del values["updated"]  # the comment above it goes; the one at the end of the file stays
    assert edit(HAND, values, ORDER) == HAND.replace("# 最后更新\nupdated: 2026-03-15\n", "")
    values = values_of(HAND)
    values["draft"] = True
    values["forms"] = ["会议记录本"]
    result = edit(HAND, values, ORDER)
    assert result == HAND.replace("related: [zhuti-dangri]\n", "forms:\n  - 会议记录本\nrelated: [zhuti-dangri]\n").replace(
        "updated: 2026-03-15\n", "updated: 2026-03-15\ndraft: true\n")


def test_a_file_ruamel_cannot_load_is_still_edited_field_by_field(monkeypatch):
    values = values_of(HAND)
    values["summary"] = "改过的摘要"
    values["draft"] = True
    expected = edit(HAND, values, ORDER)
    monkeypatch.setattr(yamledit, "_load", lambda text: (None, yamledit._yaml()))
    result = edit_with_report(HAND, values, ORDER)  # (the changed field written afresh: its quotes are not kept)
    assert result.text == expected.replace("summary: '改过的摘要'", "summary: 改过的摘要") and "title" in result.spliced


def test_odd_files_keep_their_schema_line_and_their_last_byte():
    text = "# yaml-language-server: $schema=../schema/case.json\n{id: x, title: y}\n"
    result = edit(text, {"id": "x", "title": "yes"})
    assert result.startswith("# yaml-language-server: $schema=../schema/case.json\n")
    assert values_of(result) == {"id": "x", "title": "yes"}
    assert edit("id: x\ntitle: y", {"id": "z", "title": "y"}) == "id: z\ntitle: y"  # no line break added at the end
    assert values_of(edit("id: x\n", {"id": "x", "more": {"<<": "不是合并键"}})) == {"id": "x", "more": {"<<": "不是合并键"}}
    indented = "# 整个文件缩进了\n  id: x   # 编号\n  tags: [ a ]\n  title: y\n"
    assert edit(indented, {"id": "x", "tags": ["a"], "title": "yes"}) == indented.replace("title: y", 'title: "yes"')


def test_windows_line_ends_stay():
    text = HAND.replace("\n", "\r\n")
    values = values_of(text)
    values["summary"] = "改"
    values["clauses"][0]["frequency"] = "每月 2 次"
    result = edit(text, values, ORDER)
    assert "\n" not in result.replace("\r\n", "")
    assert values_of(result) == values


def test_a_value_that_cannot_be_written_faithfully_is_refused_naming_the_field(monkeypatch):
    values = values_of(HAND)
    values["checklist"] = [{"会议记录"}]  # not a value a form sends
    with pytest.raises(EditRefused) as refused:
        edit(HAND, values, ORDER)
    assert refused.value.field == "checklist[1]" and "checklist[1]" in str(refused.value)

    monkeypatch.setattr(yamledit, "_style", lambda text: None)  # as if quoting were forgotten
    values = values_of(HAND)
    values["category"] = "yes"
    with pytest.raises(EditRefused) as refused:
        edit(HAND, values, ORDER)
    assert refused.value.field == "category" and "category" in str(refused.value) and "没有保存" in str(refused.value)


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**9, 10**9), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=40), st.sampled_from(["yes", "010", "12:30", "2026-03-15", "a: b", "#x", "多\n行", ""]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=10)
SAMPLE_FILES = sorted(p.relative_to(SAMPLE).as_posix() for p in SAMPLE.glob("*/*.yml") if p.parent.name != "schema")


@settings(max_examples=60, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(rel=st.sampled_from(SAMPLE_FILES), which=st.integers(0, 30), value=VALUES)
def test_random_edits_of_sample_records_read_back_and_keep_the_untouched_lines(rel, which, value):
    text = (SAMPLE / rel).read_text(encoding="utf-8")
    values = values_of(text)
    key = list(values)[which % len(values)]
    values[key] = value
    result = edit(text, values)
    assert values_of(result) == values
    others = [line for line in text.splitlines(True) if not line.startswith((" ", f"{key}:"))]
    kept = result.splitlines(True)
    assert all(line in kept for line in others if line.strip())


# -- records -----------------------------------------------------------------------------------------------------

@pytest.fixture
def sample(tmp_path: Path) -> Settings:
    """The sample data (with its schema) in a temporary folder; the desk's history in another."""
    shutil.copytree(SAMPLE, tmp_path / "data")
    return Settings(data=tmp_path / "data", today=TODAY, project=tmp_path / "project")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_open_gives_values_version_schema_with_choices_and_problems(sample):
    opened = open_record(sample, "case", "jiaodi-ji-jiaozheng")
    assert opened["path"] == "cases/jiaodi-ji-jiaozheng.yml" and opened["text"] is None
    assert opened["values"]["unit"] == "市自然资源和规划局" and opened["problems"] == []
    schema = opened["schema"]
    assert "$ref" not in repr(schema) and schema["properties"]["title"]["maxLength"] == 2000
    assert "市财政局" in schema["properties"]["unit"]["enum"]
    assert "清廉机关建设" in schema["properties"]["theme"]["enum"]
    standard = open_record(sample, "standard", "sanhui-yike")["schema"]
    assert "组织生活" in standard["properties"]["category"]["enum"]


def test_a_file_that_does_not_read_opens_with_its_text_and_can_be_saved_whole(sample):
    path = sample.data / "cases" / "jiaodi-ji-jiaozheng.yml"
    good = values_of(path.read_text(encoding="utf-8"))
    broken = path.read_text(encoding="utf-8").replace("title: ", "title:\t[", 1)
    path.write_text(broken, encoding="utf-8")
    opened = open_record(sample, "case", "jiaodi-ji-jiaozheng")
    assert opened["values"] is None and opened["text"] == broken and opened["problems"]
    row = next(r for r in list_records(sample)["records"] if r["id"] == "jiaodi-ji-jiaozheng")
    assert row["title"] == "jiaodi-ji-jiaozheng.yml" and row["problems"] >= 1
    saved = save_record(sample, "case", "jiaodi-ji-jiaozheng", good, opened["version"])
    assert saved["problems"] == [] and values_of(path.read_text(encoding="utf-8")) == good
    assert path.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=../schema/case.json\n")


def test_save_changes_one_field_and_keeps_the_rest(sample):
    path = sample.data / "cases" / "jiaodi-ji-jiaozheng.yml"
    before = path.read_text(encoding="utf-8")
    opened = open_record(sample, "case", "jiaodi-ji-jiaozheng")
    values = opened["values"]
    values["title"] = "yes"
    saved = save_record(sample, "case", "jiaodi-ji-jiaozheng", values, opened["version"])
    assert saved["problems"] == [] and saved["version"] != opened["version"]
    removed, added = changed_lines(before, path.read_text(encoding="utf-8"))
    assert added == ['title: "yes"\n'] and len(removed) == 1
    assert open_record(sample, "case", "jiaodi-ji-jiaozheng")["version"] == saved["version"]


def test_a_stub_filled_in_the_form_loses_its_reminders_and_can_be_finalized(sample):
    """A stub of `new` marks the fields to choose with a comment `# 待填写：…`, which the form does not show and
    `finalize` refuses: a field the form filled loses its reminder, every other comment and line stays."""
    from kb.editing.scaffold import ScaffoldError, finalize, new_record

    path = new_record(sample.data, "case", "xin-anli")[0]
    stub = path.read_text(encoding="utf-8")
    assert re.search(r'^unit: ".+"  # 待填写：换成 taxonomy.yml 里的名称$', stub, re.M)
    opened = open_record(sample, "case", "xin-anli")
    filled = dict(opened["values"], title="社区党群服务驿站", branch="市财政局机关第一党支部", summary="把服务送到群众身边。",
                  body="## 做法\n\n支部党员轮流值守。", highlights=["党员轮流值守"], results=["服务群众 300 人次"])
    with pytest.raises(ScaffoldError):  # 待填写 is left in the reminders and the fields not yet filled
        finalize(sample.data, "xin-anli")
    saved = save_record(sample, "case", "xin-anli", filled, opened["version"])
    assert saved["problems"] == []
    text = path.read_text(encoding="utf-8")
    assert "待填写" not in text
    removed, added = changed_lines(stub, text)
    reminders = [line for line in removed if "# 待填写" in line]
    assert reminders and all(line.split("#")[0].rstrip() + "\n" in added for line in reminders if line.startswith("unit:"))
    assert text.startswith("# yaml-language-server: $schema=../schema/case.json\n") and "draft: true" in text
    assert finalize(sample.data, "xin-anli") == [path] and "draft" not in values_of(path.read_text(encoding="utf-8"))


def test_a_conflict_writes_nothing_and_gives_the_version_on_disk(sample):
    path = sample.data / "cases" / "jiaodi-ji-jiaozheng.yml"
    opened = open_record(sample, "case", "jiaodi-ji-jiaozheng")
    elsewhere = path.read_text(encoding="utf-8").replace("theme: 党建业务融合", "theme: 作风建设")
    path.write_text(elsewhere, encoding="utf-8")  # VS Code saved meanwhile
    before = snapshot(sample.data.parent)
    values = opened["values"]
    values["summary"] = "我的改动"
    result = save_record(sample, "case", "jiaodi-ji-jiaozheng", values, opened["version"])
    conflict = result["conflict"]
    assert conflict["text"] == elsewhere and conflict["values"]["theme"] == "作风建设"
    assert conflict["version"] == open_record(sample, "case", "jiaodi-ji-jiaozheng")["version"]
    assert snapshot(sample.data.parent) == before


def test_a_published_record_made_invalid_is_refused_and_a_draft_is_saved_with_its_problems(sample):
    path = sample.data / "cases" / "jiaodi-ji-jiaozheng.yml"
    opened = open_record(sample, "case", "jiaodi-ji-jiaozheng")
    before = snapshot(sample.data.parent)
    values = opened["values"]
    values["unit"] = "市财政厅"
    values["related"] = ["sanhui-yike", "bu-cunzai"]
    result = save_record(sample, "case", "jiaodi-ji-jiaozheng", values, opened["version"])
    fields = {p["field"]: p["message"] for p in result["refused"]}
    assert "市财政厅" in fields["unit"] and "是否指" in fields["unit"]
    assert "bu-cunzai" in fields["related[2]"]
    assert all(p["file"] == "cases/jiaodi-ji-jiaozheng.yml" and p["line"] > 0 for p in result["refused"])
    assert snapshot(sample.data.parent) == before

    values["draft"] = True
    saved = save_record(sample, "case", "jiaodi-ji-jiaozheng", values, opened["version"])
    assert {p["field"] for p in saved["problems"]} == {"unit", "related[2]"}
    assert values_of(path.read_text(encoding="utf-8")) == values
    # the problems are the ones `check --drafts` reports for the file
    _, problems = load(sample.but(drafts=True))
    assert sorted((p.field, p.line, p.message) for p in problems if p.file == display_path(path)) == \
        sorted((p["field"], p["line"], p["message"]) for p in saved["problems"])


def test_a_save_that_breaks_another_record_is_refused(sample):
    opened = open_record(sample, "issue", "2026-11")
    values = opened["values"]
    values["serial"] = 18  # the serial of 2026-06: the problem is reported on one of the two
    result = save_record(sample, "issue", "2026-11", values, opened["version"])
    assert result["refused"] and any("总第 18 期" in p["message"] for p in result["refused"])


def test_undo_restores_the_previous_bytes_exactly_and_can_be_undone(sample):
    path = sample.data / "cases" / "jiaodi-ji-jiaozheng.yml"
    original = path.read_bytes()
    opened = open_record(sample, "case", "jiaodi-ji-jiaozheng")
    values = opened["values"]
    values["summary"] = "第一次保存"
    first = save_record(sample, "case", "jiaodi-ji-jiaozheng", values, opened["version"])
    after_first = path.read_bytes()
    values["summary"] = "第二次保存"
    save_record(sample, "case", "jiaodi-ji-jiaozheng", values, first["version"])
    assert undo(sample, "case", "jiaodi-ji-jiaozheng")["version"] == first["version"]
    assert path.read_bytes() == after_first
    undo(sample, "case", "jiaodi-ji-jiaozheng")  # undoes the undo
    assert values_of(path.read_text(encoding="utf-8"))["summary"] == "第二次保存"
    history = Desk(sample).history_folder(records.KIND_NAMED["case"], "jiaodi-ji-jiaozheng")
    assert not str(history).startswith(str(sample.data))
    assert original in [p.read_bytes() for p in history.glob("*.yml")]


def test_history_keeps_the_last_versions_only(sample, monkeypatch):
    monkeypatch.setattr(records, "HISTORY_KEEP", 3)
    version = open_record(sample, "case", "jiaodi-ji-jiaozheng")["version"]
    values = open_record(sample, "case", "jiaodi-ji-jiaozheng")["values"]
    for n in range(5):
        values["summary"] = f"第 {n} 次"
        version = save_record(sample, "case", "jiaodi-ji-jiaozheng", values, version)["version"]
    history = Desk(sample).history_folder(records.KIND_NAMED["case"], "jiaodi-ji-jiaozheng")
    kept = sorted(history.glob("*.yml"))
    assert len(kept) == 3 and [values_of(p.read_text(encoding="utf-8"))["summary"] for p in kept] == \
        ["第 1 次", "第 2 次", "第 3 次"]


def test_a_refused_edit_writes_nothing(sample, monkeypatch):
    opened = open_record(sample, "case", "jiaodi-ji-jiaozheng")
    before = snapshot(sample.data.parent)
    monkeypatch.setattr(yamledit, "_style", lambda text: None)  # as if quoting were forgotten
    values = opened["values"]
    values["title"] = "no"
    result = save_record(sample, "case", "jiaodi-ji-jiaozheng", values, opened["version"])
    assert result["refused"][0]["field"] == "title" and "没有保存" in result["refused"][0]["message"]
    assert snapshot(sample.data.parent) == before


@pytest.mark.parametrize("kind, record_id", [
    ("case", "../x"), ("case", "..\\x"), ("case", "C:x"), ("case", "/etc/passwd"), ("case", "../../taxonomy"),
    ("case", "cases/jiaodi-ji-jiaozheng"), ("case", "jiaodi-ji-jiaozheng.yml"), ("case", "Jiaodi"), ("case", ""),
    ("case", None), ("case", "bu-cunzai"), ("case", "sanhui-yike"),  # a standard's id, asked as a case
    ("cases", "jiaodi-ji-jiaozheng"), ("../case", "x"), ("schema", "case"), (None, "x"),
])
def test_ids_and_kinds_from_the_browser_cannot_leave_their_folder(sample, kind, record_id):
    before = snapshot(sample.data.parent)
    for call in (lambda: open_record(sample, kind, record_id),
                 lambda: save_record(sample, kind, record_id, {"id": "x"}, "0" * 64),
                 lambda: undo(sample, kind, record_id)):
        with pytest.raises(DeskError) as refused:
            call()
        assert any("\u4e00" <= c <= "\u9fff" for c in str(refused.value))
    assert snapshot(sample.data.parent) == before


def test_an_absolute_path_and_a_link_leading_outside_are_refused(sample, tmp_path):
    absolute = str(sample.data / "cases" / "jiaodi-ji-jiaozheng")
    with pytest.raises(DeskError):
        open_record(sample, "case", absolute)
    outside = tmp_path / "outside.yml"
    shutil.copy(sample.data / "cases" / "jiaodi-ji-jiaozheng.yml", outside)
    try:
        os.symlink(outside, sample.data / "cases" / "waibu.yml")
    except OSError:
        pytest.skip("cannot make links here")
    before = outside.read_bytes()
    with pytest.raises(DeskError) as refused:
        open_record(sample, "case", "waibu")
    assert "数据目录以外" in str(refused.value)
    with pytest.raises(DeskError):
        save_record(sample, "case", "waibu", {"id": "waibu"}, "0" * 64)
    assert outside.read_bytes() == before
    assert any("waibu.yml" in p for p in list_records(sample)["problems_elsewhere"])


def test_the_list_shows_statuses_issues_and_the_problems_check_reports(sample):
    cases = sample.data / "cases"
    unfilled = cases / "jiaodi-ji-jiaozheng.yml"  # a draft with 待填写 left
    unfilled.write_text(unfilled.read_text(encoding="utf-8").replace("summary: ", "summary: （待填写）", 1) + "draft: true\n",
                        encoding="utf-8")
    complete = cases / "dangfei-mingbaizhang-guifan.yml"  # a draft ready to finalize
    complete.write_text(complete.read_text(encoding="utf-8") + "draft: true\n", encoding="utf-8")
    broken = cases / "laonian-zhucan-dangyuan-baodian.yml"  # a draft with a problem
    broken.write_text(broken.read_text(encoding="utf-8").replace("unit: ", "unit: 不存在的", 1) + "draft: true\n",
                      encoding="utf-8")
    issue = sample.data / "issues" / "2026-11.yml"  # scheduled
    issue.write_text(issue.read_text(encoding="utf-8") + 'publish_date: "2026-11-01"\n', encoding="utf-8")

    listed = list_records(sample)
    rows = {r["id"]: r for r in listed["records"]}
    assert rows["jiaodi-ji-jiaozheng"]["status"] == "草稿"
    assert rows["dangfei-mingbaizhang-guifan"]["status"] == "待定稿"
    assert rows["laonian-zhucan-dangyuan-baodian"]["status"] == "草稿"
    assert rows["laonian-zhucan-dangyuan-baodian"]["problems"] == 1
    assert rows["2026-11"]["status"] == "定时发布" and "2026-11-01" in rows["2026-11"]["note"]
    assert rows["qinglian-caigou-fengxian-ditu"]["status"] == "定时发布"  # a case of that issue
    assert rows["qinglian-caigou-fengxian-ditu"]["issue"] == "2026-11"
    assert rows["sanhui-yike"]["status"] == "已发布" and rows["sanhui-yike"]["issue"] == ""
    assert rows["jiaodi-ji-jiaozheng"] == {**rows["jiaodi-ji-jiaozheng"], "kind": "case", "kind_label": "典型案例",
                                           "unit": "市自然资源和规划局", "date": "2026-05-28",
                                           "path": "cases/jiaodi-ji-jiaozheng.yml"}
    assert "2026-11" in listed["issues"] and "市财政局" in listed["units"] and listed["problems_elsewhere"] == []
    assert [k["label"] for k in listed["kinds"]] == ["标准规范", "支部工作法", "典型案例", "月度专刊"]

    _, problems = load(sample.but(drafts=True))
    counted = {r["path"]: r["problems"] for r in listed["records"] if r["problems"]}
    assert counted == {"cases/laonian-zhucan-dangyuan-baodian.yml": 1} and len(problems) == 1

    # fixed through the desk: the next list says so (the cache reads the saved file again)
    opened = open_record(sample, "case", "laonian-zhucan-dangyuan-baodian")
    values = opened["values"]
    values["unit"] = "市民政局"
    assert save_record(sample, "case", "laonian-zhucan-dangyuan-baodian", values, opened["version"])["problems"] == []
    rows = {r["id"]: r for r in list_records(sample)["records"]}
    assert rows["laonian-zhucan-dangyuan-baodian"]["status"] == "待定稿"


def test_reference_fields_say_which_kinds_of_records_they_may_name(sample):
    case = open_record(sample, "case", "jiaodi-ji-jiaozheng")["schema"]["properties"]
    assert case["related"]["x-refers"] == ["standard", "method"] and case["related"]["type"] == "array"
    issue = open_record(sample, "issue", "2026-06")["schema"]["properties"]
    assert issue["cases"]["x-refers"] == ["case"] and issue["cases"]["type"] == "array"
    assert issue["featured_methods"]["x-refers"] == ["method"]
    assert issue["featured_standards"]["x-refers"] == ["standard"]
    standard = open_record(sample, "standard", "sanhui-yike")["schema"]["properties"]
    assert standard["related"]["x-refers"] == ["standard", "method", "case"]
    assert "x-refers" not in standard["title"] and "x-refers" not in case["unit"]


def test_a_desk_given_the_previews_readings_reads_no_file_for_its_first_list(sample, monkeypatch):
    from kb.data import load as load_module
    from kb.data.load import ReadCache

    reads = ReadCache()
    load(sample.but(drafts=True), reads)  # what the preview's first build read
    fresh = list_records(sample)  # a desk that reads every file itself
    desk = Desk(sample)
    desk.expect_readings()
    desk.adopt(reads)
    read = []
    reading = load_module._read_all
    monkeypatch.setattr(load_module, "_read_all", lambda files, schemas: read.extend(p for _, p in files) or reading(files, schemas))
    assert desk.list_records() == fresh and read == []
    # a file changed since the preview read it is read again, and the list says so
    path = sample.data / "cases" / "jiaodi-ji-jiaozheng.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: ", "title: 改过的", 1), encoding="utf-8")
    rows = {r["id"]: r for r in desk.list_records()["records"]}
    assert rows["jiaodi-ji-jiaozheng"]["title"].startswith("改过的") and read == [path]
    # a preview whose build failed before reading: the desk reads for itself
    other = Desk(sample)
    other.expect_readings()
    other.readings_offered()
    assert {r["id"]: r for r in other.list_records()["records"]} == rows


def test_the_list_follows_changes_made_outside_the_desk_to_any_file_a_check_reads(sample):
    """The desk answers from its last load while no file changed: a change to the taxonomy, a record or a picture's
    folder made by hand (VS Code, git pull) shows in the next list."""
    from helpers import png

    desk = Desk(sample)
    case = sample.data / "cases" / "jiaodi-ji-jiaozheng.yml"

    def problems() -> int:
        return next(r for r in desk.list_records()["records"] if r["id"] == "jiaodi-ji-jiaozheng")["problems"]

    assert problems() == 0 and desk.list_records() is desk.list_records()  # nothing changed: the same answer
    taxonomy = sample.data / "taxonomy.yml"
    kept = taxonomy.read_text(encoding="utf-8")
    taxonomy.write_text(kept.replace("{name: 市自然资源和规划局,", "{name: 市自然资源局,"), encoding="utf-8")
    assert problems() == 1
    taxonomy.write_text(kept, encoding="utf-8")
    assert problems() == 0
    case.write_text(case.read_text(encoding="utf-8") + "images:\n  - {file: tu.png, caption: 一张图}\n", encoding="utf-8")
    assert problems() == 1  # the picture is not there
    (sample.data / "assets" / "jiaodi-ji-jiaozheng").mkdir(parents=True)
    (sample.data / "assets" / "jiaodi-ji-jiaozheng" / "tu.png").write_bytes(png())
    assert problems() == 0
