"""Validation beyond the corpus of broken data sets (tests/broken/, run by test_broken.py):
what must stay valid, all problems in one pass, and a data directory without its taxonomy.

Every test asserts what an editor sees: the file, the line, the field and the Chinese message.
"""

from __future__ import annotations

from pathlib import Path

from kb.data.load import load_knowledge_base


def edit(data: Path, rel: str, old: str, new: str) -> None:
    path = data / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems_of(data: Path) -> list:
    kb, problems = load_knowledge_base(data)
    assert kb is None if problems else kb is not None
    return problems


def only_problem(data: Path):
    problems = problems_of(data)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def test_minimal_fixture_is_valid(data):
    kb, problems = load_knowledge_base(data)
    assert problems == []
    assert sorted(kb.records) == ["2026-06", "jiaoyu-zhibu", "sandan", "sanhui-yike", "yusuan-gongjian"]


def test_every_problem_in_one_pass(data):
    edit(data, "methods/sandan.yml", "unit: 市财政局", "unit: 财政局")
    edit(data, "methods/sandan.yml", "year: 2025", "year: 二〇二五")
    edit(data, "cases/jiaoyu-zhibu.yml", "date: 2026-06-20", "date: 2026-13-01")
    edit(data, "issues/2026-06.yml", "  - jiaoyu-zhibu\n", "  - jiaoyu-zhibo\n")
    (data / "cases/broken.yml").write_text("id: broken\ntitle: [未闭合\n", encoding="utf-8")
    problems = problems_of(data)
    where = sorted((Path(p.file).name, p.line, p.field) for p in problems)
    assert where == [("2026-06.yml", 9, "cases[2]"), ("broken.yml", 2, ""), ("jiaoyu-zhibu.yml", 5, "date"),
                     ("sandan.yml", 3, "unit"), ("sandan.yml", 6, "year")]


def test_quoted_values_plain_dates_and_windows_files_are_fine(data):
    """The YAML 1.1 values refused unquoted (tests/broken/yaml11-*) are text when quoted; a plain
    date is how dates are written; Windows Notepad's BOM and line ends are harmless."""
    edit(data, "cases/jiaoyu-zhibu.yml", "body: 正文。", 'body: "yes"')
    edit(data, "methods/sandan.yml", "  - 完成评审项目 126 个。", "  - 'on'\n  - \"010\"\n  - '12:30'\n  - '1e3'")
    path = data / "standards/sanhui-yike.yml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    kb, problems = load_knowledge_base(data)
    assert problems == []
    assert kb.records["jiaoyu-zhibu"].data["body"] == "yes"
    assert kb.records["sandan"].data["results"] == ["on", "010", "12:30", "1e3"]
    assert kb.records["sanhui-yike"].data["updated"] == "2026-10-15"


def test_bom_just_works(data):
    path = data / "cases/jiaoyu-zhibu.yml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert problems_of(data) == []


def test_missing_taxonomy(data):
    (data / "taxonomy.yml").unlink()
    p = only_problem(data)
    assert p.file.endswith("taxonomy.yml") and "找不到分类词表文件" in p.message


def test_a_regulation_basis_without_its_article_is_refused(data):
    """Issue 29: a clause resting on a regulation names the article; `check` says where and what to write."""
    edit(data, "standards/sanhui-yike.yml", "    source: 支部工作条例第十二条\n", "    source: 支部工作条例\n")
    problem = only_problem(data)
    assert (Path(problem.file).name, problem.line, problem.field) == ("sanhui-yike.yml", 13, "clauses[1].source")
    assert "依据类别是“法规”" in problem.message and "没有写明第几条" in problem.message
    assert str(problem).endswith("sanhui-yike.yml:13: clauses[1].source: " + problem.message)


def test_a_requirement_that_is_not_a_regulation_needs_no_article(data):
    """The other kinds of basis: common practice needs no source; a higher-level requirement names its body."""
    edit(data, "standards/sanhui-yike.yml", "    basis_kind: 法规\n    source: 支部工作条例第十二条\n", "    basis_kind: 通行做法\n")
    assert problems_of(data) == []
    edit(data, "standards/sanhui-yike.yml", "    basis_kind: 通行做法\n", "    basis_kind: 上级要求\n")
    problem = only_problem(data)
    assert (problem.line, problem.field) == (12, "clauses[1].basis_kind") and "哪一级党组织" in problem.message
