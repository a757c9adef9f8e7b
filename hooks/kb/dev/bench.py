"""`toolbook.py bench`: build synthetic knowledge bases of given sizes and measure them.

Per size: wall seconds of `toolbook.py build`, ms per record, peak memory, output size, the
largest HTML page, and what one search costs a reader (bytes downloaded and seconds from
the last keystroke to the first results, measured in headless Chromium when it is
installed). Timing and memory use the standard library only (time, os.wait4, /proc).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from kb import browser, cache
from kb.dev.synth import synthesize

from kb.platform import child_env
from kb.paths import PROJECT as ROOT
from kb.settings import Settings


def build(data: Path, site: Path) -> dict:
    """Run `toolbook.py build` once, as a user would, and measure it."""
    env = child_env(TOOLBOOK_DATA=str(data))  # the child writes UTF-8 whatever the console's code page
    return measured([sys.executable, str(ROOT / "scripts" / "toolbook.py"), "build", "--out", str(site)], "生成网站",
                    cwd=ROOT, env=env)  # problems on stdout


def measured(cmd: list[str], what: str, cwd: Path | None = None, env: dict | None = None) -> dict:
    """Run `cmd` once and measure it (the project's build, and the anchor's Hugo and Pagefind): wall seconds, the
    largest process (os.wait4: the process or the largest child it waited for) and the process tree's peak."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    tree_peak = _TreeRss(proc.pid)
    tree_peak.start()
    output = proc.stdout.read()
    if hasattr(os, "wait4"):
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        peak = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    else:  # Windows: no wait4; memory is not measured
        proc.wait()
        peak = None
    seconds = time.perf_counter() - start
    tree_peak.stop()
    if proc.returncode != 0:
        raise RuntimeError(f"{what}失败（退出码 {proc.returncode}）：\n{output.decode('utf-8', 'replace')[-2000:]}")
    tree = max(tree_peak.peak, peak or 0)  # sampled every 0.2 s, the tree's peak may miss a short process's
    return {"seconds": seconds, "peak_rss_mb": peak and peak / 2**20, "peak_tree_rss_mb": tree / 2**20 if tree else None}


class _TreeRss(threading.Thread):
    """Samples the summed RSS of a process and its children (Linux /proc), for the true peak."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self._halt = pid, 0, threading.Event()

    @property
    def mb(self):
        return self.peak / 2**20 if self.peak else None

    def run(self):
        if not Path("/proc").is_dir():
            return
        while not self._halt.wait(0.2):
            self.peak = max(self.peak, sum(_rss(p) for p in _tree(self.pid)))

    def stop(self):
        self._halt.set()
        self.join()


def _tree(pid: int) -> list[int]:
    pids, i = [pid], 0
    while i < len(pids):
        with contextlib.suppress(OSError):
            children = Path(f"/proc/{pids[i]}/task/{pids[i]}/children").read_text().split()
            pids.extend(int(c) for c in children)
        i += 1
    return pids


def _rss(pid: int) -> int:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def measure_output(site: Path) -> dict:
    total, largest, largest_path, pages = 0, 0, "", 0
    for path in site.rglob("*"):
        if path.is_file():
            size = path.stat().st_size
            total += size
            if path.suffix == ".html":
                pages += 1
                if size > largest:
                    largest, largest_path = size, path.relative_to(site).as_posix()
    return {"output_mb": total / 2**20, "html_pages": pages, "largest_html_kb": largest / 1024, "largest_html": largest_path}


def measure_search(site: Path, query: str) -> dict:
    """A reader's first search, cold: bytes fetched after typing, and time until results show."""
    why = browser.available()
    if why:
        return {"search_kb": None, "search_seconds": None, "search_note": why}
    from playwright.sync_api import sync_playwright

    with browser.serve(site) as url, sync_playwright() as p:
        chromium = browser.launch(p)
        page = chromium.new_page()
        requests = []
        page.on("requestfinished", lambda r: requests.append(r))
        page.goto(url)
        page.wait_for_load_state("networkidle")
        before = len(requests)
        seconds = browser.type_query(page, query)
        page.wait_for_load_state("networkidle")
        count = page.locator(".md-search-result__meta").inner_text()
        size = sum(r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"] for r in requests[before:])
        chromium.close()
    return {"search_kb": size / 1024, "search_seconds": seconds, "search_query": query, "search_results": count}


def run(sizes: list[int], seed: int, query: str, out: Path | None, keep: Path | None) -> list[dict]:
    rows = []
    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="toolbook-bench-"))
    for n in sizes:
        data, site = work / f"data-{n}", work / f"site-{n}"
        if not data.exists():
            synthesize(n, data, seed)
            if hasattr(os, "sync"):  # the files just written go to disk now, not while the build is timed
                os.sync()
        print(f"[{n} 条记录] 正在生成网站……", file=sys.stderr, flush=True)
        shutil.rmtree(cache.folder(Settings.read(data)), ignore_errors=True)  # a cold build (a kept folder's data too)
        row = {"records": n, **build(data, site)}
        row["ms_per_record"] = row["seconds"] * 1000 / n
        row.update(measure_output(site))
        row.update(measure_search(site, query))
        rows.append(row)
        print(format_row(row), file=sys.stderr, flush=True)
    if len(rows) > 1:
        for row in rows[1:]:
            row["time_ratio_to_first"] = row["seconds"] / rows[0]["seconds"]
            row["size_ratio_to_first"] = row["records"] / rows[0]["records"]
    if out:
        out.write_text(json.dumps({"machine": machine(), "rows": rows}, ensure_ascii=False, indent=2), encoding="utf-8")
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return rows


HEADER = ("记录数", "用时(秒)", "毫秒/条", "内存峰值(MB)", "进程树峰值(MB)", "输出(MB)", "最大页面(KB)", "搜索下载(KB)", "搜索用时(秒)")


def format_row(r: dict) -> str:
    def f(v, fmt):
        return "—" if v is None else format(v, fmt)
    return " | ".join([str(r["records"]), f(r["seconds"], ".1f"), f(r["ms_per_record"], ".2f"), f(r["peak_rss_mb"], ".0f"),
                       f(r["peak_tree_rss_mb"], ".0f"), f(r["output_mb"], ".1f"), f(r["largest_html_kb"], ".1f"),
                       f(r.get("search_kb"), ".0f"), f(r.get("search_seconds"), ".2f")])


def table(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + format_row(r) + " |" for r in rows]
    return "\n".join(lines)


def machine() -> dict:
    return {"cpus": os.cpu_count(), "python": sys.version.split()[0], "platform": sys.platform}


PREVIEW_SCENARIOS = (
    ("case_body", "修改一篇案例的正文"),
    ("standard_title", "修改一项标准的标题"),
    ("add", "新增一条记录"),
    ("delete", "删除一条记录"),
    ("invalid", "改出数据错误，显示问题页"),
    ("fixed", "改正错误，页面恢复"),
)


class _Served:
    """`toolbook.py serve` as a child process over a copy of `data` in a temporary folder (no publish folder), and
    the seconds from a moment (`mark`; at first the start) until a condition holds."""

    def __init__(self, data: Path, prefix: str) -> None:
        self.work = Path(tempfile.mkdtemp(prefix=prefix))
        self.data = self.work / "data"
        shutil.copytree(data, self.data)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/"
        self._start()

    def _start(self) -> None:
        env = child_env(TOOLBOOK_DATA=str(self.data))
        env.pop("TOOLBOOK_PUBLISH_TO", None)
        self.log = self.work / "serve.log"
        self.began = time.perf_counter()
        with open(self.log, "w", encoding="utf-8") as log:
            self.server = subprocess.Popen([sys.executable, "scripts/toolbook.py", "serve", "--addr",
                                            f"127.0.0.1:{self.port}"], cwd=ROOT, env=env, stdout=log, stderr=log)

    def again(self) -> None:
        """`serve` stopped as Ctrl+C stops it (what it read and made is kept) and started again on the same data and
        address (the pages hold it), as an editor does the next morning."""
        self.server.terminate()
        self.server.wait(timeout=120)
        self._start()

    def said(self, pattern: str) -> float | None:
        """The seconds the server's own line matching `pattern` (with one group, the seconds) gives, if it said it."""
        import re

        found = re.search(pattern, self.log.read_text(encoding="utf-8"))
        return float(found[1]) if found else None

    def mark(self, at: float | None = None) -> None:
        self.began = time.perf_counter() if at is None else at

    def until(self, condition, what: str, timeout: float = 600) -> float:
        """Seconds since the mark until `condition()` holds."""
        deadline = time.perf_counter() + timeout
        while not condition():
            if time.perf_counter() > deadline:
                raise RuntimeError(f"预览在 {timeout:.0f} 秒内没有{what}")
            if self.server.poll() is not None:
                raise RuntimeError("预览服务器意外退出")
            time.sleep(0.05)
        return time.perf_counter() - self.began

    def close(self) -> None:
        self.server.terminate()
        self.server.wait(timeout=30)
        shutil.rmtree(self.work, ignore_errors=True)


def measure_preview(data: Path, rounds: int = 3) -> dict:
    """Seconds from saving a change until the preview shows it, under `toolbook.py serve`'s preview server,
    for each kind of change (PREVIEW_SCENARIOS), `rounds` times each; and seconds from starting the server
    until its first page answers. A change is seen in an open browser (Chromium) where the page it changes
    is open, except a new or deleted record's page, which is asked for until it is there (or gone)."""
    import urllib.error
    import urllib.request

    why = browser.available()
    if why:
        return {"preview_note": why}
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    served = _Served(data, "toolbook-preview-")
    base, until = served.base, served.until
    case = sorted((served.data / "cases").glob("*.yml"))[0]
    standard = sorted((served.data / "standards").glob("*.yml"))[0]
    case_text, standard_text = case.read_text(encoding="utf-8"), standard.read_text(encoding="utf-8")

    def status(url: str) -> int | None:
        try:
            with urllib.request.urlopen(url, timeout=30) as reply:
                return reply.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            return None

    times: dict[str, list[float]] = {name: [] for name, _ in PREVIEW_SCENARIOS}
    try:
        first = until(lambda: status(base) == 200, "回应第一个页面")
        # the server answers a page that is not there only once the whole site is built (before, it waits for it)
        whole = until(lambda: status(f"{base}no-such-page/") == 404, "生成全部页面")
        with sync_playwright() as p:
            chromium = browser.launch(p)
            page = chromium.new_page()

            def settle(url: str) -> None:
                """Open `url` (unless it is open) and let the previous reload settle: the next save is timed there."""
                page.wait_for_timeout(1500)
                for attempt in range(5):  # a reload of the page open before may interrupt the navigation
                    try:
                        if page.url != url:
                            page.goto(url)
                        break
                    except PlaywrightError:
                        page.wait_for_timeout(1000)
                page.wait_for_timeout(500)

            def seen(script: str, marker: str, timeout: float = 300) -> float:
                page.wait_for_function(script, arg=marker, timeout=timeout * 1000)
                return time.perf_counter() - served.began

            in_text = "m => document.body && document.body.textContent.includes(m)"
            not_in_text = "m => document.body && !document.body.textContent.includes(m)"
            case_url = f"{base}cases/{case.stem}/"
            standard_url = f"{base}standards/{standard.stem}/"
            title = next(line for line in standard_text.splitlines() if line.startswith("title:"))
            theme = next(line for line in case_text.splitlines() if line.startswith("theme:"))
            for i in range(1, rounds + 1):
                marker = f"预览测量第{i}次修改"
                settle(case_url)
                served.mark()
                case.write_text(case_text.replace("body: |\n", f"body: |\n  {marker}。\n\n", 1), encoding="utf-8")
                times["case_body"].append(seen(in_text, marker))

                settle(standard_url)
                served.mark()
                standard.write_text(standard_text.replace(title, title + marker, 1), encoding="utf-8")
                times["standard_title"].append(seen("m => document.querySelector('h1') && "
                                                    "document.querySelector('h1').textContent.includes(m)", marker))

                added = case.with_name(f"{case.stem}-bench-{i}.yml")
                served.mark()
                added.write_text(case_text.replace(f"id: {case.stem}", f"id: {added.stem}", 1), encoding="utf-8")
                times["add"].append(until(lambda: status(f"{base}cases/{added.stem}/") == 200, "显示新增的记录"))
                page.wait_for_timeout(1500)
                served.mark()
                added.unlink()
                times["delete"].append(until(lambda: status(f"{base}cases/{added.stem}/") == 404, "去掉删除的记录"))

                settle(base)
                served.mark()
                case.write_text(case_text.replace(theme, "theme: 预览测量用的错误主题", 1), encoding="utf-8")
                times["invalid"].append(seen(in_text, "数据有问题"))
                page.wait_for_timeout(1500)
                served.mark()
                case.write_text(case_text, encoding="utf-8")
                times["fixed"].append(seen(not_in_text, "数据有问题"))
            chromium.close()
        again = _started_again(served, status)
    finally:
        served.close()
    records = sum(1 for kind in ("standards", "methods", "cases", "issues") for _ in (data / kind).glob("*.yml"))
    return {"records": records, "first_page_seconds": first, "whole_site_seconds": whole, "rounds": times,
            "worst": {name: max(values) for name, values in times.items()}, "again": again}


def _started_again(served: _Served, status) -> dict:
    """Seconds `serve` started again with nothing changed takes: until its first pages are built (its own word; it
    answers at once with the pages the last preview left), until the whole site is, and how many pages it kept."""
    import re

    served.again()
    answered = served.until(lambda: status(served.base) == 200, "回应第一个页面")
    whole = served.until(lambda: status(f"{served.base}no-such-page/") == 404, "生成全部页面")
    kept = re.search(r"沿用上次预览生成的页面 (\d+) 个", served.log.read_text(encoding="utf-8"))
    return {"answered_seconds": answered, "first_pages_seconds": served.said(r"首页和各栏目已可打开（([\d.]+) 秒）"),
            "whole_site_seconds": whole, "kept_pages": int(kept[1]) if kept else 0}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


DESK_ROWS = (
    ("list_first", "打开记录列表（预览首页可打开后第一次）"),
    ("list", "再次打开记录列表"),
    ("open", "打开一条案例的表单"),
    ("save", "保存：校验完毕、写入文件"),
    ("seen", "保存后预览页面显示新标题"),
    ("list_again", "预览停止后再次启动，第一次打开记录列表"),
)


def measure_desk(data: Path, rounds: int = 3) -> dict:
    """Seconds the editing desk takes under `toolbook.py serve`, over HTTP as its page asks: the list of records the
    first time (as soon as the preview's home page answers, while the rest of the site is still being built) and
    again (`rounds` times, once the whole site is built), a case's form, and a save of the case's title: until the
    save is answered (checked as `check --drafts` checks, written) and until the preview's page of the case, asked
    for over HTTP, shows the new title."""
    import re
    import urllib.error
    import urllib.request

    served = _Served(data, "toolbook-desk-")
    base, until = served.base, served.until
    case = sorted((served.data / "cases").glob("*.yml"))[0].stem

    def ask(path: str, method: str = "GET", body=None, token: str = "") -> tuple[int, bytes]:
        headers = {"X-Desk-Token": token, "Origin": base.rstrip("/")} if token else {}
        if body is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(base + path, method=method, headers=headers,
                                         data=None if body is None else json.dumps(body).encode("utf-8"))
        try:
            with urllib.request.urlopen(request, timeout=600) as reply:
                return reply.status, reply.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()
        except OSError:
            return 0, b""

    def timed(path: str, token: str, method: str = "GET", body=None) -> tuple[float, dict]:
        began = time.perf_counter()
        status, answer = ask(path, method, body, token)
        seconds = time.perf_counter() - began
        if status != 200:
            raise RuntimeError(f"编辑台回答 {status}：{answer.decode('utf-8', 'replace')[:500]}")
        return seconds, json.loads(answer)

    times: dict[str, list[float]] = {name: [] for name, _ in DESK_ROWS}
    try:
        def desk_token() -> str:
            status, page = ask("_desk/")
            found = re.search(rb'name="tb-desk-token" content="([^"]+)"', page)
            if status != 200 or not found:
                raise RuntimeError("预览没有提供编辑台页面")
            return found.group(1).decode("ascii")

        first_page = until(lambda: ask("")[0] == 200, "回应第一个页面")
        token = desk_token()
        seconds, listed = timed("_desk/api/records", token)
        times["list_first"].append(seconds)
        whole = until(lambda: ask("no-such-page/")[0] == 404, "生成全部页面")
        for _ in range(rounds):
            times["list"].append(timed("_desk/api/records", token)[0])
        for _ in range(rounds):
            seconds, opened = timed(f"_desk/api/records/case/{case}", token)
            times["open"].append(seconds)
        values, version = opened["values"], opened["version"]
        title = values["title"]
        for i in range(1, rounds + 1):
            marker = f"编辑台测量第{i}次保存"
            values["title"] = f"{title}{marker}"
            began = time.perf_counter()
            seconds, saved = timed(f"_desk/api/records/case/{case}", token, "PUT", {"values": values, "version": version})
            if saved.get("problems"):
                raise RuntimeError(f"保存后有问题：{saved['problems']}")
            version = saved["version"]
            times["save"].append(seconds)
            served.mark(began)
            times["seen"].append(until(lambda: marker.encode("utf-8") in ask(f"cases/{case}/")[1], "显示保存的标题"))
            time.sleep(1.5)  # the reload of the page settles before the next save
        served.again()  # the next morning: the list as soon as the preview answers
        until(lambda: ask("")[0] == 200, "回应第一个页面")
        times["list_again"].append(timed("_desk/api/records", desk_token())[0])
    finally:
        served.close()
        shutil.rmtree(_desk_history(served.data), ignore_errors=True)  # the earlier versions the saves kept
    return {"records": len(listed["records"]), "case": case, "first_page_seconds": first_page,
            "whole_site_seconds": whole, "rounds": times}


def _desk_history(data: Path) -> Path:
    """Where the desk of a preview of `data` keeps earlier versions (<project>/.cache/desk/history/<data folder>/)."""
    from kb.data.model import CASE
    from kb.desk.records import Desk
    from kb.settings import Settings

    return Desk(Settings.read(data)).history_folder(CASE, "x").parents[1]


def desk_table(result: dict) -> str:
    """The figures of measure_desk as a Markdown table, in Chinese."""
    rounds = max(len(v) for v in result["rounds"].values())
    lines = [f"编辑台（{result['records']} 条记录）：预览启动后 {result['first_page_seconds']:.1f} 秒回应首页，"
             f"{result['whole_site_seconds']:.1f} 秒生成全部页面。单位：秒。", "",
             "| 项 | " + " | ".join(f"第 {n} 次" for n in range(1, rounds + 1)) + " | 最慢 |",
             "|---|" + "---|" * (rounds + 1)]
    for name, label in DESK_ROWS:
        values = result["rounds"][name]
        cells = [f"{v:.2f}" for v in values] + ["—"] * (rounds - len(values))
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {max(values):.2f} |")
    return "\n".join(lines)
