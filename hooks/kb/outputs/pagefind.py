"""Full-text search index with Pagefind, built while the site is being rendered.

Pagefind (`pagefind[extended]`: the Rust indexer ships in the wheel and segments Chinese)
runs as a separate process in its `--service` mode. Every page's content is handed to it
before MkDocs starts rendering, so it indexes and then writes the chunked index (of which a
reader downloads only what a query needs) on the second core while MkDocs renders on the
first: `complete()` right after the last page, `wait()` at the end of the build.

We speak the service protocol directly (the one Pagefind's own Python and Node wrappers
speak: base64-encoded JSON messages, each followed by a comma) because the Python wrapper
(pagefind 1.5.2) sleeps 0.1 s before reading each reply, which makes N pages cost N × 0.1 s.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import queue
import subprocess
import threading
import time
from pathlib import Path

from pagefind.service import get_executable

LANGUAGE = "zh"
NICENESS = 10
WRITE_TIMEOUT = 60  # seconds for Pagefind's last writes to land (they take milliseconds)


class SearchIndexError(RuntimeError):
    pass


class SearchIndex:
    """The Pagefind index as an output of the build: fed from the stream of pages, written while MkDocs renders."""

    def __init__(self) -> None:
        binary = get_executable()
        if binary is None:
            raise SearchIndexError("找不到 Pagefind 程序（pagefind[extended]），请重新安装依赖：python -m pip install -r requirements.txt")
        self._proc = subprocess.Popen([str(binary), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, bufsize=0)
        self._next_id = 0
        self._indexed = 0  # pages confirmed by the indexer
        self._awaited: set[int] = set()  # messages whose reply someone waits for
        self._replies: dict[int, dict] = {}
        self._errors: list[str] = []
        self._done = threading.Condition()
        self._reader = threading.Thread(target=self._read, name="pagefind-replies", daemon=True)
        self._reader.start()
        # pages are written to the indexer from a thread of their own, so that the build never
        # waits for the indexer to catch up
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._sender = threading.Thread(target=self._write_out, name="pagefind-requests", daemon=True)
        self._sender.start()
        self.pages = 0
        self._writer: threading.Thread | None = None
        self._failure: SearchIndexError | None = None
        reply = self._wait(self._send({"type": "NewIndex", "config": {"force_language": LANGUAGE}}, awaited=True))
        self._index_id = reply["index_id"]
        _yield_cpu(self._proc.pid)

    def add_record(self, page, url: str) -> None:
        """A record's page (kb.site.plan.Page) at `url` (from the site root)."""
        self.add(page.search, "/" + url)

    def add_document(self, url: str, title: str, content: str) -> None:
        """A hand-written page, as HTML."""
        self.add(content, "/" + url)

    def complete(self, site_dir: Path) -> None:
        """Every page is in: write the index beside the pages, in the background."""
        self.write_in_background(site_dir / "pagefind")

    def add(self, content: str, url: str) -> None:
        """Queue one page (the HTML of its content and its URL from the site root); does not wait."""
        self.pages += 1
        html = f'<!doctype html><html lang="{LANGUAGE}"><body>{content}</body></html>'
        self._send({"type": "AddFile", "index_id": self._index_id, "url": url, "file_contents": html, "file_path": None})

    def write_in_background(self, output: Path) -> None:
        """Once every queued page is indexed, write the index into `output`, without blocking."""
        self._writer = threading.Thread(target=self._write, args=(output,), name="pagefind-write", daemon=True)
        self._writer.start()

    def wait(self) -> None:
        """Block until the index is written; raise SearchIndexError if anything failed."""
        self._writer.join()
        if self._failure:
            raise self._failure

    def _write(self, output: Path) -> None:
        try:
            self.finish(output)
        except SearchIndexError as e:
            self._failure = e

    def finish(self, output: Path) -> None:
        """Wait until every queued page is indexed, then write the index into `output`."""
        with self._done:
            while self._indexed + len(self._errors) < self.pages:
                if not self._reader.is_alive():
                    raise SearchIndexError("Pagefind 进程意外退出")
                self._done.wait(timeout=1)
        if self._errors:
            raise SearchIndexError("；".join(self._errors[:3]))
        self._wait(self._send({"type": "WriteFiles", "index_id": self._index_id, "output_path": str(output)}, awaited=True))
        wait_until_written(output)

    def close(self) -> None:
        self._outbox.put(None)
        self._sender.join(timeout=10)
        if self._proc.poll() is None:
            try:
                self._proc.stdin.close()
                self._proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()

    # -- protocol ---------------------------------------------------------------------------

    def _send(self, payload: dict, awaited: bool = False) -> int:
        self._next_id += 1
        if awaited:
            with self._done:
                self._awaited.add(self._next_id)
        self._outbox.put(json.dumps({"message_id": self._next_id, "payload": payload}, ensure_ascii=False).encode("utf-8"))
        return self._next_id

    def _write_out(self) -> None:
        while (message := self._outbox.get()) is not None:
            try:
                self._proc.stdin.write(base64.b64encode(message) + b",")
            except OSError as e:
                with self._done:
                    self._errors.append(f"Pagefind 进程意外退出：{e}")
                    self._done.notify_all()
                return

    def _wait(self, message_id: int) -> dict:
        with self._done:
            while message_id not in self._replies:
                if not self._reader.is_alive():
                    raise SearchIndexError("Pagefind 进程意外退出")
                self._done.wait(timeout=1)
            reply = self._replies.pop(message_id)
        if reply.get("type") == "Error":
            raise SearchIndexError(reply.get("message", "未知错误"))
        return reply

    def _read(self) -> None:
        buffer = b""
        stdout = self._proc.stdout
        while chunk := stdout.read(65536):
            buffer += chunk
            *messages, buffer = buffer.split(b",")
            for raw in messages:
                if not raw.strip():
                    continue
                reply = json.loads(base64.b64decode(raw))
                payload = reply.get("payload", {})
                with self._done:
                    if reply.get("message_id") in self._awaited:
                        self._replies[reply["message_id"]] = payload
                    elif payload.get("type") == "IndexedFile":
                        self._indexed += 1
                    else:  # an error about a page, or about a message the indexer could not read
                        self._errors.append(payload.get("message", "未知错误"))
                    self._done.notify_all()
        with self._done:
            self._done.notify_all()


def wait_until_written(output: Path, timeout: float = WRITE_TIMEOUT) -> None:
    """Wait until no file of the index is empty; raise SearchIndexError if one stays empty.

    Pagefind 1.5.2 answers WriteFiles while its last writes can still be in flight (its files are
    created, then written from a pool of threads), and it exits as soon as its input is closed. Closed
    at once, it left an empty pagefind-entry.json in 1 of 30 builds here: a site whose search is broken.
    Each file is written in one piece, so a file that is not empty is whole."""
    deadline = time.monotonic() + timeout
    while True:
        empty = [path for path in output.rglob("*") if path.is_file() and path.stat().st_size == 0]
        if not empty:
            return
        if time.monotonic() > deadline:
            raise SearchIndexError(f"Pagefind 没有写完索引文件 {empty[0].relative_to(output).as_posix()}")
        time.sleep(0.02)


def _yield_cpu(pid: int) -> None:
    """Lower the indexer's priority: it keeps up with MkDocs on what is left of the two cores, and
    the pages are the critical path of a build. (Linux sets priority per thread, so each of its
    threads, which exist once it has answered.)"""
    if not hasattr(os, "setpriority"):
        return
    try:
        threads = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        threads = [pid]
    for tid in threads:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, tid, NICENESS)
