"""The month's work done in the editing desk (编辑台) alone, end to end (issue 26, point 8): a real preview server
(kb.engine.serve.PreviewServer) over a copy of the sample data, publishing to a folder of its own
(TOOLBOOK_PUBLISH_TO, as `serve --publish-to` sets it), driven in Debian's Chromium as an editor drives it.

The editor creates next month's issue with 4 cases (新建本期: the month offered is the next one), imports two of
them from Word files written as branches write them (导入 Word, several files at once: each file's result is shown,
with what could not be converted, and a file that is no Word document is refused in Chinese), types the two
others into their forms (title, unit, branch, summary, the body in the Markdown editor, highlights, results, a
related standard chosen with the reference picker, a picture uploaded with 上传配图 and its caption), writes the
issue's title and foreword and picks its featured method, meets a problem shown at its field (a summary left
empty) and fixes it, finalizes the issue (定稿: the issue and its four cases are no longer drafts) and publishes
(发布: the progress is shown, then the result). The published site (the publish folder's `current`, served over
HTTP) shows the issue's page with its 4 cases, and the site's search box finds a typed case by a phrase of its
body.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect
from helpers import SAMPLE, ServedPreview, png

from kb import browser

TODAY = "2026-11-25"
MONTH = "2026-12"  # the month after the sample data's last issue (2026-11)
THEME = "为民服务办实事"
# Chromium logs every answer of 400 and above as a failed resource: the desk's refusals are answers it shows
ANSWERED = re.compile(r"^Failed to load resource: the server responded with a status of (400|409|413|422) ")

WORD = [  # (file name, title, unit, branch, body paragraphs): what two branches sent in
    ("社区红色驿站.docx", "红色驿站把服务送到家门口", "市住房和城乡建设局", "市住房和城乡建设局物业管理处党支部",
     [("一、基本情况", ["处党支部联系的三个老旧小区没有物业服务，群众办事要跑几个地方。",
                       "支部把红色驿站建在小区门口，党员轮流值守，每周开放三天。"]),
      ("二、主要做法", ["建立“居民点单、支部派单、党员接单”的服务台账，当周事项当周办结。"])]),
    ("医保报销一次办好.docx", "医保报销从跑三趟到一次办好", "市人力资源和社会保障局", "市人力资源和社会保障局医疗保障处党支部",
     [("一、背景", ["异地就医报销材料多、流程长，群众反映要跑三趟。"]),
      ("二、做法", ["党员业务骨干梳理报销材料清单，把十二项材料精简为五项。",
                   "窗口推行“一次告知、一表申请、一窗办结”。"])]),
]
TYPED = [  # (title, unit, branch, summary, body paragraphs, highlight, result)
    ("银发助餐点开到老人身边", "市民政局", "市民政局养老服务处党支部", "支部推动社区助餐点建设，让独居老人吃上放心饭。",
     ["处党支部把社区助餐列为支部书记领办项目，逐个小区摸清独居老人的用餐需求。",
      "党员志愿者每天中午为行动不便的独居老人送上热饭，并顺带了解老人的身体状况。"],
     "书记领办、党员送餐", "助餐点覆盖12个社区，日均服务老人460人次"),
    ("政务大厅“周末不打烊”", "市政务服务和数据管理局", "市政务服务和数据管理局窗口服务处党支部",
     "党员先锋岗轮值周末窗口，群众双休日也能办事。",
     ["窗口服务处党支部组织党员先锋岗在周六上午轮值，开设社保、公积金、不动产三类高频事项的周末专窗。",
      "每月由支委会梳理周末办件情况，把群众意见集中的事项列入下月改进清单。"],
     "党员先锋岗轮值周末专窗", "半年来周末办件3200余件，群众满意率99%"),
]
BODY_PHRASE = "为行动不便的独居老人送上热饭"  # only in the first typed case's body: the search must find it there
FOREWORD = ["本期以为民服务办实事为主题，选编四个支部把服务送到群众身边的做法。",
            "请各支部对照借鉴，把群众的急难愁盼列进支部的议事日程。"]


def word_file(path: Path, title: str, unit: str, branch: str, sections) -> Path:
    """A case as a branch writes it in Word: a title, the 单位/党组织/日期 lines, numbered headings, paragraphs, a
    bullet list and (in the first) a hidden line, which cannot be converted."""
    import docx

    d = docx.Document()
    d.add_heading(title, level=0)
    d.add_paragraph(f"单位：{unit}")
    d.add_paragraph(f"党组织：{branch}")
    d.add_paragraph("日期：2026年11月12日")
    for heading, paragraphs in sections:
        d.add_heading(heading, level=1)
        for text in paragraphs:
            d.add_paragraph(text)
    d.add_paragraph("每周开放三天", style="List Bullet")
    d.add_paragraph("当周事项当周办结", style="List Bullet")
    if "驿站" in title:
        hidden = d.add_paragraph("内部备注：").add_run("这一行设为隐藏，Word 里看不见。")
        hidden.font.hidden = True
    d.save(str(path))
    return path


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    root = tmp_path_factory.mktemp("month")
    data = root / "data"
    shutil.copytree(SAMPLE, data)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TOOLBOOK_DATA", str(data))
        mp.setenv("TOOLBOOK_TODAY", TODAY)
        mp.setenv("TOOLBOOK_PUBLISH_TO", str(root / "published"))
        mp.delenv("TOOLBOOK_SITE_URL", raising=False)
        running = ServedPreview(data)
        running.published = root / "published"
        running.root = root
        try:
            yield running
        finally:
            running.close()
            # the desk keeps earlier versions outside data/ (<project>/.cache/desk/history/<data folder>/): ours go too
            from kb.data.model import KIND_NAMED

            history = running.server.desk.desk.history_folder(KIND_NAMED["case"], "x").parent.parent
            shutil.rmtree(history, ignore_errors=True)


def wait_form(page) -> None:
    page.wait_for_selector("#tb-form[data-ready=true]")


def field(page, name: str):
    return page.locator(f'[name="root[{name}]"]')


def type_markdown(page, name: str, paragraphs: list[str]) -> None:
    """Replace a Markdown field's text in the editor, as an editor types it (Enter between paragraphs)."""
    area = page.locator(f'[data-schemapath="root.{name}"] .tb-md .toastui-editor-ww-container [contenteditable=true]')
    area.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    for n, text in enumerate(paragraphs):
        if n:
            page.keyboard.press("Enter")
        page.keyboard.type(text)


def save(page) -> str:
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_selector("#tb-message.tb-message-ok, #tb-message.tb-message-error")
    return page.locator("#tb-message").inner_text()


def pick(page, name: str, query: str, title: str) -> None:
    """Choose a record in a reference picker: type into its search box, press the match's 添加 button."""
    picker = page.locator(f'[data-schemapath="root.{name}"]')
    picker.get_by_role("searchbox").fill(query)
    picker.get_by_role("button", name=re.compile("^添加：\\s*" + re.escape(title) + " ")).click()
    expect(picker.locator(".tb-refs-list .tb-ref-title")).to_contain_text([title])


def values(path: Path) -> dict:
    from kb.data.yamlio import read_bytes

    doc, problems = read_bytes(path.read_bytes(), path.name)
    assert doc is not None, problems
    return doc.value


@pytest.mark.needs("chromium")
def test_an_editor_makes_finalizes_and_publishes_next_months_issue_in_the_desk(chromium, preview, tmp_path):
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and not ANSWERED.search(m.text) else None)
    data = preview.data
    cases = [f"{MONTH}-anli-{n}" for n in range(1, 5)]
    try:
        page.goto(preview.base + "_desk/")
        page.wait_for_selector("#tb-rows tr")

        # 1. 新建本期: next month offered, the theme chosen, 4 cases by default
        page.get_by_role("button", name="新建本期").click()
        dialog = page.get_by_role("dialog", name="新建本期")
        expect(dialog.get_by_label("月份")).to_have_value(MONTH)
        expect(dialog.get_by_label("案例篇数")).to_have_value("4")
        dialog.get_by_label("主题").select_option(THEME)
        dialog.get_by_role("button", name="新建", exact=True).click()
        expect(dialog).to_be_hidden()
        expect(page.locator("#tb-list-message")).to_contain_text(f"已新建 {MONTH} 期专刊")
        expect(page.locator("#tb-rows tr")).to_have_count(5)  # the list shows the new issue and its 4 cases
        assert (data / "issues" / f"{MONTH}.yml").is_file()
        assert values(data / "issues" / f"{MONTH}.yml")["cases"] == cases

        # 2. 导入 Word: two cases and a file that is no Word document, chosen at once
        files = [word_file(tmp_path / name, title, unit, branch, body) for name, title, unit, branch, body in WORD]
        broken = tmp_path / "旧版稿件.docx"
        broken.write_bytes(b"This is not a Word document.\n" * 20)
        page.get_by_role("button", name="导入 Word").click()
        dialog = page.get_by_role("dialog", name="导入 Word 稿件")
        expect(dialog.get_by_label("导入到哪一期")).to_have_value(MONTH)
        dialog.get_by_label("Word 文件（.docx，可一次选几个）").set_input_files([*files, broken])
        dialog.get_by_role("button", name="导入", exact=True).click()
        expect(dialog.locator(".tb-results-sum")).to_have_text("2 篇导入成功，1 个文件没有导入。", timeout=120_000)
        done = dialog.locator(".tb-result-ok")
        expect(done).to_have_count(2)
        expect(done.nth(0).locator("h3")).to_have_text(WORD[0][0])
        expect(done.nth(0)).to_contain_text(f"已导入为案例 {cases[0]}")
        expect(done.nth(0).locator(".tb-result-unmapped")).to_contain_text("隐藏")  # what could not be converted
        expect(done.nth(1)).to_contain_text(f"已导入为案例 {cases[1]}")
        expect(done.nth(1).get_by_role("link", name=f"打开“{WORD[1][1]}”")).to_be_visible()
        refused = dialog.locator(".tb-result-error")
        expect(refused.locator("h3")).to_have_text(broken.name)
        expect(refused.locator(".tb-result-line")).to_contain_text(f"无法导入 {broken.name}：")  # why, in Chinese
        assert re.search(r"：.*[\u4e00-\u9fff]", refused.locator(".tb-result-line").inner_text())
        dialog.get_by_role("button", name="关闭").click()
        expect(dialog).to_be_hidden()
        for n, (_, title, unit, _, _) in enumerate(WORD):
            v = values(data / "cases" / f"{cases[n]}.yml")
            assert v["title"] == title and v["unit"] == unit and v["draft"] is True

        # 3. the two other cases typed into their forms; the first saved once with its summary empty
        for n, (title, unit, branch, summary, body, highlight, result) in enumerate(TYPED, start=2):
            page.locator(f'#tb-rows a[href="#/case/{cases[n]}"]').click()
            wait_form(page)
            field(page, "title").fill(title)
            field(page, "unit").select_option(unit)
            field(page, "branch").fill(branch)
            field(page, "summary").fill("" if n == 2 else summary)
            type_markdown(page, "body", body)
            page.locator('[name="root[highlights][0]"]').fill(highlight)
            page.locator('[name="root[results][0]"]').fill(result)
            if n == 2:
                pick(page, "related", "三会一课", "三会一课")
                # the problem, shown at its field: saved all the same (a draft), then fixed
                assert save(page).startswith("已保存（草稿，还有")
                at_field = page.locator('[data-schemapath="root.summary"] .tb-field-problem')
                expect(at_field).to_have_count(1)
                assert re.search(r"[\u4e00-\u9fff]", at_field.inner_text())
                expect(field(page, "summary")).to_have_attribute("aria-invalid", "true")
                field(page, "summary").fill(summary)
            else:
                # a picture with a Chinese name: uploaded under a name the data accepts, its caption written
                with page.expect_file_chooser() as chooser:
                    page.get_by_role("button", name="上传配图…").click()
                chooser.value.set_files([{"name": "窗口 照片.png", "mimeType": "image/png", "buffer": png()}])
                expect(page.locator(".tb-upload-said")).to_contain_text("已上传 1 张")
                caption = page.locator('[name="root[images][0][caption]"]')
                expect(caption).to_be_focused()
                expect(page.locator('[name="root[images][0][file]"]')).to_have_value(re.compile(r"^image-1\.png$"))
                caption.fill("周末专窗为群众办理业务")
            assert save(page) == "已保存。预览会随即更新。"
            expect(page.locator("#tb-form .tb-field-problem")).to_have_count(0)
            v = values(data / "cases" / f"{cases[n]}.yml")
            assert (v["title"], v["unit"], v["branch"], v["summary"]) == (title, unit, branch, summary)
            assert all(text in v["body"] for text in body) and v["highlights"] == [highlight] and v["results"] == [result]
            page.get_by_role("button", name="返回列表").click()
            page.wait_for_selector("#tb-rows tr")
        assert values(data / "cases" / f"{cases[2]}.yml")["related"] == ["sanhui-yike"]
        typed_images = values(data / "cases" / f"{cases[3]}.yml")["images"]
        assert typed_images == [{"file": "image-1.png", "caption": "周末专窗为群众办理业务"}]
        assert (data / "assets" / cases[3] / "image-1.png").read_bytes() == png()

        # 4. the issue: its title, foreword and featured method
        page.locator(f'#tb-rows a[href="#/issue/{MONTH}"]').click()
        wait_form(page)
        issue_cases = page.locator('[data-schemapath="root.cases"] .tb-refs-list .tb-ref-title')
        expect(issue_cases).to_have_text([WORD[0][1], WORD[1][1], TYPED[0][0], TYPED[1][0]])  # titles, not ids
        field(page, "title").fill("把服务送到群众身边")
        type_markdown(page, "foreword", FOREWORD)
        pick(page, "featured_methods", "三单", "“三单”工作法")
        assert save(page) == "已保存。预览会随即更新。"
        issue = values(data / "issues" / f"{MONTH}.yml")
        assert issue["cases"] == cases and issue["featured_methods"] == ["sandan-gongzuofa"]
        assert FOREWORD[1] in issue["foreword"]

        # 5. 定稿: the issue and its four cases are drafts no longer
        page.get_by_role("button", name="定稿").click()
        dialog = page.get_by_role("dialog", name="定稿")
        expect(dialog).to_contain_text("4 篇案例")
        dialog.get_by_role("button", name="定稿", exact=True).click()
        expect(dialog).to_be_hidden(timeout=60_000)
        expect(page.locator("#tb-message")).to_contain_text("已定稿")
        for path in [data / "issues" / f"{MONTH}.yml", *(data / "cases" / f"{c}.yml" for c in cases)]:
            assert "draft" not in values(path), path

        # 6. 发布: the progress, then the result
        page.get_by_role("button", name="返回列表").click()
        page.wait_for_selector("#tb-rows tr")
        expect(page.locator("#tb-publish-where")).to_contain_text(str(preview.published))
        page.get_by_role("button", name="发布", exact=True).click()
        dialog = page.get_by_role("dialog", name="发布网站")
        expect(dialog).to_contain_text(str(preview.published))
        dialog.get_by_role("button", name="开始发布").click()
        expect(dialog.locator("#tb-publish-result.tb-message-ok, #tb-publish-result.tb-message-error")).to_be_visible(timeout=300_000)
        expect(dialog.locator("#tb-publish-result")).to_have_class(re.compile("tb-message-ok"))
        assert dialog.locator("#tb-publish-log li").count() >= 1
        dialog.get_by_role("button", name="关闭").click()
        assert errors == []
    finally:
        context.close()

    # 7. the published site: the issue's page lists its 4 cases, and the search finds a typed case by its body
    current = preview.published / "current"
    assert (current / "issues" / MONTH / "index.html").is_file()
    titles = [WORD[0][1], WORD[1][1], TYPED[0][0], TYPED[1][0]]
    with browser.serve(current) as site:
        context = chromium.new_context()
        page = context.new_page()
        try:
            page.goto(site + f"issues/{MONTH}/")
            main = page.locator("article, main").first
            expect(main).to_contain_text("把服务送到群众身边")
            for title in titles:
                expect(main.get_by_role("link", name=title).first).to_be_visible()
            found = browser.search(page, site, BODY_PHRASE)
            assert found["results"], found
            assert found["results"][0]["href"].rstrip("/").endswith(f"cases/{cases[2]}")
            assert found["results"][0]["title"] == TYPED[0][0]
        finally:
            context.close()
