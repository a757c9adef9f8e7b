"""Hostile content: script, event attributes, javascript:/data: links, frames, style tricks and
Markdown image tricks in every text and Markdown field (and in taxonomy names) are shown as
text or stripped, on every kind of page and in search results. Proven on a built site.
"""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from helpers import MINIMAL, run_mkdocs_build, search_entries

from kb import browser
from kb.deploy.sitecrawl import is_outside

# Every payload tries to set window.tbxss; the browser test checks that none ever does.
PAYLOAD = (
    "<script>window.tbxss=1</script><img src=x onerror=\"window.tbxss=1\">"
    "<a href=\"javascript:window.tbxss=1\">j</a><iframe src=\"javascript:window.tbxss=1\"></iframe>"
    "<b style=\"position:fixed;background:url(javascript:window.tbxss=1)\" onclick=\"window.tbxss=1\">s</b>"
    "<svg onload=\"window.tbxss=1\"></svg></title></textarea>\"'><a id=\"__config\" href=\"jav&#x09;ascript:window.tbxss=1\">k</a>"
)
MARKDOWN_PAYLOAD = (
    PAYLOAD + "\n\n![x](javascript:window.tbxss=1) ![y](http://evil.example/track.png) "
    "[z](JaVaScRiPt:window.tbxss=1) [d](data:text/html,<script>window.tbxss=1</script>) <http://evil.example/a>\n\n"
    "## 小标题 " + PAYLOAD + " [h](javascript:window.tbxss=1)\n\n正文。\n"
)
MARKDOWN_FIELDS = {"body", "background", "foreword"}
# fields that must keep their value: ids, references, dates, numbers and taxonomy slugs
KEEP = {"id", "month", "date", "updated", "related", "cases", "featured_methods", "featured_standards", "slug", "file", "tags",
        "basis_kind"}
TERMS = ("unit", "theme", "category")
HOSTILE_TAG = "javascript:x&amp;"
MENTIONS = 21  # more records citing one than its page lists: it gets a "mentions" page


def _poison(value, key: str | None, names: dict[str, str]):
    if isinstance(value, dict):
        return {k: _poison(v, k, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_poison(v, key, names) for v in value]
    if not isinstance(value, str) or key in KEEP:
        return value
    if key in TERMS or (key == "name" and value in names):
        return names[value]
    return value + (MARKDOWN_PAYLOAD if key in MARKDOWN_FIELDS else PAYLOAD)


def make_hostile_data(target: Path) -> None:
    """The minimal fixture with a payload appended to every text field, taxonomy names included."""
    shutil.copytree(MINIMAL, target)
    load = lambda p: yaml.safe_load(p.read_text(encoding="utf-8"))  # noqa: E731
    dump = lambda p, v: p.write_text(yaml.safe_dump(v, allow_unicode=True, sort_keys=False, width=10**6), encoding="utf-8")  # noqa: E731
    taxonomy = load(target / "taxonomy.yml")
    names = {t["name"]: t["name"] + PAYLOAD for group in (taxonomy["units"], taxonomy["themes"], *taxonomy["categories"].values())
             for t in group}
    # every optional text field is filled, so that every template part shows a payload
    extra = {"cases/jiaoyu-zhibu.yml": {"highlights": ["亮点"], "results": ["成效"], "images": [{"file": "a.png", "caption": "图"}],
                                         "tags": ["台账", HOSTILE_TAG], "related": ["sanhui-yike"]},
             "methods/sandan.yml": {"background": "背景。", "applies_to": "适用。"}}
    for path in sorted(target.rglob("*.yml")):
        rel = path.relative_to(target).as_posix()
        value = load(path)
        value.update(extra.get(rel, {}))
        value = _poison(value, None, names)
        for k, v in value.items():  # PyYAML read these as dates and integers; the loader wants text back
            if k in ("month", "date", "updated"):
                value[k] = str(v)
        dump(path, value)
    (target / "assets/jiaoyu-zhibu").mkdir(parents=True)
    (target / "assets/jiaoyu-zhibu/a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    case = load(target / "cases/jiaoyu-zhibu.yml")
    for i in range(MENTIONS):
        dump(target / f"cases/mention-{i:02d}.yml", dict(case, id=f"mention-{i:02d}", images=[], tags=["台账"]))


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("hostile")
    make_hostile_data(base / "data")
    result = run_mkdocs_build(base / "site", base / "data")
    assert result.returncode == 0, result.stdout + result.stderr
    return base / "site"


# the header's search box (docs/overrides/partials/tb-search.html): a form that never submits
THEME_SEARCH_FORM = ("form", [("class", "md-search__form"), ("name", "search"), ("action", "javascript:void(0)")])


class _Scan(HTMLParser):
    """Everything on a page that could run script or load from elsewhere."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[str | None, str]] = []  # (src, inline text)
        self.bad: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if (tag, attrs) == THEME_SEARCH_FORM:
            return
        if tag == "script":
            self._in_script = True
            self.scripts.append((dict(attrs).get("src"), ""))
        if tag in ("iframe", "object", "embed", "frame", "base", "form", "style"):
            self.bad.append(f"<{tag}>")
        for name, value in attrs:
            value = "".join((value or "").split()).lower()
            if name.startswith("on"):
                self.bad.append(f"<{tag} {name}>")
            if name in ("href", "src", "action", "formaction", "data", "srcdoc", "xlink:href") and value.startswith(("javascript:", "data:", "vbscript:")):
                self.bad.append(f"<{tag} {name}={value[:40]}>")
            if name == "style" and ("url(" in value or "tbxss" in value or "position" in value):
                self.bad.append(f"<{tag} style={value[:40]}>")
            if tag == "img" and name == "src" and is_outside(value):
                self.bad.append(f"<img src={value[:40]}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            src, text = self.scripts[-1]
            self.scripts[-1] = (src, text + data)
        else:
            self.text.append(data)


def scan(path: Path) -> _Scan:
    s = _Scan()
    s.feed(path.read_text(encoding="utf-8"))
    return s


def test_hostile_site_has_every_page_type(hostile_site):
    for rel in ("index.html", "cases/jiaoyu-zhibu/index.html", "methods/sandan/index.html", "standards/sanhui-yike/index.html",
                "issues/2026-06/index.html", "cases/index.html", "units/caizheng/index.html", "cases/theme/ronghe/index.html",
                "tags/index.html", "standards/sanhui-yike/mentions/index.html", "issues/index.html"):
        assert (hostile_site / rel).is_file(), rel


def test_no_page_runs_or_loads_anything_from_the_data(hostile_site):
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        s = scan(page)
        assert s.bad == [], page
        for src, text in s.scripts:
            assert "tbxss" not in text, page  # inline scripts are the theme's own
            if src:  # and scripts come from the site itself (404.html links from the site root)
                file = (hostile_site / src[1:]) if src.startswith("/") else (page.parent / src)
                assert not is_outside(src) and file.resolve().is_file(), (page, src)


def test_plain_text_fields_are_shown_as_typed(hostile_site):
    """Escaped, not dropped: a reader sees the editor's text, markup characters included."""
    for rel in ("cases/jiaoyu-zhibu/index.html", "methods/sandan/index.html", "standards/sanhui-yike/index.html",
                "issues/2026-06/index.html", "index.html", "standards/sanhui-yike/mentions/index.html", "units/caizheng/index.html"):
        text = "".join(scan(hostile_site / rel).text)
        assert "<script>window.tbxss=1</script>" in text, rel
    case = "".join(scan(hostile_site / "cases/jiaoyu-zhibu/index.html").text)
    assert "支部规范化建设。<script>window.tbxss=1</script><img src=x onerror=" in case  # the summary


def test_markdown_fields_keep_text_and_lose_markup(hostile_site):
    html = (hostile_site / "cases/yusuan-gongjian/index.html").read_text(encoding="utf-8")
    assert "track.png" not in html  # no picture from another host
    assert '<a href="http://evil.example/a" rel="noopener noreferrer">' in html  # an ordinary link stays a link
    assert "<h2" in html and "小标题" in html
    text = "".join(scan(hostile_site / "cases/yusuan-gongjian/index.html").text)
    assert "评审任务重。" in text and "正文。" in text


def test_tag_that_looks_like_a_url_stays_a_tag_page(hostile_site):
    html = (hostile_site / "cases/jiaoyu-zhibu/index.html").read_text(encoding="utf-8")
    assert 'href="../../tags/javascript%3Ax%26amp%3B/"' in html
    assert (hostile_site / "tags" / HOSTILE_TAG / "index.html").is_file()


@pytest.mark.needs("chromium")
def test_search_results_show_hostile_text_without_running_it(hostile_site):
    from playwright.sync_api import sync_playwright

    with browser.serve(hostile_site) as url, sync_playwright() as p:
        b = browser.launch(p)
        try:
            page = b.new_page()
            for path in ("", "cases/jiaoyu-zhibu/", "issues/2026-06/", "standards/sanhui-yike/mentions/"):
                page.goto(url + path)
                page.wait_for_load_state("load")
                assert page.evaluate("window.tbxss") is None, path
            shown = browser.search(page, url, "规范化")
            assert shown["results"], shown
            first = shown["results"][0]
            assert "教育局支部规范化<script>window.tbxss=1</script>" in first["title"]
            assert first["meta"].startswith("案例 · 市教育局<script>window.tbxss=1</script>")  # kind · unit · date
            # the excerpt holds only text and <mark>: nothing from the data became an element
            tags = page.eval_on_selector_all(".md-search-result__list p *", "els => els.map(e => e.tagName)")
            assert set(tags) <= {"MARK"}, tags
            facets = page.locator(".tb-facets").inner_text()
            assert "市教育局<script>window.tbxss=1</script>" in facets  # a facet value shown as text
            assert page.locator(".md-search-result__list script, .md-search-result__list iframe, .tb-facets script").count() == 0
            page.wait_for_timeout(300)
            assert page.evaluate("window.tbxss") is None
        finally:
            b.close()


def test_preview_problem_page_shows_quoted_data_as_text():
    """`mkdocs serve` with invalid data shows the problems; they quote the data, which must stay text."""
    import markdown
    from kb.engine.session import problems_page

    from kb.data.problems import Problem

    page = problems_page([Problem("data/cases/a.yml", 3, "x```", '未知字段 "```\n<script>window.tbxss=1</script>"')])
    out = markdown.markdown(page, extensions=["admonition", "tables"])
    assert "<script>" not in out and "&lt;script&gt;window.tbxss=1&lt;/script&gt;" in out
    assert '<div class="admonition failure">' in out


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("hostile-data") / "data"
    make_hostile_data(data)
    return data


def test_the_pdf_booklet_holds_no_hostile_markup(hostile_data):
    """The booklet Chromium prints is made with the site's own Markdown converter: nothing hostile reaches it."""
    from kb.data.load import load
    from kb.outputs.booklet import booklet_html
    from kb.settings import Settings

    settings = Settings.read(hostile_data)
    kb, problems = load(settings)
    assert problems == []
    booklet = booklet_html(kb, settings, "2026-06")
    scan = _Scan()
    scan.feed(booklet)
    assert scan.bad == ["<style>"] and booklet.count("<style") == 1  # the booklet's own print stylesheet, only
    assert scan.scripts == [] and "evil.example/track.png" not in booklet
    text = "".join(scan.text)
    assert "<script>window.tbxss=1</script>" in text  # an editor's typed tag shows as the text it is
    assert "小标题" in text


@pytest.mark.needs("chromium")
def test_printing_a_hostile_issue_runs_nothing_and_asks_no_other_host(hostile_data, tmp_path, monkeypatch):
    """`toolbook.py pdf` on hostile data: a PDF with the text, no script run, no request beyond the booklet's own files."""
    from kb.outputs import booklet
    from kb.settings import Settings

    requests: list[str] = []
    real_launch = browser.launch

    def watching_launch(playwright):
        b = real_launch(playwright)
        real_new_page = b.new_page

        def new_page(*args, **kwargs):
            page = real_new_page(*args, **kwargs)
            page.on("request", lambda r: requests.append(r.url))
            page.on("load", lambda p: requests.append("tbxss=" + str(p.evaluate("window.tbxss"))))
            return page

        b.new_page = new_page
        return b

    monkeypatch.setattr(browser, "launch", watching_launch)
    out = tmp_path / "hostile.pdf"
    booklet.write_pdf(Settings.read(hostile_data), "2026-06", out)
    assert out.stat().st_size > 1000
    assert "tbxss=None" in requests
    assert [r for r in requests if not r.startswith(("file:", "data:", "tbxss="))] == []


def test_the_offline_bundle_holds_no_hostile_markup(hostile_data, tmp_path):
    """The offline bundle's pages and its search index (scripts: one per page) carry the payload as text only."""
    import json
    import zipfile

    from kb.outputs.offline import build_bundle
    from kb.settings import Settings

    out = tmp_path / "offline.zip"
    build_bundle(Settings.read(hostile_data), out)
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        pages = [n for n in names if n.endswith(".html")]
        for name in pages:
            scan = _Scan()
            scan.feed(z.read(name).decode("utf-8"))
            assert scan.bad == [], name
            for src, text in scan.scripts:  # scripts from files; inline only the theme's settings, as data
                assert src or json.loads(text), name
        scripts = [z.read(n).decode("utf-8") for n in names if "/search/" in n and "/p/" in n]
    entries = search_entries(scripts)
    case = next(e for e in entries if e["url"] == "cases/jiaoyu-zhibu.html")
    assert "<script>window.tbxss=1</script>" in case["text"]  # typed tags stay text, to be escaped where shown
    assert "[z](JaVaScRiPt:" not in case["text"] and "evil.example/track.png" not in case["text"]
