"""The editing desk (编辑台) in a browser: its page (kb/desk/static/) served by a real preview server
(kb.engine.serve.PreviewServer) over a copy of the sample data, driven in Debian's Chromium as an editor drives it.

The list shows every record with its status and narrows by kind; a case's title and body (through the Markdown
editor) are saved with the button and only those lines of the file change (a comment added by hand survives),
and the preview page shows the new title after its rebuild; 撤销上次保存 puts the earlier bytes back; a published
record with a required field cleared is refused with the problem at that field, nothing written; a file changed on
disk after the form opened shows both versions and nothing is written until the editor chooses; an unsaved edit
survives a closed tab; axe finds nothing on the list or the form, and a phone's 390 px need no sideways scroll.

Without a browser: a foreign Host, a call without the token, a change from a foreign Origin and paths out of the
static folder are refused, and nothing is written.
"""

from __future__ import annotations

import difflib
import hashlib
import http.client
import re
import shutil
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect
from helpers import SAMPLE, ServedPreview, outside_tool, png


AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
TODAY = "2026-12-01"
EDITED = "jiaodi-ji-jiaozheng"  # title and body changed, then undone
REFUSED = "dianti-anquan-xianfengdui"  # published: a required field cleared is refused
CONFLICT = "kaoqi-shuyun-chuxing-baozhang"  # changed on disk while the form is open
RESTORED = "laojiu-xiaoqu-gaizao-baobao"  # an unsaved edit, the tab closed
DRAFT = "zizhu-zhengce-rujia-fang"  # made a draft before the preview starts
# Chromium logs every answer of 400 and above as a failed resource: the desk's refusal (422) and conflict (409) are
# answers it shows, not errors
ANSWERED = re.compile(r"^Failed to load resource: the server responded with a status of (409|422) ")
COMMENT = "# 编辑部备注：这一行是手写的注释，编辑台保存后必须还在"


class Preview(ServedPreview):
    def case(self, case_id: str) -> Path:
        return self.data / "cases" / f"{case_id}.yml"


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    data = tmp_path_factory.mktemp("desk") / "data"
    shutil.copytree(SAMPLE, data)
    draft = data / "cases" / f"{DRAFT}.yml"
    draft.write_text(draft.read_text(encoding="utf-8") + "draft: true\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TOOLBOOK_DATA", str(data))
        mp.setenv("TOOLBOOK_TODAY", TODAY)
        mp.delenv("TOOLBOOK_SITE_URL", raising=False)
        mp.delenv("TOOLBOOK_PUBLISH_TO", raising=False)  # 发布 not set up: the desk says how to set it
        running = Preview(data)
        try:
            yield running
        finally:
            running.close()


@pytest.fixture
def desk_page(chromium, preview):
    """A fresh browser context on the desk; page errors and console errors are collected and must stay empty."""
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" and not ANSWERED.search(m.text) else None)
    yield page
    context.close()


def open_desk(page, preview, hash_: str = "") -> None:
    page.goto(preview.base + "_desk/" + hash_)
    if hash_:
        page.wait_for_selector("#tb-form[data-ready=true]")
    else:
        page.wait_for_selector("#tb-rows tr")


def open_record(page, preview, case_id: str) -> None:
    open_desk(page, preview, f"#/case/{case_id}")


def field(page, name: str):
    """The form's input for a top-level field (json-editor names it root[name])."""
    return page.locator(f'[name="root[{name}]"]')


def saved_message(page) -> str:
    """The desk's answer to a save (waited for with a selector: the desk's Content-Security-Policy forbids the
    string evaluation of Playwright's wait_for_function)."""
    page.wait_for_selector("#tb-message.tb-message-ok, #tb-message.tb-message-error")
    return page.locator("#tb-message").inner_text()


def message_starts(page, text: str) -> None:
    expect(page.locator("#tb-message")).to_have_text(re.compile("^" + re.escape(text)))


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    return [d[2:] for d in diff if d.startswith("- ")], [d[2:] for d in diff if d.startswith("+ ")]


def get(url: str, timeout: float = 30) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as reply:
        return reply.read().decode("utf-8")


# -- in the browser ------------------------------------------------------------------------------------------------

@pytest.mark.needs("chromium")
def test_the_list_shows_every_record_with_its_status_and_narrows_by_kind(desk_page, preview):
    page = desk_page
    open_desk(page, preview)
    files = sorted(preview.data.glob("*/*.yml"))
    rows = page.locator("#tb-rows tr")
    assert rows.count() == len(files) == 54
    statuses = page.locator("#tb-rows .tb-status").all_inner_texts()
    assert statuses.count("草稿") + statuses.count("待定稿") == 1 and statuses.count("已发布") == 53
    draft_row = page.locator("#tb-rows tr", has_text=f"cases/{DRAFT}.yml")
    assert draft_row.locator(".tb-status").inner_text() in ("草稿", "待定稿")
    assert "共 54 条记录" in page.locator("#tb-count").inner_text()

    page.get_by_label("类型", exact=True).select_option(label="典型案例")
    cases = len(list((preview.data / "cases").glob("*.yml")))
    assert rows.count() == cases == 24
    assert set(page.locator("#tb-rows tr td:first-child").all_inner_texts()) == {"典型案例"}
    page.get_by_label("搜索").fill("交地即交证")
    assert rows.count() == 1
    page.get_by_label("搜索").fill("")
    page.get_by_label("状态").select_option("草稿")
    page.get_by_label("状态").select_option("")
    page.get_by_label("类型", exact=True).select_option("")
    assert rows.count() == 54
    assert page.errors == []


@pytest.mark.needs("chromium")
def test_a_saved_title_and_body_reach_the_file_and_the_preview_and_undo_puts_the_bytes_back(desk_page, preview):
    page = desk_page
    path = preview.case(EDITED)
    text = path.read_text(encoding="utf-8")
    text = text.replace("\nbranch:", f"\n{COMMENT}\nbranch:", 1)  # a comment an editor wrote by hand
    path.write_text(text, encoding="utf-8")
    before = path.read_bytes()

    open_record(page, preview, EDITED)
    assert page.locator("#tb-record-title").inner_text().startswith("“交地即交证”")
    title = field(page, "title")
    title.fill("交地即交证：登记服务提前介入（编辑台改）")
    body = page.locator(".tb-md .toastui-editor-ww-container [contenteditable=true]")
    body.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type("编辑台新增的一段。")
    page.get_by_role("button", name="保存", exact=True).click()
    assert saved_message(page).startswith("已保存")

    after = path.read_text(encoding="utf-8")
    values = _values(after)
    assert values["title"] == "交地即交证：登记服务提前介入（编辑台改）"
    assert "编辑台新增的一段。" in values["body"]
    assert "**党员专班提前介入。**" in values["body"]  # bold as editors write it, not escaped
    gone, added = changed_lines(text, after)
    body_lines = {line.strip() for line in _values(text)["body"].splitlines()}
    assert COMMENT in after.splitlines()
    # only the title line and the body's lines changed; every other line (the comment too) is as it was
    assert [g for g in gone if g.strip() and g.strip() not in body_lines and not g.startswith("title:")] == []
    assert all(a.startswith(("title:", "  ")) or a == "" for a in added), added

    deadline = time.monotonic() + 60
    while "登记服务提前介入（编辑台改）" not in get(preview.base + f"cases/{EDITED}/"):
        assert time.monotonic() < deadline, "the preview did not show the new title"
        time.sleep(0.1)

    page.get_by_role("button", name="撤销上次保存").click()
    message_starts(page, "已撤销")
    assert path.read_bytes() == before
    page.wait_for_selector("#tb-form[data-ready=true]")
    assert field(page, "title").input_value().startswith("“交地即交证”")
    assert page.errors == []


@pytest.mark.needs("chromium")
def test_a_form_saved_untouched_changes_no_byte_and_a_new_row_writes_only_what_was_typed(desk_page, preview):
    """json-editor fills every field it shows (empty texts, false, rows for lists): none of that reaches a file."""
    page = desk_page
    for kind, folder, record in (("standard", "standards", "sanhui-yike"), ("method", "methods", "sibi-tan"),
                                 ("issue", "issues", "2026-06"), ("case", "cases", "qingnian-xuanjiangtuan-lianxue")):
        path = preview.data / folder / f"{record}.yml"
        before = path.read_bytes()
        open_desk(page, preview, f"#/{kind}/{record}")
        page.get_by_role("button", name="保存", exact=True).click()
        assert saved_message(page).startswith("已保存"), record
        assert path.read_bytes() == before, record

    path = preview.data / "standards" / "dangfei.yml"
    before = path.read_text(encoding="utf-8")
    open_desk(page, preview, "#/standard/dangfei")
    schedule = page.locator('[data-schemapath="root.clauses.0.schedule"]')  # the first clause has none yet
    schedule.get_by_role("button", name="添加周期").last.click()
    page.locator('[name="root[clauses][0][schedule][0][duty]"]').fill("核定党费基数")
    page.locator('[name="root[clauses][0][schedule][0][every]"]').select_option("year")
    page.get_by_role("button", name="保存", exact=True).click()
    assert saved_message(page).startswith("已保存")
    gone, added = changed_lines(before, path.read_text(encoding="utf-8"))
    assert gone == [] and added == ["    schedule:", "      - duty: 核定党费基数", "        every: year"]
    page.get_by_role("button", name="撤销上次保存").click()
    message_starts(page, "已撤销")
    assert path.read_text(encoding="utf-8") == before
    assert page.errors == []


# What Word puts on the clipboard (abridged): a numbered heading, list paragraphs with their numbers in
# mso-list:Ignore spans (classes MsoListParagraphCxSp…), bold as <b> and as a style, italics, a picture, links,
# a table whose cells hold paragraphs, underlined and coloured text.
WORD_HTML = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style>p.MsoNormal{margin:0}</style></head>
<body lang=ZH-CN><!--StartFragment-->
<h2 style='mso-list:l1 level1 lfo2'><span style='mso-list:Ignore'>一、</span><span style='font-family:黑体'>背景<o:p></o:p></span></h2>
<p class=MsoNormal><span style='font-family:仿宋'>支部<b>加粗的话</b>和<i>斜体</i>以及<span style='font-weight:bold'>样式加粗</span>。<o:p></o:p></span></p>
<p class=MsoListParagraphCxSpFirst style='margin-left:18pt;mso-list:l0 level1 lfo1'><span style='mso-list:Ignore'>1.<span style='font:7pt "Times New Roman"'>&nbsp;&nbsp; </span></span>第一条<o:p></o:p></p>
<p class=MsoListParagraphCxSpMiddle style='margin-left:36pt;mso-list:l0 level2 lfo1'><span style='font-family:Symbol;mso-list:Ignore'>·<span>&nbsp; </span></span>第一条的细目<o:p></o:p></p>
<p class=MsoListParagraphCxSpLast style='margin-left:18pt;mso-list:l0 level1 lfo1'><span style='mso-list:Ignore'>2.<span>&nbsp; </span></span>第二条<o:p></o:p></p>
<p class=MsoNormal><img src="file:///C:/Users/x/clip_image001.png"><a href="https://example.org/a">外部链接</a>和<a href="javascript:alert(1)">坏链接</a></p>
<table class=MsoTableGrid border=1><tr><td><p class=MsoNormal><b>项目</b></p></td><td><p>数量</p><p>（人）</p></td></tr>
<tr><td><p>党员</p></td><td><p>15</p></td></tr></table>
<p class=MsoNormal style='color:red'><u>下划线</u>结束。</p>
<!--EndFragment--></body></html>"""


@pytest.mark.needs("chromium")
def test_text_pasted_from_word_keeps_headings_lists_bold_tables_and_links_only(desk_page, preview):
    page = desk_page
    page.on("request", lambda r: page.errors.append("loaded " + r.url) if not r.url.startswith(preview.base) else None)
    open_desk(page, preview, "#/method/sibi-tan")
    area = page.locator(".tb-md .toastui-editor-ww-container [contenteditable=true]")
    area.click()
    page.keyboard.press("Control+a")
    page.evaluate("""html => {
      const data = new DataTransfer();
      data.setData('text/html', html);
      data.setData('text/plain', '（纯文字）');
      const area = document.querySelector('.tb-md .toastui-editor-ww-container [contenteditable=true]');
      area.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
    }""", WORD_HTML)
    expect(page.locator("textarea.tb-md-source")).to_have_value(re.compile("结束。"))
    assert page.locator("textarea.tb-md-source").input_value().strip() == (
        "## 一、背景\n\n"
        "支部**加粗的话**和斜体以及**样式加粗**。\n\n"
        "1. 第一条\n    - 第一条的细目\n2. 第二条\n\n"
        "[外部链接](https://example.org/a)和坏链接\n\n"
        "| **项目** | 数量 （人） |\n| --- | ------ |\n| 党员 | 15 |\n\n"
        "下划线结束。")
    assert page.errors == []  # the picture was never loaded


@pytest.mark.needs("chromium")
def test_a_published_record_with_a_required_field_cleared_is_refused_at_that_field(desk_page, preview):
    page = desk_page
    path = preview.case(REFUSED)
    before = path.read_bytes()
    open_record(page, preview, REFUSED)
    field(page, "summary").fill("")
    page.keyboard.press("Control+s")
    message = saved_message(page)
    assert message.startswith("没有保存")
    at_field = page.locator('[data-schemapath="root.summary"] .tb-field-problem')
    assert at_field.count() == 1
    assert re.search(r"[\u4e00-\u9fff]", at_field.inner_text())
    assert field(page, "summary").get_attribute("aria-invalid") == "true"
    assert page.locator("#tb-problems-list li").count() >= 1
    assert path.read_bytes() == before
    assert page.errors == []


@pytest.mark.needs("chromium")
def test_a_file_changed_on_disk_shows_both_versions_and_nothing_is_written_until_the_editor_chooses(desk_page, preview):
    page = desk_page
    path = preview.case(CONFLICT)
    open_record(page, preview, CONFLICT)
    field(page, "title").fill("我在表单里改的标题")
    disk = path.read_text(encoding="utf-8").replace("\nsummary:", "\n# 在 VS Code 里加的注释\nsummary:", 1)
    path.write_text(disk, encoding="utf-8")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_selector("#tb-conflict:not([hidden])")
    assert "我在表单里改的标题" in page.locator("#tb-mine").inner_text()
    assert "在 VS Code 里加的注释" in page.locator("#tb-disk").inner_text()
    assert path.read_text(encoding="utf-8") == disk  # nothing written

    page.get_by_role("button", name="用磁盘上的版本").click()
    message_starts(page, "已换成磁盘上的版本")
    page.wait_for_selector("#tb-form[data-ready=true]")
    assert field(page, "title").input_value() != "我在表单里改的标题"
    assert path.read_text(encoding="utf-8") == disk

    field(page, "title").fill("我在表单里改的标题")
    disk2 = disk.replace("# 在 VS Code 里加的注释", "# 又在 VS Code 里改了一次")
    path.write_text(disk2, encoding="utf-8")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_selector("#tb-conflict:not([hidden])")
    assert path.read_text(encoding="utf-8") == disk2
    page.get_by_role("button", name="用我的版本覆盖").click()
    assert saved_message(page).startswith("已保存")
    assert _values(path.read_text(encoding="utf-8"))["title"] == "我在表单里改的标题"
    assert page.locator("#tb-conflict").is_hidden()
    assert page.errors == []


@pytest.mark.needs("chromium")
def test_an_unsaved_edit_survives_a_closed_tab_and_saving_clears_it(desk_page, preview):
    page = desk_page
    path = preview.case(RESTORED)
    before = path.read_bytes()
    open_record(page, preview, RESTORED)
    field(page, "title").fill("还没保存的标题")
    field(page, "title").press("Tab")
    deadline = time.monotonic() + 10
    while not page.evaluate(f"localStorage.getItem('tb-desk-unsaved:case/{RESTORED}')"):
        assert time.monotonic() < deadline, "the unsaved edit was not kept"
        time.sleep(0.1)
    page.goto("about:blank")
    open_record(page, preview, RESTORED)
    page.wait_for_selector("#tb-restored:not([hidden])")
    assert field(page, "title").input_value() == "还没保存的标题"
    assert path.read_bytes() == before
    page.get_by_role("button", name="返回列表").click()
    page.wait_for_selector("#tb-rows tr")
    assert page.locator("#tb-rows tr", has_text=f"cases/{RESTORED}.yml").locator(".tb-badge-unsaved").count() == 1
    page.locator(f'#tb-rows a[href="#/case/{RESTORED}"]').click()
    page.wait_for_selector("#tb-form[data-ready=true]")
    page.get_by_role("button", name="保存", exact=True).click()
    assert saved_message(page).startswith("已保存")
    assert page.evaluate(f"localStorage.getItem('tb-desk-unsaved:case/{RESTORED}')") is None
    assert _values(path.read_text(encoding="utf-8"))["title"] == "还没保存的标题"
    path.write_bytes(before)
    assert page.errors == []


@pytest.mark.needs("chromium")
def test_reference_pickers_show_titles_and_add_move_and_remove_with_the_keyboard(desk_page, preview):
    page = desk_page
    path = preview.data / "issues" / "2026-06.yml"
    before = path.read_text(encoding="utf-8")
    open_desk(page, preview, "#/issue/2026-06")
    cases = page.locator('[data-schemapath="root.cases"] .tb-refs-list .tb-ref-title')
    expect(cases).to_have_count(4)
    assert cases.first.inner_text().startswith("重大项目前期手续")  # a title, not the id zhongda-xiangmu-qianqi-gongjian
    picker = page.locator('[data-schemapath="root.featured_methods"]')
    chosen = picker.locator(".tb-refs-list .tb-ref-title")
    expect(chosen).to_have_text(["“三单”工作法", "“支部建在项目上”"])
    expect(picker.get_by_role("group")).to_have_accessible_name("推荐工作法")

    # every step with the keyboard: move the first down, remove the other, add one by typing and Enter
    picker.get_by_role("button", name="下移：“三单”工作法").focus()
    page.keyboard.press("Enter")
    expect(chosen).to_have_text(["“支部建在项目上”", "“三单”工作法"])
    expect(picker.get_by_role("button", name="上移：“三单”工作法")).to_be_focused()  # the focus moves with the item
    expect(picker.get_by_role("status")).to_have_text("已下移：“三单”工作法，现在是第 2 项。")
    picker.get_by_role("button", name="移除：“支部建在项目上”").focus()
    page.keyboard.press("Enter")
    expect(chosen).to_have_text(["“三单”工作法"])
    search = picker.get_by_role("searchbox", name=re.compile("^添加支部工作法"))
    search.focus()
    page.keyboard.type("谈心")
    expect(picker.get_by_role("button", name=re.compile("^添加："))).to_have_count(1)  # matches: the one with 谈心
    page.keyboard.type("谈话")
    page.keyboard.press("Enter")
    expect(chosen).to_have_text(["“三单”工作法", "“四必谈”谈心谈话法"])
    expect(search).to_be_focused()
    expect(search).to_have_value("")
    expect(picker.locator(".tb-id").nth(1)).to_contain_text("sibi-tan")

    page.get_by_role("button", name="保存", exact=True).click()
    assert saved_message(page).startswith("已保存")
    after = path.read_text(encoding="utf-8")
    assert _values(after)["featured_methods"] == ["sandan-gongzuofa", "sibi-tan"]  # ids, in order
    gone, added = changed_lines(before, after)
    assert gone == ["featured_methods: [sandan-gongzuofa, zhibu-jian-xiangmu]"]
    assert added and all(a.startswith(("featured_methods:", "  - ")) for a in added), added
    page.get_by_role("button", name="撤销上次保存").click()
    message_starts(page, "已撤销")
    assert path.read_text(encoding="utf-8") == before
    assert page.errors == []


@pytest.mark.needs("chromium")
def test_a_reference_to_no_record_is_shown_at_its_item_and_removed_in_the_picker(desk_page, preview):
    page = desk_page
    path = preview.case(DRAFT)
    original = path.read_bytes()
    text = original.decode("utf-8").replace("related: [minsheng-zhitongche]", "related: [minsheng-zhitongche, sanhui-yiek]")
    path.write_text(text, encoding="utf-8")
    try:
        open_record(page, preview, DRAFT)
        picker = page.locator('[data-schemapath="root.related"]')
        expect(picker.locator(".tb-field-problem")).to_contain_text("sanhui-yike")  # 是否指 "sanhui-yike"？
        wrong = picker.locator(".tb-refs-list li").nth(1)
        expect(wrong).to_have_class(re.compile("tb-invalid"))
        expect(wrong).to_contain_text("找不到编号为“sanhui-yiek”的记录")
        wrong.get_by_role("button", name="移除：sanhui-yiek").click()
        page.get_by_role("button", name="保存", exact=True).click()
        assert saved_message(page).startswith("已保存")
        expect(picker.locator(".tb-field-problem")).to_have_count(0)
        assert _values(path.read_text(encoding="utf-8"))["related"] == ["minsheng-zhitongche"]
        assert page.errors == []
    finally:
        path.write_bytes(original)


@pytest.mark.needs("chromium")
def test_pictures_show_their_limits_and_are_refused_before_upload_or_added_as_rows(desk_page, preview):
    page = desk_page
    case = "laonian-zhucan-dangyuan-baodian"
    path = preview.case(case)
    before = path.read_bytes()
    assets = preview.data / "assets" / case
    open_record(page, preview, case)
    images = page.locator('[data-schemapath="root.images"]')
    expect(images.locator(".tb-upload-hint")).to_contain_text("每张不超过 5 MB")
    expect(images.locator(".tb-upload-hint")).to_contain_text("jpg、png、gif、webp")
    upload = images.get_by_role("button", name="上传配图…")
    with page.expect_file_chooser() as chooser:
        upload.click()
    chooser.value.set_files([{"name": "扫描件.bmp", "mimeType": "image/bmp", "buffer": b"BM" + b"\0" * 100},
                             {"name": "大图.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff" + b"\0" * 6_000_000}])
    said = images.locator(".tb-upload-said")
    expect(said).to_contain_text("“扫描件.bmp”不是可上传的图片格式")
    expect(said).to_contain_text("“大图.jpg”有 6 MB，超过每张 5 MB 的上限")
    assert not assets.exists()  # refused in the browser: nothing sent
    expect(images.locator('[name^="root[images]"][name$="[file]"]')).to_have_count(0)

    with page.expect_file_chooser() as chooser:
        upload.click()
    chooser.value.set_files([{"name": "敬老 助餐.PNG", "mimeType": "image/png", "buffer": png()}])
    expect(said).to_contain_text("已上传 1 张：敬老 助餐.PNG → image-1.png")
    expect(page.locator('[name="root[images][0][file]"]')).to_have_value("image-1.png")
    caption = page.locator('[name="root[images][0][caption]"]')
    expect(caption).to_be_focused()
    assert (assets / "image-1.png").read_bytes() == png()
    assert path.read_bytes() == before  # the row is the form's until the editor saves
    caption.fill("老年助餐点")
    page.get_by_role("button", name="保存", exact=True).click()
    assert saved_message(page).startswith("已保存")
    assert _values(path.read_text(encoding="utf-8"))["images"] == [{"file": "image-1.png", "caption": "老年助餐点"}]
    page.get_by_role("button", name="撤销上次保存").click()
    message_starts(page, "已撤销")
    assert path.read_bytes() == before
    shutil.rmtree(assets)
    assert page.errors == []


@pytest.mark.needs("chromium")
def test_a_file_that_is_no_word_document_is_refused_in_chinese_and_nothing_is_written(desk_page, preview, tmp_path):
    page = desk_page
    before = _snapshot(preview.data)
    fake = tmp_path / "红色驿站.docx"
    fake.write_bytes(b"not a Word document\n" * 50)
    old = tmp_path / "旧稿.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    open_desk(page, preview)
    page.get_by_role("button", name="导入 Word").click()
    dialog = page.get_by_role("dialog", name="导入 Word 稿件")
    expect(dialog.get_by_label("Word 文件（.docx，可一次选几个）")).to_have_accessible_description("每个文件不超过 20 MB。")
    dialog.get_by_role("button", name="导入", exact=True).click()
    expect(dialog.get_by_role("alert")).to_have_text("请选择要导入的 .docx 文件（可一次选几个）。")
    dialog.get_by_label("Word 文件（.docx，可一次选几个）").set_input_files([fake, old])
    dialog.get_by_role("button", name="导入", exact=True).click()
    expect(dialog.locator(".tb-results-sum")).to_have_text("0 篇导入成功，2 个文件没有导入。")
    refused = dialog.locator(".tb-result-error")
    expect(refused.locator("h3")).to_have_text([fake.name, old.name])
    expect(refused.nth(0).locator(".tb-result-line")).to_contain_text(f"无法导入 {fake.name}：")  # why, in Chinese
    assert re.search(r"：.*[\u4e00-\u9fff]", refused.nth(0).locator(".tb-result-line").inner_text())
    expect(dialog.get_by_role("button", name="导入", exact=True)).to_be_enabled()  # its own word back
    expect(refused.nth(1)).to_contain_text("另存为” .docx")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="导入 Word")).to_be_focused()  # back where the editor was
    assert _snapshot(preview.data) == before
    assert [e for e in page.errors if "status of 400" not in e] == []


@pytest.mark.needs("chromium")
def test_publishing_without_a_folder_says_how_to_set_one(desk_page, preview):
    page = desk_page
    open_desk(page, preview)
    expect(page.locator("#tb-publish-where")).to_have_text("还没有设置发布目录（点“发布”查看怎样设置）。")
    page.get_by_role("button", name="发布", exact=True).click()
    dialog = page.get_by_role("dialog", name="发布网站")
    expect(dialog).to_contain_text("--publish-to")
    expect(dialog).to_contain_text("TOOLBOOK_PUBLISH_TO")
    expect(dialog.get_by_role("button", name="开始发布")).to_be_hidden()
    dialog.get_by_role("button", name="关闭").click()
    assert page.errors == []


@pytest.mark.needs("chromium")
def test_a_new_record_is_made_with_its_id_checked_and_opens(desk_page, preview):
    page = desk_page
    open_desk(page, preview)
    page.get_by_role("button", name="新建记录").click()
    dialog = page.get_by_role("dialog", name="新建记录")
    dialog.get_by_label("记录类型").select_option(label="标准规范")
    expect(dialog.get_by_label("编号")).to_have_accessible_description(re.compile("只能用小写英文字母、数字和连字符"))
    dialog.get_by_label("编号").fill("Xin Biaozhun")
    dialog.get_by_role("button", name="新建", exact=True).click()
    expect(dialog.get_by_role("alert")).to_contain_text("不合要求")
    dialog.get_by_label("编号").fill("sanhui-yike")
    dialog.get_by_role("button", name="新建", exact=True).click()
    expect(dialog.get_by_role("alert")).to_contain_text("已被“三会一课”")
    made = preview.data / "standards" / "desk-xin-biaozhun.yml"
    try:
        dialog.get_by_label("编号").fill("desk-xin-biaozhun")
        dialog.get_by_role("button", name="新建", exact=True).click()
        page.wait_for_selector("#tb-form[data-ready=true]")
        assert page.url.endswith("#/standard/desk-xin-biaozhun")
        expect(page.locator("#tb-record-meta")).to_contain_text("data/standards/desk-xin-biaozhun.yml")
        expect(page.get_by_role("button", name="定稿")).to_be_visible()  # a draft: it can be finalized
        assert _values(made.read_text(encoding="utf-8"))["draft"] is True
        assert page.errors == []
    finally:
        made.unlink(missing_ok=True)


@pytest.mark.needs("chromium")
def test_axe_finds_nothing_and_a_phone_needs_no_sideways_scroll(chromium, preview, tmp_path):
    if not AXE.is_file():
        outside_tool(f"未找到 {AXE}（在 tests/axe/ 运行 npm ci）")
    fake = tmp_path / "不是文档.docx"
    fake.write_bytes(b"not a Word document\n" * 50)
    # axe is injected as an inline script, which the desk's Content-Security-Policy forbids: bypassed for axe only
    context = chromium.new_context(bypass_csp=True)
    page = context.new_page()

    def check(where: str) -> None:
        wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 0, f"{where}: {wide} px of sideways scroll"
        if not page.evaluate("!!window.axe"):
            page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
            ".map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))")
        if violations:
            found[where] = violations

    def dialog(button: str, name: str, width: int, then=None) -> None:
        page.get_by_role("button", name=button, exact=True).click()
        shown = page.get_by_role("dialog", name=name)
        expect(shown).to_be_visible()
        if then:
            then(shown)
        check(f"{width} {name}")
        page.keyboard.press("Escape")
        expect(shown).to_be_hidden()

    def refused_import(shown) -> None:
        shown.get_by_label("Word 文件（.docx，可一次选几个）").set_input_files([fake])
        shown.get_by_role("button", name="导入", exact=True).click()
        expect(shown.locator(".tb-result-error")).to_have_count(1)

    def new_issue_refused(shown) -> None:
        shown.get_by_role("button", name="新建", exact=True).click()  # no theme chosen: said at once
        expect(shown.get_by_role("alert")).to_have_text("请选择本期主题。")

    try:
        found = {}
        for width, height in ((1366, 900), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            for where in ("", f"#/case/{EDITED}", "#/standard/sanhui-yike", "#/issue/2026-06"):
                page.goto(preview.base + "_desk/" + where)
                page.wait_for_selector("#tb-form[data-ready=true]" if where else "#tb-rows tr")
                check(f"{width} {where or 'list'}")
            # a picker listing matches, the problems of a draft at their fields
            page.locator('[data-schemapath="root.featured_methods"]').get_by_role("searchbox").fill("工")
            check(f"{width} picker")
            page.goto(preview.base + "_desk/")
            page.wait_for_selector("#tb-rows tr")
            dialog("新建本期", "新建本期", width, new_issue_refused)
            dialog("导入 Word", "导入 Word 稿件", width, refused_import)
            dialog("新建记录", "新建记录", width)
            dialog("发布", "发布网站", width)
            page.goto(preview.base + f"_desk/#/case/{DRAFT}")
            page.wait_for_selector("#tb-form[data-ready=true]")
            dialog("定稿", "定稿", width)
        assert found == {}
    finally:
        context.close()


# -- without a browser: who may call the desk ----------------------------------------------------------------------

def _request(preview, method: str, path: str, headers: dict, body: bytes = b"") -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        if body or method in ("PUT", "POST"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        reply = conn.getresponse()
        return reply.status, reply.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _snapshot(data: Path) -> str:
    digest = hashlib.sha256()
    for p in sorted(data.rglob("*")):
        if p.is_file():
            digest.update(p.relative_to(data).as_posix().encode() + b"\0" + p.read_bytes())
    return digest.hexdigest()


def test_only_the_desks_own_page_on_this_computer_gets_in_and_nothing_leaves_the_static_folder(preview):
    here = f"127.0.0.1:{preview.port}"
    origin = f"http://{here}"
    token = preview.token
    before = _snapshot(preview.data)
    body = ('{"values": {"id": "%s", "title": "x"}, "version": "0"}' % EDITED).encode("utf-8")
    own = {"Host": here, "X-Desk-Token": token}

    status, page = _request(preview, "GET", "/_desk/", {"Host": here})
    assert status == 200 and f'content="{token}"' in page  # the page carries this session's token
    assert _request(preview, "GET", "/_desk/api/records", own)[0] == 200

    # DNS rebinding: a name of another site that resolves to this computer
    for path in ("/_desk/", "/_desk/api/records", "/_desk/static/desk.js"):
        status, text = _request(preview, "GET", path, {**own, "Host": f"evil.example:{preview.port}"})
        assert status == 403 and "本机" in text, path
    status, _ = _request(preview, "PUT", f"/_desk/api/records/case/{EDITED}",
                         {**own, "Host": f"evil.example:{preview.port}", "Origin": f"http://evil.example:{preview.port}",
                          "Content-Type": "application/json"}, body)
    assert status == 403
    # no token, a wrong one
    for headers in ({"Host": here}, {"Host": here, "X-Desk-Token": "x" * 43}):
        assert _request(preview, "GET", "/_desk/api/records", headers)[0] == 403
        assert _request(preview, "GET", f"/_desk/api/records/case/{EDITED}", headers)[0] == 403
        assert _request(preview, "PUT", f"/_desk/api/records/case/{EDITED}",
                        {**headers, "Origin": origin, "Content-Type": "application/json"}, body)[0] == 403
    # a change from a page elsewhere (it has no token either; here it is given one: the Origin alone refuses it)
    for foreign in ("http://evil.example", "null", f"http://127.0.0.1:{preview.port + 1}"):
        assert _request(preview, "PUT", f"/_desk/api/records/case/{EDITED}",
                        {**own, "Origin": foreign, "Content-Type": "application/json"}, body)[0] == 403
        assert _request(preview, "POST", f"/_desk/api/records/case/{EDITED}/undo", {**own, "Origin": foreign})[0] == 403
    assert _request(preview, "PUT", f"/_desk/api/records/case/{EDITED}", {**own, "Content-Type": "application/json"}, body)[0] == 403
    # out of the static folder
    for path in ("/_desk/static/../records.py", "/_desk/static/%2e%2e/records.py", "/_desk/static/%2E%2E/http.py",
                 "/_desk/static/..%2frecords.py", "/_desk/static/..%5crecords.py", "/_desk/static/vendor/../../records.py",
                 "/_desk/static//etc/passwd", "/_desk/static/%2fetc%2fpasswd", "/_desk/../hooks/kb/desk/records.py"):
        status, text = _request(preview, "GET", path, {"Host": here})
        assert status == 404 and "import" not in text, path
    assert _snapshot(preview.data) == before


def _values(text: str) -> dict:
    from kb.data.yamlio import read_bytes

    doc, problems = read_bytes(text.encode("utf-8"), "x.yml")
    assert doc is not None, problems
    return doc.value
