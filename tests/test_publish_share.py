"""Releases that share what did not change (issue 27, point 3) and a full disk said plainly (point 5).

`publish` builds the site in a working folder of its own (kept between publishes: only what changed is rendered
again), then makes the release from it: each file whose bytes the live release has at the same place (the search
index: in its own versioned folder) is a hard link to it, the others copies; where the file system has no hard
links the release is a whole copy and the log says so. A release's files are never written again, so the live
site never changes under the web server. These tests publish the small fixture data in-process, as
an administrator's `publish --to` does, and look at the releases on disk.

The live release every test starts from is published once for the module and copied into each test's folder
(`live_copy`): the tests are about the publish that follows it, not about making the first one again.
"""

from __future__ import annotations

import errno
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import MINIMAL, ROOT, kill_tree, own_group

from kb.deploy import publish
from kb.deploy.sitecrawl import check, read_site
from kb.platform import point_link
from kb.settings import KEEP_ENV, Settings, SettingsError


def settings_for(data: Path, **changes) -> Settings:
    return Settings.read(data, site_url="").but(**changes)


def publish_logged(target: Path, data: Path, **changes) -> tuple[Path, list[str]]:
    said: list[str] = []
    release = publish.publish(target, log=said.append, settings=settings_for(data, **changes))
    return release, said


def files_of(release: Path) -> dict[str, os.stat_result]:
    return {p.relative_to(release).as_posix(): p.stat() for p in release.rglob("*") if p.is_file()}


@pytest.fixture
def data(tmp_path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(MINIMAL, folder)
    return folder


@pytest.fixture(scope="module")
def first_release(tmp_path_factory) -> Path:
    """The fixture data published once into an empty folder: the live release the tests start from (live_copy)."""
    data = tmp_path_factory.mktemp("first-data") / "data"
    shutil.copytree(MINIMAL, data)
    release, said = publish_logged(tmp_path_factory.mktemp("first") / "www", data)
    assert any(line.startswith("已发布") for line in said), said
    return release


def live_copy(first_release: Path, target: Path) -> Path:
    """A copy of the module's first release, live in `target` as `publish` leaves it: releases/<its name>, and
    `current` leading to it (kb.platform.point_link, as publish switches). The copy is byte for byte the release
    that publishing the same data gives (publish compares bytes only), and none of its files is shared yet."""
    release = target / "releases" / first_release.name
    shutil.copytree(first_release, release, symlinks=True)
    point_link(target / "current", release)
    assert publish.live(target) == release
    return release


def retitle(data: Path, new: str) -> None:
    path = data / "methods" / "sandan.yml"
    text = path.read_text(encoding="utf-8")
    old = next(line for line in text.splitlines() if line.startswith("name:"))
    path.write_text(text.replace(old, f"name: {new}", 1), encoding="utf-8")


def test_a_new_release_shares_the_unchanged_files_and_the_live_ones_are_never_changed(tmp_path, data, first_release):
    target = tmp_path / "www"
    first = live_copy(first_release, target)
    before = {rel: (first / rel).read_bytes() for rel in files_of(first)}
    retitle(data, "“三单”议事新法")
    second, said = publish_logged(target, data)
    assert publish.live(target) == second

    one, two = files_of(first), files_of(second)
    inodes = {st.st_ino for st in one.values()}
    shared = [rel for rel in two if two[rel].st_ino in inodes]
    own = [rel for rel in two if rel not in shared]
    # the method's page and the pages listing it are the new release's own; the others are shared
    assert {"methods/sandan/index.html", "methods/index.html", "standards/sanhui-yike/index.html"} <= set(own)
    assert {"cases/jiaoyu-zhibu/index.html", "standards/index.html", "about/index.html"} <= set(shared)
    assert "“三单”议事新法" in (second / "methods/sandan/index.html").read_text(encoding="utf-8")
    assert len(shared) > 2 * len(own)
    # the search index moved to a folder of its own, but its unchanged files are shared with the live one's
    assert any(rel.startswith("search/") and "/p/" in rel for rel in shared)
    assert any("共用" in line and f"{len(shared)} 个文件" in line for line in said), said

    # the live release was never written: every file has the bytes it had, the old title included
    assert {rel: (first / rel).read_bytes() for rel in files_of(first)} == before
    assert "“三单”议事新法" not in (first / "methods/sandan/index.html").read_text(encoding="utf-8")
    # the new release is whole: every link and asset resolves
    assert check(second, read_site(second)) == []

    # rollback serves the first release as it was; pruning keeps the live one and frees only what is not shared
    assert publish.rollback(target, log=lambda m: None) == first
    assert (target / "current" / "methods/sandan/index.html").read_bytes() == before["methods/sandan/index.html"]
    third, _ = publish_logged(target, data, keep_releases=1)
    assert publish.releases(target) == [third] and publish.live(target) == third
    assert check(third, read_site(third)) == []


def test_the_next_publish_knows_the_files_the_build_left_alone_without_reading_them(tmp_path, data, monkeypatch):
    """Which working file each release file came from is recorded: the next publish compares bytes only for the
    files its build wrote again, and still takes every change."""
    target = tmp_path / "www"
    first, _ = publish_logged(target, data)
    retitle(data, "“三单”议事又一法")
    compared = []
    same = publish._same
    monkeypatch.setattr(publish, "_same", lambda new, old: compared.append(new) or same(new, old))
    second, _ = publish_logged(target, data)
    files = files_of(second)
    assert 0 < len(compared) < len(files) / 4, (len(compared), len(files))
    assert any(path.endswith(os.path.join("methods", "sandan", "index.html")) for path in compared)
    assert "“三单”议事又一法" in (second / "methods/sandan/index.html").read_text(encoding="utf-8")
    shared = {st.st_ino for st in files_of(first).values()}
    assert sum(st.st_ino in shared for st in files.values()) > len(files) / 2
    assert check(second, read_site(second)) == []


def test_without_hard_links_a_release_is_a_whole_copy_and_the_log_says_so(tmp_path, data, monkeypatch, first_release):
    target = tmp_path / "www"
    first = live_copy(first_release, target)

    def refuse(src, dst, *args, **kwargs):  # a FAT or network file system without hard links
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", refuse)
    second, said = publish_logged(target, data)
    assert any("不支持硬链接" in line and "完整保存" in line for line in said), said
    one, two = files_of(first), files_of(second)
    assert all(two[rel].st_ino != one.get(rel, two[rel]).st_ino or rel not in one for rel in two)
    assert all(st.st_nlink == 1 for st in two.values())
    assert check(second, read_site(second)) == []


def test_a_disk_too_small_for_the_release_is_refused_before_building(tmp_path, data, monkeypatch, first_release):
    target = tmp_path / "www"
    first = live_copy(first_release, target)
    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda path: real(path)._replace(free=3 * 1024 * 1024))
    built = []
    monkeypatch.setattr(publish, "build", lambda *a, **k: built.append(a))
    with pytest.raises(publish.PublishError) as refused:
        publish.publish(target, log=lambda m: None, settings=settings_for(data))
    message = str(refused.value)
    assert "磁盘空间不足" in message and "只剩 3 MB" in message and "约需" in message
    assert "--keep" in message and KEEP_ENV in message and "线上网站保持不变" in message
    assert built == [] and publish.live(target) == first and publish.releases(target) == [first]


def test_a_disk_that_fills_up_during_the_build_is_said_plainly(tmp_path, data, monkeypatch, first_release):
    target = tmp_path / "www"
    first = live_copy(first_release, target)

    def full(settings, site, **kwargs):
        (site / "index.html").parent.mkdir(parents=True, exist_ok=True)
        (site / "index.html").write_text("half", encoding="utf-8")
        raise OSError(errno.ENOSPC, "No space left on device", str(site / "x.html"))

    monkeypatch.setattr(publish, "build", full)
    with pytest.raises(publish.PublishError) as refused:
        publish.publish(target, log=lambda m: None, settings=settings_for(data))
    assert "磁盘空间不足" in str(refused.value) and "内部错误" not in str(refused.value)
    assert publish.live(target) == first and not list((target / "releases").glob("*" + publish.PARTIAL))


def test_the_number_of_releases_kept_is_a_setting(monkeypatch):
    assert Settings.read(MINIMAL, environ={KEEP_ENV: "2"}).keep_releases == 2
    assert Settings.read(MINIMAL, environ={}).keep_releases == 5
    with pytest.raises(SettingsError) as wrong:
        Settings.read(MINIMAL, environ={KEEP_ENV: "两个"})
    assert KEEP_ENV in str(wrong.value) and "1 到 100" in str(wrong.value)
    refused = subprocess.run([sys.executable, "scripts/toolbook.py", "publish", "--to", "x", "--keep", "0"], cwd=ROOT,
                             capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert refused.returncode == 2 and "1 到 100" in refused.stderr and "Traceback" not in refused.stderr


def test_a_publish_killed_at_any_moment_leaves_a_whole_release_live_and_the_next_one_works(tmp_path, data,
                                                                                           first_release):
    target = tmp_path / "www"
    live_copy(first_release, target)
    env = dict(os.environ, TOOLBOOK_DATA=str(data), TOOLBOOK_SITE_URL="")

    def run() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "scripts/toolbook.py", "publish", "--to", str(target)], cwd=ROOT,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **own_group())

    assert run().wait(timeout=300) == 0  # the working folder made: the publishes killed below are incremental
    retitle(data, "三单工作法")
    started = time.monotonic()
    assert run().wait(timeout=300) == 0
    took = time.monotonic() - started
    # Two kills (four used to be drawn over the whole time): one at a random moment of the first half of a whole
    # publish's time, one of the second half, so that there is always an early kill and a late one.
    kills = 2
    rng = random.Random(27)
    for n in range(kills):
        retitle(data, f"三单工作法第{n}版")
        proc = run()
        half = (took - 0.2) / kills
        time.sleep(rng.uniform(0.2 + n * half, 0.2 + (n + 1) * half))
        kill_tree(proc)
        proc.wait()
        live = publish.live(target)
        assert live is not None and (live / "index.html").is_file()
        assert check(live, read_site(live)) == [], f"killed after some time, the live release {live.name} is not whole"
    last, _ = publish_logged(target, data)
    assert not list((target / "releases").glob("*" + publish.PARTIAL))
    assert check(last, read_site(last)) == []
    assert f"三单工作法第{kills - 1}版" in (target / "current" / "methods/sandan/index.html").read_text(encoding="utf-8")


def test_a_release_with_a_broken_link_is_refused_and_the_live_one_stays(tmp_path, data, monkeypatch, first_release):
    target = tmp_path / "www"
    first = live_copy(first_release, target)
    assemble = publish._assemble

    def losing_a_page(work, partial, *more):  # a page missing from the release (a disk error, a bug of ours)
        shared = assemble(work, partial, *more)
        (partial / "methods" / "sandan" / "index.html").unlink()
        return shared

    monkeypatch.setattr(publish, "_assemble", losing_a_page)
    with pytest.raises(publish.PublishError) as refused:
        publish.publish(target, log=lambda m: None, settings=settings_for(data))
    message = str(refused.value)
    assert "处链接或资源找不到，未发布，线上网站保持不变" in message and "methods/sandan/" in message
    assert publish.live(target) == first and publish.releases(target) == [first]


def test_the_check_of_a_release_reads_only_changed_pages_and_still_finds_a_link_broken_elsewhere(tmp_path, monkeypatch):
    from kb.deploy import sitecrawl

    site = tmp_path / "site"
    for url, body in {"": '<a href="a/">a</a><a href="b/#part">b</a>', "a/": '<h1 id="top">a</h1><img src="../pic.png">',
                      "b/": '<h2 id="part">b</h2>'}.items():
        (site / url).mkdir(parents=True, exist_ok=True)
        (site / url / "index.html").write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
    (site / "pic.png").write_bytes(b"png")
    pages, problems, seen = sitecrawl.verify(site)
    assert (pages, problems) == (3, [])

    parsed, read = [], []
    feed = sitecrawl._Links.feed
    monkeypatch.setattr(sitecrawl._Links, "feed", lambda self, text: (parsed.append(text), feed(self, text)))
    monkeypatch.setattr(sitecrawl, "open", lambda path, *args: (read.append(path), open(path, *args))[1], raising=False)
    (site / "pic.png").unlink()  # gone: the unchanged page a/ now loads nothing
    (site / "b" / "index.html").write_text("<html><body><h2 id=\"other\">b</h2></body></html>", encoding="utf-8")
    pages, problems, _ = sitecrawl.verify(site, seen)
    assert len(parsed) == 1 and "other" in parsed[0]  # only b/ was parsed again
    assert read == [str(site / "b" / "index.html")]  # … and read: the others' files are those it saw
    assert sorted(problems) == ["./ -> b/#part（锚点不存在）", "a/ -> ../pic.png"]
