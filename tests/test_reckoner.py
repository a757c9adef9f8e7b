"""时间推算 (issue 28, point 3 and its part of point 5): the date calculator under a standard's timeline
(docs/javascripts/reckoner.js), in Chromium, against dates computed here independently.

The dates are counted here from first principles (calendar.monthrange and timedelta, not a copy of the script):
N months or years from a day end on the same day of the target month, or on that month's last day where it has
none (民法典 第二百零一条、第二百零二条); N days are calendar days. TABLE holds the month ends, 29 February and
the year ends written out by hand; the page must show the same dates for a timeline whose rules use them.

The timeline (the markup contract of issue 28's point 2) is written here, FIXTURE, into a copy of the built sample
site's 发展党员 page, so that the rules cover every case of the table whatever the sample data holds. When the sample
standard has its own timeline, the last test checks the calculator on it too, with the rules read from its page.
Dates are typed into the date boxes key by key, as a reader types them; what is compared is the text on the page.
"""

from __future__ import annotations

import calendar
import datetime
import html
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import outside_tool

from kb import browser

pytestmark = pytest.mark.needs("chromium")

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
PAGE = "standards/fazhan-dangyuan/"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
D = datetime.date


# -- the independent computation ------------------------------------------------------------------------------

def counted(day: D, amount: int, unit: str) -> D:
    """The day `amount` days, months or years (日, 月, 年) after `day`, as the regulations count periods."""
    if unit == "日":
        return day + datetime.timedelta(days=amount)
    months = amount * 12 if unit == "年" else amount
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    month += 1
    return D(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# (from, amount, unit, the day it comes to), written out by hand
TABLE = [
    (D(2023, 1, 31), 1, "月", D(2023, 2, 28)),    # 1月31日 + 1 个月: no 31 February, its last day
    (D(2024, 1, 31), 1, "月", D(2024, 2, 29)),    # ... in a leap year
    (D(2023, 3, 31), 1, "月", D(2023, 4, 30)),
    (D(2024, 1, 29), 1, "月", D(2024, 2, 29)),
    (D(2024, 1, 30), 1, "月", D(2024, 2, 29)),
    (D(2023, 12, 31), 2, "月", D(2024, 2, 29)),   # across the year's end into a leap February
    (D(2024, 2, 29), 1, "年", D(2025, 2, 28)),    # no 29 February next year
    (D(2023, 2, 28), 1, "年", D(2024, 2, 28)),    # the 28th stays the 28th, even into a leap year
    (D(2024, 1, 20), 15, "日", D(2024, 2, 4)),    # days across a month's end
    (D(2023, 12, 25), 15, "日", D(2024, 1, 9)),   # ... and a year's end
    (D(2023, 8, 31), 3, "月", D(2023, 11, 30)),
    (D(2023, 8, 31), 6, "月", D(2024, 2, 29)),
    (D(2023, 11, 30), 3, "月", D(2024, 2, 29)),
    (D(2023, 11, 30), 6, "月", D(2024, 5, 30)),
    (D(2023, 11, 30), 1, "年", D(2024, 11, 30)),
]


def test_the_independent_computation_gives_the_table():
    assert [(start, n, unit, counted(start, n, unit)) for start, n, unit, _ in TABLE] == TABLE


@dataclass(frozen=True)
class Rule:
    after: str
    kind: str    # 不少于 | 不超过 | 以内 | 恰好
    amount: int
    unit: str    # 日 | 月 | 年
    words: str   # as the page says it


@dataclass(frozen=True)
class Step:
    key: str
    name: str
    rules: tuple[Rule, ...] = ()


def expected(steps: list[Step], entered: dict[str, D]) -> dict[str, object]:
    """What the page should show for each step: for a step without a date, (earliest, latest), either None where no
    rule gives it; for a step with a date, the rules it breaks (their words), and "早于“NAME”" for a date before
    the step a rule counts from.

    A rule counts from its step's date if entered, else from that step's own window (an earliest only gives an
    earliest, a latest a latest); 以内 and 不超过 also mean "not before the step counted from"."""
    names = {s.key: s.name for s in steps}
    low: dict[str, D] = {}
    high: dict[str, D] = {}
    shown: dict[str, object] = {}
    for step in steps:
        day = entered.get(step.key)
        if day is not None:
            low[step.key] = high[step.key] = day
            broken = set()
            for r in step.rules:
                base = entered.get(r.after)
                if base is None:
                    continue
                due = counted(base, r.amount, r.unit)
                if day < base:
                    broken.add(f"早于“{names[r.after]}”")
                if ((r.kind == "不少于" and day < due) or (r.kind in ("不超过", "以内") and day > due)
                        or (r.kind == "恰好" and day != due)):
                    broken.add(r.words)
            shown[step.key] = broken
            continue
        earliest, latest = [], []
        for r in step.rules:
            a_low, a_high = low.get(r.after), high.get(r.after)
            if a_low is not None:
                earliest.append(a_low if r.kind in ("不超过", "以内") else counted(a_low, r.amount, r.unit))
            if a_high is not None and r.kind != "不少于":
                latest.append(counted(a_high, r.amount, r.unit))
        window = (max(earliest) if earliest else None, min(latest) if latest else None)
        if window[0]:
            low[step.key] = window[0]
        if window[1]:
            high[step.key] = window[1]
        shown[step.key] = window
    return shown


def test_the_expectation_combines_rules_and_passes_windows_on():
    steps = [Step("a", "甲"), Step("b", "乙", (Rule("a", "以内", 3, "月", "三个月"), Rule("a", "不超过", 6, "月", "六个月"))),
             Step("c", "丙", (Rule("b", "以内", 15, "日", "十五日"),)), Step("d", "丁", (Rule("a", "恰好", 1, "年", "一年"),)),
             Step("e", "戊", (Rule("d", "不少于", 2, "月", "两个月"),))]
    assert expected(steps, {"a": D(2023, 8, 31)}) == {
        "a": set(), "b": (D(2023, 8, 31), D(2023, 11, 30)), "c": (D(2023, 8, 31), D(2023, 12, 15)),
        "d": (D(2024, 8, 31), D(2024, 8, 31)), "e": (D(2024, 10, 31), None)}
    assert expected(steps, {"a": D(2023, 8, 31), "b": D(2023, 8, 30), "d": D(2024, 8, 30)})["b"] == {"早于“甲”"}
    assert expected(steps, {"a": D(2023, 8, 31), "b": D(2024, 1, 2)})["b"] == {"三个月"}
    assert expected(steps, {"a": D(2023, 8, 31), "d": D(2024, 8, 30)})["d"] == {"一年"}


# -- the timeline on the page ---------------------------------------------------------------------------------

# The rules of 发展党员 as the issue names them, and two more (15 days, 2 months) so that every unit and kind
# is used; "测试用" marks what is made up for the test.
FIXTURE = [
    Step("shenqing", "收到入党申请书"),
    Step("tanhua", "党组织派人谈话", (Rule("shenqing", "以内", 1, "月", "收到入党申请书后 1 个月以内"),)),
    Step("jiji", "确定为入党积极分子"),
    Step("fazhan", "列为发展对象", (Rule("jiji", "不少于", 1, "年", "确定为入党积极分子后不少于 1 年"),)),
    Step("dahui", "支部大会讨论接收预备党员"),
    Step("shenpi", "上级党委审批", (Rule("dahui", "以内", 3, "月", "支部大会讨论后 3 个月以内审批"),
                              Rule("dahui", "不超过", 6, "月", "特殊情况不超过 6 个月"))),
    Step("beian", "组织部门备案", (Rule("shenpi", "以内", 15, "日", "审批后 15 日以内备案（测试用）"),)),
    Step("manqi", "预备期满", (Rule("dahui", "恰好", 1, "年", "预备期 1 年，从支部大会通过之日算起"),)),
    Step("zhuanzheng", "讨论转正的支部大会", (Rule("manqi", "以内", 2, "月", "预备期满后 2 个月以内（测试用）"),)),
]
NAMES = {s.key: s.name for s in FIXTURE}


def timeline_html(steps: list[Step]) -> str:
    """The markup of issue 28's timeline (one <li> per step, its rules with data-*), and the calculator's box."""
    e = html.escape
    items = []
    for s in steps:
        rules = "".join(
            f'<li class="tb-timeline__rule" data-after="{e(r.after)}" data-rule="{e(r.kind)}" data-amount="{r.amount}" '
            f'data-unit="{e(r.unit)}">{e(r.words)} <small class="tb-basis tb-basis--"><span class="tb-basis__kind">法规'
            f'</span> 测试用出处</small></li>' for r in s.rules)
        items.append(f'<li class="tb-timeline__step" id="liucheng-{e(s.key)}" data-step="{e(s.key)}">'
                     f'<strong class="tb-timeline__name">{e(s.name)}</strong>：本步骤的说明。'
                     + (f'<ul class="tb-timeline__rules">{rules}</ul>' if rules else "") + "</li>")
    return ('<ol class="tb-timeline" id="tb-timeline">\n' + "\n".join(items) + "\n</ol>\n"
            '<div class="tb-reckoner" data-timeline="tb-timeline" data-search-ignore></div>')


@pytest.fixture(scope="module")
def fixture_site(sample_site, tmp_path_factory) -> Path:
    """The sample site with FIXTURE as the 发展党员 page's process (its own timeline, if it has one, replaced)."""
    site = tmp_path_factory.mktemp("reckoner") / "site"
    shutil.copytree(sample_site, site)
    page = site / PAGE / "index.html"
    text = page.read_text(encoding="utf-8")
    text = re.sub(r'<div class="tb-reckoner"[^>]*>\s*</div>', "", text)
    text, found = re.subn(r'<ol class="tb-(?:steps|timeline)"[^>]*>.*?</ol>', lambda _: timeline_html(FIXTURE), text,
                          count=1, flags=re.S)
    assert found == 1
    page.write_text(text, encoding="utf-8")
    return site


@pytest.fixture(scope="module")
def url(fixture_site):
    with browser.serve(fixture_site) as served:
        yield served + PAGE


@pytest.fixture
def reader(chromium):
    """A new reader (empty storage) at a given width; confirmations are answered yes, printing is only noted."""
    contexts = []

    def make(viewport=PHONE, **options):
        context = chromium.new_context(viewport=viewport, locale="zh-CN", **options)
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda d: d.accept())
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.add_init_script("window.print = function () { window.__printed = (window.__printed || 0) + 1; };")
        return page

    yield make
    for c in contexts:
        c.close()


def type_date(page, name: str, day: D) -> None:
    """Type `day` into the date box labelled `name`, key by key, as a reader does. A date box shows its parts in
    the browser's order: 年/月/日 where it runs in Chinese, 月/日/年 in Chromium's English (a headless Chromium
    here): the parts are typed in the order the box takes them."""
    box = page.get_by_label(name, exact=True)
    for order in ("%m%d%Y", "%Y%m%d"):
        box.fill("")  # an empty box, its first part focused
        box.focus()
        page.keyboard.type(day.strftime(order))
        if box.input_value() == day.isoformat():
            box.blur()
            return
    raise AssertionError(f"{name}: typed {day}, the box holds {box.input_value()!r}")


DAY = re.compile(r"(\d+)年(\d+)月(\d+)日")


def day_of(text: str) -> D:
    y, m, d = map(int, DAY.fullmatch(text).groups())
    return D(y, m, d)


def window_shown(text: str) -> tuple[D | None, D | None]:
    """(earliest, latest) from a step's window line as the page words it: "应在 X", "最早 X，最晚 Y", "最早 X",
    "最晚 Y" (or nothing)."""
    exact = re.fullmatch(r"应在 (\S+日)", text)
    if exact:
        return day_of(exact[1]), day_of(exact[1])
    low, high = re.search(r"最早 (\d+年\d+月\d+日)", text), re.search(r"最晚 (\d+年\d+月\d+日)", text)
    return (day_of(low[1]) if low else None, day_of(high[1]) if high else None)


READ = """rows => rows.map(r => ({
  step: r.dataset.step,
  date: r.querySelector('input').value,
  window: Array.from(r.querySelectorAll('.tb-reckoner__window')).map(e => e.innerText).join(''),
  flags: Array.from(r.querySelectorAll('.tb-reckoner__flag')).map(e => e.innerText),
  text: r.querySelector('.tb-reckoner__result').innerText,
}))"""


def shown(page, steps: list[Step]) -> dict[str, object]:
    """What the page shows for each step, in the terms of expected(): windows read from the text, and which of the
    step's rules (by their words) its flags name."""
    names = {s.key: s.name for s in steps}
    out = {}
    for row in page.locator(".tb-reckoner__step").evaluate_all(READ):
        step = next(s for s in steps if s.key == row["step"])
        if row["date"]:
            flags = " ".join(row["flags"])
            named = {r.words for r in step.rules if f"“{r.words}”" in flags}
            named |= {f"早于“{names[r.after]}”" for r in step.rules if f"早于“{names[r.after]}”" in flags}
            assert all(f.startswith("不符合规定：") for f in row["flags"]), row
            out[row["step"]] = named
        else:
            out[row["step"]] = window_shown(row["window"])
    return out


def enter(page, dates: dict[str, D]) -> None:
    """Start again (清除日期) and type `dates` (step key → date)."""
    if any(page.locator(".tb-reckoner__input").evaluate_all("bs => bs.map(b => b.value)")):
        page.get_by_role("button", name="清除日期").click()
    for key, day in dates.items():
        type_date(page, NAMES[key], day)


# Each a reader's dates; together they cover TABLE (1 个月 from month ends and 29 February, 1 年 from 29 and
# 28 February, 2 个月 into a leap February, 15 日 across a month's and a year's end, the 3 and 6 months of 审批
# combined) and windows passed on through steps without a date (备案 after 审批, 转正 after 预备期满).
SCENARIOS = [
    {"shenqing": D(2023, 1, 31), "jiji": D(2024, 2, 29), "dahui": D(2023, 8, 31)},
    {"shenqing": D(2024, 1, 31), "jiji": D(2023, 2, 28), "shenpi": D(2024, 1, 20), "manqi": D(2023, 12, 31)},
    {"shenqing": D(2023, 3, 31), "dahui": D(2023, 11, 30), "shenpi": D(2023, 12, 25)},
    {"shenqing": D(2024, 1, 29), "dahui": D(2023, 11, 30)},
    {"shenqing": D(2024, 1, 30), "shenpi": D(2023, 12, 25)},
]
# Dates that break rules: 谈话 before the application, 发展对象 a day short of a year, 审批 past 3 months (within 6),
# 备案 past 15 days; 预备期满 exactly a year on is right.
BROKEN = {"shenqing": D(2024, 3, 10), "tanhua": D(2024, 3, 1), "jiji": D(2024, 3, 1), "fazhan": D(2025, 2, 28),
          "dahui": D(2024, 1, 31), "shenpi": D(2024, 5, 1), "beian": D(2024, 5, 17), "manqi": D(2025, 1, 31)}


def test_the_scenarios_cover_the_table():
    covered = set()
    for dates in SCENARIOS:
        for step in FIXTURE:
            for r in step.rules:
                if r.after in dates:
                    covered.add((dates[r.after], r.amount, r.unit))
    assert {(start, n, unit) for start, n, unit, _ in TABLE} <= covered


def test_the_page_shows_the_dates_the_rules_allow_as_counted_here(reader, url):
    page = reader(PHONE)
    page.goto(url)
    for step in FIXTURE:  # one date box per step, named by the step
        assert page.get_by_label(step.name, exact=True).get_attribute("type") == "date"
    for dates in SCENARIOS:
        enter(page, dates)
        assert shown(page, FIXTURE) == expected(FIXTURE, dates), dates
    # the rules are shown one by one too: 审批's 6 months, which the 3 months inside it leave out of the window
    enter(page, {"dahui": D(2023, 8, 31)})
    shenpi = page.locator(".tb-reckoner__step[data-step=shenpi] .tb-reckoner__result").inner_text()
    assert "最早 2023年8月31日，最晚 2023年11月30日" in shenpi
    assert "“特殊情况不超过 6 个月”：不早于 2023年8月31日，不晚于 2024年2月29日" in shenpi
    assert "应在 2024年8月31日" in page.locator(".tb-reckoner__step[data-step=manqi]").inner_text()
    assert "需要“确定为入党积极分子”的日期" in page.locator(".tb-reckoner__step[data-step=fazhan]").inner_text()
    # a phone needs no sideways scroll
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert page.errors == []


def test_a_date_that_breaks_a_rule_is_flagged_with_the_rule_kept_and_cleared(reader, url):
    page = reader(PHONE)
    page.goto(url)
    enter(page, BROKEN)
    assert shown(page, FIXTURE) == expected(FIXTURE, BROKEN)
    assert expected(FIXTURE, BROKEN) == {  # what the reader is told, step by step
        **{k: set() for k in ("shenqing", "jiji", "dahui", "manqi")},
        "tanhua": {"早于“收到入党申请书”"}, "fazhan": {"确定为入党积极分子后不少于 1 年"},
        "shenpi": {"支部大会讨论后 3 个月以内审批"}, "beian": {"审批后 15 日以内备案（测试用）"},
        "zhuanzheng": (D(2025, 1, 31), D(2025, 3, 31))}
    flag = page.locator(".tb-reckoner__step[data-step=fazhan] .tb-reckoner__flag").inner_text()
    assert flag == "不符合规定：“确定为入党积极分子后不少于 1 年”（法规 测试用出处），最早 2025年3月1日"
    assert "最晚 2024年4月30日" in page.locator(".tb-reckoner__step[data-step=shenpi]").inner_text()
    assert "符合本步骤的时间规定" in page.locator(".tb-reckoner__step[data-step=manqi]").inner_text()
    assert page.get_by_label("列为发展对象", exact=True).get_attribute("aria-invalid") == "true"
    assert page.get_by_label("预备期满", exact=True).get_attribute("aria-invalid") is None
    status = page.get_by_role("status").filter(has_text="不符合规定")
    status.wait_for()
    assert "有 4 个步骤不符合规定：党组织派人谈话、列为发展对象、上级党委审批、组织部门备案" in status.inner_text()

    # kept on this device: the same after a reload
    page.reload()
    assert {s.key: page.get_by_label(s.name, exact=True).input_value() for s in FIXTURE if s.key in BROKEN} == \
        {k: d.isoformat() for k, d in BROKEN.items()}
    assert shown(page, FIXTURE) == expected(FIXTURE, BROKEN)
    assert "只保存在这台设备的浏览器里" in page.locator(".tb-reckoner").inner_text()

    # 清除日期 by keyboard (confirmed): empty, and still empty after a reload
    page.get_by_role("button", name="清除日期").focus()
    page.keyboard.press("Enter")
    assert page.get_by_label(FIXTURE[0].name, exact=True).evaluate("b => b === document.activeElement && !b.value")
    page.reload()
    assert page.locator(".tb-reckoner__input").evaluate_all("bs => bs.map(b => b.value)") == [""] * len(FIXTURE)
    assert page.locator(".tb-reckoner__window").count() == 0
    assert page.errors == []


def test_the_record_prints_alone_without_the_sites_chrome(reader, url):
    page = reader(DESKTOP)
    page.goto(url)
    enter(page, BROKEN)
    record = page.locator(".tb-reckoner")
    page.get_by_role("button", name="打印推算记录").click()
    assert page.evaluate("window.__printed") == 1
    page.emulate_media(media="print")
    try:
        assert page.locator("h1").first.inner_text() == "发展党员工作程序" and record.is_visible()  # the standard's title
        for chrome in [".md-header", ".md-tabs", ".md-sidebar", ".md-footer", ".md-search", "#tb-timeline", ".tb-clauses",
                       ".tb-selfcheck", ".tb-reckoner__bar", ".tb-reckoner__input"]:
            assert not any(e.is_visible() for e in page.query_selector_all(chrome)), chrome
        text = record.inner_text()
        today = datetime.date.today()
        assert f"推算日期：{today.year}年{today.month}月{today.day}日" in text
        for key, day in BROKEN.items():  # each step with its date in words
            assert f"{NAMES[key]}\n{day.year}年{day.month}月{day.day}日" in text, key
        assert "不符合规定：“确定为入党积极分子后不少于 1 年”" in text and "最早 2025年1月31日，最晚 2025年3月31日" in text
        pdf = page.pdf(format="A4")
        assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # one sheet
        page.evaluate("window.dispatchEvent(new Event('afterprint'))")  # the dialog closed: Ctrl+P prints the page
        assert page.locator("#tb-timeline").is_visible() and page.locator(".tb-clauses").is_visible()
        assert record.is_visible() and not page.locator(".md-header").is_visible()
    finally:
        page.emulate_media(media="screen")


def test_without_javascript_the_timeline_is_all_there_is(reader, url):
    page = reader(PHONE, java_script_enabled=False)
    page.goto(url)
    timeline = page.locator("#tb-timeline")
    assert timeline.is_visible()
    assert timeline.locator(".tb-timeline__name").all_inner_texts() == [s.name for s in FIXTURE]
    assert "支部大会讨论后 3 个月以内审批" in timeline.inner_text()
    assert page.locator(".tb-reckoner input").count() == 0 and page.locator(".tb-reckoner").inner_text() == ""


def test_axe_finds_nothing_with_the_calculator_filled_in(reader, url):
    if not AXE.is_file():
        outside_tool(f"未找到 {AXE}（在 tests/axe/ 运行 npm ci）")
    page = reader(PHONE)
    page.goto(url)
    enter(page, BROKEN)
    page.get_by_role("status").filter(has_text="不符合规定").wait_for()
    page.add_script_tag(path=str(AXE))
    # the calculator: nothing at all; the whole page: nothing serious (as test_outside_tools.py asks of every page)
    found = page.evaluate("""async () => {
      const said = v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ');
      const mine = await axe.run('.tb-reckoner');
      const all = await axe.run(document);
      return mine.violations.concat(all.violations.filter(v => v.impact === 'serious' || v.impact === 'critical'))
        .map(said);
    }""")
    assert found == [], found


def test_the_sample_standards_own_timeline_is_reckoned_as_counted_here(reader, site_url):
    """The 发展党员 page as built from the sample data, once it has its time rules: every step has a date box, and
    the windows from a few dates entered are those counted here from the rules read off the page."""
    page = reader(DESKTOP)
    page.goto(site_url + PAGE)
    if page.locator(".tb-reckoner").count() == 0:
        pytest.skip("示例数据的发展党员标准还没有时间规则（issue 28 第 1、2 点）")
    steps = [Step(s["key"], s["name"], tuple(Rule(r["after"], r["kind"], int(r["amount"]), r["unit"], r["words"])
                                             for r in s["rules"]))
             for s in page.locator("#" + page.locator(".tb-reckoner").get_attribute("data-timeline")).evaluate(
                 """list => Array.from(list.querySelectorAll('.tb-timeline__step[data-step]')).map(li => ({
                   key: li.dataset.step, name: li.querySelector('.tb-timeline__name').innerText.trim(),
                   rules: Array.from(li.querySelectorAll('.tb-timeline__rule')).map(r => {
                     const c = r.cloneNode(true); c.querySelectorAll('.tb-basis, .tb-cite').forEach(b => b.remove());
                     return {after: r.dataset.after, kind: r.dataset.rule, amount: r.dataset.amount,
                             unit: r.dataset.unit, words: c.textContent.replace(/\\s+/g, ' ').trim()
                               .replace(/[；;，,。：:\\s]+$/, '')};
                   })}))""")]
    assert any(s.rules for s in steps)
    for s in steps:
        assert page.get_by_label(s.name, exact=True).get_attribute("type") == "date", s.name
    counted_from = [s.key for s in steps if not s.rules and any(r.after == s.key for t in steps for r in t.rules)]
    starts = [D(2024, 1, 31), D(2023, 2, 28), D(2023, 8, 31), D(2024, 2, 29)]
    dates = {key: starts[n % len(starts)] for n, key in enumerate(counted_from)}
    for key, day in dates.items():
        type_date(page, next(s.name for s in steps if s.key == key), day)
    assert shown(page, steps) == expected(steps, dates), dates
    page.get_by_role("button", name="打印推算记录").click()
    assert len(re.findall(rb"/Type\s*/Page[^s]", page.pdf(format="A4"))) == 1  # the record of all its steps on one sheet
    assert page.errors == []
