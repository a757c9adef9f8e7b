"""Each validation rule, proven on a copy of tests/fixtures/minimal broken in exactly one way.

Every test asserts what an editor sees: the file, the line, the field and the Chinese message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.load import load_knowledge_base


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


# (file, mutation old -> new, expected line, expected field, words the message must contain)
RULES = {
    "yaml syntax": ("cases/jiaoyu-zhibu.yml", "summary: 支部规范化建设。", "summary: 注意: 冒号", 7, "", ["YAML 格式错误", "冒号"]),
    "missing field": ("cases/jiaoyu-zhibu.yml", "summary: 支部规范化建设。\n", "", 1, "", ['缺少必填字段 "summary"（摘要）']),
    "unknown field with suggestion": ("methods/sandan.yml", "summary:", "sumary:", 7, "sumary", ['未知字段 "sumary"', '是否指 "summary"']),
    "chinese field name": ("methods/sandan.yml", "summary:", "概述:", 7, "概述", ['请用英文字段名 "summary"']),
    "wrong type": ("methods/sandan.yml", "year: 2025", "year: 二〇二五年", 6, "year", ["应为整数", "二〇二五年"]),
    "number where text belongs": ("cases/jiaoyu-zhibu.yml", "title: 教育局支部规范化", "title: 2026", 2, "title", ["应为文字", "请加引号"]),
    "yes is not a boolean": ("cases/jiaoyu-zhibu.yml", "body: 正文。", "body: yes", 8, "", []),  # 'yes' is plain text: valid
    "bad date": ("cases/jiaoyu-zhibu.yml", "date: 2026-06-20", "date: 2026-02-30", 5, "date", ['日期 "2026-02-30" 无效']),
    "date without padding": ("cases/jiaoyu-zhibu.yml", "date: 2026-06-20", "date: 2026-6-20", 5, "date", ["YYYY-MM-DD"]),
    "bad id pattern": ("methods/sandan.yml", "id: sandan", "id: San_Dan", 1, "id", ['"San_Dan" 格式不对', "小写英文字母"]),
    "id differs from file name": ("methods/sandan.yml", "id: sandan", "id: sandan-x", 1, "id", ['"sandan-x" 与文件名 "sandan.yml" 不一致']),
    "dangling reference with suggestion": ("cases/yusuan-gongjian.yml", "  - sanhui-yike\n", "  - sanhui-yiek\n", 13, "related[1]", ['找不到记录 "sanhui-yiek"，是否指 "sanhui-yike"？']),
    "reference to the wrong kind": ("cases/yusuan-gongjian.yml", "  - sandan\n", "  - jiaoyu-zhibu\n", 14, "related[2]", ['"jiaoyu-zhibu" 是案例，这里只能填标准或工作法']),
    "self reference": ("methods/sandan.yml", "related: [sanhui-yike]", "related: [sandan]", 13, "related[1]", ["不能引用它自己"]),
    "reference listed twice": ("standards/sanhui-yike.yml", "related: [sandan]", "related: [sandan, sandan]", 17, "related[2]", ['"sandan" 重复列出']),
    "unit outside taxonomy": ("methods/sandan.yml", "unit: 市财政局", "unit: 财政局", 3, "unit", ['"财政局" 不在分类词表', '是否指 "市财政局"']),
    "category outside taxonomy": ("standards/sanhui-yike.yml", "category: 组织生活", "category: 组织建设", 3, "category", ['"组织建设" 不在分类词表', "categories.standards"]),
    "theme outside taxonomy": ("issues/2026-06.yml", "theme: 党建业务融合", "theme: 党建融合", 4, "theme", ['是否指 "党建业务融合"']),
    "misspelt draft field": ("cases/jiaoyu-zhibu.yml", "body: 正文。", "body: 正文。\ndraf: true", 9, "draf", ['未知字段 "draf"', '是否指 "draft"']),
    "draft is true or false": ("cases/jiaoyu-zhibu.yml", "body: 正文。", "body: 正文。\ndraft: 是", 9, "draft", ["应为true 或 false", "请写 true 或 false"]),
    "bad publish date": ("issues/2026-06.yml", "theme: 党建业务融合", "theme: 党建业务融合\npublish_date: 2026-13-01", 5, "publish_date", ['日期 "2026-13-01" 无效']),
    "issue lists a case twice": ("issues/2026-06.yml", "  - jiaoyu-zhibu\n", "  - jiaoyu-zhibu\n  - yusuan-gongjian\n", 10, "cases[3]", ['"yusuan-gongjian" 重复列出']),
    "issue lists a missing case": ("issues/2026-06.yml", "  - jiaoyu-zhibu\n", "  - jiaoyu-zhibo\n", 9, "cases[2]", ['找不到记录 "jiaoyu-zhibo"，是否指 "jiaoyu-zhibu"？']),
    "issue lists a method as a case": ("issues/2026-06.yml", "  - jiaoyu-zhibu\n", "  - sandan\n", 9, "cases[2]", ['"sandan" 是工作法，这里只能填案例']),
    "issue month differs from file name": ("issues/2026-06.yml", "month: 2026-06", "month: 2026-07", 1, "month", ['"2026-07" 与文件名 "2026-06.yml" 不一致']),
    "issue month malformed": ("issues/2026-06.yml", "month: 2026-06", "month: 2026-6", 1, "month", ['"2026-6" 格式不对', "YYYY-MM"]),
    "duplicate key": ("methods/sandan.yml", "year: 2025\n", "year: 2025\nyear: 2024\n", 7, "year", ['字段 "year" 重复出现（第 6 行和第 7 行）']),
    "tab indentation": ("methods/sandan.yml", "  - title: 列问题清单", "\t- title: 列问题清单", 9, "", ["Tab"]),
    "anchor and alias": ("methods/sandan.yml", "tags: [党建业务融合]", "tags: &t [党建业务融合]\nextra: *t", 15, "extra", ["不支持 YAML 锚点和别名"]),
    "python tag": ("methods/sandan.yml", "summary: 问题清单、项目清单、责任清单。", "summary: !!python/object/apply:os.system [echo]", 7, "summary", ["不支持 YAML 标签", "python/object"]),
    "list item missing a field": ("methods/sandan.yml", "    detail: 每季度梳理业务难点。\n", "", 9, "practices[1]", ['缺少必填字段 "detail"（说明）']),
    "image file missing": ("cases/jiaoyu-zhibu.yml", "body: 正文。", "body: 正文。\nimages:\n  - file: huodong.jpg\n    caption: 活动现场", 10, "images[1].file", ["找不到图片 assets/jiaoyu-zhibu/huodong.jpg"]),
    "reserved id": ("methods/sandan.yml", "id: sandan", "id: index", 1, "id", []),
}


@pytest.mark.parametrize("rule", RULES, ids=list(RULES))
def test_rule(data, rule):
    rel, old, new, line, field, words = RULES[rule]
    edit(data, rel, old, new)
    if rule == "yes is not a boolean":
        assert problems_of(data) == []
        return
    if rule == "reserved id":
        (data / "methods/sandan.yml").rename(data / "methods/index.yml")
        edit(data, "standards/sanhui-yike.yml", "related: [sandan]", "related: [index]")
        edit(data, "cases/yusuan-gongjian.yml", "  - sandan\n", "  - index\n")
        edit(data, "issues/2026-06.yml", "featured_methods: [sandan]", "featured_methods: [index]")
        rel, words = "methods/index.yml", ['"index" 是网站保留的名称']
    p = only_problem(data) if rule != "reserved id" else next(p for p in problems_of(data) if p.file.endswith(rel))
    assert p.file.endswith("data/" + rel), p
    assert (p.line, p.field) == (line, field), p
    for word in words:
        assert word in p.message, p
    assert str(p).startswith(f"{p.file}:{line}: ")


def test_duplicate_id_across_kinds(data):
    (data / "cases/sandan.yml").write_text(
        (data / "cases/jiaoyu-zhibu.yml").read_text(encoding="utf-8").replace("id: jiaoyu-zhibu", "id: sandan"),
        encoding="utf-8",
    )
    p = only_problem(data)
    assert p.file.endswith("data/cases/sandan.yml") and (p.line, p.field) == (1, "id")
    assert '编号 "sandan" 已被' in p.message and "methods/sandan.yml" in p.message


def test_case_in_two_issues(data):
    text = (data / "issues/2026-06.yml").read_text(encoding="utf-8")
    text = text.replace("2026-06", "2026-07").replace("number: 6", "number: 7").replace("serial: 18", "serial: 19")
    (data / "issues/2026-07.yml").write_text(text, encoding="utf-8")
    problems = problems_of(data)
    assert [(Path(p.file).name, p.line, p.field) for p in problems] == [("2026-07.yml", 8, "cases[1]"), ("2026-07.yml", 9, "cases[2]")]
    assert '案例 "yusuan-gongjian" 已收录在 2026-06 期专刊中' in problems[0].message


def test_two_issues_same_serial(data):
    (data / "issues/2026-07.yml").write_text(
        "month: 2026-07\nnumber: 7\nserial: 18\ntheme: 过硬支部建设\nforeword: 卷首语。\ncases: [extra-case]\n", encoding="utf-8")
    (data / "cases/extra-case.yml").write_text(
        (data / "cases/jiaoyu-zhibu.yml").read_text(encoding="utf-8").replace("id: jiaoyu-zhibu", "id: extra-case"), encoding="utf-8")
    p = only_problem(data)
    assert p.file.endswith("issues/2026-07.yml") and (p.line, p.field) == (3, "serial")
    assert "总第 18 期已是 2026-06 期专刊的期号" in p.message


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


# -- file-level problems: encoding, emptiness, shape ---------------------------------------


def test_gbk_file_gets_a_specific_message(data):
    path = data / "cases/jiaoyu-zhibu.yml"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    p = only_problem(data)
    assert p.file.endswith("cases/jiaoyu-zhibu.yml") and p.line == 2
    assert "不是 UTF-8 编码" in p.message and "GBK" in p.message and "另存为" in p.message


def test_bom_just_works(data):
    path = data / "cases/jiaoyu-zhibu.yml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert problems_of(data) == []


def test_empty_file(data):
    (data / "cases/jiaoyu-zhibu.yml").write_text("", encoding="utf-8")
    problems = problems_of(data)
    # the empty file is reported; the issue that lists it is not blamed for a missing case
    assert len(problems) == 1 and problems[0].file.endswith("cases/jiaoyu-zhibu.yml")
    assert "文件是空的" in problems[0].message


def test_list_instead_of_mapping(data):
    (data / "methods/sandan.yml").write_text("- id: sandan\n- name: x\n", encoding="utf-8")
    problems = problems_of(data)
    assert any(p.file.endswith("methods/sandan.yml") and "一组 \"字段: 值\"" in p.message for p in problems)


def test_control_character(data):
    edit(data, "methods/sandan.yml", "summary: 问题清单", "summary: 问题\x07清单")
    p = only_problem(data)
    assert p.line == 7 and "控制字符（U+0007）" in p.message


def test_unclosed_quote_is_reported_where_it_opens(data):
    edit(data, "methods/sandan.yml", "summary: 问题清单、项目清单、责任清单。", 'summary: "问题清单、项目清单')
    p = only_problem(data)
    assert p.line == 7 and "引号没有配对" in p.message


def test_missing_taxonomy(data):
    (data / "taxonomy.yml").unlink()
    p = only_problem(data)
    assert p.file.endswith("taxonomy.yml") and "找不到分类词表文件" in p.message


def test_taxonomy_duplicate_slug(data):
    edit(data, "taxonomy.yml", "slug: jiaoyu", "slug: caizheng")
    p = only_problem(data)
    assert p.file.endswith("taxonomy.yml") and (p.line, p.field) == (3, "units[2].slug")
    assert '"caizheng" 与第 1 项重复' in p.message


def test_file_too_large(data):
    (data / "cases/jiaoyu-zhibu.yml").write_text("id: x\nbody: |\n" + ("  " + "长" * 1000 + "\n") * 400, encoding="utf-8")
    problems = problems_of(data)
    assert any("文件太大" in p.message for p in problems)
