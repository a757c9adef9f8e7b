"""The editing desk's month of work (kb.desk.actions through kb.desk.http.DeskApp), as the desk's page calls it: a
new issue with its case stubs, a new record, a Word document imported into an issue, a picture for a case, a
record finalized, the site published to the folder set when the preview started; what serve offers: the desk on
another address only with --desk-anywhere, said with a warning, and uploads within their limits; and what
`bench --desk` reports.

Every call goes through DeskApp.handle with the headers the desk's page sends, on a copy of the sample data; what
an editor sees is asserted (the answer's status and Chinese words, the files in the data folder, the list of
records). A name or id that tries to leave its folder writes nothing anywhere: the data folder, the project folder
and the temporary folder are compared byte for byte before and after.
"""

from __future__ import annotations

import datetime
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from helpers import ROOT, SAMPLE, TOOLBOOK, png, word_case

from kb.desk import actions as actions_module
from kb.desk.actions import DOCX_BYTES, IMAGE_BYTES
from kb.desk.http import DeskApp
from kb.settings import Settings

TODAY = datetime.date(2026, 8, 1)
HOST = "127.0.0.1:8123"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CASE = "jiaodi-ji-jiaozheng"  # a published case of the sample
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
# names and ids that try to leave their folder (POSIX and Windows spellings)
ESCAPES = ["../x", "..\\x", "C:\\x", "/etc/x", "a/b", "C:x", "..", "%2e%2e/x"]


class Desk:
    """A DeskApp on a copy of the sample data, called as the desk's page calls it."""

    def __init__(self, root: Path, publish_to: Path | None = None):
        self.root = root
        self.data = root / "data"
        self.settings = Settings(data=self.data, today=TODAY, project=root / "project", publish_to=publish_to)
        self.app = DeskApp(self.settings, "127.0.0.1", 8123)
        self.headers = {"Host": HOST, "Origin": f"http://{HOST}", "X-Desk-Token": self.app.token}

    def call(self, method: str, route: str, body=None, **headers) -> tuple[int, dict]:
        raw = json.dumps(body).encode("utf-8") if isinstance(body, (dict, list)) else body or b""
        answer = self.app.handle(method, "/_desk/api/" + route, {**self.headers, **headers}, raw)
        return answer.status, json.loads(answer.body)

    def upload(self, route: str, content: bytes, kind: str = "application/octet-stream") -> tuple[int, dict]:
        return self.call("POST", route, content, **{"Content-Type": kind})

    def rows(self) -> dict[str, dict]:
        status, listed = self.call("GET", "records")
        assert status == 200
        return {r["id"]: r for r in listed["records"]}


@pytest.fixture
def uploads(tmp_path, monkeypatch) -> Path:
    """The temporary folder, where uploaded documents go for the import (and must not stay)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def desk(tmp_path, uploads, monkeypatch) -> Desk:
    shutil.copytree(SAMPLE, tmp_path / "data")
    monkeypatch.setenv("TOOLBOOK_TODAY", TODAY.isoformat())
    return Desk(tmp_path)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (the data, the project's history, the temporary folder), with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


# -- setup -----------------------------------------------------------------------------------------------------------

def test_setup_offers_the_themes_the_next_month_the_kinds_the_limits_and_where_publishing_goes(desk, tmp_path):
    status, setup = desk.call("GET", "setup")
    assert status == 200
    assert "党建业务融合" in setup["themes"] and "清廉机关建设" in setup["themes"]
    assert setup["next_month"] == "2026-12"  # the sample's latest issue is 2026-11
    assert [k["label"] for k in setup["kinds"]] == ["标准规范", "支部工作法", "典型案例", "月度专刊"]
    assert setup["publish_to"] is None and setup["publishing"] is False
    assert setup["upload_limits"] == {"docx_bytes": DOCX_BYTES, "image_bytes": IMAGE_BYTES,
                                      "image_types": ["jpg", "jpeg", "png", "gif", "webp"]}
    assert desk.call("POST", "issues", {"month": "2026-12", "theme": "理论武装", "cases": 1})[0] == 200
    assert desk.call("GET", "setup")[1]["next_month"] == "2027-01"  # December: the next year's January

    configured = Desk(tmp_path, publish_to=tmp_path / "www")
    assert configured.call("GET", "setup")[1]["publish_to"] == str(tmp_path / "www")
    for issue in (desk.data / "issues").iterdir():
        issue.unlink()
    assert desk.call("GET", "setup")[1]["next_month"] == "2026-08"  # no issue yet: this month


# -- new issue, new record -------------------------------------------------------------------------------------------

def test_a_new_issue_writes_the_issue_and_its_case_stubs_as_drafts_listed_in_the_desk(desk):
    status, made = desk.call("POST", "issues", {"month": "2026-12", "theme": "理论武装", "cases": 3})
    assert status == 200
    assert made["written"] == [{"kind": "issue", "id": "2026-12", "path": "issues/2026-12.yml"},
                               *({"kind": "case", "id": f"2026-12-anli-{n}", "path": f"cases/2026-12-anli-{n}.yml"}
                                 for n in (1, 2, 3))]
    assert "2026-12" in made["message"] and "草稿" in made["message"]
    for item in made["written"]:
        assert (desk.data / item["path"]).is_file()
    rows = desk.rows()
    assert rows["2026-12"]["status"] == "草稿" and rows["2026-12-anli-2"]["issue"] == "2026-12"


@pytest.mark.parametrize("body, words", [
    ({"month": "2026-13", "theme": "理论武装", "cases": 3}, "格式不对"),
    ({"month": "../x", "theme": "理论武装", "cases": 3}, "格式不对"),
    ({"month": "2026-12", "theme": "理论学习", "cases": 3}, "不在分类词表"),
    ({"month": "2026-11", "theme": "理论武装", "cases": 3}, "已存在"),
    ({"month": "2026-12", "theme": "理论武装", "cases": 0}, "1 到 20"),
    ({"month": "2026-12", "theme": "理论武装", "cases": 21}, "1 到 20"),
    ({"month": "2026-12", "theme": "理论武装", "cases": "4"}, "整数"),
    ({"month": "2026-12", "cases": 2}, "主题"),
])
def test_a_new_issue_refused_says_why_and_writes_nothing(desk, tmp_path, body, words):
    before = snapshot(tmp_path)
    status, answer = desk.call("POST", "issues", body)
    assert status == 400 and words in answer["error"] and chinese(answer["error"])
    assert snapshot(tmp_path) == before


def test_a_new_record_is_a_draft_of_its_kind_and_a_taken_or_bad_id_is_refused(desk, tmp_path):
    status, made = desk.call("POST", "records/method", {"id": "xin-gongzuofa"})
    assert status == 200 and made["written"] == [{"kind": "method", "id": "xin-gongzuofa", "path": "methods/xin-gongzuofa.yml"}]
    assert desk.rows()["xin-gongzuofa"]["status"] == "草稿"
    before = snapshot(tmp_path)
    for kind, record_id, words in [("case", "sanhui-yike", "已被"), ("standard", "Sanhui", "格式不对"),
                                   ("issue", "2027-01", "新建专刊"), ("cases", "x", "不认识"), ("case", None, "编号"),
                                   *(("case", bad, "格式不对") for bad in ESCAPES)]:
        status, answer = desk.call("POST", f"records/{quote(kind, safe='')}", {"id": record_id})
        assert status == 400 and words in answer["error"], (kind, record_id, answer)
    assert snapshot(tmp_path) == before


# -- a Word document into an issue ------------------------------------------------------------------------------------

def test_a_word_document_becomes_a_draft_case_listed_in_the_issue(desk, tmp_path, uploads):
    document = word_case(tmp_path / "红色驿站.docx").read_bytes()
    status, imported = desk.upload(f"records/issue/2026-11/docx?name={quote('红色驿站.docx')}", document, DOCX)
    assert status == 200, imported
    case_id = imported["id"]
    assert case_id == "2026-11-anli-1"
    assert {"kind": "case", "id": case_id, "path": f"cases/{case_id}.yml"} in imported["written"]
    assert {"kind": "image", "id": case_id, "path": f"assets/{case_id}/image-1.png"} in imported["written"]
    assert any(f"已把 {case_id} 加到 2026-11 期专刊" in note for note in imported["notes"])
    text = (desk.data / "cases" / f"{case_id}.yml").read_text(encoding="utf-8")
    assert "红色驿站暖人心" in text and "draft: true" in text
    assert f"  - {case_id}\n" in (desk.data / "issues" / "2026-11.yml").read_text(encoding="utf-8")
    row = desk.rows()[case_id]
    assert row["status"] == "待定稿" and row["issue"] == "2026-11" and row["title"] == "红色驿站暖人心"  # a draft, complete
    assert list(uploads.iterdir()) == []  # the uploaded copy is gone
    assert not any(p.suffix == ".docx" for p in desk.data.rglob("*"))  # and never was in the data folder


@pytest.mark.parametrize("name", [*(f"{e}.docx" for e in ESCAPES), "x.doc", "x.txt", "x.docx.exe", ".docx", ".x.docx",
                                  "", "a:b.docx", "con.docx", "x .docx", "x\x00.docx"])
def test_a_document_named_with_a_folder_a_drive_or_not_docx_is_refused_and_nothing_is_written(desk, tmp_path, name):
    document = word_case(tmp_path / "source.docx").read_bytes()
    before = snapshot(tmp_path)
    status, answer = desk.upload(f"records/issue/2026-11/docx?name={quote(name, safe='')}", document, DOCX)
    assert status == 400 and chinese(answer["error"]), answer
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("issue", [*ESCAPES, "2030-01", "sanhui-yike"])
def test_a_document_for_an_issue_that_is_not_there_is_refused(desk, tmp_path, issue):
    document = word_case(tmp_path / "source.docx").read_bytes()
    before = snapshot(tmp_path)
    status, answer = desk.upload(f"records/issue/{quote(issue, safe='')}/docx?name=a.docx", document, DOCX)
    assert status == 400 and ("找不到 2030-01 期专刊" in answer["error"] if issue == "2030-01" else "期号" in answer["error"])
    assert snapshot(tmp_path) == before


def test_the_imports_own_refusals_name_the_file_as_the_editor_named_it_never_the_temporary_copy(desk, tmp_path, uploads):
    before = snapshot(tmp_path)
    for content, words in [(b"PK\x03\x04 not really a zip", "损坏"), (b"", "空文件"),
                           (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "")]:
        status, answer = desk.upload(f"records/issue/2026-11/docx?name={quote('支部的案例.docx')}", content)
        assert status == 400 and "支部的案例.docx" in answer["error"] and words in answer["error"], answer
        assert str(uploads) not in answer["error"] and "toolbook-desk-upload" not in answer["error"]
    status, answer = desk.upload("records/issue/2026-11/docx?name=a.docx", b"PK", "text/plain")
    assert status == 400 and "不是 Word 文档" in answer["error"]
    status, answer = desk.upload("records/issue/2026-11/docx?name=a.docx", b"PK" + b"\0" * DOCX_BYTES)
    assert status == 413 and "20 MB" in answer["error"]
    status, answer = desk.upload("records/case/x/docx?name=a.docx", b"PK")
    assert status == 400 and "月度专刊" in answer["error"]
    assert snapshot(tmp_path) == before


# -- a picture for a case ---------------------------------------------------------------------------------------------

def test_a_picture_goes_into_the_cases_folder_and_is_never_overwritten(desk):
    route = f"records/case/{CASE}/images?name=huodong-1.png"
    picture = png()
    status, answer = desk.upload(route, picture, "image/png")
    assert status == 200 and answer == {"file": "huodong-1.png", "path": f"assets/{CASE}/huodong-1.png"}
    saved = desk.data / "assets" / CASE / "huodong-1.png"
    assert saved.read_bytes() == picture
    assert desk.upload(route, picture)[0] == 200  # the same picture again: nothing to do
    status, answer = desk.upload(route, png(b"\x00\xc0\x00"))
    assert status == 409 and "不会覆盖" in answer["error"] and saved.read_bytes() == picture
    assert desk.upload(f"records/case/{CASE}/images?name=zhaopian.jpeg", JPEG)[0] == 200
    # the record is not edited: the form adds {file, caption} and the editor saves it
    assert "huodong-1.png" not in (desk.data / "cases" / f"{CASE}.yml").read_text(encoding="utf-8")


@pytest.mark.parametrize("route, content, status, words", [
    *((f"records/case/{CASE}/images?name={quote(e + '.png', safe='')}", png(), 400, "不能用") for e in ESCAPES),
    *((f"records/case/{quote(e, safe='')}/images?name=a.png", png(), 400, "编号") for e in ESCAPES),
    (f"records/case/{CASE}/images?name={quote('照片.png')}", png(), 400, "不能用"),
    (f"records/case/{CASE}/images?name=a.PNG", png(), 400, "不能用"),
    (f"records/case/{CASE}/images?name=.a.png", png(), 400, "不能用"),
    (f"records/case/{CASE}/images?name=con.png", png(), 400, "不能用"),
    (f"records/case/{CASE}/images?name=a.svg", b"<svg/>", 400, "不能用"),
    (f"records/case/{CASE}/images", png(), 400, "文件名"),
    (f"records/case/{CASE}/images?name=a.jpg", png(), 400, "不是 JPG 图片"),
    (f"records/case/{CASE}/images?name=a.gif", b"<script>", 400, "不是 GIF 图片"),
    (f"records/case/{CASE}/images?name=a.png", b"", 400, "空的"),
    (f"records/case/{CASE}/images?name=a.png", png() + b"\0" * IMAGE_BYTES, 413, "5 MB"),
    ("records/case/bu-cunzai/images?name=a.png", png(), 400, "找不到"),
    ("records/standard/sanhui-yike/images?name=a.png", png(), 400, "只有典型案例"),
])
def test_a_picture_with_a_bad_name_content_or_record_is_refused_and_nothing_is_written(desk, tmp_path, route, content,
                                                                                      status, words):
    before = snapshot(tmp_path)
    got, answer = desk.upload(route, content)
    assert got == status and words in answer["error"], answer
    assert snapshot(tmp_path) == before


def test_a_pictures_folder_that_leads_outside_the_data_is_not_written_into(desk, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (desk.data / "assets").mkdir()
    try:
        os.symlink(outside, desk.data / "assets" / CASE, target_is_directory=True)
    except OSError:
        pytest.skip("cannot make links here")
    status, answer = desk.upload(f"records/case/{CASE}/images?name=a.png", png())
    assert status == 400 and "数据目录以外" in answer["error"] and list(outside.iterdir()) == []


# -- finalize --------------------------------------------------------------------------------------------------------

def draft(path: Path, extra: str = "") -> None:
    path.write_text(path.read_text(encoding="utf-8") + extra + "draft: true\n", encoding="utf-8")


def test_a_finalized_draft_is_published_and_the_list_says_so(desk):
    path = desk.data / "cases" / "dangfei-mingbaizhang-guifan.yml"
    draft(path)
    assert desk.rows()["dangfei-mingbaizhang-guifan"]["status"] == "待定稿"
    status, answer = desk.call("POST", "records/case/dangfei-mingbaizhang-guifan/finalize", {"date": None})
    assert status == 200 and answer["changed"] == ["cases/dangfei-mingbaizhang-guifan.yml"] and "已定稿" in answer["message"]
    assert "draft: true" not in path.read_text(encoding="utf-8")
    assert desk.rows()["dangfei-mingbaizhang-guifan"]["status"] == "已发布"


def test_an_issue_finalized_with_a_date_is_scheduled_with_its_cases(desk):
    issue = desk.data / "issues" / "2026-10.yml"
    draft(issue)
    cases = [c for c, r in desk.rows().items() if r["issue"] == "2026-10"]
    assert cases and desk.rows()["2026-10"]["status"] == "待定稿"
    status, answer = desk.call("POST", "records/issue/2026-10/finalize", {"date": "2026-09-01"})
    assert status == 200 and answer["changed"] == ["issues/2026-10.yml"] and "2026-09-01" in answer["message"]
    rows = desk.rows()
    assert rows["2026-10"]["status"] == "定时发布" and all(rows[c]["status"] == "定时发布" for c in cases)
    assert 'publish_date: "2026-09-01"' in issue.read_text(encoding="utf-8")


def test_finalize_is_refused_while_there_are_placeholders_or_problems_and_nothing_changes(desk, tmp_path):
    desk.call("POST", "issues", {"month": "2026-12", "theme": "理论武装", "cases": 2})
    broken = desk.data / "cases" / "laonian-zhucan-dangyuan-baodian.yml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("unit: ", "unit: 不存在的", 1), encoding="utf-8")
    draft(broken)
    # a draft that names a draft: once published it would name a record the site does not have
    draft(desk.data / "methods" / "sibi-tan.yml")
    naming = desk.data / "cases" / "dangfei-mingbaizhang-guifan.yml"
    text = naming.read_text(encoding="utf-8")
    assert "related: [" in text
    naming.write_text(text.replace("related: [", "related: [sibi-tan, ", 1), encoding="utf-8")
    draft(naming)
    before = snapshot(tmp_path)
    for route, body, words in [
        ("records/issue/2026-12/finalize", {"date": None}, "待填写"),
        ("records/case/laonian-zhucan-dangyuan-baodian/finalize", {}, "不存在的"),
        ("records/case/dangfei-mingbaizhang-guifan/finalize", {"date": None}, "sibi-tan"),
        (f"records/case/{CASE}/finalize", {"date": "2026-09-01"}, "只用于月度专刊"),
        ("records/issue/2026-12/finalize", {"date": "2026-13-01"}, "格式不对"),
        ("records/case/bu-cunzai/finalize", {}, "找不到"),
        *((f"records/case/{quote(e, safe='')}/finalize", {}, "编号") for e in ESCAPES),
    ]:
        status, answer = desk.call("POST", route, body)
        assert status == 400 and words in answer["error"], (route, answer)
    assert snapshot(tmp_path) == before
    assert desk.rows()["laonian-zhucan-dangyuan-baodian"]["status"] == "草稿"


# -- publish ---------------------------------------------------------------------------------------------------------

def wait_for_publish(desk: Desk) -> dict:
    deadline = time.monotonic() + 600  # a bound for a hung child, not a measure
    while True:
        status, state = desk.call("GET", "publish")
        assert status == 200
        if not state["running"]:
            return state
        assert time.monotonic() < deadline, state
        time.sleep(0.2)


def test_publishing_without_a_folder_set_says_how_to_set_it(desk):
    status, answer = desk.call("POST", "publish")
    assert status == 400 and "--publish-to" in answer["error"] and "TOOLBOOK_PUBLISH_TO" in answer["error"]
    assert desk.call("GET", "publish") == (200, {"running": False, "log": [], "ok": None, "message": "", "release": None})


def test_publishing_puts_the_published_records_into_a_release_that_current_points_to(desk, tmp_path):
    www = tmp_path / "www"
    assert desk.call("POST", "records/method", {"id": "xin-gongzuofa"})[0] == 200  # a draft: not on the published site
    publishing = Desk(tmp_path, publish_to=www)
    elsewhere = tmp_path / "elsewhere"
    status, state = publishing.call("POST", "publish", {"to": str(elsewhere)})  # the folder comes from the setting only
    assert status == 200 and state["running"] is True
    state = wait_for_publish(publishing)
    assert state["ok"] is True, state
    assert state["release"] and state["message"].startswith(f"已发布 {state['release']}")
    assert any(line.startswith("正在生成网站") for line in state["log"])
    release = www / "releases" / state["release"]
    assert (www / "current").resolve() == release.resolve()
    page = (release / "issues" / "2026-06" / "index.html").read_text(encoding="utf-8")
    assert "从业务难点里找支部课题" in page
    assert (release / "cases" / CASE / "index.html").is_file()
    assert (release / "methods" / "sibi-tan" / "index.html").is_file() and not (release / "methods" / "xin-gongzuofa").exists()
    assert not elsewhere.exists()


def test_a_publish_that_fails_says_why_and_leaves_the_site_as_it_was(desk, tmp_path):
    path = desk.data / "cases" / f"{CASE}.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("unit: ", "unit: 不存在的", 1), encoding="utf-8")
    www = tmp_path / "www"
    publishing = Desk(tmp_path, publish_to=www)
    assert publishing.call("POST", "publish")[0] == 200
    state = wait_for_publish(publishing)
    assert state["ok"] is False and state["release"] is None
    assert "未发布" in state["message"] and "不存在的" in state["message"] and "Traceback" not in "\n".join(state["log"])
    assert not (www / "current").exists()


def test_one_publish_at_a_time(desk, tmp_path, monkeypatch):
    go = tmp_path / "go"
    # a publish that waits for the test (the real one is above): the desk's bookkeeping alone
    monkeypatch.setattr(actions_module, "publish_command", lambda target: [
        sys.executable, "-c", "import pathlib, sys, time\nwhile not pathlib.Path(sys.argv[1]).exists(): time.sleep(0.05)\n"
        "print('已发布 测试（1 个页面）')", str(go)])
    publishing = Desk(tmp_path, publish_to=tmp_path / "www")
    assert publishing.call("POST", "publish")[0] == 200
    status, answer = publishing.call("POST", "publish")
    assert status == 409 and "正在发布" in answer["error"]
    assert publishing.call("GET", "setup")[1]["publishing"] is True
    go.touch()
    state = wait_for_publish(publishing)
    assert state["ok"] is True and state["message"] == "已发布 测试（1 个页面）"
    assert publishing.call("POST", "publish")[0] == 200  # once it is over, the next may start
    wait_for_publish(publishing)


def test_publishing_into_the_data_folder_is_refused(desk, tmp_path):
    inside = Desk(tmp_path, publish_to=desk.data / "www")
    status, answer = inside.call("POST", "publish")
    assert status == 400 and "数据目录里" in answer["error"] and not (desk.data / "www").exists()


# -- who may call ----------------------------------------------------------------------------------------------------

NEW_ROUTES = [
    ("GET", "setup", None), ("POST", "issues", {"month": "2026-12", "theme": "理论武装", "cases": 1}),
    ("POST", "records/method", {"id": "xin"}), ("POST", "records/issue/2026-11/docx?name=a.docx", b"PK"),
    ("POST", f"records/case/{CASE}/images?name=a.png", png()), ("POST", f"records/case/{CASE}/finalize", {}),
    ("POST", "publish", None), ("GET", "publish", None),
]


@pytest.mark.parametrize("method, route, body", NEW_ROUTES)
def test_the_new_routes_answer_only_the_desks_own_page_on_the_bound_address(desk, tmp_path, method, route, body):
    checked = Desk(tmp_path, publish_to=tmp_path / "www")
    before = snapshot(tmp_path)
    own = {**checked.headers, "Content-Type": "application/octet-stream"}
    for headers in ({**own, "Host": "evil.example:8123"}, {**own, "Host": "127.0.0.1:8124"},
                    {**own, "X-Desk-Token": ""}, {**own, "X-Desk-Token": "x" * 43},
                    *(({**own, "Origin": origin} for origin in ("http://evil.example", "null", "http://127.0.0.1:8124", ""))
                      if method == "POST" else ())):
        raw = json.dumps(body).encode("utf-8") if isinstance(body, dict) else body or b""
        answer = checked.app.handle(method, "/_desk/api/" + route, headers, raw)
        assert answer.status == 403 and chinese(json.loads(answer.body)["error"]), headers
    assert snapshot(tmp_path) == before


# -- serve: the desk on another address, the desk imported lazily ----------------------------------------------------

def test_importing_the_preview_server_does_not_import_the_desk():
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import kb.engine.serve; "
            "print(sorted(m for m in sys.modules if m.startswith(('ruamel', 'kb.desk.http', 'kb.desk.records'))))")
    out = subprocess.run([sys.executable, "-c", code, str(ROOT / "hooks")], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_desk_on_another_address_needs_desk_anywhere_and_says_what_it_exposes(capfd, monkeypatch, tmp_path):
    from kb.engine import serve

    monkeypatch.setenv("TOOLBOOK_DATA", str(SAMPLE))
    monkeypatch.setenv("TOOLBOOK_PUBLISH_TO", str(tmp_path / "www"))
    assert serve._desk("192.168.1.10", 8000) is None
    assert "--desk-anywhere" in capfd.readouterr().err
    assert serve._desk("0.0.0.0", 8000, anywhere=True) is None
    assert "具体地址" in capfd.readouterr().err

    app = serve._desk("192.168.1.10", 8000, anywhere=True)
    said = capfd.readouterr().err
    assert "任何能访问这个地址的人都可以修改" in said and "发布" in said and str(tmp_path / "www") in said
    headers = {"Host": "192.168.1.10:8000", "X-Desk-Token": app.token}
    assert app.handle("GET", "/_desk/api/setup", headers).status == 200
    assert app.handle("GET", "/_desk/api/setup", {**headers, "Host": "127.0.0.1:8000"}).status == 403
    assert app.handle("POST", "/_desk/api/publish", {**headers, "Origin": "http://127.0.0.1:8000"}).status == 403

    local = serve._desk("127.0.0.1", 8000)
    said = capfd.readouterr().err
    assert local is not None and "任何能访问" not in said and f"发布到 {tmp_path / 'www'}" in said
    monkeypatch.delenv("TOOLBOOK_PUBLISH_TO")
    serve._desk("127.0.0.1", 8000)
    assert "“发布”按钮不可用" in capfd.readouterr().err


def test_serve_passes_desk_anywhere_and_the_publish_folder_to_the_server(monkeypatch, tmp_path):
    from kb import cli, platform

    ran = {}
    monkeypatch.setattr(platform, "run_owned", lambda module, args, cwd=None, env=None: ran.update(args=args, env=env) or 0)
    monkeypatch.setattr(cli, "_ensure", lambda requirements: None)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["serve", "--addr", f"127.0.0.1:{_free_port()}", "--desk-anywhere", "--publish-to", "www"]) == 0
    assert ran["args"][1:] == ["--desk-anywhere"] and ran["env"]["TOOLBOOK_PUBLISH_TO"] == str(tmp_path / "www")
    monkeypatch.setenv("TOOLBOOK_PUBLISH_TO", "from-env")
    assert cli.main(["serve", "--addr", f"127.0.0.1:{_free_port()}"]) == 0
    assert ran["args"][1:] == [] and ran["env"]["TOOLBOOK_PUBLISH_TO"] == str(tmp_path / "from-env")
    (tmp_path / "a-file").write_text("x")
    assert cli.main(["serve", "--publish-to", "a-file"]) == 2
    help_text = subprocess.run([sys.executable, str(TOOLBOOK), "serve", "--help"], capture_output=True, text=True,
                               encoding="utf-8").stdout
    assert "--desk-anywhere" in help_text and "任何能访问这个地址的人" in help_text and "--publish-to" in help_text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A real preview server on 127.0.0.2 (on Linux a loopback address that is not 127.0.0.1: the desk counts it as
    another address), with --desk-anywhere; over a copy of the sample."""
    from kb.engine.serve import PreviewServer

    try:
        with socket.socket() as s:
            s.bind(("127.0.0.2", 0))
    except OSError:
        pytest.skip("127.0.0.2 cannot be bound here")
    shutil.copytree(SAMPLE, tmp_path / "data")
    monkeypatch.setenv("TOOLBOOK_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("TOOLBOOK_TODAY", TODAY.isoformat())
    monkeypatch.delenv("TOOLBOOK_SITE_URL", raising=False)
    monkeypatch.delenv("TOOLBOOK_PUBLISH_TO", raising=False)
    server = PreviewServer(ROOT / "mkdocs.yml", "127.0.0.2", 0, desk_anywhere=True)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.http.shutdown()
        thread.join(timeout=60)


def _http(server, method: str, path: str, headers: dict, body: bytes = b"", length: int | None = None):
    port = server.http.server_address[1]
    conn = http.client.HTTPConnection("127.0.0.2", port, timeout=120)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body) if length is None else length))
        conn.endheaders(body or None)
        reply = conn.getresponse()
        return reply.status, reply.read().decode("utf-8")
    finally:
        conn.close()


def test_a_served_desk_on_another_address_takes_uploads_within_their_limits(served, tmp_path):
    port = served.http.server_address[1]
    here = f"127.0.0.2:{port}"
    own = {"Host": here, "Origin": f"http://{here}", "X-Desk-Token": served.desk.token}
    status, text = _http(served, "GET", "/_desk/api/records", own)
    assert status == 200 and CASE in text
    status, text = _http(served, "GET", "/_desk/api/records", {**own, "Host": f"127.0.0.1:{port}"})
    assert status == 403
    status, text = _http(served, "POST", f"/_desk/api/records/case/{CASE}/images?name=a.png", own, png())
    assert status == 200 and json.loads(text)["path"] == f"assets/{CASE}/a.png"
    assert (tmp_path / "data" / "assets" / CASE / "a.png").read_bytes() == png()
    # larger than a picture may be: refused from its Content-Length, the body read and dropped, the answer in Chinese
    status, text = _http(served, "POST", f"/_desk/api/records/case/{CASE}/images?name=b.png", own,
                         png() + b"\0" * IMAGE_BYTES)
    assert status == 413 and "5 MB" in json.loads(text)["error"]
    status, text = _http(served, "PUT", f"/_desk/api/records/case/{CASE}", own, b"{}", length=10**12)
    assert status == 413 and "提交的内容太大" in json.loads(text)["error"]
    assert not (tmp_path / "data" / "assets" / CASE / "b.png").exists()


def test_without_desk_anywhere_another_address_gets_no_desk(tmp_path, monkeypatch, capfd):
    from kb.engine.serve import PreviewServer

    try:
        server = PreviewServer(ROOT / "mkdocs.yml", "127.0.0.2", 0)
    except OSError:
        pytest.skip("127.0.0.2 cannot be bound here")
    try:
        assert server.desk is None and "--desk-anywhere" in capfd.readouterr().err
    finally:
        server.http.server_close()
        shutil.rmtree(server.site_dir, ignore_errors=True)


# -- bench --desk ----------------------------------------------------------------------------------------------------

def test_bench_desk_measures_the_list_the_form_and_a_save_seen_in_the_preview(tmp_path):
    out = tmp_path / "bench.json"
    run = subprocess.run([sys.executable, str(TOOLBOOK), "bench", "--desk", "--json", str(out)], cwd=tmp_path,
                         capture_output=True, text=True, encoding="utf-8", timeout=600)
    assert run.returncode == 0, run.stderr
    assert "编辑台（54 条记录）" in run.stdout
    for label in ("打开记录列表（预览首页可打开后第一次）", "再次打开记录列表", "打开一条案例的表单", "保存：校验完毕、写入文件",
                  "保存后预览页面显示新标题"):
        assert f"| {label} |" in run.stdout
    figures = json.loads(out.read_text(encoding="utf-8"))["desk"]
    assert figures["records"] == 54 and len(figures["rounds"]["seen"]) == 3 and len(figures["rounds"]["list_first"]) == 1
