"""What the site keeps for its reader on the reader's device, and how it reads, in Chromium at a phone's and a
desktop's width: the self-check of a standard (达标自查), favourites and recent records (我的收藏), the search
filters on a phone, the fonts, the charts and the field reference.

Everything is asserted as the reader sees it: text on the page, after a reload where the point is that it is kept.
Under nginx's Content-Security-Policy the same scripts run in test_hosting.py (helpers.TOUR); from disk in
test_bundle.py; axe-core checks the pages in test_outside_tools.py.
"""

from __future__ import annotations

import datetime

import pytest
from kb.data.load import load_knowledge_base

from helpers import SAMPLE

pytestmark = pytest.mark.needs("chromium")

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
WIDTHS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
STANDARD = "standards/sanhui-yike/"


@pytest.fixture(scope="module")
def kb():
    kb, problems = load_knowledge_base(SAMPLE)
    assert problems == []
    return kb


@pytest.fixture
def open_page(chromium):
    """A fresh reader (empty browser storage) at a given width; confirmations are answered yes."""
    contexts = []

    def make(viewport, **options):
        context = chromium.new_context(viewport=viewport, **options)
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda d: d.accept())
        return page

    yield make
    for c in contexts:
        c.close()


def checklist(kb, record_id="sanhui-yike"):
    return kb.records[record_id].data["checklist"]


# -- 达标自查 ---------------------------------------------------------------------------------------------------

@WIDTHS
def test_tapping_an_items_text_ticks_it_and_the_ticks_survive_a_reload(kb, open_page, site_url, viewport):
    items = checklist(kb)
    page = open_page(viewport)
    page.goto(site_url + STANDARD)
    count = page.locator("[data-tb-count]")
    assert count.inner_text() == f"已完成 0 / {len(items)}"
    page.get_by_text(items[1], exact=True).click()  # the text, not the little circle
    page.get_by_text(items[3], exact=True).click()
    assert count.inner_text() == f"已完成 2 / {len(items)}"
    page.reload()
    boxes = page.locator(".tb-checklist input")
    assert [boxes.nth(i).is_checked() for i in range(len(items))] == [i in (1, 3) for i in range(len(items))]
    assert count.inner_text() == f"已完成 2 / {len(items)}"
    assert "只保存在这台设备的浏览器里" in page.locator(".tb-selfcheck").inner_text()

    # by keyboard: Tab reaches the boxes, Space ticks
    boxes.nth(0).focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    focused = page.locator(".tb-checklist label").nth(1)
    assert focused.evaluate("l => getComputedStyle(l).outlineStyle") == "solid"  # where the keyboard is, is seen
    page.keyboard.press("Space")  # unticks items[1]
    assert count.inner_text() == f"已完成 2 / {len(items)}"
    assert boxes.nth(0).is_checked() and not boxes.nth(1).is_checked()

    # each standard has its own ticks
    other = checklist(kb, "dangfei")
    page.goto(site_url + "standards/dangfei/")
    assert page.locator("[data-tb-count]").inner_text() == f"已完成 0 / {len(other)}"

    # 全部清除 (confirmed), and it stays cleared
    page.goto(site_url + STANDARD)
    page.get_by_role("button", name="全部清除").click()
    assert page.locator("[data-tb-count]").inner_text() == f"已完成 0 / {len(items)}"
    page.reload()
    assert page.locator("[data-tb-count]").inner_text() == f"已完成 0 / {len(items)}"
    assert not any(boxes.nth(i).is_checked() for i in range(len(items)))


@WIDTHS
def test_the_self_check_prints_as_a_dated_sheet_with_the_branchs_name(kb, open_page, site_url, viewport):
    items = checklist(kb)
    page = open_page(viewport)
    # the browser's print dialog does not open in a test: the page is printed as print media instead
    page.add_init_script("window.print = function () { window.__printed = true; };")
    page.goto(site_url + STANDARD)
    page.get_by_label("党组织名称").fill("市财政局机关第一党支部")
    page.get_by_text(items[2], exact=True).click()
    page.reload()  # the name is kept too
    assert page.get_by_label("党组织名称").input_value() == "市财政局机关第一党支部"
    today = datetime.date.today()
    date = f"自查日期：{today.year}年{today.month}月{today.day}日"

    page.emulate_media(media="print")  # the whole page (Ctrl+P): the sheet's head is on it
    sheet = page.locator(".tb-selfcheck")
    text = sheet.inner_text()
    assert "市财政局机关第一党支部" in text and date in text and f"已完成 1 / {len(items)}" in text
    assert not page.get_by_role("button", name="全部清除").is_visible()
    assert page.locator(".tb-clauses").is_visible()
    page.emulate_media(media="screen")
    assert date not in sheet.inner_text()  # the date is for paper

    page.get_by_role("button", name="打印自查表").click()  # the sheet alone
    assert page.evaluate("window.__printed")
    page.emulate_media(media="print")
    assert page.locator("h1").first.is_visible() and sheet.is_visible()
    assert not page.locator(".tb-clauses").is_visible() and not page.locator(".tb-steps").is_visible()
    assert "市财政局机关第一党支部" in sheet.inner_text() and date in sheet.inner_text()
    ticked = page.evaluate("getComputedStyle(document.querySelectorAll('.tb-checklist .task-list-indicator')[2],"
                           " '::before').content")
    assert ticked == '"✓"'


def test_without_javascript_the_checklist_is_a_plain_list_and_my_page_says_why_it_is_empty(kb, open_page, site_url):
    page = open_page(PHONE, java_script_enabled=False)
    page.goto(site_url + STANDARD)
    assert page.locator(".tb-checklist li").all_inner_texts() == checklist(kb)
    assert not page.locator("[data-tb-count]").is_visible()
    assert not page.locator(".tb-star").is_visible()  # a star that could not keep anything is not offered
    page.goto(site_url + "mine/")
    assert "收藏需要浏览器启用 JavaScript 才能显示" in page.locator("article").inner_text()


# -- 收藏 and 最近浏览 ------------------------------------------------------------------------------------------

def test_every_record_page_has_the_star_and_other_pages_do_not(kb, sample_site):
    pages = {p.parent.relative_to(sample_site).as_posix(): p.read_text(encoding="utf-8")
             for p in sample_site.rglob("index.html")}
    records = {f"{r.kind.folder}/{r.id}" for r in kb.records.values()} & set(pages)
    assert {folder.split("/")[0] for folder in records} == {"standards", "methods", "cases", "issues"}
    assert [f for f in records if pages[f].count("data-tb-record") != 1] == []
    assert [f for f in set(pages) - records if "data-tb-record" in pages[f]] == []


@WIDTHS
def test_a_starred_record_is_listed_on_my_page_after_a_reload_and_can_be_removed(kb, open_page, site_url, viewport):
    page = open_page(viewport)
    page.goto(site_url + STANDARD)
    star = page.get_by_role("button", name="收藏")
    assert star.get_attribute("aria-pressed") == "false"
    star.click()
    assert star.get_attribute("aria-pressed") == "true"
    page.goto(site_url + "methods/sibi-tan/")
    page.get_by_role("button", name="收藏").focus()
    page.keyboard.press("Enter")  # by keyboard
    page.goto(site_url + "cases/jiaodi-ji-jiaozheng/")  # viewed, not starred

    page.get_by_role("link", name="我的收藏").first.click()  # the star in the header
    page.wait_for_url("**/mine/")
    page.reload()
    favourites = page.locator("[data-tb-mine=favourites] li a")
    titles = [kb.records[i].title for i in ("sibi-tan", "sanhui-yike")]  # the newest first
    assert favourites.all_inner_texts() == titles
    recent = page.locator("[data-tb-mine=recent] li a").all_inner_texts()
    assert recent == [kb.records[i].title for i in ("jiaodi-ji-jiaozheng", "sibi-tan", "sanhui-yike")]

    page.get_by_role("button", name=f"从收藏中移除：{titles[0]}").click()
    assert favourites.all_inner_texts() == titles[1:]
    assert page.evaluate("document.activeElement.textContent") == "移除"  # focus stays in the list
    page.reload()
    assert favourites.all_inner_texts() == titles[1:]
    favourites.first.click()
    page.wait_for_url("**/" + STANDARD)
    assert page.get_by_role("button", name="收藏").get_attribute("aria-pressed") == "true"
    page.goto(site_url + "methods/sibi-tan/")
    assert page.get_by_role("button", name="收藏").get_attribute("aria-pressed") == "false"

    page.goto(site_url + "mine/")
    page.get_by_role("button", name="全部移除收藏").click()
    page.get_by_role("button", name="清空最近浏览").click()
    page.reload()
    text = page.locator("article").inner_text()
    assert "还没有收藏" in text and "还没有浏览记录" in text


def test_recent_keeps_the_last_ten_records_viewed(kb, open_page, site_url):
    page = open_page(DESKTOP)
    records = [r for r in kb.records.values() if r.kind.folder == "cases"][:12]
    for r in records:
        page.goto(site_url + f"cases/{r.id}/")
    page.goto(site_url + "standards/")  # a listing is not a record
    page.goto(site_url + "mine/")
    shown = page.locator("[data-tb-mine=recent] li a").all_inner_texts()
    assert shown == [r.title for r in reversed(records)][:10]


# -- search on a phone ------------------------------------------------------------------------------------------

def test_on_a_phone_the_filters_fold_away_and_the_placeholder_has_no_keyboard_hint(open_page, site_url):
    page = open_page(PHONE)
    page.goto(site_url)
    box = page.locator(".md-search__input")
    assert box.get_attribute("placeholder") == "搜索标准、工作法、案例"
    page.locator(".md-header__button[for=__search]").click()  # the magnifier in the header opens the box
    box.fill("党员")
    page.wait_for_selector(".md-search-result__list li")
    toggle = page.get_by_role("button", name="筛选")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator(".tb-chip").first.is_visible()
    first = page.locator(".md-search-result__list li").first.bounding_box()
    assert first["y"] < 200, first  # the first result near the top, not below the chips

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    page.get_by_role("button", name="标准规范", exact=False).first.click()
    page.wait_for_selector(".tb-chip--on")
    assert page.locator(".tb-facets-toggle").inner_text().startswith("筛选（已选 1 项）")


def test_on_a_desktop_the_filters_show_and_the_placeholder_names_the_key(open_page, site_url):
    page = open_page(DESKTOP)
    page.goto(site_url)
    assert page.locator(".md-search__input").get_attribute("placeholder") == "搜索标准、工作法、案例（按 / 聚焦）"
    page.keyboard.press("/")
    page.keyboard.insert_text("党员")
    page.wait_for_selector(".md-search-result__list li")
    assert page.locator(".tb-chip").first.is_visible()
    assert not page.locator(".tb-facets-toggle").is_visible()


# -- how the pages read -----------------------------------------------------------------------------------------

@WIDTHS
def test_chinese_quotation_marks_are_full_width(open_page, site_url, viewport):
    page = open_page(viewport)
    page.goto(site_url + "about/")
    family = page.evaluate("getComputedStyle(document.querySelector('.md-typeset p')).fontFamily")
    assert family.split(",")[0].strip('" ') in ("PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC")
    ratios = page.evaluate("""() => {
        const p = document.querySelector('.md-typeset p');
        const size = parseFloat(getComputedStyle(p).fontSize);
        const width = text => {
            const s = p.appendChild(document.createElement('span'));
            s.textContent = text;
            const w = s.getBoundingClientRect().width;
            s.remove();
            return w;
        };
        // between two Chinese characters, as in the text (at a line's start Chromium halves an opening mark)
        return ['“', '”', '‘', '’', '…', '—'].map(mark => (width('中' + mark + '文') - width('中文')) / size);
    }""")
    assert all(r > 0.9 for r in ratios), ratios  # a Latin font draws “ about 0.4 em wide


@WIDTHS
def test_chart_labels_are_readable(open_page, site_url, viewport):
    page = open_page(viewport)
    page.goto(site_url + "stats/")
    sizes = page.evaluate("""() => [...document.querySelectorAll('svg.tb-chart')].map(svg =>
        svg.getBoundingClientRect().width / svg.viewBox.baseVal.width * parseFloat(svg.querySelector('text').getAttribute('font-size')))""")
    assert sizes and all(13.5 <= s <= 17 for s in sizes), sizes  # px on the screen: about the size of the text


@WIDTHS
def test_the_field_reference_is_a_table_like_the_others_and_names_do_not_break(open_page, site_url, viewport):
    page = open_page(viewport)
    page.goto(site_url + "guide/fields/")
    table = page.locator(".tb-fields table").first
    assert page.evaluate("t => getComputedStyle(t).borderTopStyle", table.element_handle()) == "solid"  # Material's
    assert page.evaluate("t => getComputedStyle(t.querySelector('th')).fontWeight", table.element_handle()) == "700"
    lines = page.evaluate("""() => [...document.querySelectorAll('.tb-fields td:nth-child(2)')].map(td => {
        const r = document.createRange(); r.selectNodeContents(td);
        return [td.textContent, new Set([...r.getClientRects()].map(x => Math.round(x.top))).size];
    })""")
    assert ["党组织", 1] in lines
    assert [name for name, n in lines if n > 1] == []
