"""The built sample site in real Chromium: search as a reader uses it, and no request leaves the site.

Chromium is Debian's package, driven by Playwright (hooks/kb/browser.py); `.ci/run` installs both.
Outside CI the tests are skipped when the browser is missing; in CI a missing browser fails them.
"""

from __future__ import annotations

import re


from kb import browser
import pytest
from helpers import TOUR

from kb.dev.search_queries import TOP3

pytestmark = pytest.mark.needs("chromium")


def path_of(href: str, base: str) -> str:
    return href.replace(base, "").rstrip("/")


@pytest.mark.parametrize("query", list(TOP3))
def test_query_finds_its_record_in_the_top_3(page, site_url, query):
    shown = browser.search(page, site_url, query)
    top = [path_of(r["href"], site_url) for r in shown["results"][:3]]
    assert TOP3[query] in top, (query, top, shown["summary"])


def test_results_show_kind_unit_date_and_highlight_the_match(page, site_url):
    shown = browser.search(page, site_url, "党费")
    first = shown["results"][0]  # a title match comes first
    assert path_of(first["href"], site_url) == "standards/dangfei"
    assert first["title"] == "党费收缴使用和管理"
    assert first["meta"].startswith("标准 · ") and "2026-12-01" in first["meta"]
    assert "<mark>党费</mark>" in first["excerpt"]
    case = next(r for r in shown["results"] if path_of(r["href"], site_url).startswith("cases/"))
    assert case["meta"].startswith("案例 · 市")  # kind · unit · date


@pytest.mark.parametrize("query", ["背景", "主要做法", "成效"])
def test_excerpts_show_headings_as_text_without_their_permalink_sign(page, site_url, query):
    shown = browser.search(page, site_url, query)
    excerpts = [r["excerpt"] for r in shown["results"]]
    assert any(f"<mark>{query}</mark>" in e for e in excerpts), excerpts  # the heading itself is found, whole
    assert not [e for e in excerpts if "¶" in e]
    assert all(re.search("[，。、：]", e) for e in excerpts), excerpts  # readable text, its punctuation as written


def test_facets_narrow_the_results(page, site_url):
    shown = browser.search(page, site_url, "党员")
    kinds = {path_of(r["href"], site_url).split("/")[0] for r in shown["results"]}
    assert len(kinds) > 1
    page.get_by_role("button", name="标准规范", exact=False).first.click()
    page.wait_for_function("document.querySelector('.tb-chip--on') !== null")
    page.wait_for_timeout(500)
    hrefs = page.eval_on_selector_all(".md-search-result__link", "els => els.map(a => a.href)")
    assert hrefs and all(path_of(h, site_url).startswith("standards/") for h in hrefs)
    assert page.locator(".tb-chip--on").first.get_attribute("aria-pressed") == "true"


def test_a_query_without_hits_gets_a_helpful_empty_state(page, site_url):
    shown = browser.search(page, site_url, "qwertyuiop")
    assert shown["empty"] and shown["results"] == []
    text = page.locator(".tb-empty").inner_text()
    assert "没有找到与“qwertyuiop”相关的内容" in text and "标准规范" in text


def test_keyboard_shortcut_and_escape(page, site_url):
    page.goto(site_url + "standards/sanhui-yike/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.classList.contains('md-search__input')")
    assert page.evaluate("document.getElementById('__search').checked")
    page.keyboard.press("Escape")
    assert not page.evaluate("document.getElementById('__search').checked")
    # A quick typist: "/" then Esc at once. The box must stay closed (no late focus reopens it).
    page.evaluate("""() => {
        for (const key of ["/", "Escape"])
            document.body.dispatchEvent(new KeyboardEvent("keydown", {key, bubbles: true}));
    }""")
    page.wait_for_timeout(300)
    assert not page.evaluate("document.getElementById('__search').checked")
    assert not page.evaluate("document.activeElement.classList.contains('md-search__input')")


def test_no_request_leaves_the_site(page, site_url):
    """A page of every kind, and a search, load nothing from another host (under nginx: test_hosting.py)."""
    seen = browser.tour(page, site_url, TOUR, "三会一课")
    assert seen["results"]
    assert seen["outside"] == []
    assert seen["errors"] == []


def test_results_alike_come_by_kind_then_newer_first(tmp_path, chromium):
    """Records the query ranks alike (the same phrase once in their text) come as a reader expects: the standard,
    the method, the cases newer first, the issue. The index numbers its pages from the oldest (a new month's records
    come last, so a build after it changes few files: kb.outputs.search._numbered); the order is not the numbers'."""
    import shutil

    import yaml
    from helpers import SAMPLE

    from kb.engine.build import build
    from kb.settings import Settings

    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    phrase = "庚辛壬癸甲乙丙丁"  # in no record

    def append(path, *field):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        into = record
        for key in field[:-1]:
            into = into[key]
        into[field[-1]] = f"{into[field[-1]].rstrip()}\n\n试行{phrase}的做法。\n"
        path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")

    older, newer = data / "cases" / "jiaodi-ji-jiaozheng.yml", data / "cases" / "jiating-yisheng-qianyue-luoshi.yml"
    assert "2026-05-28" in older.read_text(encoding="utf-8") and "2026-09-05" in newer.read_text(encoding="utf-8")
    append(data / "issues" / "2026-06.yml", "foreword")
    append(older, "body")
    append(data / "methods" / "gongdi-ketang.yml", "background")
    append(newer, "body")
    append(data / "standards" / "dangfei.yml", "clauses", 0, "requirement")
    build(Settings.read(data), tmp_path / "site")
    with browser.serve(tmp_path / "site") as url:
        page = chromium.new_page()
        shown = browser.search(page, url, phrase)
        page.close()
    assert [path_of(r["href"], url) for r in shown["results"]] == [
        "standards/dangfei", "methods/gongdi-ketang", "cases/jiating-yisheng-qianyue-luoshi", "cases/jiaodi-ji-jiaozheng",
        "issues/2026-06"], shown["summary"]
