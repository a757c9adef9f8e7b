"""The preview while the data has errors (issue 17, point 4): the problem page wraps long lines, links
each problem to its file and line (vscode://file/…, which VS Code opens on Windows and Linux), and
every navigation tab still leads somewhere (the problem list) instead of a 404; once the data is
fixed, the real pages come back (also under `serve --dirty`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import PureWindowsPath

import markdown
import pytest
from helpers import MINIMAL, ROOT, free_port

from kb.data.problems import Problem
from kb.engine import session
from kb import browser

TABS = ["", "standards/", "methods/", "cases/", "issues/", "units/", "tags/", "stats/", "guide/", "about/"]


def rendered(problems) -> str:
    return markdown.markdown(session.problems_page(problems), extensions=["admonition", "tables"])


def test_each_problem_is_a_wrapping_list_item_linking_its_file_and_line(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    long = "字段的值太长" * 40
    out = rendered([Problem("data/cases/a.yml", 12, "related[2]", long), Problem("data/taxonomy.yml", 0, "", "缺少文件")])
    assert "<pre" not in out and '<ol class="tb-problems">' in out
    where = (tmp_path / "data" / "cases" / "a.yml").as_posix()
    assert f'<a class="tb-problem-file" href="vscode://file{where}:12" title="在 VS Code 中打开">data/cases/a.yml:12</a>' in out
    assert f"related[2]: {long}</li>" in out
    assert f'href="vscode://file{(tmp_path / "data" / "taxonomy.yml").as_posix()}"' in out  # no line: the file


def test_on_windows_the_link_names_the_drive_and_encodes_the_chinese_folder(monkeypatch):
    class WindowsPath(PureWindowsPath):
        def resolve(self):
            return PureWindowsPath(r"C:\Users\张三\党建工具书") / self

    monkeypatch.setattr(session, "Path", WindowsPath)
    out = rendered([Problem("data/cases/a.yml", 3, "title", "不能为空")])
    assert 'href="vscode://file/C:/Users/%E5%BC%A0%E4%B8%89/%E5%85%9A%E5%BB%BA%E5%B7%A5%E5%85%B7%E4%B9%A6/data/cases/a.yml:3"' in out
    assert ">data/cases/a.yml:3</a>" in out


def test_quoted_data_stays_text_and_a_line_break_stays_in_its_item():
    out = rendered([Problem("data/cases/a.yml", 3, "x", '未知字段 "\n\n<script>window.tbxss=1</script>"')])
    assert "<script>" not in out and "&lt;script&gt;window.tbxss=1&lt;/script&gt;" in out
    assert out.count("<li>") == 1 and "</ol>" in out.split("&lt;/script&gt;")[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status, reply.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def wait_for(url: str, condition, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            status, page = get(url)
            if condition(status, page):
                return page
        except OSError:
            pass
        assert time.monotonic() < deadline, f"{url}: never as expected"
        time.sleep(0.5)


@pytest.fixture
def invalid_preview(tmp_path):
    """`serve` on data with a YAML error, in a folder with a long name (no place to break the line but anywhere).
    Yields (the preview's address, the broken file, its good text, the server's log)."""
    data = tmp_path / ("averylongfoldername" * 4) / "data"
    shutil.copytree(MINIMAL, data)
    method = data / "methods" / "sandan.yml"
    good = method.read_text(encoding="utf-8")
    method.write_text("title: [\n", encoding="utf-8")
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    env = dict(os.environ, TOOLBOOK_DATA=str(data), NO_MKDOCS_2_WARNING="1")
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        serve = subprocess.Popen([sys.executable, "scripts/toolbook.py", "serve", "--addr", f"127.0.0.1:{port}"],
                                 cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for(base, lambda s, p: s == 200)
            yield base, method, good, log
        finally:
            serve.terminate()
            serve.wait(timeout=30)


def test_the_tabs_show_the_problems_while_the_data_is_invalid_and_the_pages_once_fixed(invalid_preview):
    base, method, good, log = invalid_preview
    for tab in TABS:
        status, page = get(base + tab)
        assert status == 200, (tab, status)
        if tab not in ("guide/", "about/"):  # hand-written pages are shown as they are
            assert 'class="tb-problems"' in page and "sandan.yml:2" in page and "vscode://file/" in page, tab
    shown = log.read_text(encoding="utf-8", errors="replace")
    assert "not found in the documentation files" not in shown, shown  # no nav warnings either

    method.write_text(good, encoding="utf-8")  # fixed: the real pages come back
    wait_for(base, lambda s, p: s == 200 and "tb-problems" not in p and "<title>首页" in p, 60)
    page = wait_for(base + "standards/", lambda s, p: s == 200 and "tb-problems" not in p, 60)
    assert "sanhui-yike" in page


@pytest.mark.needs("chromium")
def test_the_problems_wrap_in_a_narrow_window(invalid_preview):
    from playwright.sync_api import sync_playwright

    base = invalid_preview[0]
    with sync_playwright() as p:
        b = browser.launch(p)
        try:
            page = b.new_page(viewport={"width": 360, "height": 640})
            page.goto(base, wait_until="load")
            assert page.locator("ol.tb-problems > li").count() == 1
            widths = page.evaluate("[...document.querySelectorAll('ol.tb-problems > li')]"
                                   ".map(li => [li.scrollWidth, li.clientWidth, li.getBoundingClientRect().right])")
            assert all(scroll <= client and right <= 360 for scroll, client, right in widths), widths
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
        finally:
            b.close()
