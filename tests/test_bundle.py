"""The offline bundle (`toolbook.py bundle`): unzipped, opened from file:// in Chromium, read and searched."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from kb import browser
import pytest
from helpers import ROOT
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
