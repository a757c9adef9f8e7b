"""`bench --anchor` (kb/dev/anchor.py): the records converted into a Hugo site page for page, Hugo and Pagefind
building it, and the command's usage errors and report. Hugo and Pagefind are not part of CI (.ci/run): the tests
that run them are skipped, saying why, where they are missing."""

from __future__ import annotations

import html
import json
import shutil

import pytest
from helpers import toolbook

from kb.data.model import CASE, KINDS
from kb.dev import anchor
from kb.dev.synth import synthesize

NO_HUGO = "没有安装 hugo（Debian 软件包 hugo）：不在 CI 中安装，本机 apt-get install -y hugo 后运行"
NO_PAGEFIND = "没有安装 Pagefind（requirements-anchor.txt）"


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """30 synthetic records, read as the project's build reads them, and the Hugo site made of them."""
    work = tmp_path_factory.mktemp("anchor")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TOOLBOOK_TODAY", "2026-12-01")
        synthesize(30, work / "data", seed=1)
        kb = anchor.load(work / "data")
    counts = anchor.write_hugo_site(kb, work / "hugo")
    return kb, work, counts


def test_the_converter_writes_one_page_per_record_with_its_front_matter(converted):
    kb, work, counts = converted
    content = work / "hugo" / "content"
    published = [r for r in kb.records.values() if r.id not in kb.drafts]
    assert counts["records"] == len(published) >= 25
    pages = sorted(p for p in content.glob("*/*.md") if p.name != "_index.md")
    assert [p.relative_to(content).as_posix() for p in pages] == sorted(f"{r.kind.folder}/{r.id}.md" for r in published)
    assert {p.parent.name for p in content.glob("*/_index.md")} == {kind.folder for kind in KINDS}
    for record in published:
        path = content / record.kind.folder / f"{record.id}.md"
        matter = anchor.read_front_matter(path)
        assert matter["title"] == record.title and matter["id"] == record.id and matter["recordkind"] == record.kind.name
        assert matter["recorddate"] == record.date and matter["date"][:len(record.date)] == record.date
        assert matter.get("units") == ([record.data["unit"]] if "unit" in record.data else None)
        assert matter.get("categories") == ([record.data["category"]] if "category" in record.data else None)
        assert matter.get("themes") == ([record.data["theme"]] if "theme" in record.data else None)
        assert matter.get("years") == ([record.year] if record.kind is CASE else None)
        assert matter.get("tags") == (record.tags or None)
        body = path.read_text(encoding="utf-8")
        if isinstance(record.data.get("summary"), str):
            assert record.data["summary"].strip() in body
        for link in kb.outgoing.get(record.id, []):  # references are links to the pages of the records they name
            assert f"(/{link.target.kind.folder}/{link.target.id}/)" in body
    case = next(r for r in published if r.kind is CASE)
    body = (content / "cases" / f"{case.id}.md").read_text(encoding="utf-8")
    assert "## 正文" in body and case.data["body"].strip() in body  # Chinese field titles, Markdown as written
    config = (work / "hugo" / "hugo.toml").read_text(encoding="utf-8")
    assert f"paginate = {anchor.PAGE_SIZE}" in config and 'tag = "tags"' in config and 'year = "years"' in config
    assert (work / "hugo" / "layouts" / "_default" / "single.html").read_text(encoding="utf-8").count("data-pagefind-body") == 1


def test_a_record_date_becomes_a_date_hugo_sorts_by():
    assert anchor._hugo_date("2026-11-24") == "2026-11-24"
    assert anchor._hugo_date("2026-11") == "2026-11-01"
    assert anchor._hugo_date("2022") == "2022-01-01"
    assert anchor._hugo_date("") == "2000-01-01"


@pytest.mark.skipif(shutil.which("hugo") is None, reason=NO_HUGO)
def test_hugo_builds_the_converted_site_with_a_page_per_record(converted):
    kb, work, _ = converted
    public = work / "public"
    measured = anchor.hugo(work / "hugo", public, work / "hugo-cache")
    assert measured["seconds"] > 0 and measured["peak_rss_mb"] > 0
    published = [r for r in kb.records.values() if r.id not in kb.drafts]
    for record in published:
        page = (public / record.kind.folder / record.id / "index.html").read_text(encoding="utf-8")
        assert "data-pagefind-body" in page and html.escape(record.title, quote=False) in page
    for kind in KINDS:
        assert (public / kind.folder / "index.html").is_file()
    tag = next(t for r in published for t in r.tags)
    assert (public / "tags" / tag / "index.html").is_file() and (public / "tags" / "index.html").is_file()
    unit = next(r.data["unit"] for r in published if "unit" in r.data)
    assert (public / "units" / unit / "index.html").is_file()
    record_pages = sum(1 for p in public.rglob("index.html") if "data-pagefind-body" in p.read_text(encoding="utf-8"))
    assert record_pages == len(published)
    assert "0.111" in anchor.hugo_version() or "hugo v" in anchor.hugo_version()


@pytest.mark.skipif(shutil.which("hugo") is None, reason=NO_HUGO)
@pytest.mark.skipif(anchor.pagefind_version() is None, reason=NO_PAGEFIND)
def test_pagefind_indexes_the_record_pages_only(converted):
    kb, work, _ = converted
    public = work / "public-pagefind"
    anchor.hugo(work / "hugo", public, work / "hugo-cache")
    measured = anchor.pagefind(public)
    assert measured["seconds"] > 0
    entry = json.loads((public / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert sum(lang["page_count"] for lang in entry["languages"].values()) == len(kb.records)


def test_without_hugo_the_anchor_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(anchor.shutil, "which", lambda name: None)
    with pytest.raises(anchor.AnchorUnavailable, match="apt-get install -y hugo"):
        anchor.run(10, 1, keep=tmp_path / "kept")
    assert not (tmp_path / "kept").exists()  # nothing synthesized before saying so


def test_the_report_is_a_chinese_table_with_the_ratio():
    def m(seconds, mb):
        return {"seconds": seconds, "peak_rss_mb": mb, "peak_tree_rss_mb": mb * 1.5}
    rows = [{"round": n, "project": m(30.0 + n, 400), "hugo": m(20.0, 1000), "pagefind": m(10.0, 1600),
             "peer_seconds": 30.0, "ratio": (30.0 + n) / 30.0} for n in (1, 2)]
    result = {"records": 10000, "seed": 1, "rounds": rows, "ratio_of_sums": 63 / 60,
              "project_output": {"html_pages": 12561, "output_mb": 324.0},
              "peer_output": {"html_pages": 11000, "output_mb": 200.0, "pagefind_mb": 50.0},
              "hugo_version": "hugo v0.111.3", "pagefind_version": "1.5.2"}
    text = anchor.table(result)
    assert "| 1 | 31.0 | 400 / 600 | 20.0 | 1000 | 10.0 | 1600 / 2400 | 30.0 | 1.03 |" in text
    assert "两轮合计的比值：1.05（目标 ≤ 0.8）" in text and "12561 个 HTML 页面" in text


@pytest.mark.parametrize("args, message", [
    (("--anchor", "--preview"), "--anchor 不能与"),
    (("--anchor", "--release"), "--anchor 不能与 --preview、--desk、--search 或 --release 同用"),
    (("--release", "--search"), "--release 不能与 --preview、--desk、--search 或 --anchor 同用"),
    (("--release", "--records", "5"), "--records 应为不少于 10 的记录数（--release 默认 10000）"),
    (("--anchor", "--records", "5"), "--records 应为不少于 10"),
])
def test_bench_anchor_and_release_usage_errors(args, message, tmp_path):
    result = toolbook("bench", *args, "--json", str(tmp_path / "bench.json"), timeout=120)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not (tmp_path / "bench.json").exists()
