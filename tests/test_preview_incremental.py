"""The preview's rebuilds (issue 15): after any sequence of saved edits, added and deleted records in one
`serve --dirty` session, the site served is the site a fresh preview build of the same data writes, page for
page; an edit that makes the data invalid shows the problem page, and fixing it brings the pages back.

The preview server's own builds are driven here (kb/engine/serve.py): its first build, then the configuration
loaded again and the dirty build run again after each change, with one hook session.
"""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import pytest
from helpers import ROOT, free_port, preview_data

from kb.data.load import load_knowledge_base
from kb import build as build_module
from kb import preview as preview_module
from kb.outputs.base import OutputError
from kb.engine.serve import PreviewServer
from kb.engine.session import BuildSession, find_session

class ServeLoop:
    """The preview server's builds (kb/engine/serve.py), without its HTTP requests and its watcher: the first
    build (the navigation's pages, then the whole site), then one build per change."""

    def __init__(self, port: int):
        self.server = PreviewServer(ROOT / "mkdocs.yml", "127.0.0.1", port)  # the port is in the pages' addresses
        self.site = self.server.site_dir
        self.server.config.plugins.on_startup(command="serve", dirty=True)
        self.session = find_session(self.server.config)
        self.started = False

    def rebuild(self) -> None:
        if not self.started:
            self.server.first_build()
            self.started = True
        else:
            assert self.server.build()

    def page(self, uri: str) -> str:
        return (self.site / uri / "index.html").read_text(encoding="utf-8")

    def close(self) -> None:
        self.server.config.plugins.on_shutdown()
        self.server.http.server_close()
        shutil.rmtree(self.site, ignore_errors=True)


def pages(site: Path) -> dict[str, bytes]:
    """Every file of the site but the search index (made in the background, its files named by their content)."""
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*")
            if p.is_file() and not p.relative_to(site).as_posix().startswith("search/")}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name}: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def data(tmp_path, monkeypatch):
    return preview_data(tmp_path, monkeypatch, 240, 3)


def test_pages_after_edits_adds_and_deletes_equal_a_fresh_build(data, tmp_path, monkeypatch):
    kb, problems = load_knowledge_base(data, include_drafts=True)
    assert not problems
    cases = sorted(r for r in kb.records if r.startswith("case-"))
    standard = "standard-00001"
    cited = kb.incoming[standard]
    unlinked = next(c for c in reversed(cases) if c not in kb.incoming and c not in kb.issue_of_case)
    issue = next(r for r in kb.records.values() if r.kind.name == "issue" and len(r.data["cases"]) >= 2)
    std_title = kb.records[standard].title

    port = free_port()
    loop = ServeLoop(port)
    try:
        loop.rebuild()
        assert std_title in loop.page(f"standards/{standard}")

        # a case's body
        edit(data / f"cases/{cases[0]}.yml", "## 背景\n\n", "## 背景\n\n  新写的一段话：预览里立即看到。\n\n")
        loop.rebuild()
        assert "新写的一段话：预览里立即看到。" in loop.page(f"cases/{cases[0]}")

        # a standard's title: on its page, its backlinks' pages and its listings
        edit(data / f"standards/{standard}.yml", f"title: {std_title}", f"title: {std_title}（修订）")
        loop.rebuild()
        assert f"{std_title}（修订）" in loop.page(f"standards/{standard}")
        assert f"{std_title}（修订）" in loop.page(f"{cited[0].source.kind.folder}/{cited[0].source.id}")

        # a new record, then one deleted
        text = (data / f"cases/{unlinked}.yml").read_text(encoding="utf-8")
        (data / "cases/case-new-one.yml").write_text(
            text.replace(f"id: {unlinked}", "id: case-new-one").replace("title: ", "title: 新增的案例", 1), encoding="utf-8")
        loop.rebuild()
        assert "新增的案例" in loop.page("cases/case-new-one")
        (data / f"cases/{unlinked}.yml").unlink()
        loop.rebuild()
        assert not (loop.site / "cases" / unlinked).exists()

        # an issue's order of cases (previous and next), and a record made a draft
        first, second = issue.data["cases"][:2]
        edit(data / f"issues/{issue.id}.yml", f"- {first}\n- {second}\n", f"- {second}\n- {first}\n")
        edit(data / f"cases/{cases[1]}.yml", "title: ", "draft: true\ntitle: ")
        loop.rebuild()
        assert "草稿" in loop.page(f"cases/{cases[1]}")

        # a unit's address in the taxonomy: every page again, the unit's old pages gone
        taxonomy = data / "taxonomy.yml"
        slug = re.search(r"slug: (\S+)", taxonomy.read_text(encoding="utf-8"))[1]
        edit(taxonomy, f"slug: {slug}\n", f"slug: {slug}-renamed\n")
        loop.rebuild()
        assert (loop.site / "units" / f"{slug}-renamed" / "index.html").is_file()
        assert not (loop.site / "units" / slug).exists()

        # invalid, then fixed
        broken = data / f"cases/{cases[2]}.yml"
        good = broken.read_text(encoding="utf-8")
        broken.write_text(re.sub(r"\ntheme: .*\n", "\ntheme: 没有这个主题\n", good), encoding="utf-8")
        loop.rebuild()
        home = (loop.site / "index.html").read_text(encoding="utf-8")
        assert "数据检查发现 1 个问题" in home and "没有这个主题" in home
        broken.write_text(good, encoding="utf-8")
        loop.rebuild()
        assert "数据有问题" not in (loop.site / "index.html").read_text(encoding="utf-8")
        served = pages(loop.site)
    finally:
        loop.close()

    assert_a_fresh_build_writes(served, port, monkeypatch)


def assert_a_fresh_build_writes(served: dict[str, bytes], port: int, monkeypatch) -> None:
    """The pages the preview served are those of one whole build of the same data, file for file."""
    expected = fresh_pages(port, monkeypatch)
    assert sorted(served) == sorted(expected)
    assert [name for name in expected if served[name] != expected[name]] == []


def fresh_pages(port: int, monkeypatch) -> dict[str, bytes]:
    """The pages of one whole preview build from nothing, with a session of its own."""
    fresh_session = BuildSession()
    probe = ServeLoop(port)
    for plugin in probe.server._load().plugins.values():
        if isinstance(getattr(plugin, "session", None), BuildSession):
            monkeypatch.setattr(plugin, "session", fresh_session)
    probe.close()
    fresh = ServeLoop(port)
    try:
        assert fresh.server.build()  # one whole build, as from nothing (not the navigation first)
        return pages(fresh.site)
    finally:
        fresh.close()


def test_a_preview_started_on_invalid_data_once_fixed_equals_a_fresh_build(data, monkeypatch):
    """The first build shows the problem page; the hand-written pages, written then without the pages they
    link to, are written again once the data is fixed."""
    broken = next((data / "cases").glob("*.yml"))
    good = broken.read_text(encoding="utf-8")
    broken.write_text(re.sub(r"\ntheme: .*\n", "\ntheme: 没有这个主题\n", good), encoding="utf-8")
    port = free_port()
    loop = ServeLoop(port)
    try:
        loop.rebuild()
        assert "没有这个主题" in (loop.site / "index.html").read_text(encoding="utf-8")
        broken.write_text(good, encoding="utf-8")
        loop.rebuild()
        served = pages(loop.site)
    finally:
        loop.close()
    assert_a_fresh_build_writes(served, port, monkeypatch)


def test_the_calendar_file_and_ledger_forms_follow_an_edit_of_what_they_are_made_of(data, monkeypatch):
    """Both are kept between rebuilds (kb/outputs/ical.py, kb/outputs/ledger.py): an edited standard makes them again."""
    standard = data / "standards/standard-00001.yml"
    text = standard.read_text(encoding="utf-8")
    title = re.search(r"^title: (.+)$", text, re.M)[1]
    form = re.search(r"^forms:\n- name: (.+)$", text, re.M)[1]
    ics, docx = "calendar/toolbook.ics", "standards/standard-00001/taizhang-1.docx"
    port = free_port()
    loop = ServeLoop(port)
    try:
        loop.rebuild()
        before = pages(loop.site)
        edit(standard, f"title: {title}\n", f"title: {title}修订版\n")
        loop.rebuild()
        retitled = pages(loop.site)
        edit(standard, f"- name: {form}\n", f"- name: {form}（新）\n")
        loop.rebuild()
        renamed = pages(loop.site)
        forms = re.search(r"^forms:\n(?:[- ].*\n)*", standard.read_text(encoding="utf-8"), re.M)[0]
        edit(standard, forms, "")
        loop.rebuild()
        without = pages(loop.site)
    finally:
        loop.close()
    assert retitled[ics] != before[ics] and f"{title}修订版" in retitled[ics].decode("utf-8").replace("\r\n ", "")
    assert retitled[docx] != before[docx] and renamed[docx] != retitled[docx]
    assert renamed[ics] == retitled[ics]  # a form is not in the calendar
    # the standard's forms taken out: their documents are gone from the preview, as from a fresh build
    assert docx not in without and "taizhang-1.docx" not in without["standards/standard-00001/index.html"].decode("utf-8")
    expected = fresh_pages(port, monkeypatch)
    assert without == expected


class FailingIndex:
    """A search index (kb.outputs.base.Output) that fails when it is written."""

    def __init__(self, words=None, texts=None):
        pass

    def take(self, page):
        pass

    def complete(self, site_dir):
        pass

    def wait(self):
        raise OutputError("生成搜索索引失败：磁盘已满")

    def close(self):
        pass


class SlowIndex(FailingIndex):
    """A search index whose process runs until it is closed (then it fails, as a killed process does)."""

    made: list[SlowIndex] = []

    def __init__(self, words=None, texts=None):
        self.writing, self.stopped = threading.Event(), threading.Event()
        SlowIndex.made.append(self)

    def wait(self):
        self.writing.set()
        assert self.stopped.wait(60), "the indexer was never stopped"
        raise OutputError("生成搜索索引失败：建立索引的进程意外退出（退出码 -9）")

    def close(self):
        self.stopped.set()


def test_a_save_stops_the_search_index_being_made_and_that_is_no_failure(data, tmp_path, monkeypatch):
    """The indexer's process would take the second core from the rebuild: a save ends it at once."""
    monkeypatch.setattr(build_module, "SearchIndex", SlowIndex)
    SlowIndex.made.clear()
    monkeypatch.setattr(preview_module, "INDEX_AFTER", 0)
    loop = ServeLoop(free_port())
    try:
        loop.rebuild()
        job = loop.session.preview._job
        assert job is not None and SlowIndex.made and SlowIndex.made[0].writing.wait(60)
        edit(data / "standards/standard-00001.yml", "title: ", "title: 又改了")
        loop.rebuild()
        assert SlowIndex.made[0].stopped.is_set() and job.finished.wait(60)
        assert loop.session.preview.failure is None
        assert "搜索索引出错" not in (loop.site / "index.html").read_text(encoding="utf-8")
        assert "又改了" in loop.page("standards/standard-00001")
    finally:
        loop.close()


def test_a_failed_search_index_shows_on_the_problem_page_and_the_next_save_brings_the_site_back(data, tmp_path, monkeypatch):
    monkeypatch.setattr(build_module, "SearchIndex", FailingIndex)
    loop = ServeLoop(free_port())
    try:
        loop.rebuild()
        job = loop.session.preview._job
        job._thread.join(timeout=60)
        assert loop.session.preview.failure == "生成搜索索引失败：磁盘已满"
        loop.rebuild()  # the rebuild the preview asks the server for
        home = (loop.site / "index.html").read_text(encoding="utf-8")
        assert "搜索索引出错" in home and "生成搜索索引失败：磁盘已满" in home
        assert "搜索索引出错" in loop.page("standards")
        monkeypatch.undo()
        monkeypatch.setenv("TOOLBOOK_DATA", str(data))
        monkeypatch.setenv("TOOLBOOK_TODAY", "2026-12-01")
        edit(data / "standards/standard-00001.yml", "title: ", "title: 再次保存")
        loop.rebuild()
        home = (loop.site / "index.html").read_text(encoding="utf-8")
        assert "搜索索引出错" not in home and "党建口袋工具书" in home
        assert "再次保存" in loop.page("standards/standard-00001")
    finally:
        loop.close()
