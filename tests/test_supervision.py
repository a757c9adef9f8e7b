"""一季一督查 (issue 28, point 4): a supervision list per quarter of the build year, as a page and as a Word form,
linked from the calendar page and the home page.

The site is the sample data built as on 2026-12-15 (conftest.december_site): the fourth quarter is the current one.
What is due in a quarter is checked against the sample standards' YAML read here, not through kb.site.calendar.
"""

from __future__ import annotations

import datetime
import re
from html import unescape

import docx
import pytest
import yaml
from helpers import SAMPLE

from kb.data.load import load_knowledge_base
from kb.outputs.base import OutputPage
from kb.outputs.supervision import SupervisionForms
from kb.site.plan import stream_site
from kb.site.reuse import MadeFiles

QUARTERS = ["第一季度", "第二季度", "第三季度", "第四季度"]
EVERY = {"month": "每月", "quarter": "每季度", "half-year": "每半年", "year": "每年"}


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def schedules() -> list[tuple[str, dict, dict]]:
    """(standard file, clause, schedule item) of every sample standard, read from the YAML."""
    out = []
    for path in sorted((SAMPLE / "standards").glob("*.yml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        for clause in record.get("clauses", []):
            out.extend((path.stem, clause, item) for item in clause.get("schedule", []))
    return out


def label(item: dict) -> str:
    return (("一般" if item.get("usually") else "") + EVERY[item["every"]] + ("至少 " if item.get("at_least") else " ")
            + f"{item.get('times', 1)} 次")


def due_in(quarter: int) -> dict[str, str]:
    """Each duty (with its frequency) due in `quarter`, and its kind of period: every month's, the quarter's, the
    half-year's when the quarter ends a half-year, the year's in the fourth."""
    periods = {"month", "quarter"} | ({"half-year"} if quarter in (2, 4) else set()) | ({"year"} if quarter == 4 else set())
    return {f"{item['duty']} {label(item)}": item["every"] for _, _, item in schedules() if item["every"] in periods}


def page(site, quarter: int) -> str:
    return (site / "calendar" / f"q{quarter}" / "index.html").read_text(encoding="utf-8")


def article(html: str) -> str:
    return html.split("<h1", 1)[1].split("</article>", 1)[0]


@pytest.fixture(scope="module")
def kb():
    kb, problems = load_knowledge_base(SAMPLE, today=datetime.date(2026, 12, 15))
    assert problems == []
    return kb


def test_the_four_quarters_of_the_build_year_have_a_page(december_site):
    for n, name in enumerate(QUARTERS, start=1):
        html = page(december_site, n)
        assert f"<title>2026年{name}督查清单" in html
        assert f'download="2026年{name}督查清单.docx"' in html and 'href="../../calendar/q%d/duchaqingdan.docx"' % n in html


@pytest.mark.parametrize("quarter", [1, 2, 3, 4])
def test_a_quarter_lists_exactly_the_duties_due_in_it(december_site, quarter):
    expected = due_in(quarter)
    body = article(page(december_site, quarter))
    duties = [text_of(m) for m in re.findall(r'class="tb-inspect__duty"><strong>(.*?)<br>', body)]
    assert sorted(duties) == sorted(expected)
    months = range(3 * quarter - 2, 3 * quarter + 1)
    rows = re.findall(r"<tr><td>([^<]*)开展情况</td>", body)
    # a monthly duty is marked for each month of the quarter, any other once for the period ending in it
    assert len(rows) == sum(3 if every == "month" else 1 for every in expected.values())
    assert rows.count(f"2026年{months[0]}月") == sum(every == "month" for every in expected.values())
    assert rows.count(QUARTERS[quarter - 1]) == sum(every == "quarter" for every in expected.values())
    assert ("上半年" in rows) == (quarter == 2) and ("下半年" in rows) == (quarter == 4) and ("2026年" in rows) == (quarter == 4)
    assert "换届选举" not in body  # a term's duty has no quarter


def test_each_duty_has_its_basis_and_the_checklist_items_that_name_it(december_site):
    body = article(page(december_site, 1))
    text = text_of(body)
    assert "支委会 一般每月 1 次 依据： 党建工作责任清单 要求 11 法规 支部工作条例第十二条" in text
    assert "党课 每季度至少 1 次 依据： 三会一课 要求 7 通行做法 条例没有规定党支部党课的频次" in text
    assert 'class="tb-basis tb-basis--practice"' in body  # the basis mark
    # every checklist item of a standard that names a duty the standard sets, due this quarter, is on the list
    due = {item["duty"] for _, _, item in schedules() if item["every"] in ("month", "quarter")}
    named = 0
    for path in sorted((SAMPLE / "standards").glob("*.yml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        mine = {item["duty"] for clause in record.get("clauses", []) for item in clause.get("schedule", [])} & due
        for entry in record.get("checklist", []):
            if any(duty in entry for duty in mine):
                named += 1
                assert text.count(f"{entry} {record['title']} · 检查清单") == 1, entry
    assert named >= 8
    # and one that shares the evidence of the clause (交纳党费: 党费收缴登记表)
    assert "党费收缴登记按月逐人记录，无漏登、无代扣 党费收缴使用和管理 · 检查清单" in text


def test_the_sheet_has_columns_to_mark_and_lines_to_sign(december_site):
    body = article(page(december_site, 4))
    heads = re.findall(r'<thead><tr><th scope="col">督查内容</th><th scope="col" class="tb-inspect__mark">符合</th>'
                       r'<th scope="col" class="tb-inspect__mark">不符合</th><th scope="col" class="tb-inspect__note">说明</th></tr></thead>', body)
    assert len(heads) == 4  # a table per kind of period: month, quarter, half-year, year
    rows = body.count("<tr><td>")
    assert body.count('<td class="tb-inspect__box"></td>') == 2 * rows
    text = text_of(body)
    assert text.index("党支部名称：") < text.index("督查内容") < text.index("督查人：") < text.index("督查日期：")


def test_the_word_form_has_the_pages_duties_and_the_same_bytes_every_time(kb, december_site, tmp_path):
    for quarter in range(1, 5):
        path = december_site / "calendar" / f"q{quarter}" / "duchaqingdan.docx"
        document = docx.Document(str(path))
        name = f"2026年{QUARTERS[quarter - 1]}督查清单"
        assert document.paragraphs[0].text == name and document.core_properties.title == name
        assert document.paragraphs[1].text.startswith("党支部名称：")
        assert document.paragraphs[-1].text.startswith("督查人：") and "督查日期：" in document.paragraphs[-1].text
        duties, marks = [], 0
        for table in document.tables:
            assert [c.text for c in table.rows[0].cells] == ["督查内容", "符合", "不符合", "说明"]
            for row in table.rows[1:]:
                cells = row.cells
                if cells[0]._tc is cells[-1]._tc:  # a duty's merged heading row
                    duties.append(cells[0].paragraphs[0].text)
                else:
                    marks += 1
                    assert [c.text for c in cells[1:]] == ["□", "□", ""]
        assert sorted(duties) == sorted(due_in(quarter))
        assert marks == article(page(december_site, quarter)).count("<tr><td>")

    def written(folder):
        forms = SupervisionForms(kb.today, MadeFiles())
        for record in kb.records.values():
            forms.take(OutputPage("", record.title, "", record))
        forms.complete(folder)
        return [(folder / "calendar" / f"q{q}" / "duchaqingdan.docx").read_bytes() for q in range(1, 5)]

    first, second = written(tmp_path / "a"), written(tmp_path / "b")
    assert first == second
    assert first[3] == (december_site / "calendar" / "q4" / "duchaqingdan.docx").read_bytes()


def test_the_calendar_and_the_home_page_link_the_current_quarter(december_site):
    calendar = (december_site / "calendar" / "index.html").read_text(encoding="utf-8")
    section = calendar.split('id="一季一督查"', 1)[1].split("</ul>", 1)[0]
    assert [f"../calendar/q{n}/" for n in range(1, 5)] == re.findall(r'href="([^"]+)"', section)[1:]
    assert '<a href="../calendar/q4/" aria-current="date">2026年第四季度</a>（本季度）' in section
    assert section.count("aria-current") == 1
    home = (december_site / "index.html").read_text(encoding="utf-8")
    assert '<a href="./calendar/q4/">本季度督查清单（2026年第四季度）»</a>' in home


def test_the_current_quarter_and_the_year_follow_the_build_date():
    kb, problems = load_knowledge_base(SAMPLE, today=datetime.date(2027, 5, 31))
    assert problems == []
    pages = {}
    stream_site(kb, lambda p: pages.update({p.src_uri: p}) if p.src_uri in ("index.md", "calendar/index.md", "calendar/q2.md") else None)
    assert pages["calendar/q2.md"].title == "2027年第二季度督查清单"
    assert '<a href="../calendar/q2/" aria-current="date">2027年第二季度</a>（本季度）' in pages["calendar/index.md"].body
    assert '<a href="./calendar/q2/">本季度督查清单（2027年第二季度）»</a>' in pages["index.md"].body
