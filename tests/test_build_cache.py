"""The build cache on disk (issue 27, kb/cache.py): what one command read and made is kept for the next, and the
result never depends on it.

- `check` and `build` go on from the readings the last command kept: after a sequence of edits, adds, deletes, a
  taxonomy change, a schema change, a date change, a new program version and a half-written cache, what they
  report and write equals what they report and write without the cache.
- `serve` goes on from the pages the last preview of the same data kept: it renders only what changed since, and
  its site equals a fresh preview build; a preview stopped while it wrote leaves nothing the next one trusts.
- A damaged or foreign cache is said in one line and ignored.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from helpers import ROOT, check, free_port, preview_data
from test_preview_incremental import ServeLoop, edit, fresh_pages, pages

from kb import cache
from kb.data.load import ReadCache, load, load_knowledge_base
from kb.engine.build import build
from kb.engine.session import BuildSession, SiteFiles
from kb.settings import Settings
from kb.site.plan import build_site


def site_of(settings: Settings, *, cached: bool) -> tuple[list, dict[str, str]]:
    """The problems and every page's HTML by address, read with the readings the last command kept (and keeping
    them, as a command does) or from nothing."""
    reads = cache.readings(settings) if cached else ReadCache()
    kb, problems = load(settings, reads)
    if cached:
        cache.keep_readings(settings, reads)
    if kb is None:
        return [str(p) for p in problems], {}
    built, _ = build_site(kb)
    return [], {page.src_uri: page.title_html + page.body for page in built}


def test_readings_kept_between_commands_never_change_what_they_find(tmp_path, monkeypatch, capsys):
    data = preview_data(tmp_path, monkeypatch, 120, 5)
    schema = data / "schema"
    shutil.copytree(ROOT / "data" / "schema", schema)  # the data folder's own schema, to be changed
    settings = Settings.read(data)
    cases = sorted((data / "cases").glob("*.yml"))
    issue = sorted((data / "issues").glob("*.yml"))[-1]
    seen = []

    def same(step: str) -> None:
        with_cache = site_of(settings, cached=True)
        assert with_cache == site_of(settings, cached=False), step
        seen.append((step, with_cache))

    same("first")
    assert cache.Kept(settings, "readings").path.is_file()
    title = re.search(r"^title: (.+)$", cases[0].read_text(encoding="utf-8"), re.M)[1]
    edit(cases[0], f"title: {title}\n", f"title: {title}（修订）\n")
    same("edited")
    shutil.copy(cases[1], data / "cases" / "zz-copied.yml")
    edit(data / "cases" / "zz-copied.yml", f"id: {cases[1].stem}\n", "id: zz-copied\n")
    same("added")
    (data / "cases" / "zz-copied.yml").unlink()
    same("deleted")
    edit(data / "taxonomy.yml", "units:\n", "units:\n  - name: 市新设局\n    slug: shi-xinshe-ju\n")
    same("taxonomy")
    # a stricter schema: a title of more than 6 characters is now a problem the cached readings must not hide
    edit(schema / "case.json", '"title": {', '"title": {"maxLength": 6, ')
    same("schema")
    assert seen[-1][1][0] and "title" in seen[-1][1][0][0]
    edit(schema / "case.json", '"title": {"maxLength": 6, ', '"title": {')
    same("schema back")
    publish_date = re.search(r"^publish_date: (\S+)$", issue.read_text(encoding="utf-8"), re.M)
    monkeypatch.setenv("TOOLBOOK_TODAY", "2030-01-01")  # a later day: scheduled issues are out
    settings = Settings.read(data)
    same("date")
    monkeypatch.setattr(cache, "program", lambda: "another version")
    same("program")
    kept = cache.Kept(settings, "readings").path
    kept.write_bytes(kept.read_bytes()[: kept.stat().st_size // 2])  # as a killed command leaves it
    capsys.readouterr()
    same("half written")
    said = capsys.readouterr().err
    assert said.count("\n") == 1 and "已损坏或只写了一半" in said
    assert publish_date is None or seen[-3][1] != seen[-4][1]  # the date mattered, when an issue was scheduled


def test_check_says_a_damaged_or_foreign_cache_in_one_line_and_finds_a_new_problem(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    env = {"TOOLBOOK_DATA": str(data)}
    first = check(env=env)
    assert first.returncode == 0, first.stderr
    settings = Settings.read(data)
    kept = cache.Kept(settings, "readings").path
    assert kept.is_file()
    again = check(env=env)
    assert again.returncode == 0 and "构建缓存" not in again.stderr

    kept.write_bytes(b"\0" * 100)
    damaged = check(env=env)
    assert damaged.returncode == 0, damaged.stderr
    assert [line for line in damaged.stderr.splitlines() if "构建缓存" in line] == [
        f"构建缓存 {kept} 已损坏或只写了一半，已忽略，本次从头生成（之后会重新保存）。"]

    other = tmp_path / "other"
    shutil.copytree(ROOT / "data", other)
    assert check(env={"TOOLBOOK_DATA": str(other)}).returncode == 0
    shutil.copy(cache.Kept(Settings.read(other), "readings").path, kept)  # another data folder's readings
    foreign = check(env=env)
    assert foreign.returncode == 0
    assert "与本次的程序版本、数据目录或设置（如预览地址）不一致" in foreign.stderr

    case = sorted((data / "cases").glob("*.yml"))[0]
    edit(case, "\ntitle: ", "\ntitle: \n  - 不是文字\nsummary_x: ")  # a new problem in a file read before
    broken = check(env=env)
    assert broken.returncode == 1
    assert f"cases/{case.name}" in broken.stdout


def test_a_build_with_the_kept_readings_equals_one_without(tmp_path, monkeypatch):
    data = preview_data(tmp_path, monkeypatch, 60, 9)
    settings = Settings.read(data)
    build(settings, tmp_path / "first")  # keeps the readings
    case = sorted((data / "cases").glob("*.yml"))[2]
    title = re.search(r"^title: (.+)$", case.read_text(encoding="utf-8"), re.M)[1]
    edit(case, f"title: {title}\n", f"title: {title}（改）\n")
    build(settings, tmp_path / "cached")
    shutil.rmtree(cache.folder(settings))
    build(settings, tmp_path / "fresh")
    cached, fresh = pages(tmp_path / "cached"), pages(tmp_path / "fresh")
    assert f"{title}（改）" in cached[f"cases/{case.stem}/index.html"].decode("utf-8")
    assert sorted(cached) == sorted(fresh)
    assert [name for name in fresh if cached[name] != fresh[name]] == []


@pytest.fixture
def rendered(monkeypatch):
    """How many pages each build of the preview rendered (the others it kept as they were)."""
    counts = {"rendered": 0, "kept": 0}
    add = SiteFiles.add

    def counting(self, page):
        counts["rendered" if page.changed else "kept"] += 1
        return add(self, page)

    monkeypatch.setattr(SiteFiles, "add", counting)
    return counts


def start_again(port: int, counts: dict) -> ServeLoop:
    """A new preview server of the same data (as `serve` started again), its first build done."""
    counts.update(rendered=0, kept=0)
    loop = ServeLoop(port)
    loop.rebuild()
    return loop


def stop(loop: ServeLoop) -> None:
    """`serve` ended (Ctrl+C): what its last build read and made is kept, its folder too."""
    loop.server.config.plugins.on_shutdown()
    loop.server.http.server_close()
    loop.server._folder_lock.release()


def test_a_preview_started_again_renders_only_what_changed_and_equals_a_fresh_build(tmp_path, monkeypatch, rendered):
    data = preview_data(tmp_path, monkeypatch, 160, 4)
    port = free_port()
    stop(start_again(port, rendered))
    whole = rendered["rendered"]
    assert whole > 200

    loop = start_again(port, rendered)  # nothing changed
    assert rendered["rendered"] == 0 and rendered["kept"] >= whole
    assert loop.site == cache.folder(Settings.read(data)) / "site"
    stop(loop)

    cases = sorted((data / "cases").glob("*.yml"))
    kb, _ = load_knowledge_base(data, include_drafts=True)
    gone = next(c for c in reversed(cases) if c.stem not in kb.incoming and c.stem not in kb.issue_of_case)
    title = re.search(r"^title: (.+)$", cases[3].read_text(encoding="utf-8"), re.M)[1]
    edit(cases[3], f"title: {title}\n", f"title: {title}（新标题）\n")
    gone.unlink()
    monkeypatch.setenv("TOOLBOOK_TODAY", "2027-01-05")  # a new month: this month's duties change
    loop = start_again(port, rendered)
    try:
        assert 0 < rendered["rendered"] < whole / 4
        served = pages(loop.site)
    finally:
        stop(loop)
    assert f"{title}（新标题）" in served[f"cases/{cases[3].stem}/index.html"].decode("utf-8")
    assert f"cases/{gone.stem}/index.html" not in served
    assert "2027年1月" in served["calendar/index.html"].decode("utf-8")
    expected = fresh_pages(port, monkeypatch)
    assert sorted(served) == sorted(expected)
    assert [name for name in expected if served[name] != expected[name]] == []


def test_a_preview_stopped_while_it_wrote_or_of_another_program_leaves_nothing_trusted(tmp_path, monkeypatch, rendered):
    data = preview_data(tmp_path, monkeypatch, 80, 6)
    port = free_port()
    stop(start_again(port, rendered))
    whole = rendered["rendered"]

    # the next preview is killed while it writes its pages: after a change, half of them written
    case = sorted((data / "cases").glob("*.yml"))[1]
    title = re.search(r"^title: (.+)$", case.read_text(encoding="utf-8"), re.M)[1]
    edit(case, f"title: {title}\n", f"title: {title}（半途）\n")
    add = SiteFiles.add
    made = []

    def killed(self, page):
        made.append(page)
        if len(made) > whole // 2:
            raise KeyboardInterrupt  # the process ends here: nothing after this runs
        return add(self, page)

    monkeypatch.setattr(SiteFiles, "add", killed)
    loop = ServeLoop(port)
    with pytest.raises(KeyboardInterrupt):
        loop.rebuild()
    loop.server.http.server_close()
    loop.server._folder_lock.release()  # the process is gone: its lock with it
    monkeypatch.setattr(SiteFiles, "add", add)

    loop = start_again(port, rendered)  # nothing kept is trusted: every page is rendered again
    assert rendered["rendered"] == whole
    stop(loop)
    monkeypatch.setattr(cache, "program", lambda: "another version")  # an upgrade, or an edited theme override
    loop = start_again(port, rendered)
    try:
        assert rendered["rendered"] == whole
        served = pages(loop.site)
    finally:
        stop(loop)
    assert f"{title}（半途）" in served[f"cases/{case.stem}/index.html"].decode("utf-8")
    expected = fresh_pages(port, monkeypatch)
    assert [name for name in expected if served.get(name) != expected[name]] == []
    assert sorted(served) == sorted(expected)


def serve_until_built(data: Path, port: int) -> str:
    """`toolbook.py serve` over `data` until its whole first build is done, then stopped as Ctrl+C stops it; what it
    said when the build was done."""
    import signal
    import subprocess
    import sys

    from kb.platform import child_env

    env = child_env(TOOLBOOK_DATA=str(data), TOOLBOOK_TODAY="2026-12-01")
    server = subprocess.Popen([sys.executable, "scripts/toolbook.py", "serve", "--addr", f"127.0.0.1:{port}"],
                              cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        said = []
        for line in server.stderr:
            said.append(line)
            if "预览已全部生成" in line:
                return "".join(said)
        raise AssertionError("the preview ended before its first build was done")
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)


def test_serve_started_again_says_it_went_on_from_the_last_previews_pages(tmp_path, monkeypatch):
    """Across processes (the pages' keys are hashes: they must come out the same in the next process)."""
    data = preview_data(tmp_path, monkeypatch, 40, 8)
    port = free_port()  # the same address: the pages hold it
    first = serve_until_built(data, port)
    assert "沿用" not in first
    again = serve_until_built(data, port)
    site = cache.folder(Settings.read(data)) / "site"
    made = sum(1 for _ in site.rglob("index.html")) - sum(1 for _ in (ROOT / "docs").glob("*.md"))
    kept = int(re.search(r"沿用上次预览生成的页面 (\d+) 个", again)[1])
    assert kept == made, again


def test_the_desks_first_list_is_the_last_desks_while_no_file_changed(tmp_path, monkeypatch):
    from kb.desk.records import Desk

    data = preview_data(tmp_path, monkeypatch, 30, 2)
    settings = Settings.read(data, drafts=True)
    listed = Desk(settings).list_records()
    waiting = Desk(settings)
    waiting.expect_readings()  # as in the next preview: its first readings still to come

    def read(*args, **kwargs):
        raise AssertionError("the desk read the data folder instead of answering with the kept list")

    monkeypatch.setattr(waiting, "_load", read)
    assert waiting.list_records() == listed  # answered at once, from the list kept on disk

    case = sorted((data / "cases").glob("*.yml"))[0]
    title = re.search(r"^title: (.+)$", case.read_text(encoding="utf-8"), re.M)[1]
    edit(case, f"title: {title}\n", f"title: {title}（改过）\n")
    desk = Desk(settings)
    changed = desk.list_records()
    assert [r["title"] for r in changed["records"] if r["id"] == case.stem] == [f"{title}（改过）"]

    # a save in the desk, then the preview ends: the next desk's first list is the list as the data is now
    opened = desk.open_record("case", case.stem)
    saved = desk.save_record("case", case.stem, {**opened["values"], "title": f"{title}（存过）"}, opened["version"])
    assert "version" in saved
    desk.keep_list()
    later = Desk(settings)
    later.expect_readings()
    monkeypatch.setattr(later, "_load", read)
    assert [r["title"] for r in later.list_records()["records"] if r["id"] == case.stem] == [f"{title}（存过）"]


# -- `build` and `publish` keep their pages (kb.engine.build with keep=True) --------------------------------------

def every_file(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def test_a_build_that_keeps_its_pages_equals_a_fresh_build_after_any_change(tmp_path, monkeypatch, capsys):
    data = preview_data(tmp_path, monkeypatch, 70, 11)
    site, fresh = tmp_path / "site", tmp_path / "fresh"
    cases = sorted((data / "cases").glob("*.yml"))
    issue = sorted((data / "issues").glob("*.yml"))[-1]
    steps = []

    def same(step: str, data_changed: bool = True):
        """The kept build equals a fresh one (made again only when the data or the day changed since the last)."""
        settings = Settings.read(data)
        built = build(settings, site, keep=True)  # with the pages' search texts as the last build's index read them
        if data_changed:
            shutil.rmtree(fresh, ignore_errors=True)
            cache.Kept(settings, "search-texts").path.unlink()  # the fresh build reads every page's text
            build(settings, fresh)
        mine, theirs = every_file(site), every_file(fresh)
        assert sorted(mine) == sorted(theirs), step
        assert [name for name in theirs if mine[name] != theirs[name]] == [], step
        steps.append((step, built.rendered, built.kept))
        return built

    whole = same("first").rendered
    assert whole > 100
    built = same("nothing changed", data_changed=False)
    assert built.rendered == 0 and built.kept == whole

    title = re.search(r"^title: (.+)$", cases[0].read_text(encoding="utf-8"), re.M)[1]
    edit(cases[0], f"title: {title}\n", f"title: {title}（修订）\n")
    assert 0 < same("edited").rendered < whole / 4
    # next month's issue with a new case, as an editor's month adds it
    new_case = data / "cases" / "zz-new-case.yml"
    shutil.copy(cases[1], new_case)
    edit(new_case, f"id: {cases[1].stem}\n", "id: zz-new-case\n")
    text = issue.read_text(encoding="utf-8")
    month = re.search(r"^month: (\d{4})-(\d{2})$", text, re.M)
    year, number = (int(month[1]), int(month[2]) + 1) if int(month[2]) < 12 else (int(month[1]) + 1, 1)
    added = data / "issues" / f"{year}-{number:02d}.yml"
    text = re.sub(r"^month: .*$", f"month: {year}-{number:02d}", text, count=1, flags=re.M)
    text = re.sub(r"^number: .*$", f"number: {number}", text, count=1, flags=re.M)
    text = re.sub(r"^serial: (\d+)$", lambda m: f"serial: {int(m[1]) + 1}", text, count=1, flags=re.M)
    text = re.sub(r"^cases:\n(- .*\n)+", "cases:\n- zz-new-case\n", text, count=1, flags=re.M)
    added.write_text(text, encoding="utf-8")
    assert 0 < same("issue added").rendered < whole / 2
    gone = next(c for c in reversed(cases) if c.stem not in load_knowledge_base(data)[0].incoming
                and c.stem not in load_knowledge_base(data)[0].issue_of_case)
    gone.unlink()
    same("case deleted")
    edit(data / "taxonomy.yml", "units:\n", "units:\n- name: 市新设局\n  slug: shi-xinshe-ju\n")
    same("taxonomy")
    monkeypatch.setenv("TOOLBOOK_TODAY", "2027-01-05")  # a new month: this month's duties, the calendar
    assert 0 < same("date").rendered < whole / 2
    monkeypatch.setattr(cache, "program", lambda: "another version")  # (also an edited theme override)
    capsys.readouterr()
    assert same("program", data_changed=False).kept == 0
    assert "不一致" in capsys.readouterr().err

    # the folder changed since: a page edited by hand, a file added: built afresh, said in one line
    (site / "about.txt").write_text("不是生成的", encoding="utf-8")
    assert same("folder changed", data_changed=False).kept == 0
    said = [line for line in capsys.readouterr().err.splitlines() if "本次从头生成" in line]
    assert said == [f"{site} 里的文件与上次生成后不同（有文件被改动、增加或删除），本次从头生成。"]

    # the search index's texts kept half written: said in one line, read again
    texts = cache.Kept(Settings.read(data), "search-texts").path
    texts.write_bytes(texts.read_bytes()[:texts.stat().st_size // 2])
    capsys.readouterr()
    same("texts half written", data_changed=False)
    said = [line for line in capsys.readouterr().err.splitlines() if "构建缓存" in line]
    assert said == [f"构建缓存 {texts} 已损坏或只写了一半，已忽略，本次从头生成（之后会重新保存）。"]

    # a build stopped while it writes its pages (Ctrl+C) leaves nothing the next one trusts
    edit(cases[2], "\ntitle: ", "\ntitle: 半途")
    write, written = BuildSession.on_post_page, []

    def stopped(self, output, page, config):
        written.append(page)
        if len(written) == 3:
            raise KeyboardInterrupt
        return write(self, output, page, config)

    monkeypatch.setattr(BuildSession, "on_post_page", stopped)
    with pytest.raises(KeyboardInterrupt):
        build(Settings.read(data), site, keep=True)
    monkeypatch.setattr(BuildSession, "on_post_page", write)
    assert len(written) == 3
    assert same("after a stopped build").kept == 0
