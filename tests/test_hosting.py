"""Intranet hosting: `publish` into a live folder, served by real nginx under /toolbook/ with the
repository's config (scripts/nginx/toolbook.conf), crawled link by link and read in Chromium under
its Content-Security-Policy; a publish killed midway leaves the previous site served.

nginx is Debian's package (`.ci/run` installs it). Outside CI the tests are skipped when it is
missing; in CI a missing nginx fails them.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from kb import browser
import nginxserver
from kb.deploy import publish
import pytest
from helpers import MINIMAL, ROOT, TOUR, kill_tree, own_group
from kb.deploy.sitecrawl import crawl, read_site

pytestmark = pytest.mark.needs("nginx")

SITE_URL = "http://oa.example/toolbook/"  # as the README tells an administrator: 404.html links from /toolbook/


def run_publish(target: Path, *options: str, data: Path | None = None, **popen) -> subprocess.CompletedProcess:
    env = dict(os.environ, TOOLBOOK_SITE_URL=SITE_URL)
    env.pop("TOOLBOOK_DATA", None)
    if data is not None:
        env["TOOLBOOK_DATA"] = str(data)
    return subprocess.run([sys.executable, "scripts/toolbook.py", "publish", "--to", str(target), *options], cwd=ROOT,
                          env=env, capture_output=True, text=True, encoding="utf-8", timeout=300)


def get(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("www")
    result = run_publish(target)
    assert result.returncode == 0, result.stderr
    assert "已发布" in result.stderr
    return target


@pytest.fixture(scope="module")
def hosted(published, tmp_path_factory):
    with nginxserver.serve(published / "current", tmp_path_factory.mktemp("nginx")) as url:
        yield url


def test_every_page_link_and_asset_resolves_under_the_sub_path(published, hosted):
    on_disk = sorted(read_site(published / "current"))
    pages, status, broken = crawl(hosted, start=on_disk)  # every page, also those no page links to
    assert broken == []
    assert set(pages) == set(on_disk)
    assert [k for k in status if k.startswith("assets/stylesheets/main.")]  # the theme's files were fetched too


def test_an_unknown_address_gets_the_sites_404_page_with_its_styles(hosted):
    code, _, body = get(hosted + "no-such-page/")
    assert code == 404
    html = body.decode("utf-8")
    assert "党建口袋工具书" in html
    css = html.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    assert css.startswith("/toolbook/assets/")
    assert get(hosted.split("/toolbook/")[0] + css)[0] == 200


def test_nginx_compresses_caches_and_sends_security_headers(published, hosted):
    code, headers, body = get(hosted + "standards/sanhui-yike/", **{"Accept-Encoding": "gzip"})
    assert code == 200 and headers.get("Content-Encoding") == "gzip"
    assert "三会一课" in gzip.decompress(body).decode("utf-8")
    assert headers["Cache-Control"] == "no-cache"  # HTML: revalidated on every visit, so a publish shows at once
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self';" in csp and "unsafe" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "SAMEORIGIN"
    release = published / "current"
    css = next((release / "assets" / "stylesheets").glob("main.*.min.css")).relative_to(release).as_posix()
    fragment = next(release.glob("search/*/p/0.js")).relative_to(release).as_posix()
    for fingerprinted in (css, fragment):
        code, headers, _ = get(hosted + fingerprinted)
        assert code == 200 and headers["Cache-Control"] == "max-age=31536000", fingerprinted
        assert headers["Content-Security-Policy"] == csp
    for unversioned in ("javascripts/search.js", "search/index.js"):
        assert get(hosted + unversioned)[1]["Cache-Control"] == "no-cache", unversioned
    code, headers, body = get(hosted + "calendar/toolbook.ics")
    assert code == 200 and headers["Content-Type"] == "text/calendar" and body.startswith(b"BEGIN:VCALENDAR")
    assert headers["Content-Security-Policy"] == csp and headers["Cache-Control"] == "no-cache"
    form = get(hosted + "standards/sanhui-yike/taizhang-1.docx")[1]["Content-Type"]
    assert form == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# One Chromium for the module's browser tests (conftest's `chromium`), each test in a fresh context (`page`: empty
# cache and storage, as a browser of its own was).

@pytest.mark.needs("chromium")
def test_every_kind_of_page_and_search_work_under_the_content_security_policy(hosted, page):
    seen = browser.tour(page, hosted, TOUR, "党费")
    assert seen["violations"] == []
    assert seen["errors"] == []
    assert seen["outside"] == []
    assert seen["results"] and seen["results"][0]["href"] == hosted + "standards/dangfei/"
    # the policy is in force and violations are seen: an inline script is refused and reported
    page.evaluate("document.body.appendChild(document.createElement('script')).textContent = 'window.x = 1'")
    for _ in range(250):  # the report is an event, dispatched after the refusal
        if page.evaluate("window.__tbViolations.length"):
            break
        page.wait_for_timeout(20)
    assert page.evaluate("window.x") is None
    assert page.evaluate("window.__tbViolations")[0].startswith("script-src-elem inline")


@pytest.mark.needs("chromium")
def test_ticks_and_favourites_are_kept_under_the_sub_path_and_the_policy(hosted, page):
    page.add_init_script(browser.WATCH_CSP)
    page.goto(hosted + "standards/dangfei/")
    page.locator(".tb-checklist label").first.click()
    page.get_by_role("button", name="收藏").click()
    page.get_by_role("link", name="我的收藏").first.click()
    page.wait_for_url(hosted + "mine/")
    page.get_by_role("link", name="党费收缴使用和管理").first.click()
    page.wait_for_url(hosted + "standards/dangfei/")
    assert page.locator(".tb-checklist input").first.is_checked()
    assert page.locator("[data-tb-count]").inner_text().startswith("已完成 1 / ")
    assert page.evaluate("window.__tbViolations") == []


def test_publish_killed_midway_leaves_the_previous_site_served(tmp_path):
    target = tmp_path / "www"
    first = run_publish(target, data=MINIMAL)
    assert first.returncode == 0, first.stderr
    live = publish.live(target)
    with nginxserver.serve(target / "current", tmp_path / "nginx") as url:
        assert get(url + "methods/sandan/")[0] == 200

        # killed while MkDocs writes the new release (the sample data)
        env = dict(os.environ, TOOLBOOK_SITE_URL=SITE_URL)
        env.pop("TOOLBOOK_DATA", None)
        proc = subprocess.Popen([sys.executable, "scripts/toolbook.py", "publish", "--to", str(target)], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **own_group())
        while not list((target / "releases").glob("*.tmp/assets")):
            assert proc.poll() is None, "publish ended before it could be killed"
            time.sleep(0.01)
        kill_tree(proc)  # the command and its search indexer at once
        proc.wait()
        assert publish.live(target) == live
        assert get(url + "methods/sandan/")[0] == 200 and get(url + "methods/sibi-tan/")[0] == 404
        assert get(url)[0] == 200

        # bad data: refused with the problems named, the live site unchanged
        broken = tmp_path / "broken"
        shutil.copytree(MINIMAL, broken)
        (broken / "methods" / "sandan.yml").write_text("title: [\n", encoding="utf-8")
        failed = run_publish(target, data=broken)
        assert failed.returncode == 1
        assert "未发布，线上网站保持不变" in failed.stderr and "sandan.yml" in failed.stderr
        assert publish.live(target) == live

        # the next publish cleans up and goes live; rollback returns to the previous release
        second = run_publish(target)
        assert second.returncode == 0, second.stderr
        assert not list((target / "releases").glob("*.tmp"))
        assert get(url + "methods/sibi-tan/")[0] == 200 and get(url + "methods/sandan/")[0] == 404
        back = run_publish(target, "--rollback")
        assert back.returncode == 0 and "已回退" in back.stderr
        assert publish.live(target) == live
        assert get(url + "methods/sandan/")[0] == 200
        again = run_publish(target, "--rollback")
        assert again.returncode == 1 and "没有可以回退到的更早版本" in again.stderr


def test_old_releases_are_pruned_but_never_the_live_one(tmp_path):
    folder = tmp_path / "releases"
    names = [f"20260101-00000{i}" for i in range(8)]
    for name in names:
        (folder / name).mkdir(parents=True)
    (tmp_path / "current").symlink_to(f"releases/{names[0]}")  # rolled back to the oldest
    assert publish._prune(tmp_path, 5) == 3
    assert [r.name for r in publish.releases(tmp_path)] == [names[0]] + names[4:]
