"""The offline bundle (`toolbook.py bundle`): unzipped, opened from file:// in Chromium, read and searched."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from kb import browser
import pytest
from helpers import ROOT, toolbook
from kb.deploy.sitecrawl import check, read_site


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "toolbook-offline.zip"
    env = dict(os.environ)
    env.pop("TOOLBOOK_DATA", None)
    result = subprocess.run([sys.executable, "scripts/toolbook.py", "bundle", "--out", str(out)], cwd=ROOT, env=env,
                            capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert result.returncode == 0, result.stderr
    assert "已生成离线版" in result.stderr and "index.html" in result.stderr
    return out


@pytest.fixture(scope="module")
def unzipped(bundle, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("unzipped")
    with zipfile.ZipFile(bundle) as z:
        z.extractall(folder)
    return folder / "toolbook"


def test_every_link_names_a_file_that_is_in_the_bundle(unzipped):
    pages = read_site(unzipped)
    assert "standards/dangfei.html" in pages and (unzipped / "standards" / "index.html").is_file()
    assert check(unzipped, pages) == []
    hrefs = [h for p in pages.values() for h, _ in p.links]
    assert not [h for h in hrefs if h.endswith("/") and not h.startswith(("http:", "https:"))]  # file:// shows no folders
    # the search index, as the site has it (kb/outputs/search.py: scripts, which file:// loads)
    assert (unzipped / "search" / "index.js").is_file()
    assert len(list(unzipped.glob("search/*/p/*.js"))) >= 54
    # the files made at build time are linked from their pages and in the bundle
    assert "../standards/sanhui-yike/taizhang-1.docx" in [h for h, _ in pages["standards/sanhui-yike.html"].links]
    assert "../calendar/toolbook.ics" in [h for h, _ in pages["calendar/"].links]
    assert "../calendar/12.html" in [h for h, _ in pages["calendar/"].links]
    assert (unzipped / "standards" / "sanhui-yike" / "taizhang-1.docx").is_file() and (unzipped / "calendar" / "toolbook.ics").is_file()


@pytest.mark.needs("chromium")
def test_opened_from_disk_it_navigates_and_searches_without_any_request_leaving_file(unzipped):
    from playwright.sync_api import sync_playwright

    home = unzipped.resolve().as_uri() + "/"
    with sync_playwright() as p:
        b = browser.launch(p)
        page = b.new_page()
        elsewhere, errors = [], []
        page.on("request", lambda r: elsewhere.append(r.url) if not r.url.startswith("file://") else None)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))

        page.goto(home + "index.html")
        page.get_by_role("link", name="标准规范").first.click()
        page.wait_for_url("**/standards/index.html")
        page.get_by_role("link", name="党费收缴使用和管理").first.click()
        page.wait_for_url("**/standards/dangfei.html")
        assert page.locator("h1").first.inner_text().startswith("党费收缴使用和管理")

        shown = browser.search(page, home + "index.html", "谈心谈话")
        top = [r["href"] for r in shown["results"][:3]]
        assert home + "standards/tanxin-tanhua.html" in top, top
        first = browser.search(page, home + "index.html", "党费")["results"][0]
        assert first["href"] == home + "standards/dangfei.html" and first["title"] == "党费收缴使用和管理"
        assert first["meta"].startswith("标准 · ") and "<mark>党费</mark>" in first["excerpt"]
        page.click(".md-search-result__link >> nth=0")
        page.wait_for_url("**/standards/dangfei.html")
        nothing = browser.search(page, home + "index.html", "qwertyuiop")
        assert nothing["empty"]
        b.close()
    assert elsewhere == []
    assert errors == []


@pytest.mark.needs("chromium")
def test_opened_from_disk_it_keeps_ticks_favourites_and_recent_records(unzipped):
    from playwright.sync_api import sync_playwright

    home = unzipped.resolve().as_uri() + "/"
    with sync_playwright() as p:
        b = browser.launch(p)
        page = b.new_page()
        page.goto(home + "standards/sanhui-yike.html")
        page.locator(".tb-checklist label").nth(1).click()
        count = page.locator("[data-tb-count]").inner_text()
        assert count.startswith("已完成 1 / ")
        page.get_by_role("button", name="收藏").click()
        page.reload()
        assert page.locator("[data-tb-count]").inner_text() == count
        assert page.locator(".tb-checklist input").nth(1).is_checked()
        page.goto(home + "methods/sibi-tan.html")
        page.get_by_role("link", name="我的收藏").first.click()
        page.wait_for_url("**/mine.html")
        assert page.locator("[data-tb-mine=favourites] li a").all_inner_texts() == ["三会一课"]
        assert page.locator("[data-tb-mine=recent] li a").all_inner_texts() == ["“四必谈”谈心谈话法", "三会一课"]
        page.locator("[data-tb-mine=favourites] li a").first.click()
        page.wait_for_url("**/standards/sanhui-yike.html")
        b.close()


def test_a_second_bundle_renders_only_what_changed_and_equals_a_fresh_one(tmp_path):
    """The administrator's monthly bundle goes on from the last one (the build cache): only the edited case's pages
    are made again, and the zip is the one a bundle with no cache makes of the same data."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    first = toolbook("bundle", "--out", str(tmp_path / "first.zip"), data=data)
    assert first.returncode == 0, first.stderr
    case = data / "cases" / "dangfei-mingbaizhang-guifan.yml"
    text = case.read_text(encoding="utf-8")
    added = "党员对支部工作的认同感也更强了。这是离线版第二次生成时加的一句。"
    case.write_text(text.replace("党员对支部工作的认同感也更强了。", added), encoding="utf-8")
    second = toolbook("bundle", "--out", str(tmp_path / "second.zip"), data=data)
    assert second.returncode == 0, second.stderr
    rendered, kept = map(int, re.search(r"重新生成有变化的 (\d+) 个页面，其余 (\d+) 个", second.stderr).groups())
    assert 0 < rendered < kept / 5, second.stderr  # the case, the pages that list it
    with zipfile.ZipFile(tmp_path / "second.zip") as z:
        assert added in z.read("toolbook/cases/dangfei-mingbaizhang-guifan.html").decode("utf-8")
        went_on = {info.filename: info.CRC for info in z.infolist()}
    fresh_data = tmp_path / "fresh"  # another data folder: a cache of its own, empty
    shutil.copytree(data, fresh_data)
    fresh = toolbook("bundle", "--out", str(tmp_path / "fresh.zip"), data=fresh_data)
    assert fresh.returncode == 0 and "重新生成有变化的" not in fresh.stderr, fresh.stderr
    with zipfile.ZipFile(tmp_path / "fresh.zip") as z:
        assert {info.filename: info.CRC for info in z.infolist()} == went_on
