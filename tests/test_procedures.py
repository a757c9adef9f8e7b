"""A procedure's time rules (issue 28): a standard's steps (process[]) may say, each with its basis, how their dates
count from an earlier step's (timing: 不少于, 不超过, 以内, 恰好 so many 日, 月 or 年).

What an editor sees: the schema's and the cross-step checks' problems, each with its file, line and field (more in
tests/broken/timing-*); the field reference listing the new fields; the desk opening and saving a standard with
time rules. What a reader sees: on the standard's page the steps as a timeline, each rule in words with its basis,
in the markup that javascripts/reckoner.js reads, followed by the box it fills; a standard without time rules keeps
its plain list of steps; on paper no step is split across pages; on a 390 px phone nothing runs off the side.
"""

from __future__ import annotations

import datetime
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import SAMPLE, indexed_pages

from kb.data.load import load_knowledge_base
from kb.data.schema import field_reference
from kb.desk.records import Desk
from kb.settings import Settings

FAZHAN = "standards/fazhan-dangyuan/index.html"


def edit(data: Path, rel: str, old: str, new: str) -> None:
    path = data / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def shown(problems) -> list[str]:
    return [f"{Path(p.file).name}:{p.line}: {p.field}: {p.message}" for p in problems]


# The minimal fixture's standard with a process of three steps, two of them timed: lines 14-33 of its file.
TIMED = """process:
  - step: 确定议题
    key: yiti
    detail: 书记提出议题。
  - step: 召开支委会
    key: huiyi
    timing:
      - after: yiti
        rule: 以内
        amount: 7
        unit: 日
        basis_kind: 通行做法
  - step: 通报结果
    timing:
      - after: huiyi
        rule: 不超过
        amount: 1
        unit: 月
        basis_kind: 法规
        source: 支部工作条例第十二条
        note: 从支委会召开之日算起。
"""


def timed(data: Path, process: str = TIMED) -> None:
    edit(data, "standards/sanhui-yike.yml", "process:\n  - step: 确定议题\n    detail: 书记提出议题。\n", process)


# -- what an editor sees ---------------------------------------------------------------------------------------

def test_time_rules_are_data_that_loads_and_a_practice_needs_no_source(data):
    timed(data, TIMED.replace("  - step: 通报结果\n", "  - step: 通报结果\n    key: tongbao\n"))
    kb, problems = load_knowledge_base(data)
    assert shown(problems) == []
    steps = kb.records["sanhui-yike"].data["process"]
    assert [s.get("key") for s in steps] == ["yiti", "huiyi", "tongbao"]
    assert steps[2]["timing"] == [{"after": "huiyi", "rule": "不超过", "amount": 1, "unit": "月", "basis_kind": "法规",
                                   "source": "支部工作条例第十二条", "note": "从支委会召开之日算起。"}]


def test_a_timed_step_needs_its_own_key(data):
    timed(data)
    _, problems = load_knowledge_base(data)
    assert shown(problems) == ["sanhui-yike.yml:26: process[3]: 这一步写了时限 timing，也要写它的代号 key（小写字母、数字和连字符，"
                               "如 tanhua）：时间推算用它标记这一步。"]


def test_a_rule_counts_from_a_step_that_has_a_key(data):
    """No near key: the message lists the earlier steps' keys, or says that none has one."""
    timed(data, TIMED.replace("  - step: 通报结果\n", "  - step: 通报结果\n    key: tongbao\n")
          .replace("after: huiyi", "after: xuexi"))
    _, problems = load_knowledge_base(data)
    assert shown(problems) == ['sanhui-yike.yml:29: process[3].timing[1].after: 找不到代号为 "xuexi" 的步骤。'
                               "前面的步骤有这些代号：yiti、huiyi。"]
    other = data.parent / "other"
    shutil.copytree(data, other)
    edit(other, "standards/sanhui-yike.yml", "    key: yiti\n", "")
    edit(other, "standards/sanhui-yike.yml", "after: xuexi", "after: yiti")  # the first rule now: huiyi's
    _, problems = load_knowledge_base(other)
    assert shown(problems) == ['sanhui-yike.yml:20: process[2].timing[1].after: 找不到代号为 "yiti" 的步骤：前面的步骤都没有写代号 key。',
                               'sanhui-yike.yml:28: process[3].timing[1].after: 找不到代号为 "yiti" 的步骤。前面的步骤有这些代号：huiyi。']


def test_a_rule_without_its_kind_is_told_only_what_is_missing(data):
    """The schema says the kind is missing; the basis check, which says so of a schedule item with a source of its
    own, says nothing more of a time rule."""
    timed(data, TIMED.replace("  - step: 通报结果\n", "  - step: 通报结果\n    key: tongbao\n")
          .replace("        basis_kind: 法规\n", ""))
    _, problems = load_knowledge_base(data)
    assert shown(problems) == ['sanhui-yike.yml:29: process[3].timing[1]: 缺少必填字段 "basis_kind"（依据类别）。']


def test_the_field_reference_explains_the_time_rule_fields(sample_site):
    rows = {r["path"]: r for s in field_reference() if s["name"] == "data/schema/standard.json" for r in s["fields"]}
    assert (rows["process[].key"]["title"], rows["process[].key"]["required"]) == ("步骤代号", False)
    assert rows["process[].timing"]["type"] == "列表，每项是一组字段（见下），至少 1 项"
    for path, title, how in (("after", "起算步骤", "文字"), ("rule", "规则", "下列之一：不少于、不超过、以内、恰好"),
                             ("amount", "期限", "整数（≥ 1）"), ("unit", "单位", "下列之一：日、月、年"),
                             ("basis_kind", "依据类别", "下列之一：法规、上级要求、通行做法")):
        row = rows[f"process[].timing[].{path}"]
        assert (row["title"], row["type"], row["required"]) == (title, how, True), path
    assert not rows["process[].timing[].note"]["required"] and not rows["process[].timing[].source"]["required"]
    page = (sample_site / "guide/fields/index.html").read_text(encoding="utf-8")
    assert "process[].timing[].after" in page and "起算步骤" in page and "下列之一：不少于、不超过、以内、恰好" in page


# -- the desk ---------------------------------------------------------------------------------------------------

@pytest.fixture
def desk(tmp_path: Path) -> tuple[Desk, Path]:
    shutil.copytree(SAMPLE, tmp_path / "data")
    settings = Settings(data=tmp_path / "data", today=datetime.date(2026, 8, 1), project=tmp_path / "project")
    return Desk(settings), tmp_path / "data" / "standards" / "fazhan-dangyuan.yml"


def test_the_desk_opens_and_saves_a_standard_with_time_rules(desk):
    desk, path = desk
    opened = desk.open_record("standard", "fazhan-dangyuan")
    assert opened["problems"] == []
    rule = opened["schema"]["properties"]["process"]["items"]["properties"]["timing"]["items"]["properties"]["rule"]
    assert rule["enum"] == ["不少于", "不超过", "以内", "恰好"]
    values = opened["values"]
    talk = next(s for s in values["process"] if s.get("key") == "tanhua")
    talk["timing"].append({"after": "shenqing", "rule": "以内", "amount": 15, "unit": "日", "basis_kind": "通行做法"})
    before = path.read_text(encoding="utf-8")
    saved = desk.save_record("standard", "fazhan-dangyuan", values, opened["version"])
    assert saved["problems"] == []
    after = path.read_text(encoding="utf-8")
    assert desk.open_record("standard", "fazhan-dangyuan")["values"] == values
    added = after.replace(before[:before.index("  - step: 推荐和确定入党积极分子")], "", 1)
    assert added.startswith("      - after: shenqing\n        rule: 以内\n        amount: 15\n        unit: 日\n        basis_kind: 通行做法\n")
    assert after.replace(added[:added.index("  - step: 推荐和确定入党积极分子")], "", 1) == before

    # a rule counted from a step that is not there: refused, with the check's own words and place
    talk["timing"][-1]["after"] = "shenqin"
    refused = desk.save_record("standard", "fazhan-dangyuan", values, saved["version"])["refused"]
    assert [(p["field"], p["message"]) for p in refused] == [
        ("process[2].timing[2].after", '找不到代号为 "shenqin" 的步骤，是否指 "shenqing"？')]
    assert path.read_text(encoding="utf-8") == after


# -- what a reader sees -----------------------------------------------------------------------------------------

class Node:
    def __init__(self, tag: str, attrs: dict):
        self.tag, self.attrs, self.children = tag, attrs, []

    def text(self) -> str:
        return " ".join("".join(c if isinstance(c, str) else c.text() for c in self.children).split())

    def find(self, tag: str, cls: str | None = None) -> list[Node]:
        found = []
        for c in self.children:
            if isinstance(c, Node):
                if c.tag == tag and (cls is None or cls in c.attrs.get("class", "").split()):
                    found.append(c)
                found += c.find(tag, cls)
        return found

    def kids(self, tag: str) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node) and c.tag == tag]


class Tree(HTMLParser):
    """A page as a tree of elements (enough for the content's markup)."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "source", "wbr"}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.open = [self.root]
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.open[-1].children.append(node)
        if tag not in self.VOID:
            self.open.append(node)

    def handle_endtag(self, tag):
        while len(self.open) > 1 and self.open.pop().tag != tag:
            pass

    def handle_data(self, data):
        self.open[-1].children.append(data)


def timeline(site: Path, page: str) -> list[dict]:
    """The steps of a page's timeline: attributes, name, rules (attributes, words before the basis, the basis)."""
    html = (site / page).read_text(encoding="utf-8")
    lists = Tree(html).root.find("ol", "tb-timeline")
    assert len(lists) == 1 and lists[0].attrs["id"] == "tb-timeline"
    steps = []
    for li in lists[0].kids("li"):
        rules = []
        for rule in li.find("li", "tb-timeline__rule"):
            basis = rule.find("small", "tb-basis")
            words = "".join(c for c in rule.children if isinstance(c, str)).strip()
            notes = rule.find("small", "tb-timeline__note")
            rules.append({"attrs": {k: v for k, v in rule.attrs.items() if k.startswith("data-")}, "words": words,
                          "basis": basis[0].text() if basis else "", "note": " ".join(n.text() for n in notes)})
        steps.append({"class": li.attrs.get("class"), "id": li.attrs.get("id"), "step": li.attrs.get("data-step"),
                      "name": li.find("strong", "tb-timeline__name")[0].text(), "rules": rules})
    return steps


def test_the_party_development_page_shows_its_steps_as_a_timeline_with_each_rule_and_basis(sample_site):
    steps = timeline(sample_site, FAZHAN)
    assert len(steps) == 27 and all(s["class"] == "tb-timeline__step" for s in steps)
    keyed = {s["step"]: s for s in steps if s["step"]}
    assert all(s["id"] == f"liucheng-{k}" for k, s in keyed.items())
    assert [s["name"] for s in steps if not s["step"]][:3] == ["上级党委备案", "指定培养联系人", "培养教育考察"]
    assert all(s["id"] is None for s in steps if not s["step"])

    def rules(key):
        return [(r["attrs"], r["words"], r["basis"]) for r in keyed[key]["rules"]]

    def terms(after, rule, amount, unit):
        return {"data-after": after, "data-rule": rule, "data-amount": amount, "data-unit": unit}

    assert rules("tanhua") == [(terms("shenqing", "不超过", "1", "月"), "最迟在递交入党申请书后 1 个月内", "法规 发展党员工作细则第七条")]
    assert keyed["tanhua"]["rules"][0]["note"] == "从党组织收到入党申请书之日算起。"
    assert rules("fazhan-duixiang") == [(terms("jijifenzi", "不少于", "1", "年"), "推荐和确定入党积极分子后 1 年以上",
                                         "法规 发展党员工作细则第十三条")]
    approval = rules("shenpi")
    assert [(a, w) for a, w, _ in approval] == [
        (terms("jieshou", "以内", "3", "月"), "支部大会讨论接收预备党员后一般在 3 个月内"),
        (terms("jieshou", "不超过", "6", "月"), "最迟在支部大会讨论接收预备党员后 6 个月内")]
    assert all("具体条款本库尚未核对" in b and b.startswith("法规 ") for _, _, b in approval)
    assert rules("qiman") == [(terms("jieshou", "恰好", "1", "年"), "支部大会讨论接收预备党员之日起恰好 1 年",
                               "法规 党章第七条；发展党员工作细则第三十二条")]
    assert [w for _, w, _ in rules("yanchang")] == ["预备期满后 6 个月以上", "最迟在预备期满后 1 年内"]
    assert rules("zhuanzheng-shenpi")[0][1:] == ("最迟在支部大会讨论转正后 3 个月内", "法规 发展党员工作细则第三十四条")

    html = (sample_site / FAZHAN).read_text(encoding="utf-8")
    after = html[html.index('<ol class="tb-timeline"'):]
    after = after[after.index("</ol>") + len("</ol>"):].lstrip()
    assert after.startswith('<div class="tb-reckoner" data-timeline="tb-timeline" data-search-ignore></div>')
    # the words are found by the site's search, on the standard's page
    text = next(p["text"] for p in indexed_pages(sample_site) if p["url"].startswith("standards/fazhan-dangyuan"))
    assert "最迟在递交入党申请书后 1 个月内" in text


def test_every_standard_with_time_rules_has_a_timeline_and_the_others_their_list(sample_site):
    for page, key, words in (("huanjie-xuanju", "xuanju", "本届委员会选举产生后一般在 3 年内"),
                             ("zuzhi-guanxi-zhuanjie", "tingzhi", "与党组织失去联系后 6 个月以上"),
                             ("dangfei", "bujiao", "按月收缴登记后一般在 6 个月内")):
        step = next(s for s in timeline(sample_site, f"standards/{page}/index.html") if s["step"] == key)
        assert step["rules"][0]["words"] == words, page
    html = (sample_site / "standards/sanhui-yike/index.html").read_text(encoding="utf-8")
    assert '<ol class="tb-steps">' in html and "tb-timeline" not in html and "tb-reckoner" not in html


@pytest.mark.needs("chromium")
def test_the_timeline_reads_without_script_on_a_phone_and_on_paper(sample_site):
    """Without JavaScript the timeline is all there; on a 390 px phone nothing is wider than the screen; on paper
    no step is split across two pages."""
    from playwright.sync_api import sync_playwright

    from kb import browser

    with browser.serve(sample_site) as url, sync_playwright() as p:
        b = browser.launch(p)
        try:
            context = b.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
            page = context.new_page()
            page.goto(url + "standards/fazhan-dangyuan/")
            steps = page.locator(".tb-timeline__step")
            assert steps.count() == 27 and steps.nth(1).is_visible()
            assert "最迟在递交入党申请书后 1 个月内" in steps.nth(1).inner_text()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            widest = page.evaluate("Math.max(...[...document.querySelectorAll('#tb-timeline *')]"
                                   ".map(e => e.getBoundingClientRect().right))")
            assert widest <= 390
            page.emulate_media(media="print")
            assert steps.nth(26).is_visible() and page.locator(".tb-timeline__rule").first.is_visible()
            assert set(page.evaluate("[...document.querySelectorAll('.tb-timeline__step')]"
                                     ".map(e => getComputedStyle(e).breakInside)")) == {"avoid"}
            context.close()
        finally:
            b.close()
