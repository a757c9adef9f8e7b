"""What many tests share: where things are, running the command line and a build as a user would, the
Word documents the import tests feed, and the one rule for outside tools (`needs`).

Tests import from here (and fixtures come from conftest.py); no test module imports another.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = Path(__file__).parent / "fixtures" / "minimal"
SAMPLE = ROOT / "data"
TOOLBOOK = ROOT / "scripts" / "toolbook.py"

# One page of every kind in the sample site (paths from the site root), for tests that visit them all.
TOUR = ["", "standards/", "calendar/", "calendar/12/", "calendar/q1/", "methods/", "cases/", "issues/", "units/", "tags/", "about/",
        "standards/sanhui-yike/", "standards/sanhui-yike/mentions/", "methods/sibi-tan/", "cases/jiaodi-ji-jiaozheng/",
        "issues/2026-06/", "standards/category/zhendi/", "methods/category/", "methods/unit/caizheng/",
        "cases/theme/", "cases/theme/lilun/", "cases/year/2026/", "cases/unit/caizheng/",
        "tags/党费/", "units/caizheng/", "mine/", "404.html"]

# A problem line of `check`: FILE:LINE: FIELD: message
LINE = re.compile(r"^(?P<file>[^:]+\.ya?ml):(?P<line>\d+): (?:(?P<field>[\w.\[\]]+): )?(?P<message>.+)$")


def run_mkdocs_build(site_dir: Path, data_dir: Path | None = None, strict: bool = True,
                     today: str | None = None) -> subprocess.CompletedProcess:
    """`mkdocs build` as a user runs it, from the project folder (as of `today`, YYYY-MM-DD, if given)."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    env.pop("TOOLBOOK_DATA", None)
    if data_dir is not None:
        env["TOOLBOOK_DATA"] = str(data_dir)
    if today is not None:
        env["TOOLBOOK_TODAY"] = today
    cmd = [sys.executable, "-m", "mkdocs", "build", "-d", str(site_dir)] + (["--strict"] if strict else [])
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8", timeout=300)


def toolbook(*args: str, data: Path | None = None, env: dict | None = None, cwd: Path = ROOT, today: str | None = None,
             timeout: float = 300) -> subprocess.CompletedProcess:
    """`python scripts/toolbook.py ARGS` as a user runs it: on `data` (else the sample), as of `today` if given."""
    full_env = dict(os.environ)
    full_env.pop("TOOLBOOK_DATA", None)
    if data is not None:
        full_env["TOOLBOOK_DATA"] = str(data)
    if today is not None:
        full_env["TOOLBOOK_TODAY"] = today
    full_env.update(env or {})
    return subprocess.run([sys.executable, str(TOOLBOOK), *args], capture_output=True, text=True, encoding="utf-8",
                          env=full_env, cwd=cwd, timeout=timeout)


def check(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return toolbook("check", *args, env=env, timeout=60)


def output_texts(site: Path):
    """(path, text) of every file in the output."""
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        yield path, path.relative_to(site).as_posix() + "\n" + raw.decode("utf-8", errors="replace")


def search_entries(scripts) -> list[dict]:
    """The pages the search index holds (kb/outputs/search.py), from the text of its page scripts: each is one call
    `window.__tbSearch.page(N,{...});` with JSON data, and nothing else (asserted)."""
    entries = []
    for script in scripts:
        head, _, rest = script.partition(",")
        assert head.startswith("window.__tbSearch.page(") and rest.endswith(");\n"), script[:200]
        entries.append(json.loads(rest[:-3]))
    return entries


def indexed_pages(site: Path) -> list[dict]:
    """The pages the search index of a built site holds: address, title, kind, unit, date, text."""
    return search_entries(p.read_text(encoding="utf-8") for p in site.glob("search/*/p/*.js"))


# -- processes, on POSIX and on Windows -------------------------------------------------------------

try:
    import resource  # POSIX: a memory limit per process, and each process's peak memory
except ImportError:  # Windows: the time limit only; memory is neither limited nor measured
    resource = None


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float
    peak_bytes: int  # 0 where it cannot be measured (no os.wait4)
    killed: bool


def run_limited(cmd: list[str], env: dict, seconds: float, memory: int) -> Run:
    """Run `cmd` from the project folder, killed after `seconds`, its address space limited to `memory` bytes
    where `resource` exists; its own peak memory comes from os.wait4 where that exists."""
    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=err,
                                preexec_fn=limit_memory if resource is not None else None)
        timer = threading.Timer(seconds, proc.kill)
        timer.start()
        try:
            if hasattr(os, "wait4"):
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode, peak = os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024
            else:  # Windows
                proc.wait()
                peak = 0
        finally:
            timer.cancel()
        took = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        return Run(proc.returncode, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                   took, peak, took >= seconds and proc.returncode != 0)


def own_group() -> dict:
    """Popen keyword arguments that put the child at the head of a process group of its own."""
    if os.name == "nt":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def kill_tree(proc: subprocess.Popen) -> None:
    """Kill `proc` and every process it started, at once (SIGKILL to its group; Windows: taskkill /T /F)."""
    if hasattr(os, "killpg"):
        os.killpg(proc.pid, signal.SIGKILL)
    elif os.name == "nt":
        subprocess.run(["taskkill", "/T", "/F", "/PID", str(proc.pid)], capture_output=True)
    else:
        proc.kill()


def free_port() -> int:
    """A port that nothing listens on now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- outside tools ----------------------------------------------------------------------------------

def _browser() -> str | None:
    from kb import browser

    return browser.available()


def _nginx() -> str | None:
    import nginxserver

    return nginxserver.available()


TOOLS = {
    "chromium": _browser,
    "nginx": _nginx,
    "pdftotext": lambda: None if shutil.which("pdftotext") else "未找到 pdftotext（Debian 软件包 poppler-utils）",
    "soffice": lambda: None if shutil.which("soffice") else "未安装 LibreOffice（Debian 软件包 libreoffice-writer）",
    "properdocs": lambda: None if importlib.util.find_spec("properdocs") else
    "未安装 ProperDocs（requirements-properdocs.txt，包含在 requirements-dev.txt 中）",
}


def outside_tool(why: str | None) -> None:
    """A test that needs a tool from outside Python: skipped here when it is missing, failed in CI (CI=true)."""
    if why and os.environ.get("CI"):
        pytest.fail(f"CI 中必须运行：{why}")
    if why:
        pytest.skip(why)


def missing(*tools: str) -> str | None:
    return next((why for why in (TOOLS[t]() for t in tools) if why), None)


# -- Word documents ---------------------------------------------------------------------------------

def png(rgb: bytes = b"\xc0\x00\x00") -> bytes:
    """A 1×1 PNG."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" + rgb)) + chunk(b"IEND", b""))


def word_case(path: Path, *, unit_line: str = "单位：市教育局", title: str = "红色驿站暖人心",
              branch: str = "市教育局基础教育处党支部") -> Path:
    """A case as a branch would write it in Word."""
    import docx
    from docx.shared import Inches

    d = docx.Document()
    d.add_heading(title, level=0)
    if unit_line:
        d.add_paragraph(unit_line)
    d.add_paragraph(f"党组织：{branch}")
    d.add_paragraph("日期：2026年12月3日")
    d.add_heading("基本情况", level=1)
    p = d.add_paragraph("支部把")
    p.add_run("红色驿站").bold = True
    p.add_run("建在社区里，每周开放三天。")
    d.add_paragraph("走访困难群众", style="List Bullet")
    d.add_paragraph("建立服务台账", style="List Bullet")
    d.add_paragraph("摸清需求", style="List Number")
    d.add_paragraph("上门服务", style="List Number")
    table = d.add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "指标", (0, 1): "数量", (1, 0): "走访户数", (1, 1): "120"}.items():
        table.cell(r, c).text = text
    d.add_picture(io.BytesIO(png()), width=Inches(1))
    d.add_paragraph("图1 驿站开放日")
    d.save(str(path))
    return path


# -- property tests (hypothesis) --------------------------------------------------------------------

from hypothesis import HealthCheck, settings  # noqa: E402

SETTINGS = settings(max_examples=80, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
RECORDS = sorted(p.relative_to(MINIMAL).as_posix() for p in MINIMAL.rglob("*.yml"))
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def loads_or_explains(data: Path) -> None:
    from kb.data.load import load_knowledge_base
    from kb.site.plan import build_site

    """The property: located Chinese problems, or a knowledge base that renders."""
    kb, problems = load_knowledge_base(data)
    if problems:
        assert kb is None
        for p in problems:
            assert p.file and p.line >= 1 and CHINESE.search(p.message), p
    else:
        assert kb is not None
        pages, _ = build_site(kb)
        assert pages


def with_file(rel: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(MINIMAL, data)
        (data / rel).parent.mkdir(parents=True, exist_ok=True)
        (data / rel).write_bytes(content)
        loads_or_explains(data)


def case_of(data: Path, record_id: str) -> dict:
    from kb.data.yamlio import read_document

    doc, problems = read_document(data / "cases" / f"{record_id}.yml")
    assert problems == []
    return doc.value


def preview_data(tmp_path: Path, monkeypatch, records: int, seed: int) -> Path:
    """`records` synthetic records in tmp_path/data, the preview pointed at them, on a fixed day."""
    from kb.dev.synth import synthesize

    data = tmp_path / "data"
    synthesize(records, data, seed=seed)
    monkeypatch.setenv("TOOLBOOK_DATA", str(data))
    monkeypatch.setenv("TOOLBOOK_TODAY", "2026-12-01")
    monkeypatch.delenv("TOOLBOOK_SITE_URL", raising=False)
    return data


class ServedPreview:
    """A PreviewServer (kb.engine.serve) over the data folder `data`, serving on a thread as `toolbook.py serve` runs
    it, once its first whole build is done. close() ends it and removes the earlier versions its editing desk kept
    outside data/ (<project>/.cache/desk/history/<data folder>/)."""

    def __init__(self, data: Path, **options):
        from kb.engine.serve import PreviewServer

        self.data = data
        self.port = free_port()
        self.server = PreviewServer(ROOT / "mkdocs.yml", "127.0.0.1", self.port, **options)
        self.base = f"http://127.0.0.1:{self.port}/"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 120
        while not self.server.complete:  # the whole first build
            assert time.monotonic() < deadline, "the preview's first build did not finish"
            time.sleep(0.2)

    @property
    def token(self) -> str:
        return self.server.desk.token

    def close(self) -> None:
        self.server.http.shutdown()
        self.thread.join(timeout=60)
        if self.server.desk is not None:
            from kb.data.model import KINDS

            shutil.rmtree(self.server.desk.desk.history_folder(KINDS[0], "x").parent.parent, ignore_errors=True)
