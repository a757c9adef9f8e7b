"""The preview server (kb/engine/serve.py, issue 15): the home page and the tabs answer while the rest of the
site is still being built, a page asked for meanwhile answers once it is written, a saved edit reaches the open
page through its reload script, and a folder the operating system cannot watch is polled instead.

The server runs here in the test's process, as `toolbook.py serve` runs it in its child; the whole first build
is held back at will (a gate in front of the site's pages) so that "meanwhile" is a state, not a race.
"""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from helpers import ROOT, free_port, preview_data

from kb import cache
from kb.data.load import load_knowledge_base
from kb.platform import FileLock
from kb.settings import Settings
from kb.engine import serve as serve_module
from kb import build as build_module


def get(url: str, timeout: float = 60) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            return reply.status, reply.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


class Running:
    """A PreviewServer serving on a thread, stopped by close()."""

    def __init__(self):
        self.before = set(threading.enumerate())
        self.port = free_port()
        self.server = serve_module.PreviewServer(ROOT / "mkdocs.yml", "127.0.0.1", self.port)
        self.base = f"http://127.0.0.1:{self.port}/"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def epoch(self, page: str) -> int:
        return int(re.search(r"var epoch = (\d+);", page)[1])

    def close(self):
        self.server.http.shutdown()
        self.thread.join(timeout=60)
        assert not self.thread.is_alive()
        # no thread of the preview outlives it: a later build forks a second reader only in a process without any
        for _ in range(100):
            left = [t for t in threading.enumerate() if t not in self.before and t.is_alive()]
            if not left:
                break
            threading.Event().wait(0.1)
        assert left == []


@pytest.fixture
def data(tmp_path, monkeypatch):
    return preview_data(tmp_path, monkeypatch, 120, 5)


@pytest.fixture
def gate(monkeypatch):
    """The whole first build waits for `gate.set()` before it makes its pages; the navigation's pages do not."""
    gate = threading.Event()
    real = build_module.stream_site

    def held(*args, **kwargs):
        if kwargs.get("wanted") is None:
            assert gate.wait(120), "the test never opened the gate"
        return real(*args, **kwargs)

    monkeypatch.setattr(build_module, "stream_site", held)
    yield gate
    gate.set()


def test_the_home_page_answers_before_the_whole_site_and_a_record_page_once_it_is_built(data, gate):
    kb, _ = load_knowledge_base(data, include_drafts=True)
    case = next(r for r in kb.records.values() if r.kind.name == "case")
    running = Running()
    try:
        status, home = get(running.base)  # answered while the whole build is held back
        assert status == 200 and "<title>首页" in home and "livereload" in home
        status, standards = get(running.base + "standards/")
        assert status == 200 and "标准规范" in standards
        assert not (running.server.site_dir / "cases" / case.id).exists()  # not made yet

        answer = {}
        asking = threading.Thread(target=lambda: answer.update(page=get(running.base + f"cases/{case.id}/")))
        asking.start()
        asking.join(timeout=1.0)
        assert asking.is_alive() and not answer  # the request waits for the page, it is not told 404
        gate.set()
        asking.join(timeout=120)
        status, page = answer["page"]
        assert status == 200 and case.title in page

        status, page = get(running.base + "cases/no-such-case/")  # once all is built, a missing page is a 404
        assert status == 404
    finally:
        gate.set()
        running.close()
    # the preview's folder is kept for the next preview of the same data (kb.cache), and let go of
    assert running.server.site_dir == cache.folder(Settings.read(data)) / "site"
    assert (running.server.site_dir / "index.html").is_file()
    assert FileLock(running.server.site_dir.parent / "preview.lock").acquire()


def test_a_saved_edit_reaches_the_open_page_through_its_reload_script(data):
    kb, _ = load_knowledge_base(data, include_drafts=True)
    case = next(r for r in kb.records.values() if r.kind.name == "case")
    running = Running()
    try:
        url = running.base + f"cases/{case.id}/"
        status, page = get(url, timeout=120)
        assert status == 200
        while not running.server.complete:  # the whole first build may still be writing
            threading.Event().wait(0.2)
        status, page = get(url)
        epoch = running.epoch(page)
        waiting = {}
        poll = threading.Thread(target=lambda: waiting.update(reply=get(running.base + f"livereload/{epoch}", timeout=90)))
        poll.start()
        path = data / "cases" / f"{case.id}.yml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("body: |\n", "body: |\n  保存后打开的页面自动刷新。\n\n", 1), encoding="utf-8")
        poll.join(timeout=90)
        status, newer = waiting["reply"]
        assert status == 200 and int(newer) > epoch  # the page's script reloads now
        status, page = get(url)
        assert "保存后打开的页面自动刷新。" in page and running.epoch(page) == int(newer)

        secret = data.parent / "secret.txt"
        secret.write_text("不该被预览送出的文件", encoding="utf-8")
        (running.server.site_dir / "outside").symlink_to(data.parent, target_is_directory=True)
        for outside in ("../../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "outside/secret.txt"):
            status, body = get(running.base + outside)  # nothing outside the preview's folder
            assert status == 404 and "不该被" not in body, outside

        # the theme's styles are asked for again on each reload, and not sent again while unchanged
        css = running.base + re.search(r'href="(?:\.\./)*(assets/stylesheets/main\.[^"]+\.css)"', page)[1]
        with urllib.request.urlopen(css) as reply:
            stamp = reply.headers["Last-Modified"]
            assert reply.status == 200 and reply.headers["Cache-Control"] == "no-cache" and stamp
        with pytest.raises(urllib.error.HTTPError) as unchanged:
            urllib.request.urlopen(urllib.request.Request(css, headers={"If-Modified-Since": stamp}))
        assert unchanged.value.code == 304
    finally:
        running.close()


def test_where_the_system_cannot_watch_a_folder_it_is_polled(data, monkeypatch):
    """A network drive or an exhausted inotify limit: the native observer fails to start; changes still show."""
    import watchdog.observers

    class Refused(watchdog.observers.Observer):
        def start(self):
            raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(watchdog.observers, "Observer", Refused)
    kb, _ = load_knowledge_base(data, include_drafts=True)
    standard = next(r for r in kb.records.values() if r.kind.name == "standard")
    running = Running()
    try:
        url = running.base + f"standards/{standard.id}/"
        while not running.server.complete:
            threading.Event().wait(0.2)
        assert type(running.server._observer).__name__ == "PollingObserver"
        path = Path(data / "standards" / f"{standard.id}.yml")
        path.write_text(path.read_text(encoding="utf-8").replace("title: ", "title: 轮询也能看到", 1), encoding="utf-8")
        for _ in range(300):
            status, page = get(url)
            if "轮询也能看到" in page:
                break
            threading.Event().wait(0.2)
        assert "轮询也能看到" in page
    finally:
        running.close()


def test_a_browser_that_goes_away_mid_answer_prints_no_traceback(data, capfd):
    """A reload or a closed tab while the page waits for the next build: the server's console stays clean."""
    import socket
    import struct

    running = Running()
    try:
        while not running.server.complete:
            threading.Event().wait(0.2)
        epoch = running.server.epoch
        for _ in range(3):
            client = socket.create_connection(("127.0.0.1", running.port))
            client.sendall(f"GET /livereload/{epoch} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            threading.Event().wait(0.2)  # the request is read and waits for the next build
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()  # gone, with a reset
        path = next((data / "cases").glob("*.yml"))
        path.write_text(path.read_text(encoding="utf-8").replace("title: ", "title: 又一次", 1), encoding="utf-8")
        status, _ = get(running.base + f"livereload/{epoch}", timeout=90)  # the next build is done
        assert status == 200
        threading.Event().wait(0.5)
    finally:
        running.close()
    err = capfd.readouterr().err
    assert "Traceback" not in err and "BrokenPipe" not in err and "ConnectionReset" not in err, err
