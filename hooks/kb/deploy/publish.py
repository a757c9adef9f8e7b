"""Publish the site into a live folder safely: build a new release, verify it, switch atomically.

    DIR/releases/20261122-043700/   one complete, verified build per publish (the newest KEEP are kept)
    DIR/current -> releases/…       what the web server serves (scripts/nginx/toolbook.conf)

A release is built into `releases/<name>.tmp`, checked (every internal link and asset resolves,
the search index is there), renamed to `releases/<name>`, and only then does `current` change:
a new symlink is made beside it and renamed over it (os.replace, atomic on POSIX); on Windows,
where symlinks need administrator rights, `current` is a directory junction whose target is
rewritten in place (one FSCTL_SET_REPARSE_POINT, atomic on NTFS). Either way a reader
gets either the old site or the new one, never a mixture. If the build or the check fails, or
the publish is killed, `current` is untouched; leftovers are removed by the next publish.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from ..engine.build import BuildFailed, build
from ..outputs.search import problems as search_index_problems
from ..platform import FileLock, is_link, point_link, read_link
from ..settings import Settings
from .sitecrawl import check, read_site

KEEP = 5  # releases kept, the live one always among them
PARTIAL = ".tmp"


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
        name = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        n = 1
        while (folder / name).exists():
            n += 1
            name = f"{name.split('_')[0]}_{n}"
        partial, release = folder / (name + PARTIAL), folder / name

        started = time.perf_counter()
        log(f"正在生成网站到 {partial} ……")
        _build(settings, partial)
        log("正在检查链接和资源 ……")
        pages, problems = _verify(partial)
        if problems:
            shutil.rmtree(partial, ignore_errors=True)
            shown = "\n".join(f"  {p}" for p in problems[:20])
            more = f"\n  ……共 {len(problems)} 处" if len(problems) > 20 else ""
            raise PublishError(f"新版本有 {len(problems)} 处链接或资源找不到，未发布，线上网站保持不变：\n{shown}{more}")
        partial.rename(release)
        _switch(target, release)
        removed = _prune(target)
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


def _build(settings: Settings, site: Path) -> None:
    try:
        build(settings.but(drafts=False), site)
    except BuildFailed as e:
        shutil.rmtree(site, ignore_errors=True)
        raise PublishError(f"生成网站失败，未发布，线上网站保持不变：\n{e}") from None


def _verify(site: Path) -> tuple[int, list[str]]:
    """(number of pages, problems): every internal link and asset resolves; search and home are there."""
    pages = read_site(site)
    problems = check(site, pages)
    for needed in ("index.html", "404.html"):
        if not (site / needed).is_file():
            problems.append(f"缺少 {needed}")
    problems += search_index_problems(site)
    return len(pages), problems


def _switch(target: Path, release: Path) -> None:
    """Atomically point `current` at `release`: a relative symbolic link renamed over the old one (so DIR
    can be moved); on Windows a directory junction, retargeted in place (kb.platform.point_link)."""
    try:
        point_link(target / "current", release)
    except OSError as e:
        raise PublishError(f"新版本 {release.name} 已生成并检查通过，但无法把 {target / 'current'} 切换过去，"
                           f"线上网站保持不变：{e}。发布目录需要在本机的 NTFS 或 Linux 文件系统上。") from None


def _prune(target: Path) -> int:
    now = live(target)
    old = [r for r in releases(target) if r != now][: max(0, len(releases(target)) - KEEP)]
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
