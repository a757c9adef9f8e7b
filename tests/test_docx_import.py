"""`toolbook.py import-docx`: Word files (made by python-docx and by LibreOffice) become draft cases."""

from __future__ import annotations

import shutil
import subprocess

from functools import partial

import helpers
from helpers import case_of, png, word_case

toolbook = partial(helpers.toolbook, today="2026-11-22")

from kb.data.load import load_knowledge_base
from kb.data.yamlio import read_document


def test_a_word_case_becomes_a_draft_case(data, tmp_path):
    source = word_case(tmp_path / "hongse-yizhan.docx")
    result = toolbook("import-docx", str(source), data=data)
    assert result.returncode == 0, result.stderr
    case = case_of(data, "hongse-yizhan")
    assert (case["title"], case["unit"], case["branch"], case["date"]) == (
        "红色驿站暖人心", "市教育局", "市教育局基础教育处党支部", "2026-12-03")
    assert case["draft"] is True and case["summary"] == "支部把红色驿站建在社区里，每周开放三天。"
    assert case["body"] == (
        "## 基本情况\n\n支部把**红色驿站**建在社区里，每周开放三天。\n\n"
        "- 走访困难群众\n- 建立服务台账\n\n1. 摸清需求\n1. 上门服务\n\n"
        "| 指标 | 数量 |\n| --- | --- |\n| 走访户数 | 120 |\n")
    assert case["images"] == [{"file": "image-1.png", "caption": "图1 驿站开放日"}]
    assert (data / "assets" / "hongse-yizhan" / "image-1.png").read_bytes() == png()
    assert (data / "cases" / "hongse-yizhan.yml").read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=")
    assert "主题" in result.stdout  # no theme in the document and no issue given: reported
    kb, problems = load_knowledge_base(data, include_drafts=True)
    assert problems == [] and "hongse-yizhan" in kb.drafts


def test_import_into_an_issue_takes_the_place_of_a_blank_stub(data, tmp_path):
    assert toolbook("new", "issue", "2026-12", "--theme", "过硬支部建设", "--cases", "2", data=data).returncode == 0
    result = toolbook("import-docx", str(word_case(tmp_path / "a.docx")), "--issue", "2026-12", data=data)
    assert result.returncode == 0, result.stderr
    assert "替换了 2026-12 期里尚未填写的模板 2026-12-anli-1.yml" in result.stdout
    assert case_of(data, "2026-12-anli-1")["title"] == "红色驿站暖人心"
    assert case_of(data, "2026-12-anli-1")["theme"] == "过硬支部建设"  # the issue's theme
    # the next one takes the second stub, the third is added at the end of the issue
    toolbook("import-docx", str(word_case(tmp_path / "b.docx", title="第二篇")), "--issue", "2026-12", data=data)
    third = toolbook("import-docx", str(word_case(tmp_path / "c.docx", title="第三篇")), "--issue", "2026-12", data=data)
    assert third.returncode == 0, third.stderr
    issue, _ = read_document(data / "issues" / "2026-12.yml")
    assert issue.value["cases"] == ["2026-12-anli-1", "2026-12-anli-2", "c"]
    assert [case_of(data, c)["title"] for c in issue.value["cases"]] == ["红色驿站暖人心", "第二篇", "第三篇"]
    kb, problems = load_knowledge_base(data, include_drafts=True)
    assert problems == []


def test_import_reports_what_it_could_not_map_and_never_overwrites(data, tmp_path):
    source = word_case(tmp_path / "jiaoyu-zhibu.docx", unit_line="单位：某某区不存在的单位", branch="某某区第一党支部")
    result = toolbook("import-docx", str(source), data=data)  # jiaoyu-zhibu exists: a new id is chosen
    assert result.returncode == 0, result.stderr
    assert "单位：“某某区不存在的单位”不在 taxonomy.yml 的单位中" in result.stdout
    assert case_of(data, "jiaoyu-zhibu")["title"] == "教育局支部规范化"
    again = toolbook("import-docx", str(source), "--id", "jiaoyu-zhibu", data=data)
    assert again.returncode == 1 and "不会覆盖" in again.stderr
    assert case_of(data, "jiaoyu-zhibu")["title"] == "教育局支部规范化"


def test_import_refuses_what_is_not_a_docx(data, tmp_path):
    doc = tmp_path / "old.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0")
    result = toolbook("import-docx", str(doc), data=data)
    assert result.returncode == 2 and "另存为" in result.stderr
    fake = tmp_path / "fake.docx"
    fake.write_text("not a zip", encoding="utf-8")
    result = toolbook("import-docx", str(fake), data=data)
    assert result.returncode == 1 and "不是有效的 Word" in result.stderr and "Traceback" not in result.stderr


LIBREOFFICE_HTML = """<html><head><meta charset="utf-8"><title>案例</title></head><body>
<h1>青年理论学习小组读书会</h1>
<p>单位：市教育局</p>
<p>日期：2026-12-05</p>
<h2>主要做法</h2>
<p>每月一次<b>读原著</b>，交流心得。</p>
<ul><li>领读一章</li><li>撰写笔记</li></ul>
<ol><li>选题</li><li>讨论</li></ol>
<table border="1"><tr><td>场次</td><td>人数</td></tr><tr><td>12</td><td>300</td></tr></table>
</body></html>
"""


def test_a_docx_saved_by_libreoffice(data, tmp_path):
    helpers.outside_tool(helpers.missing("soffice"))
    soffice = shutil.which("soffice")
    html = tmp_path / "dushu.html"
    html.write_text(LIBREOFFICE_HTML, encoding="utf-8")
    out = tmp_path / "out"
    subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                    "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out), str(html)],
                   check=True, capture_output=True, timeout=180)
    result = toolbook("import-docx", str(out / "dushu.docx"), data=data)
    assert result.returncode == 0, result.stderr
    case = case_of(data, "dushu")
    assert (case["title"], case["unit"], case["date"]) == ("青年理论学习小组读书会", "市教育局", "2026-12-05")
    assert case["body"].startswith("## 主要做法\n\n每月一次**读原著**，交流心得。\n\n")
    assert "- 领读一章\n- 撰写笔记" in case["body"] and "1. 选题\n1. 讨论" in case["body"]
    assert "| 场次 | 人数 |\n| --- | --- |\n| 12 | 300 |" in case["body"]
    assert "党组织" in result.stdout  # not in the document: reported
