"""一月一清单 and 台账模板 (issue 18, points 1, 2, 4): the structured frequencies of the standards, the calendar
page, the .ics file read back by two independent parsers, and the ledger forms read back with python-docx.

The site is the sample data built as on 2026-12-15 (conftest.december_site). What a reader sees of it in a
browser, at phone and desktop widths, is tests/test_reader_tools.py.
"""

from __future__ import annotations

import datetime
import re
from html import unescape

import docx
import icalendar
import pytest
import vobject
from helpers import ROOT

from kb.data.load import load_knowledge_base
from kb.dev.synth import synthesize
from kb.site.calendar import all_duties
from kb.site.plan import stream_site

# What the regulations set (and what the samples cite), as the pages must say it: duty -> (period, label, a basis).
REGULATION = {
    "支委会": ("month", "一般每月 1 次", "支部工作条例第十二条"),
    "党小组会": ("month", "一般每月 1 次", "支部工作条例第十三条"),
    "主题党日": ("month", "每月 1 次", "支部工作条例第十六条"),
    "交纳党费": ("month", "每月 1 次", "党费规定第十二条"),
    "党员大会": ("quarter", "一般每季度 1 次", "支部工作条例第十一条"),
    "党课": ("quarter", "每季度至少 1 次", "条例没有规定党支部党课的频次"),
    "组织生活会": ("year", "每年至少 1 次", "支部工作条例第十七条"),
    "民主评议党员": ("year", "一般每年 1 次", "支部工作条例第十八条"),
    "谈心谈话": ("year", "一般每年至少 1 次", "支部工作条例第十九条"),
}
OCCURRENCES = {"month": 12, "quarter": 4, "half-year": 2, "year": 1}  # in a year, from 1 January


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture(scope="module")
def kb():
    kb, problems = load_knowledge_base(ROOT / "data", today=datetime.date(2026, 12, 15))
    assert problems == []
    return kb


def test_the_sample_standards_set_the_duties_the_regulations_set(kb):
    duties = {d.name: d for d in all_duties(kb)}
    for name, (every, label, basis) in REGULATION.items():
        duty = duties[name]
        assert (duty.every, duty.label) == (every, label), name
        assert any(basis in b.source for b in duty.bases), (name, [b.source for b in duty.bases])


def test_each_duty_says_what_its_basis_is_on_the_calendar_and_in_the_glance(kb, december_site):
    """Issue 29: a duty's basis keeps its kind: a schedule item with a kind of its own (a frequency the
    clause's article does not set) shows that one, else the clause's."""
    duties = {d.name: d for d in all_duties(kb)}
    kinds = {"支委会": {"法规"}, "党课": {"通行做法"}, "支部书记讲党课": {"通行做法"}, "公布党费收缴情况": {"上级要求"}}
    for name, kind in kinds.items():
        assert {b.kind for b in duties[name].bases} == kind, name
    assert all(b.kind in ("法规", "上级要求", "通行做法") for d in duties.values() for b in d.bases)
    march = text_of((december_site / "calendar" / "03" / "index.html").read_text(encoding="utf-8"))
    assert "党课 每季度至少 1 次 依据： 三会一课 要求 7 通行做法 条例没有规定党支部党课的频次" in march
    assert "三会一课 要求 3 法规 支部工作条例第十二条" in march
    assert "党费收缴使用和管理 要求 11 上级要求 上级党组织要求（党费收缴情况的公布频次）" in march
    glance = text_of((december_site / "standards" / "sanhui-yike" / "index.html").read_text(encoding="utf-8"))
    assert "支委会 一般每月 1 次 依据： 本标准要求 3 法规 支部工作条例第十二条" in glance
    assert "支部书记讲党课 每年至少 1 次 依据： 本标准要求 7 通行做法 条例没有规定党支部书记讲党课的次数" in glance


def test_a_duty_several_standards_name_is_one_line_with_each_basis(kb):
    duty = next(d for d in all_duties(kb) if d.name == "支委会")
    assert {(b.record.id, b.clause) for b in duty.bases} >= {("sanhui-yike", 3), ("zhibu-biaozhunhua", 6)}
    clause = kb.records["sanhui-yike"].data["clauses"][2]
    assert "支部委员会会议" in clause["requirement"] and clause["frequency"].startswith("一般每月召开 1 次")


def test_ics_parses_back_with_icalendar_and_vobject_and_holds_each_duty_of_the_standards(kb, december_site):
    raw = (december_site / "calendar" / "toolbook.ics").read_bytes()
    duties = [d for d in all_duties(kb) if d.every != "term"]
    by_summary = {f"{d.name}（{d.label}）": d for d in duties}

    cal = icalendar.Calendar.from_ical(raw)
    events = cal.walk("VEVENT")
    assert len(events) == len(duties)
    for event in events:
        summary = str(event["SUMMARY"])
        duty = by_summary[summary.split("：", 1)[1]]
        rule = event["RRULE"]
        assert event["DTSTART"].dt == datetime.date(2026, 1, 1)
        assert rule["FREQ"] == ["YEARLY" if duty.every == "year" else "MONTHLY"]
        assert rule.get("INTERVAL", [1]) == [{"month": 1, "quarter": 3, "half-year": 6}.get(duty.every, 1)]
        assert duty.bases[0].record.title in str(event["DESCRIPTION"])

    parsed = vobject.readOne(raw.decode("utf-8"))
    seen = {}
    for event in parsed.vevent_list:
        days = [d.date() if isinstance(d, datetime.datetime) else d for d in event.getrruleset()
                .between(datetime.datetime(2026, 1, 1), datetime.datetime(2026, 12, 31, 23, 59), inc=True)]
        seen[event.summary.value.split("：", 1)[1]] = days
    assert set(seen) == set(by_summary)
    for summary, days in seen.items():
        every = by_summary[summary].every
        assert len(days) == OCCURRENCES[every], summary
        assert all(d.day == 1 for d in days)
    assert seen["支委会（一般每月 1 次）"][-1] == datetime.date(2026, 12, 1)
    assert [d.month for d in seen["党员大会（一般每季度 1 次）"]] == [1, 4, 7, 10]


def test_each_month_page_lists_what_is_due_in_the_periods_the_month_belongs_to(december_site):
    march = text_of((december_site / "calendar" / "03" / "index.html").read_text(encoding="utf-8"))
    assert "本月（2026年3月）" in march and "本季度（第一季度，1—3 月）内" in march and "本半年（上半年，1—6 月）内" in march
    for name, (every, label, _) in REGULATION.items():
        assert f"{name} {label}" in march, name
    assert "换届选举" not in march  # a term's duty has no month
    page = text_of((december_site / "calendar" / "index.html").read_text(encoding="utf-8"))
    assert "本月要做（2026年12月）" in page and "网站生成于 2026-12-15" in page and "第四季度，10—12 月" in page
    home = text_of((december_site / "index.html").read_text(encoding="utf-8"))
    assert "本月要做（2026年12月）" in home and "支委会（一般每月 1 次）" in home


def test_each_ledger_form_reads_back_with_its_fields_columns_and_basis(kb, december_site):
    forms = 0
    for record in sorted(kb.records.values(), key=lambda r: r.id):
        for n, form in enumerate(record.get("forms", []), start=1):
            forms += 1
            path = december_site / "standards" / record.id / f"taizhang-{n}.docx"
            document = docx.Document(str(path))
            assert document.paragraphs[0].text == form["name"]
            table = document.tables[0]
            assert [row.cells[0].text for row in table.rows] == form["fields"] + form.get("sections", [])
            if form.get("columns"):
                register = document.tables[1]
                assert [c.text for c in register.rows[0].cells] == form["columns"]
                assert len(register.rows) == 1 + form.get("rows", 15)
            else:
                assert len(document.tables) == 1
            footer = document.sections[0].footer.paragraphs[0].text
            assert footer.startswith(f"依据：{form['source']}") and record.title in footer
            page = (december_site / "standards" / record.id / "index.html").read_text(encoding="utf-8")
            assert f'href="../../standards/{record.id}/taizhang-{n}.docx" download="{record.title}-{form["name"]}.docx"' in page
    assert forms >= 6


def test_the_meeting_record_has_the_fields_a_meeting_record_needs(december_site):
    document = docx.Document(str(december_site / "standards" / "sanhui-yike" / "taizhang-1.docx"))
    labels = " ".join(row.cells[0].text for row in document.tables[0].rows)
    for field in ("时间", "地点", "主持人", "记录人", "应到人数", "实到人数", "缺席人员及原因", "议题", "讨论情况", "决定事项"):
        assert field in labels, field


def test_the_data_file_line_is_only_in_the_preview():
    def standard_page(preview: bool) -> str:
        kb, problems = load_knowledge_base(ROOT / "data", preview, today=datetime.date(2026, 12, 15))
        assert problems == []
        pages = []
        stream_site(kb, lambda p: pages.append(p) if p.src_uri == "standards/dangfei.md" else None)
        return pages[0].body

    assert "数据文件：<code>standards/dangfei.yml</code>" in standard_page(preview=True)
    assert "数据文件" not in standard_page(preview=False)


def test_a_long_backlink_list_shows_the_first_five_and_links_to_all(december_site):
    page = (december_site / "standards" / "sanhui-yike" / "index.html").read_text(encoding="utf-8")
    section = page.split('id="哪些记录提到了本条"', 1)[1].split("</ul>", 1)[0]
    assert section.count("<li>") == 5
    everything = (december_site / "standards" / "sanhui-yike" / "mentions" / "index.html").read_text(encoding="utf-8")
    total = everything.count('<li><a href="../../../')
    assert total > 5 and f'href="../../standards/sanhui-yike/mentions/">查看全部 {total} 条' in page


def test_synthetic_standards_have_valid_structured_frequencies_and_forms(tmp_path):
    synthesize(400, tmp_path / "data", seed=3)
    kb, problems = load_knowledge_base(tmp_path / "data")
    assert problems == []
    duties = all_duties(kb)
    assert {d.every for d in duties} == {"month", "quarter", "half-year", "year", "term"}
    assert all(r.get("forms") for r in kb.records.values() if r.kind.name == "standard")
