"""The sample data built into a site with `mkdocs build --strict`, checked page by page."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from html import unescape

import pytest
from helpers import SAMPLE
from kb.deploy.sitecrawl import check, is_outside, read_site, resolve

from kb.data.load import load_knowledge_base
from kb.data.model import CASE, ISSUE, METHOD, STANDARD


@pytest.fixture(scope="session")
def kb():
    kb, problems = load_knowledge_base(SAMPLE)
    assert problems == []
    return kb


@pytest.fixture(scope="session")
def pages(sample_site):
    return read_site(sample_site)


def page_of(record) -> str:
    return f"{record.kind.folder}/{record.id}/"


def links_to(pages, url: str, target: str) -> list[dict]:
    """Attributes of every <a> on page `url` that leads to page `target`."""
    return [a for href, a in pages[url].links if (r := resolve(url, href)) and r[0].rstrip("/") == target.rstrip("/")]


def test_sample_content_size(kb):
    counts = Counter(r.kind for r in kb.records.values())
    assert counts[STANDARD] >= 9 and counts[METHOD] >= 10 and counts[CASE] >= 24 and counts[ISSUE] >= 6
    assert len({r.data["unit"] for r in kb.records.values() if "unit" in r.data}) >= 8
    assert all(3 <= len(i.data["cases"]) <= 5 for i in kb.of(ISSUE))
    titles = {r.title for r in kb.of(STANDARD)}
    for name in ("三会一课", "主题党日", "组织生活会", "民主评议党员", "谈心谈话", "党费", "发展党员", "换届选举", "阵地建设"):
        assert any(name in t for t in titles), name


def test_every_record_has_its_page_with_its_title(kb, pages):
    for record in kb.records.values():
        page = pages[page_of(record)]
        expected = record.title + (f"：{record.data['title']}" if record.kind is ISSUE and record.data.get("title") else "")
        assert page.h1 == expected
        assert page.title.startswith(expected)


def test_every_index_page_exists(kb, pages):
    tax = kb.taxonomy
    expected = {
        "": "党建口袋工具书", "standards/": "标准规范", "methods/": "支部工作法", "cases/": "典型案例",
        "issues/": "月度专刊", "units/": "单位", "tags/": "标签", "about/": "关于本工具书",
    }
    expected |= {f"standards/category/{t.slug}/": t.name for t in tax.categories["standards"]}
    expected |= {f"methods/category/{t.slug}/": t.name for t in tax.categories["methods"]}
    expected |= {f"methods/unit/{t.slug}/": t.name for t in tax.units}
    expected |= {f"cases/unit/{t.slug}/": t.name for t in tax.units}
    expected |= {f"cases/theme/{t.slug}/": t.name for t in tax.themes}
    expected |= {f"units/{t.slug}/": t.name for t in tax.units}
    expected |= {f"cases/year/{y}/": f"{y}年" for y in {c.year for c in kb.of(CASE)}}
    expected |= {f"tags/{t}/": f"标签：{t}" for r in kb.records.values() for t in r.tags}
    for url, h1 in expected.items():
        assert url in pages, url
        assert pages[url].h1 == h1, url


def test_unit_and_tag_pages_list_every_record_that_carries_them(kb, pages):
    for t in kb.taxonomy.units:
        carriers = [r for r in kb.records.values() if r.data.get("unit") == t.name]
        for r in carriers:
            assert links_to(pages, f"units/{t.slug}/", page_of(r)), (t.name, r.id)
    tags = {tag for r in kb.records.values() for tag in r.tags}
    for tag in tags:
        for r in (r for r in kb.records.values() if tag in r.tags):
            assert links_to(pages, f"tags/{tag}/", page_of(r)), (tag, r.id)


def test_references_are_links_and_backlinks(kb, pages):
    assert sum(len(v) for v in kb.outgoing.values()) > 100
    for links in kb.outgoing.values():
        for link in links:
            src, dst = page_of(link.source), page_of(link.target)
            assert links_to(pages, src, dst), f"{src} does not link to {dst}"
            # a much-cited record lists the newest mentions itself and all of them on its "mentions" pages
            mention_pages = [dst] + [u for u in pages if u.startswith(dst + "mentions/")]
            assert any(links_to(pages, u, src) for u in mention_pages), f"{dst} has no backlink to {src}"
            if len(mention_pages) > 1:
                assert links_to(pages, dst, dst + "mentions/")


def test_case_in_an_issue_links_previous_and_next(kb, pages):
    for issue in kb.of(ISSUE):
        ids = issue.data["cases"]
        for i, case_id in enumerate(ids):
            url = f"cases/{case_id}/"
            prev = [a for a in links_to(pages, url, f"cases/{ids[i - 1]}/") if a.get("rel") == "prev"] if i else []
            nxt = [a for a in links_to(pages, url, f"cases/{ids[i + 1]}/") if a.get("rel") == "next"] if i + 1 < len(ids) else []
            assert bool(prev) == (i > 0) and bool(nxt) == (i + 1 < len(ids)), url
            assert "收录于" in pages[url].text and issue.title in pages[url].text


def test_standard_page_reads_like_a_reference(kb, sample_site):
    std = kb.records["sanhui-yike"]
    html = (sample_site / "standards/sanhui-yike/index.html").read_text(encoding="utf-8")
    table = html[html.index('class="tb-clauses"'):]
    table = table[: table.index("</table>")]
    assert re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", table) == ["序号", "要求", "频次", "台账材料"]
    assert table.count("<tr") == len(std.data["clauses"]) + 1
    steps = html[html.index('id="工作流程"'):]
    steps = steps[: steps.index("</ol>")]
    assert steps.count("<li>") == len(std.data["process"])
    checklist = html[html.index('tb-checklist"'):]
    checklist = checklist[: checklist.index("</ul>")]
    assert checklist.count('type="checkbox"') == len(std.data["checklist"])
    assert "《中国共产党支部工作条例（试行）》" in html


def test_each_requirement_on_a_standard_page_says_what_it_rests_on(kb, sample_site):
    """Issue 29: beside each requirement a small mark says 法规, 上级要求 or 通行做法; a regulation's mark is
    followed by its document and article, the others by the body or practice named."""
    seen = Counter()
    for std in kb.of(STANDARD):
        html = (sample_site / f"standards/{std.id}/index.html").read_text(encoding="utf-8")
        table = html[html.index('class="tb-clauses"'):]
        rows = re.findall(r'<tr id="clause-\d+">(.*?)</tr>', table[: table.index("</table>")], re.S)
        assert len(rows) == len(std.data["clauses"]), std.id
        for n, (row, clause) in enumerate(zip(rows, std.data["clauses"]), 1):
            mark = re.search(r'<small class="tb-basis tb-basis--(\w+)"><span class="tb-basis__kind">(.+?)</span> (.+?)</small>', row)
            assert mark, f"{std.id} 要求 {n} 旁没有依据类别"
            css, kind, source = mark.groups()
            assert (kind, css) == (clause["basis_kind"], {"法规": "law", "上级要求": "higher", "通行做法": "practice"}[kind])
            assert unescape(source) == clause["source"], (std.id, n)
            if kind == "法规":
                assert re.search(r"第[一二三四五六七八九十百]+(条|部分)", source), (std.id, n, source)
            seen[kind] += 1
    assert set(seen) == {"法规", "上级要求", "通行做法"}, seen
    # the clauses the issue named: what is not in the cited article is not marked as a regulation
    page = (sample_site / "standards/tanxin-tanhua/index.html").read_text(encoding="utf-8")
    assert '<span class="tb-basis__kind">通行做法</span> 党内政治生活若干准则' in page
    page = (sample_site / "standards/dangyuan-jiaoyu-peixun/index.html").read_text(encoding="utf-8")
    assert '<span class="tb-basis__kind">上级要求</span> 上级党组织要求（年度培训安排' in page


def test_home_shows_current_issue_counts_and_sections(kb, pages):
    home = pages[""]
    current = kb.of(ISSUE)[0]
    assert current.id == max(i.id for i in kb.of(ISSUE))
    assert f"本期专刊：{current.title}" in home.text
    assert links_to(pages, "", page_of(current))
    for kind in (STANDARD, METHOD, CASE, ISSUE):
        assert links_to(pages, "", f"{kind.folder}/")
        assert f"{len(kb.of(kind))} {kind.measure}" in home.text


def test_issue_archive_is_newest_first(kb, pages):
    order = [resolve("issues/", href)[0] for href, _ in pages["issues/"].links
             if (r := resolve("issues/", href)) and re.fullmatch(r"issues/\d{4}-\d{2}", r[0])]
    assert order == sorted(order, reverse=True) and len(order) == len(kb.of(ISSUE))


def test_navigation_holds_sections_only(kb, pages):
    nav = [resolve("", a["href"])[0] for _, a in pages[""].links if "md-nav__link" in a.get("class", "") and resolve("", a["href"])]
    assert set(nav) == {"", "standards", "calendar", "methods", "cases", "issues", "units", "tags", "stats", "guide", "about"}
    record_page = pages[page_of(kb.records["sanhui-yike"])]
    assert not [h for h, a in record_page.links if "md-nav__link" in a.get("class", "") and "sanhui-yike" in h]


def test_every_internal_link_and_asset_resolves(sample_site, pages):
    assert check(sample_site, pages) == []


def test_a_missing_asset_or_anchor_is_reported(sample_site, pages, tmp_path):
    """The check that `publish` relies on names what is broken (on a damaged copy of the site)."""
    site = tmp_path / "site"
    shutil.copytree(sample_site, site)
    css = next((site / "assets" / "stylesheets").glob("main.*.min.css"))
    css.unlink()
    (site / "methods" / "sibi-tan" / "index.html").unlink()
    broken = check(site)
    assert "standards/sanhui-yike/ -> ../../assets/stylesheets/" + css.name in broken
    assert [b for b in broken if b.endswith("-> ../methods/sibi-tan/")]  # from a page in methods/


def test_nothing_is_loaded_from_an_outside_host(sample_site, pages):
    """Static scan: scripts, stylesheets, icons, images, frames, manifests, and what stylesheets pull in."""
    assert {"script", "link"} <= {tag for p in pages.values() for tag, _ in p.loads}  # the scan sees them
    outside = [(url, u) for url, p in pages.items() for _, u in p.loads if is_outside(u)]
    assert outside == []
    for css in sample_site.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", text) + re.findall(r"@import\s+['\"]([^'\"]+)", text)
        assert not [u for u in urls if is_outside(u)], css
    assert not [p for p in pages.values() if "fonts.googleapis" in p.path.read_text(encoding="utf-8")]


def test_links_are_relative_so_the_site_works_under_a_sub_path(pages):
    # 404.html is served at any depth, so MkDocs writes it with links from the site root (site_url)
    absolute = [(url, h) for url, p in pages.items() if url != "404.html"
                for h in [h for h, _ in p.links] + [u for _, u in p.loads] if h.startswith("/") and not h.startswith("//")]
    assert absolute == []


def test_chinese_headings_get_readable_anchors(pages):
    page = pages["standards/sanhui-yike/"]
    assert {"依据", "条款要求", "工作流程", "检查清单"} <= page.ids
    assert not [i for i in page.ids if re.fullmatch(r"_\d+", i)]


def test_record_pages_do_not_grow_with_the_knowledge_base(sample_site):
    sizes = {p: p.stat().st_size for p in sample_site.rglob("*.html")}
    largest = max(sizes, key=sizes.get)
    assert sizes[largest] < 60_000, largest


def test_navigation_tabs_lead_to_their_sections_from_every_folder(pages):
    """Pages outside the navigation share one rendering of it per folder (docs/overrides/main.html)."""
    expected = {"标准规范": "standards", "支部工作法": "methods", "典型案例": "cases", "月度专刊": "issues",
                "单位": "units", "标签": "tags", "关于": "about", "首页": ""}
    checked = 0
    for url in ("standards/sanhui-yike/", "cases/jiaodi-ji-jiaozheng/", "methods/sibi-tan/", "issues/2026-06/",
                "tags/党费/", "units/caizheng/", "cases/unit/caizheng/", "standards/category/zuzhi-shenghuo/", "404.html"):
        page = pages[url]
        html = page.path.read_text(encoding="utf-8")
        for label, section in expected.items():
            hrefs = re.findall(r'<a href="([^"]+)" class="md-tabs__link">\s*' + label + r"\s*</a>", html)
            assert hrefs, (url, label)
            for href in hrefs:
                target = resolve(url, href)[0] if not href.startswith("/") else href.strip("/.")  # 404.html: from the root
                assert target == section, (url, label, href)
                checked += 1
    assert checked >= 9 * 8


def test_pages_sharing_a_folder_each_show_their_own_title_and_contents(kb, pages):
    """Record pages are filled into one rendering per folder (docs/overrides/main.html): none may
    show another page's title, skip link or table of contents."""
    for record in kb.records.values():
        html = pages[page_of(record)].path.read_text(encoding="utf-8")
        h1 = re.search(r'<h1 id="([^"]+)">', html)
        assert h1, record.id
        assert re.search(r'<a href="#' + re.escape(h1.group(1)) + '" class="md-skip">', html), record.id
        topic = re.search(r'data-md-component="header-topic">\s*<span class="md-ellipsis">\s*(.*?)\s*</span>', html, re.DOTALL)
        assert topic and topic.group(1) == pages[page_of(record)].h1, record.id  # sample titles hold no & or <
        assert record.title in html[html.index("<title>"):html.index("</title>")], record.id
        toc = html[html.index("md-nav--secondary"):]
        toc_ids = re.findall(r'href="#([^"]+)"', toc[: toc.index("</nav>")])
        assert set(toc_ids) <= pages[page_of(record)].ids, record.id


def test_table_of_contents_lists_each_heading_of_a_record(pages):
    """Generated headings are anchored by kb/render.py and reach Material's table of contents."""
    html = pages["standards/sanhui-yike/"].path.read_text(encoding="utf-8")
    toc = html[html.index('md-nav--secondary'):]
    toc = toc[: toc.index("</nav>")]
    assert re.findall(r'href="#([^"]+)"', toc) == ["速览", "依据", "条款要求", "工作流程", "检查清单", "台账模板", "相关记录", "哪些记录提到了本条"]
    heading = re.search(r'<h2 id="条款要求">条款要求<a class="headerlink" href="#条款要求"[^>]*>¶</a></h2>', html)
    assert heading, "heading with its permalink"


def test_a_standard_shows_its_search_keywords(pages):
    text = pages["standards/sanhui-yike/"].path.read_text(encoding="utf-8")
    assert "关键词：支委会、支部委员会会议" in text


def test_statistics_page_charts_published_records_by_unit_category_and_month(kb, pages):
    page = pages["stats/"]
    html = page.path.read_text(encoding="utf-8")
    charts = re.findall(r'<svg class="tb-chart" role="img"[^>]*aria-label="([^"]+)"', html)
    assert charts == ["各单位报送的工作法和案例数", "典型案例按主题", "支部工作法按类别", "标准规范按类别", "典型案例按月份"]
    for t in kb.taxonomy.units:  # every unit, with the number of methods and cases it sent
        n = sum(1 for r in kb.of(METHOD) + kb.of(CASE) if r.data["unit"] == t.name)
        assert f"<title>{t.name}：{n} 条</title>" in html and f"{t.name} {n} 条" in html  # bar tooltip, description
    for month in {c.date[:7] for c in kb.of(CASE)}:
        n = sum(1 for c in kb.of(CASE) if c.date.startswith(month))
        assert f"<title>{month}：{n} 篇</title>" in html
    assert f"典型案例 {len(kb.of(CASE))} 篇" in page.text
    # drawn at build time: no script beyond what every page loads, nothing from outside
    scripts = [url for tag, url in page.loads if tag == "script"]
    assert scripts == [url for tag, url in pages["about/"].loads if tag == "script"]
    assert not [url for _, url in page.loads if is_outside(url)]


def test_field_reference_lists_every_field_of_every_schema(pages):
    from kb.data.schema import field_reference

    page = pages["guide/fields/"]
    html = page.path.read_text(encoding="utf-8")
    kinds = field_reference()
    assert {k["title"] for k in kinds} == {"典型案例", "月度专刊", "支部工作法", "标准规范", "分类词表", "搜索词表"}
    for kind in kinds:
        for f in kind["fields"]:
            row = f'<tr><td><code>{f["path"]}</code></td><td>{f["title"]}</td><td>{"必填" if f["required"] else "可选"}</td>'
            assert row in html, row
    assert "<code>draft</code></td><td>草稿</td><td>可选</td><td>true 或 false</td>" in html
    assert "<code>publish_date</code></td><td>发布日期</td>" in html
    assert "<code>clauses[].requirement</code></td><td>要求</td><td>必填</td>" in html
    # the hand-written guide leads to it
    assert links_to(pages, "guide/", "guide/fields/")


def test_tables_of_contents_are_shared_only_while_they_match_a_normal_rendering():
    """Pages with the same headings share one rendering of their table of contents (kb/engine/shell.py);
    should the theme read more of a page than its headings, the first renderings compared show it."""
    from types import SimpleNamespace

    from mkdocs.structure.toc import get_toc
    from kb.engine.shell import TocCache

    def page(title: str, headings: list[str]):
        children = [{"level": 2, "id": h, "name": h, "children": []} for h in headings]
        return SimpleNamespace(toc=get_toc([{"level": 1, "id": title, "name": title, "children": children}]))

    cache, rendered = TocCache(), []

    def render(text):
        rendered.append(text)
        return text

    assert cache.render(page("甲", ["做法", "成效"]), lambda: render("甲的目录")) == "甲的目录"
    assert cache.render(page("乙", ["做法"]), lambda: render("乙的目录")) == "乙的目录"  # other headings
    # the same headings under another title: the first pages are still compared, and one differs
    assert cache.render(page("丙", ["做法", "成效"]), lambda: render("甲的目录")) == "甲的目录"
    assert cache.render(page("丁", ["做法", "成效"]), lambda: render("丁的目录")) == "丁的目录"
    assert cache.render(page("戊", ["做法", "成效"]), lambda: render("戊的目录")) == "戊的目录"  # cache off
    assert rendered == ["甲的目录", "乙的目录", "甲的目录", "丁的目录", "戊的目录"]

    cache = TocCache()
    for title in "甲乙丙丁戊":
        cache.render(page(title, ["做法"]), lambda: render("目录"))
    assert rendered[5:] == ["目录"] * (1 + 2)  # compared twice, then shared


def test_a_search_index_that_cannot_be_written_is_reported_in_chinese(tmp_path):
    from kb.outputs.base import OutputPage
    from kb.outputs.search import SearchIndex, SearchIndexError

    index = SearchIndex()
    index.take(OutputPage("a/", "甲", "<p>正文</p>"))
    (tmp_path / "search").write_text("一个文件，不是文件夹", encoding="utf-8")
    index.complete(tmp_path)
    with pytest.raises(SearchIndexError, match="生成搜索索引失败：写入搜索索引失败") as failed:
        index.wait()
    assert "Traceback" not in str(failed.value)


def test_a_missing_file_of_the_search_index_is_named(sample_site, tmp_path):
    from kb.outputs.search import problems

    assert problems(sample_site) == []
    site = tmp_path / "site"
    shutil.copytree(sample_site / "search", site / "search")
    page = next(site.glob("search/*/p/3.js"))
    page.unlink()
    assert problems(site) == [f"搜索索引缺少 1 个文件，如 search/{page.parent.parent.name}/p/3.js"]
    (site / "search" / "index.js").write_text("window.x = 1;\n", encoding="utf-8")
    assert problems(site) == ["搜索索引 search/index.js 已损坏"]




def test_the_last_search_index_stays_whole_until_the_new_one_replaces_it(tmp_path, monkeypatch):
    """A reader whose page loaded the last manifest keeps finding its files while the index is made again (the preview
    makes it after every save): the last version goes only once the manifest leads to the new one, and the files that
    did not change are the last version's, not written again."""
    from kb.outputs import search

    def page(n: int, text: str) -> dict:
        return {"rank": [0, f"2026-0{n}-01", f"第{n}条"], "url": f"standards/s{n}/", "title": f"第{n}条", "kind": "标准",
                "unit": "", "date": f"2026-0{n}-01", "facets": ["标准规范", "", "", "2026"], "keywords": "", "summary": "",
                "text": text, "terms": []}

    site = tmp_path / "site"
    pages = [page(1, "党费收缴的标准"), page(2, "支部委员会每月召开一次"), page(3, "发展党员的程序")]
    search.make_index(pages, site / "search")
    last = next(p for p in (site / "search").iterdir() if p.is_dir())
    unchanged = {p.relative_to(last): p.stat().st_ino for p in last.rglob("p/*.js")}
    finish = search._Folder.finish

    def finishing(self, version):
        assert search.problems(site) == []  # the last manifest's files are all there while the new index is made
        finish(self, version)

    monkeypatch.setattr(search._Folder, "finish", finishing)
    pages[2] = page(3, "发展党员的程序和时限")
    search.make_index(pages, site / "search")
    assert search.problems(site) == []
    new = [p for p in (site / "search").iterdir() if p.is_dir()]
    assert len(new) == 1 and new[0] != last
    kept = {rel: (new[0] / rel).stat().st_ino for rel in unchanged}
    assert sum(kept[rel] == unchanged[rel] for rel in unchanged) == 2  # pages 1 and 2: the same files
