"""The reader's toolbook in Chromium at a phone's width (390 × 844) and a desktop's (1366 × 900) (issue 18,
points 1, 2, 4, 7): a standard's 速览 and clause table, this month's duties, the calendar file and a ledger
form downloaded as a reader downloads them (the form by keyboard), and axe-core on each of these pages.

The site is the sample data built as on 2026-12-15 (conftest.december_site), served over HTTP.
"""

from __future__ import annotations

import datetime

import docx
import icalendar
import pytest
from helpers import outside_tool
from test_outside_tools import AXE

from kb import browser

pytestmark = pytest.mark.needs("chromium")

WIDTHS = {"phone": (390, 844), "desktop": (1366, 900)}


@pytest.fixture(scope="module")
def site_url(december_site):
    with browser.serve(december_site) as url:
        yield url


@pytest.fixture(params=list(WIDTHS))
def page(request, chromium):
    width, height = WIDTHS[request.param]
    context = chromium.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    page = context.new_page()
    page.width_name = request.param
    yield page
    context.close()


def visible_text(page, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def test_a_standard_page_shows_its_duties_at_a_glance_and_a_readable_clause_table(page, site_url):
    page.goto(site_url + "standards/sanhui-yike/")
    glance = page.locator(".tb-glance")
    assert glance.is_visible()
    assert glance.bounding_box()["y"] < 900  # on the first screen, or just below it on a phone
    items = [" ".join(t.split()) for t in visible_text(page, ".tb-glance__duties > li")]
    assert items[:3] == ["党员大会 一般每季度 1 次 依据：本标准要求 1 法规 支部工作条例第十一条",
                         "支委会 一般每月 1 次 依据：本标准要求 3 法规 支部工作条例第十二条",
                         "党小组会 一般每月 1 次 依据：本标准要求 4 法规 支部工作条例第十三条"]
    # a frequency the article does not set says so at a glance (issue 29)
    assert any(i.startswith("党课 每季度至少 1 次") and " 通行做法 " in i for i in items)
    downloads = visible_text(page, ".tb-glance a[download]")
    assert downloads == ["党支部会议记录", "会议签到表"]

    body_size = page.evaluate("getComputedStyle(document.querySelector('.md-content .md-typeset')).fontSize")
    row = page.locator("#clause-3")
    assert page.evaluate("getComputedStyle(document.querySelector('#clause-3 td:nth-child(2)')).fontSize") == body_size
    number = row.locator("td").first
    if page.width_name == "phone":  # a card headed as this standard's clause, not as an article of the regulation
        assert number.inner_text().strip() == "本标准要求 3"
        assert "第 3 条" not in row.inner_text()
    else:
        assert number.inner_text().strip() == "3"
        assert number.bounding_box()["width"] < 60  # no wide, nearly empty 序号 column
        assert row.locator("td").nth(1).bounding_box()["width"] > 420
    page.click("a[href='#clause-3']")
    assert page.evaluate("location.hash") == "#clause-3"

    backlinks = page.locator("#哪些记录提到了本条 + ul > li")
    assert backlinks.count() == 5
    assert page.get_by_role("link", name="查看全部 26 条 »").is_visible()
    assert "数据文件" not in page.inner_text("body")


def test_this_month_shows_on_the_home_page_and_the_calendar_page_lists_each_period(page, site_url):
    page.goto(site_url)
    assert page.locator(".tb-home-month").bounding_box()["y"] < 844  # on the first screen, phone or desktop
    home = page.locator(".tb-home-month").inner_text()
    assert "本月（2026年12月）：支委会（一般每月 1 次）" in home and "党员大会（一般每季度 1 次）" in home
    page.get_by_role("link", name="一月一清单：依据、打印和日历文件 »").click()
    page.wait_for_url("**/calendar/")
    assert page.locator("h2", has_text="本月要做（2026年12月）").is_visible()
    assert "网站生成于 2026-12-15" in page.inner_text(".tb-asof")
    spans = visible_text(page, "#this-month .tb-span")
    assert spans == ["本月（2026年12月）", "本季度（第四季度，10—12 月）内", "本半年（下半年，7—12 月）内", "本年度（2026年）内"]
    month = [" ".join(t.split()[:4]) for t in visible_text(page, "#this-month .tb-todo > li")]
    assert month[:4] == ["支委会 一般每月 1 次", "交纳党费 每月 1 次", "党小组会 一般每月 1 次", "主题党日 每月 1 次"]
    assert "党员大会 一般每季度 1 次" in month and "组织生活会 每年至少 1 次" in month

    page.get_by_role("link", name="3 月").click()
    page.wait_for_url("**/calendar/03/")
    assert page.locator("h1").inner_text().strip().rstrip("¶") == "3 月工作清单"
    assert visible_text(page, ".tb-span")[1] == "本季度（第一季度，1—3 月）内"
    page.emulate_media(media="print")  # on paper: the boxes to tick and the lines to fill in, no site chrome
    assert page.locator(".tb-fillin").is_visible() and not page.locator(".md-header").is_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('.tb-todo > li'), '::before').borderTopStyle") == "solid"


def test_the_calendar_file_downloads_and_holds_the_standards_duties(page, site_url, tmp_path):
    page.goto(site_url + "calendar/")
    with page.expect_download() as got:
        page.get_by_role("link", name="下载日历文件（.ics）").click()
    assert got.value.suggested_filename == "党支部工作日历.ics"
    cal = icalendar.Calendar.from_ical(open(got.value.path(), "rb").read())
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    assert "本月：支委会（一般每月 1 次）" in events and "本季度：党员大会（一般每季度 1 次）" in events
    assert "本年度：组织生活会（每年至少 1 次）" in events
    assert events["本季度：党员大会（一般每季度 1 次）"]["RRULE"]["INTERVAL"] == [3]
    assert events["本月：支委会（一般每月 1 次）"]["DTSTART"].dt == datetime.date(2026, 1, 1)


def test_a_ledger_form_downloads_by_keyboard_with_the_fields_the_standard_requires(page, site_url):
    page.goto(site_url + "standards/sanhui-yike/")
    for _ in range(80):  # Tab from the top of the page to the form's link, as a keyboard user does
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "党支部会议记录":
            break
    else:
        pytest.fail("the meeting record form cannot be reached with Tab")
    with page.expect_download() as got:
        page.keyboard.press("Enter")
    assert got.value.suggested_filename == "三会一课-党支部会议记录.docx"
    document = docx.Document(got.value.path())
    assert document.paragraphs[0].text == "党支部会议记录"
    fields = [row.cells[0].text for row in document.tables[0].rows]
    assert fields[1:8] == ["时间", "地点", "主持人", "记录人", "应到人数", "实到人数", "缺席人员及原因"]
    assert fields[8:] == ["议题", "讨论情况（主要发言）", "决定事项（表决的写明赞成、反对、弃权人数）"]
    assert document.sections[0].footer.paragraphs[0].text.startswith("依据：支部工作条例第十一条至第十四条")


@pytest.mark.parametrize("path", ["standards/sanhui-yike/", "calendar/", "calendar/12/", "calendar/q4/", ""])
def test_axe_finds_no_serious_problem_at_either_width(page, site_url, path):
    if not AXE.is_file():
        outside_tool(f"未找到 {AXE}（在 tests/axe/ 运行 npm ci）")
    page.goto(site_url + path)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))")
    assert violations == [], violations
