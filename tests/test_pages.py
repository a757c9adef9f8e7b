"""Site structure without MkDocs: long listings are split into pages of fixed size."""

from __future__ import annotations

from pathlib import Path

import re

from kb.deploy.sitecrawl import resolve

from kb.data.load import load_knowledge_base
from kb.site.plan import PAGE_SIZE, build_site


def add_cases(data: Path, count: int) -> None:
    template = (data / "cases" / "jiaoyu-zhibu.yml").read_text(encoding="utf-8")
    for i in range(count):
        text = template.replace("id: jiaoyu-zhibu", f"id: extra-{i:03d}").replace("教育局支部规范化", f"案例第{i}号")
        text = text.replace("date: 2026-06-20", f"date: 2025-{i % 12 + 1:02d}-{i % 28 + 1:02d}")
        (data / "cases" / f"extra-{i:03d}.yml").write_text(text, encoding="utf-8")


def test_long_listings_are_paginated(data):
    add_cases(data, 2 * PAGE_SIZE + 5)
    kb, problems = load_knowledge_base(data)
    assert problems == []
    pages = {p.src_uri: p.body for p in build_site(kb)[0]}
    total = 2 * PAGE_SIZE + 6  # cases of 市教育局: three pages of its unit listing
    assert "cases/unit/jiaoyu.md" in pages and "cases/unit/jiaoyu/page/2.md" in pages and "cases/unit/jiaoyu/page/3.md" in pages
    assert "cases/unit/jiaoyu/page/4.md" not in pages
    first, last = pages["cases/unit/jiaoyu.md"], pages["cases/unit/jiaoyu/page/3.md"]
    assert first.count("<li>") == PAGE_SIZE and last.count("<li>") == 6  # one page of entries, not all of them
    assert f"共 {total} 条，第 1 / 3 页" in first and f"共 {total} 条，第 3 / 3 页" in last
    assert targets(first, "cases/unit/jiaoyu/", "下一页 »") == ["cases/unit/jiaoyu/page/2"]
    assert targets(last, "cases/unit/jiaoyu/page/3/", "« 上一页") == ["cases/unit/jiaoyu/page/2"]
    # the section landing page previews, and links to the full listing
    assert targets(pages["cases/index.md"], "cases/", f"查看全部 {total} 条 »") == ["cases/theme/guoying"]
    # pages are the same size whatever the number of records
    sizes = [len(pages[u]) for u in ("cases/year/2025.md", "cases/year/2025/page/2.md")]
    assert abs(sizes[0] - sizes[1]) < sizes[0] * 0.3


def targets(html: str, page_url: str, text: str) -> list[str]:
    """Where the links with this text on the page lead, as site paths."""
    return [resolve(page_url, href)[0] for href, t in re.findall(r'<a href="([^"]+)"[^>]*>([^<]*)</a>', html) if t == text]


def test_plain_text_fast_path_matches_markdown():
    """Fields of plain paragraphs and bold skip the Markdown pass (kb/site/markup.py); the HTML must be the same."""
    import markdown

    from helpers import SAMPLE
    from kb.site.markup import EditorMarkdown, clean

    kb, _ = load_knowledge_base(SAMPLE)
    converter = EditorMarkdown()
    reference = markdown.Markdown(extensions=["tables", "admonition", "sane_lists"])
    texts = [r.data[k] for r in kb.records.values() for k in ("body", "background", "foreword") if k in r.data]
    texts += ["两段文字。\n\n第二段，第二行\n接着写。", "含有 <b>标签</b> 与 & 符号", "1. 第一条\n2. 第二条", "- 列表", "**加粗**",
              "a_b", "    缩进四格", "表头 | 列\n--- | ---\n一 | 二",
              "**做法一。**正文**重点**结尾。\n\n**做法二。**第二段", "中**文**字", "**a** **b**", "***三星***", "**跨\n行**",
              "** 前有空格**", "**后有空格 **", "*斜体*", "**未闭合", "* 列表项", "第一行  \n第二行", "**加粗** & 符号"]
    for text in texts:
        reference.reset()
        assert converter.convert(text) == clean(reference.convert(text)), text
