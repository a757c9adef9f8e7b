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
