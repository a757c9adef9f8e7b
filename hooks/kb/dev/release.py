"""`toolbook.py bench --release`: what an editor's month costs the administrator (issue 27).

On N synthetic records (default 10,000): the project's `build` with no cache, `build` again with nothing changed,
a first `publish`; then next month's issue with 4 new cases dated in that month (kb.dev.synth.add_issue), `build`
and `publish` again; and what the new release adds to the disk (its files that are not hard links to the live
release's) next to a whole release. Each command runs as a user runs it (kb.dev.bench.measured: wall seconds, largest
process, process tree's peak), with the build date fixed so that only the new issue changes between them.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from kb import cache
from kb.dev.bench import measured
from kb.dev.synth import LAST_MONTH, add_issue, synthesize
from kb.paths import PROJECT as ROOT
from kb.platform import child_env
from kb.settings import Settings

TODAY = f"{LAST_MONTH[0] + LAST_MONTH[1] // 12}-{LAST_MONTH[1] % 12 + 1:02d}-01"  # the month of the issue added
STEPS = (
    ("cold", "生成（无缓存）"),
    ("again", "生成（未改动）"),
    ("publish_first", "首次发布"),
    ("build_added", "新增专刊后生成"),
    ("publish_added", "新增专刊后发布"),
)


def run(records: int, seed: int, keep: Path | None = None, say=None) -> dict:
    say = say or (lambda text: print(text, file=sys.stderr, flush=True))
    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="toolbook-release-"))
    work.mkdir(parents=True, exist_ok=True)
    data, site, target = work / "data", work / "site", work / "published"
    try:
        if data.exists():  # a kept folder of an earlier run: its data may have the added issue
            shutil.rmtree(data)
        say(f"正在合成 {records} 条记录（种子 {seed}）……")
        synthesize(records, data, seed)
        for old in (site, target):
            shutil.rmtree(old, ignore_errors=True)
        cached = cache.folder(Settings.read(data))
        shutil.rmtree(cached, ignore_errors=True)
        env = child_env(TOOLBOOK_DATA=str(data), TOOLBOOK_TODAY=TODAY)
        env.pop("TOOLBOOK_PUBLISH_TO", None)
        script = [sys.executable, str(ROOT / "scripts" / "toolbook.py")]
        build = [*script, "build", "--out", str(site)]
        publish = [*script, "publish", "--to", str(target)]
        steps: dict[str, dict] = {}

        def step(key: str, cmd: list[str]) -> None:
            label = dict(STEPS)[key]
            say(f"正在{label}……")
            _sync()
            steps[key] = measured(cmd, label, cwd=ROOT, env=env)
            say(f"  {steps[key]['seconds']:.1f} 秒")

        step("cold", build)
        step("again", build)
        step("publish_first", publish)
        added = add_issue(data, seed)
        say(f"已新增专刊 {added[-1].stem}（{len(added) - 1} 篇案例）")
        step("build_added", build)
        step("publish_added", publish)
        newest = max((target / "releases").iterdir(), key=lambda p: p.name)
        own, total, own_files, files, disk, folders = _release_bytes(newest)
        return {"records": records, "seed": seed, "today": TODAY, "steps": steps, "release_bytes": total,
                "release_files": files, "added_bytes": own, "added_files": own_files, "added_share": own / total,
                "added_disk_bytes": disk, "release_folders": folders}
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
            shutil.rmtree(cache.folder(Settings.read(data)), ignore_errors=True)


def _release_bytes(release: Path) -> tuple[int, int, int, int, int, int]:
    """A release's bytes and files of its own (not hard links shared with another release), and in all; the disk
    its own files and its folders take (a folder cannot be shared), and how many folders it has."""
    own = total = own_files = files = disk = folders = 0
    for folder, _, names in os.walk(release):
        disk += _on_disk(os.stat(folder))
        folders += 1
        for name in names:
            st = os.stat(os.path.join(folder, name))
            total += st.st_size
            files += 1
            if st.st_nlink == 1:
                own += st.st_size
                own_files += 1
                disk += _on_disk(st)
    return own, total, own_files, files, disk, folders


def _on_disk(st: os.stat_result) -> int:
    return st.st_blocks * 512 if hasattr(st, "st_blocks") else st.st_size  # Windows: no blocks


def _sync() -> None:
    if hasattr(os, "sync"):  # what the last step wrote goes to disk now, not while the next is timed
        os.sync()


def table(result: dict) -> str:
    steps = result["steps"]
    lines = [f"{result['records']} 条记录（种子 {result['seed']}），生成日期固定为 {result['today']}；"
             "新增的是下个月的一期专刊和它的 4 篇案例。", "",
             "| 步骤 | 用时(秒) | 最大进程(MB) | 进程树峰值(MB) |", "|---|---|---|---|"]
    for key, label in STEPS:
        s = steps[key]
        peak = "—" if s["peak_rss_mb"] is None else f"{s['peak_rss_mb']:.0f}"
        tree = "—" if s["peak_tree_rss_mb"] is None else f"{s['peak_tree_rss_mb']:.0f}"
        lines.append(f"| {label} | {s['seconds']:.1f} | {peak} | {tree} |")
    lines += ["", f"新版本自有的文件（不与线上版本共用）：{result['added_files']} 个、{result['added_bytes'] / 1e6:.1f} MB，"
                  f"占完整版本（{result['release_files']} 个文件、{result['release_bytes'] / 1e6:.1f} MB）的 "
                  f"{100 * result['added_share']:.1f}%（目标 ≤ 5%）。",
              f"新版本自己占用的磁盘（它自有的文件和它的 {result['release_folders']} 个文件夹，文件夹不能共用）："
              f"{result['added_disk_bytes'] / 1e6:.1f} MB。"]
    return "\n".join(lines)
