"""`toolbook.py serve` owns its preview server (issue 17, point 2): however the command ends, the
server ends with it and frees the port; a busy port is named in Chinese and the next free one taken.

Real processes on POSIX signals (SIGTERM, SIGINT, SIGHUP for a closed terminal, SIGKILL which cannot
be caught: then the server notices its parent is gone). Windows' wait on the parent's process handle
is simulated with a stand-in for _winapi.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import types
import urllib.request
from pathlib import Path

import pytest
from helpers import ROOT, free_port

from kb import cli
from kb import platform


def serving(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as reply:
            return reply.status == 200
    except OSError:
        return False


def start_serve(data: Path, port: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ, TOOLBOOK_DATA=str(data), NO_MKDOCS_2_WARNING="1")
    out = open(log, "wb")
    proc = subprocess.Popen([sys.executable, "scripts/toolbook.py", "serve", "--addr", f"127.0.0.1:{port}"],
                            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    proc.log = out
    return proc


def wait_until(condition, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            shown = log.read_text(encoding="utf-8", errors="replace") if log else ""
            raise AssertionError(f"{what} (after {timeout} s)\n{shown}")
        time.sleep(0.1)


POSIX_ENDINGS = ["SIGTERM", "SIGINT", "SIGHUP", "SIGKILL"]


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
@pytest.mark.parametrize("ending", POSIX_ENDINGS)
def test_ending_the_command_ends_the_server(ending, data, tmp_path):
    port, log = free_port(), tmp_path / "serve.log"
    wrapper = start_serve(data, port, log)
    try:
        wait_until(lambda: serving(port), 120, "the preview never answered", log)
        os.kill(wrapper.pid, getattr(signal, ending))  # the command only, as a closed terminal or `kill` does
        wrapper.wait(timeout=30)
        wait_until(lambda: platform.port_free("127.0.0.1", port), 30,
                   f"after {ending} the server still holds port {port}", log)
        assert not serving(port)
    finally:
        if wrapper.poll() is None:
            wrapper.kill()
        wrapper.log.close()
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in text, text
    # stopped as asked, just as its first pages answer (not killed after the grace period)
    assert "已强制结束" not in text, text


def test_a_busy_port_is_named_and_the_next_free_one_taken(data, tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port, log = busy.getsockname()[1], tmp_path / "serve.log"
    wrapper = start_serve(data, port, log)
    try:
        wait_until(lambda: "改用端口" in log.read_text(encoding="utf-8", errors="replace") or wrapper.poll() is not None,
                   60, "no message about the busy port", log)
        text = log.read_text(encoding="utf-8")
        assert f"端口 {port} 已被占用" in text, text
        taken = int(text.split("改用端口 ")[1].split("。")[0])
        assert taken > port
        wait_until(lambda: serving(taken), 120, f"nothing serves on {taken}", log)
        assert f"预览地址：http://127.0.0.1:{taken}/" in log.read_text(encoding="utf-8")
    finally:
        wrapper.terminate()
        wrapper.wait(timeout=30)
        wrapper.log.close()
        busy.close()
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in text and "Address already in use" not in text, text


def test_a_wrong_address_is_a_usage_error(capsys):
    assert cli.serve_address("8000") is None
    assert "用法错误" in capsys.readouterr().err


def test_on_windows_the_server_waits_on_its_parents_process_handle(monkeypatch):
    """Windows does not re-parent orphans: the server holds a handle of its parent and waits on it."""
    calls = []
    fake = types.SimpleNamespace(INFINITE=0xFFFFFFFF,
                                 OpenProcess=lambda access, inherit, pid: calls.append(("open", access, pid)) or 7,
                                 WaitForSingleObject=lambda handle, ms: calls.append(("wait", handle, ms)))
    monkeypatch.setitem(sys.modules, "_winapi", fake)
    monkeypatch.setattr(platform.os, "name", "nt")
    stopped = threading.Event()
    monkeypatch.setattr(platform, "interrupt_self", stopped.set)

    class Exited(Exception):
        pass

    def exit_(code):
        raise Exited(code)

    monkeypatch.setattr(platform.os, "_exit", exit_)
    with pytest.raises(Exited):
        platform.watch_parent(4242, grace=0)
    assert calls == [("open", 0x00100000, 4242), ("wait", 7, 0xFFFFFFFF)]  # SYNCHRONIZE, then wait forever
    assert stopped.is_set()  # then the server is stopped as Ctrl+C would


def test_a_parent_that_is_already_gone_stops_the_server_at_once(monkeypatch):
    def gone(*args):
        raise OSError(87, "The parameter is incorrect")  # OpenProcess of a pid that has ended

    monkeypatch.setitem(sys.modules, "_winapi", types.SimpleNamespace(INFINITE=0, OpenProcess=gone))
    monkeypatch.setattr(platform.os, "name", "nt")
    stopped = []
    monkeypatch.setattr(platform, "interrupt_self", lambda: stopped.append(True))
    monkeypatch.setattr(platform.os, "_exit", lambda code: stopped.append(code))
    platform.watch_parent(4242, grace=0)
    assert stopped == [True, 1]


def test_on_windows_the_server_is_stopped_with_ctrl_break_to_its_process_group(monkeypatch):
    """A child in a process group of its own gets no Ctrl+C; Ctrl+Break reaches it (and it cleans up as on Ctrl+C)."""
    sent = []

    class Child:
        def poll(self):
            return None

        def send_signal(self, sig):
            sent.append(sig)

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(platform.os, "name", "nt")
    monkeypatch.setattr(signal, "CTRL_BREAK_EVENT", 1, raising=False)
    platform.stop_child(Child())
    assert sent == [1]
