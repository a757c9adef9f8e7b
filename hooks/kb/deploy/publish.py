"""Publish the site into a live folder safely: build a new release, verify it, switch atomically.

    DIR/releases/20261122-043700/   one complete, verified build per publish (the newest KEEP are kept)
    DIR/current -> releases/…       what the web server serves (scripts/nginx/toolbook.conf)

The site is built into a working folder of its own, kept in the build cache between publishes (kb.cache,
kb.engine.build with keep: a publish after a small change renders and writes only what changed). The release
is made from it in `releases/<name>.tmp`: each file whose bytes the live release has at the same place is a hard
link to the live one (a release costs the disk only what changed; where the file system has no hard links it is
a copy, and the log says so), the others are copied. Which working file each release file was made from is kept
(`publish-…-assembled`): a file the build did not write again is known to be the live one's without reading both. The release is checked (every internal link and asset
resolves, the search index is there), flushed to disk (so that a power cut after the switch cannot leave empty
pages), renamed to `releases/<name>`, and only then does `current` change:
a new symlink is made beside it and renamed over it (os.replace, atomic on POSIX); on Windows,
where symlinks need administrator rights, `current` is a directory junction whose target is
rewritten in place (one FSCTL_SET_REPARSE_POINT, atomic on NTFS). Either way a reader
gets either the old site or the new one, never a mixture. If the build or the check fails, or
the publish is killed, `current` is untouched; leftovers are removed by the next publish.

A file of a release is never written again once the release is made: a release links to the live release's
files or copies the working folder's, and the working folder's files are never a release's, so the web server never
serves a half-written file. Before
building, the free space is compared with what the build writes (as much as the live release: the
sharing comes after); a full disk is said in Chinese, with what is needed, what is free and what to do.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import sys
import time
from pathlib import Path

from .. import cache
from ..engine.build import BuildFailed, Built, build
from ..outputs.search import FOLDER as SEARCH_FOLDER, problems as search_index_problems
from ..platform import FileLock, is_link, point_link, read_link
from ..settings import KEEP_ENV, Settings
from .sitecrawl import verify

PARTIAL = ".tmp"
MB = 1024 * 1024


class PublishError(Exception):
    """What went wrong, in Chinese, for the person publishing."""


def releases(target: Path) -> list[Path]:
    """Complete releases, oldest first (names are UTC timestamps)."""
    folder = target / "releases"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.endswith(PARTIAL))


def live(target: Path) -> Path | None:
    """The release `current` points to, if any."""
    return read_link(target / "current")  # a symbolic link, or a directory junction on Windows


def publish(target: Path, log=print, settings: Settings | None = None) -> Path:
    """Build, verify and switch to a new release; returns it. Raises PublishError, `current` untouched."""
    settings = settings or Settings.read()
    with _locked(target):
        _check_current(target)
        folder = target / "releases"
        folder.mkdir(parents=True, exist_ok=True)
        for leftover in folder.glob("*" + PARTIAL):  # from a publish that was killed
            shutil.rmtree(leftover, ignore_errors=True)
        now = live(target)
        _check_space(folder, now, settings.keep_releases)
        name = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        n = 1
        while (folder / name).exists():
            n += 1
            name = f"{name.split('_')[0]}_{n}"
        partial, release = folder / (name + PARTIAL), folder / name

        started = time.perf_counter()
        work = _working_folder(settings, target)
        log(f"正在生成网站到 {work} ……")
        built = _build(settings, work, folder, now, settings.keep_releases)
        if built.kept:
            log(f"只重新生成了有变化的 {built.rendered} 个页面，其余 {built.kept} 个沿用上次发布时生成的。")
        log(f"正在生成新版本 {partial} ……")
        assembled = cache.Kept(settings, f"{work.name}-assembled")
        try:
            shared = _assemble(work, partial, now, assembled.load(("assembled", os.fspath(target))))
        except OSError as e:
            shutil.rmtree(partial, ignore_errors=True)
            if _full(folder, e):
                raise PublishError(_no_space(folder, None, settings.keep_releases)) from None
            raise PublishError(f"写入新版本失败，未发布，线上网站保持不变：{e.strerror or e}（{e.filename or partial}）") from None
        log("正在检查链接和资源 ……")
        pages, problems = _verify(partial, cache.Kept(settings, f"{work.name}-links"))
        if problems:
            shutil.rmtree(partial, ignore_errors=True)
            shown = "\n".join(f"  {p}" for p in problems[:20])
            more = f"\n  ……共 {len(problems)} 处" if len(problems) > 20 else ""
            raise PublishError(f"新版本有 {len(problems)} 处链接或资源找不到，未发布，线上网站保持不变：\n{shown}{more}")
        if shared.refused:
            log(f"发布目录所在的文件系统不支持硬链接（{shared.refused}），新版本完整保存了一份（{shared.new_bytes / MB:.1f} MB）。")
        elif now is not None:
            log(f"与线上版本相同的 {shared.files} 个文件共用（不另占磁盘），新写入 {shared.new_files} 个文件，"
                f"{shared.new_bytes / MB:.1f} MB。")
        _flush(partial, shared.written)
        partial.rename(release)
        _flush_folder(folder)
        _switch(target, release)
        _flush_folder(target)
        assembled.save(("assembled", os.fspath(target)), {"release": release.name, "files": shared.made})
        removed = _prune(target, settings.keep_releases)
        log(f"已发布 {release.name}（{pages} 个页面，用时 {time.perf_counter() - started:.1f} 秒），"
            f"现在 {target / 'current'} 指向它。" + (f"已删除最早的 {removed} 个旧版本。" if removed else ""))
        return release


def rollback(target: Path, log=print) -> Path:
    """Point `current` at the release before the live one; returns it."""
    with _locked(target):
        _check_current(target)
        now = live(target)
        older = [r for r in releases(target) if now is None or r.name < now.name]
        if now is None or not older:
            raise PublishError(f"没有可以回退到的更早版本（{target / 'releases'} 里只有当前版本或没有版本）。")
        _switch(target, older[-1])
        log(f"已回退到 {older[-1].name}（之前是 {now.name}）。再次运行 publish 会生成新的版本。")
        return older[-1]


def _working_folder(settings: Settings, target: Path) -> Path:
    """Where the site published to `target` is built, kept between publishes (never a release's: releases copy it)."""
    key = hashlib.sha1(os.fspath(target.resolve()).encode("utf-8")).hexdigest()[:10]
    return cache.folder(settings) / f"publish-{key}"


def _build(settings: Settings, site: Path, folder: Path, now: Path | None, keep: int) -> Built:
    try:
        return build(settings.but(drafts=False), site, keep=True)
    except (BuildFailed, OSError) as e:
        if _full(folder, e):
            raise PublishError(_no_space(folder, _size(now) if now else None, keep)) from None
        if isinstance(e, OSError):
            raise PublishError(f"写入新版本失败，未发布，线上网站保持不变：{e.strerror or e}（{e.filename or site}）") from None
        raise PublishError(f"生成网站失败，未发布，线上网站保持不变：\n{e}") from None


# -- disk space --------------------------------------------------------------------------------------------

def _size(release: Path) -> int:
    """The bytes of a release's files (each counted, shared or not: a build writes them all)."""
    total = 0
    for root, _, files in os.walk(release):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def _check_space(folder: Path, now: Path | None, keep: int) -> None:
    """Refuse before building when the disk cannot hold what the build writes (about the live release's size)."""
    if now is None:
        return
    need = _size(now) * 11 // 10 + 10 * MB
    if shutil.disk_usage(folder).free < need:
        raise PublishError(_no_space(folder, need, keep))


def _full(folder: Path, error: Exception) -> bool:
    """Whether a failed build failed for want of space (said by the error, or seen on the disk now)."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return True
    text = str(error)
    return "No space left" in text or "磁盘空间不足" in text or shutil.disk_usage(folder).free < MB


def _no_space(folder: Path, need: int | None, keep: int) -> str:
    free = shutil.disk_usage(folder).free
    needed = f"生成新版本约需 {need / MB:.0f} MB，" if need else ""
    return (f"磁盘空间不足，未发布，线上网站保持不变：{needed}{folder} 所在的磁盘只剩 {free / MB:.0f} MB。"
            f"请清理这块磁盘，或减少保留的旧版本（现在保留 {keep} 个：publish --keep 2，或设置环境变量 "
            f"{KEEP_ENV}=2），再发布一次。")


# -- sharing and flushing ----------------------------------------------------------------------------------

class _Shared:
    def __init__(self) -> None:
        self.files = 0  # linked to the live release's
        self.new_files = 0
        self.new_bytes = 0
        self.written: list[str] = []  # the new release's own files (to flush)
        self.refused = ""  # why the file system makes no hard links ("": it does)
        self.made: dict[str, tuple] = {}  # path -> (the working copy's inode, size and time, the release's inode)


def _assemble(work: Path, partial: Path, now: Path | None, known: dict | None = None) -> _Shared:
    """The new release in `partial`, from the site built in `work`: each file whose bytes the live release has at the
    same place is a hard link to that file, the others are copies (the release's own). `known`: what the publish that
    made the live release recorded (_Shared.made): a file whose working copy is the one it was made from then (the same
    inode, size and time) and whose live copy is the one it made is the same without reading either."""
    shared = _Shared()
    recorded = known["files"] if known and now is not None and known.get("release") == now.name else {}
    versions = _index_versions(work, now)
    for root, _, files in os.walk(work):
        rel = os.path.relpath(root, work)
        os.makedirs(os.path.join(partial, rel), exist_ok=True)
        live_rel, parts = rel, Path(rel).parts
        if parts[:1] == (SEARCH_FOLDER,) and len(parts) > 1 and parts[1] in versions:  # the index's files by version
            live_rel = os.path.join(SEARCH_FOLDER, versions[parts[1]], *parts[2:])
        for name in files:
            path, new = os.path.join(root, name), os.path.join(partial, rel, name)
            made = os.stat(path)
            made = (made.st_ino, made.st_size, made.st_mtime_ns)
            if now is not None and not shared.refused:
                old = os.path.join(now, live_rel, name)
                was = recorded.get(os.path.join(live_rel, name))
                known = was is not None and was[0] == made and was[1] and _inode(old) == was[1]
                if known or _same(path, old):
                    try:
                        os.link(old, new)
                        shared.files += 1
                        shared.made[os.path.join(rel, name)] = (made, was[1] if known else _inode(new))
                        continue
                    except OSError as e:
                        if e.errno == errno.ENOSPC:
                            raise
                        shared.refused = e.strerror or str(e)
            shutil.copyfile(path, new)
            shared.new_files += 1
            shared.new_bytes += os.path.getsize(new)
            shared.written.append(new)
            shared.made[os.path.join(rel, name)] = (made, _inode(new))
    return shared


def _inode(path: str) -> int | None:
    try:
        return os.lstat(path).st_ino
    except OSError:
        return None


def _index_versions(work: Path, now: Path | None) -> dict[str, str]:
    """The search index's folder in the new site -> the live one's: most of its files are the same (the
    folder is named by a digest of them all, so one change names another folder)."""
    if now is None:
        return {}
    mine = [p.name for p in (work / SEARCH_FOLDER).glob("*/") if p.is_dir()]
    theirs = [p.name for p in (now / SEARCH_FOLDER).glob("*/") if p.is_dir()]
    return {mine[0]: theirs[0]} if len(mine) == 1 and len(theirs) == 1 else {}


def _same(new: str, old: str) -> bool:
    try:
        info = os.lstat(old)
    except OSError:
        return False
    if not os.path.isfile(old) or os.path.islink(old) or info.st_size != os.path.getsize(new):
        return False
    with open(new, "rb") as a, open(old, "rb") as b:
        while True:
            x, y = a.read(1 << 20), b.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


def _flush(release: Path, written: list[str]) -> None:
    """The new release's own files on disk before `current` leads to them (the shared ones already are), and its
    folders' entries. Linux's sync() writes every file's data and every folder's entries, and returns once they are
    written; elsewhere each folder is flushed too (at 10,000 records 12,790 folders, 1.1 s)."""
    if hasattr(os, "sync") and len(written) > 100:  # POSIX: one call, instead of one per file
        os.sync()
        if sys.platform.startswith("linux"):
            return
    else:
        for path in written:
            fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))  # Windows flushes only a file opened to write
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    for root, _, _ in os.walk(release):
        _flush_folder(Path(root))


def _flush_folder(folder: Path) -> None:
    """A folder's entries (a rename, a new file) on disk: POSIX only (Windows cannot open a folder to flush it;
    NTFS journals its entries)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _verify(site: Path, kept: cache.Kept) -> tuple[int, list[str]]:
    """(number of pages, problems): every internal link and asset resolves; search and home are there. What each
    page links to is kept (`kept`): the next publish parses only the pages that changed."""
    identity = ("links", cache.program())
    pages, problems, seen = verify(site, kept.load(identity))
    kept.save(identity, seen)
    for needed in ("index.html", "404.html"):
        if not (site / needed).is_file():
            problems.append(f"缺少 {needed}")
    problems += search_index_problems(site)
    return pages, problems


def _switch(target: Path, release: Path) -> None:
    """Atomically point `current` at `release`: a relative symbolic link renamed over the old one (so DIR
    can be moved); on Windows a directory junction, retargeted in place (kb.platform.point_link)."""
    try:
        point_link(target / "current", release)
    except OSError as e:
        raise PublishError(f"新版本 {release.name} 已生成并检查通过，但无法把 {target / 'current'} 切换过去，"
                           f"线上网站保持不变：{e}。发布目录需要在本机的 NTFS 或 Linux 文件系统上。") from None


def _prune(target: Path, keep: int) -> int:
    now = live(target)
    old = [r for r in releases(target) if r != now][: max(0, len(releases(target)) - keep)]
    for r in old:
        shutil.rmtree(r, ignore_errors=True)
    return len(old)


def _check_current(target: Path) -> None:
    current = target / "current"
    if current.exists() and not is_link(current):
        raise PublishError(f"{current} 已存在且不是符号链接或目录联接。请先把它改名（如 current.old），publish 会新建 current。")


LOCK_FILE = ".publish.lock"


class _locked:
    """One publish or rollback at a time per folder (flock on POSIX, msvcrt.locking on Windows)."""

    def __init__(self, target: Path):
        self.lock = FileLock(target / LOCK_FILE)

    def __enter__(self):
        if not self.lock.acquire():
            raise PublishError(f"{self.lock.path.parent} 正在被另一个 publish 或回退操作使用，请等它结束后再试。")
        return self

    def __exit__(self, *exc):
        self.lock.release()
