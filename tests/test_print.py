"""Paper: pages printed from the browser show the content only; `toolbook.py pdf` writes an issue as a booklet.

The PDF is read back with pdftotext (Debian's poppler-utils, installed by `.ci/run`); both need Chromium.
Outside CI the tests are skipped when a tool is missing; in CI a missing tool fails them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from kb import browser
import pytest
from helpers import ROOT, SAMPLE

from kb.data.load import load_knowledge_base

pytestmark = pytest.mark.needs("chromium", "pdftotext")

SCREEN_ONLY = [".md-header", ".md-tabs", ".md-sidebar--primary", ".md-search", ".md-footer", ".tb-prevnext"]


def toolbook(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("TOOLBOOK_DATA", None)
    return subprocess.run([sys.executable, "scripts/toolbook.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=300)


@pytest.fixture(scope="module")
def page(sample_site):
    from playwright.sync_api import sync_playwright

    with browser.serve(sample_site) as url, sync_playwright() as p:
        b = browser.launch(p)
        page = b.new_page()
        page.base = url
        yield page
        b.close()


def visible(page, selector: str) -> bool:
    return any(e.is_visible() for e in page.query_selector_all(selector))


def test_a_standard_prints_as_a_checklist_without_the_sites_furniture(page):
    page.goto(page.base + "standards/sanhui-yike/")
    # on screen: header, tabs, search, footer (a standard's page leaves out the navigation sidebar: the clause table takes its width)
    assert all(visible(page, s) for s in SCREEN_ONLY[:5] if s != ".md-sidebar--primary")
    page.emulate_media(media="print")
    try:
        assert [s for s in SCREEN_ONLY if visible(page, s)] == []
        assert page.locator("h1").first.is_visible() and visible(page, ".tb-clauses table")
        items = page.query_selector_all(".tb-checklist li")
        assert items and all(i.is_visible() for i in items)
        box = page.evaluate("getComputedStyle(document.querySelector('.tb-checklist .task-list-indicator'), '::before')"
                            ".borderTopStyle")
        assert box == "solid"  # an empty box to tick with a pen
    finally:
        page.emulate_media(media="screen")


def test_each_requirement_prints_with_the_kind_of_its_basis(page):
    """Issue 29: on paper too, each requirement says whether it rests on a regulation, a higher-level
    requirement or common practice: framed words in black, readable without colour."""
    page.goto(page.base + "standards/tanxin-tanhua/")
    page.emulate_media(media="print")
    try:
        rows = page.query_selector_all(".tb-clauses tbody tr")
        marks = page.query_selector_all(".tb-clauses tbody .tb-basis__kind")
        assert rows and len(marks) == len(rows) and all(m.is_visible() for m in marks)
        assert {m.inner_text().strip() for m in marks} == {"法规", "通行做法"}
        practice = page.locator(".tb-clauses .tb-basis--practice .tb-basis__kind").first
        style = practice.evaluate("e => [getComputedStyle(e).borderTopStyle, getComputedStyle(e).color]")
        assert style == ["solid", "rgb(0, 0, 0)"]
        assert "党内政治生活若干准则" in practice.evaluate("e => e.parentElement.textContent")
    finally:
        page.emulate_media(media="screen")


def test_an_issue_prints_its_foreword_and_cases_without_navigation(page):
    page.goto(page.base + "issues/2026-11/")
    page.emulate_media(media="print")
    try:
        assert [s for s in SCREEN_ONLY if visible(page, s)] == []
        text = page.locator("article").inner_text()
        assert "卷首语" in text and "本期案例" in text and "上一期" not in text
    finally:
        page.emulate_media(media="screen")


def test_pdf_of_an_issue_has_cover_contents_and_every_case(tmp_path):
    kb, _ = load_knowledge_base(SAMPLE)
    issue = kb.records["2026-11"]
    out = tmp_path / "专刊.pdf"
    result = toolbook("pdf", "2026-11", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "已生成" in result.stderr
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    cover = pages[0]
    assert "党建口袋工具书" in cover and "月度专刊" in cover and issue.title in cover and issue.data["title"] in cover
    contents = pages[1]
    assert "目" in contents and "录" in contents and "卷首语" in contents
    cases = [kb.records[c] for c in issue.data["cases"]]
    squeeze = lambda s: "".join(s.split())  # noqa: E731  pdftotext breaks long lines
    for n, case in enumerate(cases, start=1):
        assert squeeze(f"{n}. {case.data['title']}") in squeeze(contents), case.id
    body = squeeze("".join(pages[2:]))
    for case in cases:
        assert squeeze(case.data["title"]) in body and squeeze(case.data["summary"]) in body, case.id
        assert squeeze(case.data["highlights"][0]) in body, case.id
    assert len(pages) > 2 + len(cases)  # each case starts on a page of its own


def test_pdf_contents_give_the_page_each_part_starts_on(tmp_path):
    kb, _ = load_knowledge_base(SAMPLE)
    issue = kb.records["2026-06"]
    out = tmp_path / "专刊.pdf"
    result = toolbook("pdf", "2026-06", "--out", str(out))
    assert result.returncode == 0, result.stderr
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    squeeze = lambda s: "".join(s.split())  # noqa: E731
    contents = text.split("\f")[1]
    pages = [squeeze(p) for p in text.split("\f")]

    def listed(entry: str) -> int:  # the number after the entry in the contents (pdftotext may break a long line)
        found = re.search(r"\s*".join(map(re.escape, squeeze(entry))) + r"\s+(\d+)", contents)
        assert found, (entry, contents)
        return int(found.group(1))

    def starts(heading: str) -> int:  # the first page after the contents with the heading on it
        return next(n for n, page in enumerate(pages[2:], start=3) if squeeze(heading) in page)

    cases = [kb.records[c] for c in issue.data["cases"]]
    assert listed("卷首语") == starts("卷首语") == 3
    for n, case in enumerate(cases, start=1):
        assert listed(f"{n}. {case.data['title']}") == starts(case.data["title"]), case.id
        assert f"{starts(case.data['title'])}/{len(pages) - 1}" in pages[starts(case.data["title"]) - 1]  # its footer
    assert listed("延伸阅读") == starts("延伸阅读")
    assert [listed(f"{n}. {c.data['title']}") for n, c in enumerate(cases, start=1)] == sorted(
        listed(f"{n}. {c.data['title']}") for n, c in enumerate(cases, start=1))


def test_a_pdf_not_written_by_chromium_is_refused_rather_than_misnumbered():
    from kb.outputs.booklet import page_numbers

    with pytest.raises(ValueError):
        page_numbers(b"%PDF-1.7\n1 0 obj\n<</Type /XRef>>\nstream\nendstream\nendobj\nstartxref\n9\n%%EOF\n")


def test_pdf_of_an_unknown_issue_lists_the_issues_there_are(tmp_path):
    result = toolbook("pdf", "2026-03", "--out", str(tmp_path / "x.pdf"))
    assert result.returncode == 2
    assert "找不到 2026-03 的月度专刊" in result.stderr and "2026-06、2026-07" in result.stderr and "2026-11" in result.stderr
    assert not list(tmp_path.iterdir())
    bad = toolbook("pdf", "2026-3")
    assert bad.returncode == 2 and "年-月" in bad.stderr
