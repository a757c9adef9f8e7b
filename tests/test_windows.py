"""Windows, simulated on Linux (issue 17, points 5-9): what an administrator or editor meets there.

Simulated: os.symlink refused with WinError 1314 (no administrator rights or Developer Mode), Windows'
os.replace that will not replace a directory link, no fcntl (and a msvcrt stand-in), a console or a
child writing GBK (PYTHONIOENCODING=gbk, which is what a Chinese Windows does to a pipe), Windows
install places of Chrome and Edge, no `resource` module and no os.wait4/os.killpg. Junctions are emulated by symbolic
links with absolute targets; the Win32 calls that retarget a real junction are checked against a
fake kernel32 (what they are given), not run.
"""

from __future__ import annotations

import ast
import errno
import os
import re
import shutil
import struct
import subprocess
import sys
import types
from pathlib import Path

import pytest
import helpers
from helpers import MINIMAL, ROOT, kill_tree, run_limited

from kb import platform
from kb.deploy import publish
from kb.dev import bench
from kb import browser
from kb.outputs import booklet
from kb.settings import Settings

README = ROOT / "README.md"


def broken_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(MINIMAL, data)
    (data / "methods" / "sandan.yml").write_text("title: [\n", encoding="utf-8")
    return data


def refused_symlink(*args, **kwargs):
    e = OSError(errno.EPERM, "A required privilege is not held by the client")  # what Windows says
    e.winerror = platform.ERROR_PRIVILEGE_NOT_HELD
    raise e


class Junctions:
    """Directory junctions emulated by absolute symbolic links, with Windows' rules: made only where
    nothing is, changed in place; and Windows' os.replace, which will not replace a directory link."""

    def __init__(self, monkeypatch, held_open: bool = False):
        self.made, self.retargeted = [], []
        real_symlink, real_replace = os.symlink, os.replace

        def create(target, link):
            assert not os.path.lexists(link), "CreateJunction needs a path where nothing is"
            real_symlink(os.path.abspath(target), link, target_is_directory=True)
            self.made.append(Path(link).name)

        def retarget(link, target):
            if held_open:
                raise PermissionError(errno.EACCES, "The process cannot access the file", str(link))
            new = str(link) + ".retarget"
            real_symlink(os.path.abspath(target), new, target_is_directory=True)
            real_replace(new, link)  # stands for the one FSCTL_SET_REPARSE_POINT call
            self.retargeted.append(Path(link))

        def windows_replace(src, dst, **kwargs):
            if os.path.lexists(dst) and (os.path.islink(dst) or os.path.isdir(dst)):
                raise PermissionError(errno.EACCES, "Access is denied", str(dst))
            return real_replace(src, dst, **kwargs)

        monkeypatch.setattr(os, "symlink", refused_symlink)
        monkeypatch.setattr(os, "replace", windows_replace)
        monkeypatch.setattr(platform, "create_junction", create)
        monkeypatch.setattr(platform, "retarget_junction", retarget)
        # an emulated junction is a symbolic link to an absolute path (publish's own links are relative)
        monkeypatch.setattr(platform, "is_junction", lambda p: Path(p).is_symlink() and os.path.isabs(os.readlink(p)))


def fake_msvcrt(monkeypatch):
    """No fcntl; msvcrt.locking stood in for by flock (both: exclusive, per open file, gone with the holder)."""
    import fcntl

    calls = []

    def locking(fd, mode, nbytes):
        calls.append((mode, nbytes))
        if mode == 0:  # LK_UNLCK
            fcntl.flock(fd, fcntl.LOCK_UN)
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise PermissionError(errno.EACCES, "Permission denied") from None

    monkeypatch.setitem(sys.modules, "fcntl", None)
    monkeypatch.setitem(sys.modules, "msvcrt", types.SimpleNamespace(LK_UNLCK=0, LK_NBLCK=2, locking=locking))
    return calls


# --------------------------------------------------------------------------- point 5: publish on Windows


def test_publish_and_rollback_without_the_right_to_make_symbolic_links(tmp_path, monkeypatch):
    settings = Settings.read(MINIMAL)
    junctions = Junctions(monkeypatch)
    locks = fake_msvcrt(monkeypatch)
    target = tmp_path / "www"
    first = publish.publish(target, log=lambda m: None, settings=settings)
    assert junctions.made == ["current"] and publish.live(target) == first
    assert (target / "current" / "methods" / "sandan" / "index.html").is_file()
    second = publish.publish(target, log=lambda m: None, settings=settings)
    assert junctions.retargeted == [target / "current"] and publish.live(target) == second
    assert publish.rollback(target, log=lambda m: None) == first and publish.live(target) == first
    assert len(junctions.made) == 1  # the junction is changed in place, never removed and remade
    assert locks and all(n == 1 for _, n in locks)  # each run held the msvcrt lock


def test_a_junction_that_cannot_be_changed_in_place_is_swapped_by_renames(tmp_path, monkeypatch):
    junctions = Junctions(monkeypatch, held_open=True)
    releases = [tmp_path / "releases" / name for name in ("a", "b")]
    for release in releases:
        release.mkdir(parents=True)
    platform.point_link(tmp_path / "current", releases[0])
    platform.point_link(tmp_path / "current", releases[1])
    assert junctions.made == ["current", ".current.new"] and publish.live(tmp_path) == releases[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["current", "releases"]  # nothing left over


def test_a_junction_is_read_like_a_link(tmp_path, monkeypatch):
    release = tmp_path / "releases" / "20260101-000000"
    release.mkdir(parents=True)
    (tmp_path / "current").mkdir()  # a junction is a directory to everything but lstat
    monkeypatch.setattr(platform, "is_junction", lambda p: Path(p) == tmp_path / "current")
    monkeypatch.setattr(os, "readlink", lambda p: "\\\\?\\" + str(release))  # how Windows spells its target
    assert publish.live(tmp_path) == release
    with pytest.raises(publish.PublishError) as refused:  # a junction is a valid `current`: nothing older, that's all
        publish.rollback(tmp_path, log=lambda m: None)
    assert "没有可以回退到的更早版本" in str(refused.value)


def test_retargeting_a_junction_writes_one_mount_point_reparse_buffer(monkeypatch):
    seen = {}

    class Kernel32:
        def CreateFileW(self, path, access, share, security, disposition, flags, template):
            seen["open"] = (path, access, share, disposition, flags)
            return 42

        def DeviceIoControl(self, handle, code, buffer, size, out, out_size, returned, overlapped):
            seen["ioctl"] = (handle, code, bytes(buffer)[:size])
            return 1

        def CloseHandle(self, handle):
            seen["closed"] = handle

    monkeypatch.setattr(platform, "kernel32", Kernel32)
    monkeypatch.setattr(platform.os.path, "abspath", lambda p: str(p))
    target = r"C:\srv\toolbook\releases\20261122-043700"
    platform.retarget_junction(r"C:\srv\toolbook\current", target)
    path, access, share, disposition, flags = seen["open"]
    assert path == r"C:\srv\toolbook\current" and access == 0x40000000 and share == 7 and disposition == 3
    assert flags == 0x00200000 | 0x02000000  # the link itself (not what it leads to), a directory
    handle, code, data = seen["ioctl"]
    assert handle == 42 and code == 0x000900A4 and seen["closed"] == 42  # FSCTL_SET_REPARSE_POINT
    tag, length, _, sub_off, sub_len, print_off, print_len = struct.unpack_from("<IHHHHHH", data)
    assert tag == 0xA0000003 and length == len(data) - 8  # IO_REPARSE_TAG_MOUNT_POINT
    names = data[16:]
    assert names[sub_off:sub_off + sub_len].decode("utf-16-le") == "\\??\\" + target
    assert names[print_off:print_off + print_len].decode("utf-16-le") == target


def held_elsewhere(target: Path):
    """What another publish holds while it runs: the lock of the folder."""
    lock = platform.FileLock(target / publish.LOCK_FILE)
    assert lock.acquire()
    return lock


def test_one_publish_at_a_time_without_fcntl(tmp_path, monkeypatch):
    fake_msvcrt(monkeypatch)
    other = held_elsewhere(tmp_path)
    with pytest.raises(publish.PublishError, match="正在被另一个 publish"):
        publish.rollback(tmp_path, log=lambda m: None)
    other.release()  # released: free again (and then there is nothing to roll back to)
    with pytest.raises(publish.PublishError, match="没有可以回退到的更早版本"):
        publish.rollback(tmp_path, log=lambda m: None)


def test_one_publish_at_a_time_without_fcntl_or_msvcrt(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "fcntl", None)
    monkeypatch.setitem(sys.modules, "msvcrt", None)
    lock_file = tmp_path / publish.LOCK_FILE
    other = held_elsewhere(tmp_path)
    assert lock_file.read_text() == str(os.getpid())
    with pytest.raises(publish.PublishError, match="正在被另一个 publish"):
        publish.rollback(tmp_path, log=lambda m: None)
    other.release()
    assert not lock_file.exists()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    lock_file.write_text(str(gone.pid))  # left by a publish that was killed
    with pytest.raises(publish.PublishError, match="没有可以回退到的更早版本"):  # the stale lock is taken over
        publish.rollback(tmp_path, log=lambda m: None)
    assert not lock_file.exists()


def test_readme_says_how_iis_and_nginx_for_windows_serve_the_live_folder():
    text = README.read_text(encoding="utf-8")
    assert "IIS" in text and "目录联接" in text
    assert re.search(r"alias [A-Z]:/[^ ]*/current/;", text), "nginx for Windows: alias to the current folder"
    assert re.search(r"[A-Z]:\\[^ ]*\\current", text), "IIS: the physical path of current"


# --------------------------------------------------------------------------- point 6: children write UTF-8


@pytest.mark.parametrize("command, refused", [("publish --to www", "未发布"), ("bundle --out x.zip", "未生成离线版")])
def test_publish_and_bundle_show_the_problems_readably_on_a_gbk_console(command, refused, tmp_path):
    """publish and bundle build in their own process (no child build): the problems are printed in the
    console's code page, here GBK."""
    kind, option, out = command.split()
    result = subprocess.run([sys.executable, "scripts/toolbook.py", kind, option, str(tmp_path / out)], cwd=ROOT,
                            env=dict(os.environ, TOOLBOOK_DATA=str(broken_data(tmp_path)), PYTHONIOENCODING="gbk"),
                            capture_output=True, timeout=300)
    message = result.stderr.decode("gbk")  # what a Chinese Windows console shows
    assert result.returncode == 1, message
    assert refused in message and "YAML 格式错误" in message and "sandan.yml" in message, message
    assert "?" not in message, message  # nothing replaced for want of a GBK character


def test_the_build_that_bench_measures_reports_readably_when_the_child_would_write_gbk(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONIOENCODING", "gbk")  # inherited by the child unless it is told otherwise
    with pytest.raises(RuntimeError) as failed:
        bench.build(broken_data(tmp_path), tmp_path / "site")
    message = str(failed.value)
    assert "YAML 格式错误" in message and "sandan.yml" in message and "\ufffd" not in message, message


def test_the_preview_server_writes_utf8_whatever_the_console(tmp_path, monkeypatch):
    (tmp_path / "say.py").write_text("print('预览已启动')\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    monkeypatch.setenv("PYTHONIOENCODING", "gbk")
    env = platform.child_env(PYTHONPATH=str(tmp_path))
    with open(out, "wb") as stdout:
        real = subprocess.Popen
        monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: real(*a, **dict(k, stdout=stdout)))
        assert platform.run_owned("say", [], cwd=tmp_path, env=env) == 0
    assert out.read_bytes().decode("utf-8").strip() == "预览已启动"


def test_every_python_child_gets_an_environment():
    """Each Python process the commands start (the preview server, the search indexer) is given env= (child_env:
    UTF-8) rather than inheriting ours."""
    missing = []
    for source in sorted((ROOT / "hooks" / "kb").rglob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                python = name == "run_owned" or (node.args and isinstance(node.args[0], ast.List) and node.args[0].elts
                                                 and ast.unparse(node.args[0].elts[0]) == "sys.executable")
                if name in ("subprocess.run", "subprocess.Popen", "subprocess.call", "subprocess.check_output",
                            "subprocess.check_call", "run_owned") and python and not any(k.arg == "env" for k in node.keywords):
                    missing.append(f"{source.relative_to(ROOT)}:{node.lineno}: {name}")
    assert missing == []
    assert platform.child_env({})["PYTHONUTF8"] == "1"
    assert platform.child_env({"PYTHONIOENCODING": "gbk"})["PYTHONIOENCODING"] == "utf-8"


# --------------------------------------------------------------------------- point 7: the browser for pdf


def test_the_browser_named_by_toolbook_browser_comes_first(tmp_path):
    edge = tmp_path / "msedge.exe"
    edge.write_text("")
    assert browser.find_browser({"TOOLBOOK_BROWSER": str(edge)}, "linux") == str(edge)
    with pytest.raises(browser.BrowserNotFound, match="TOOLBOOK_BROWSER"):
        browser.find_browser({"TOOLBOOK_BROWSER": str(tmp_path / "none.exe")}, "linux", which=lambda n: None)


def test_edge_or_chrome_is_found_where_windows_installs_them():
    env = {"ProgramFiles": r"C:\Program Files", "ProgramFiles(x86)": r"C:\Program Files (x86)",
           "LOCALAPPDATA": r"C:\Users\张三\AppData\Local"}
    edge = r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe"
    chrome = r"C:\Users\张三\AppData\Local\Google\Chrome\Application\chrome.exe"
    assert browser.find_browser(env, "win32", exists={edge}.__contains__, which=lambda n: None) == edge
    assert browser.find_browser(env, "win32", exists={edge, chrome}.__contains__, which=lambda n: None) == chrome


def test_chrome_on_linux_and_a_browser_on_path_are_found():
    assert browser.find_browser({}, "linux", exists={"/usr/bin/google-chrome"}.__contains__) == "/usr/bin/google-chrome"
    on_path = {"msedge": r"D:\tools\msedge.exe"}
    assert browser.find_browser({}, "win32", exists=lambda p: False, which=on_path.get) == r"D:\tools\msedge.exe"


def test_no_browser_says_in_chinese_what_to_install(tmp_path, monkeypatch):
    nothing = {"exists": lambda p: False, "which": lambda n: None}
    with pytest.raises(browser.BrowserNotFound) as windows:
        browser.find_browser({}, "win32", **nothing)
    assert "Microsoft Edge" in str(windows.value) and "Google Chrome" in str(windows.value)
    assert "apt-get" not in str(windows.value) and "TOOLBOOK_BROWSER" in str(windows.value)
    with pytest.raises(browser.BrowserNotFound) as linux:
        browser.find_browser({}, "linux", **nothing)
    assert "apt-get install chromium" in str(linux.value)

    find = browser.find_browser
    monkeypatch.setattr(browser, "find_browser", lambda *a, **k: find({}, "win32", **nothing))
    with pytest.raises(booklet.PdfError) as refused:
        booklet.write_pdf(Settings.read(MINIMAL), "2026-06", tmp_path / "x.pdf")
    assert "生成 PDF 需要浏览器" in str(refused.value) and "Microsoft Edge" in str(refused.value)
    assert "apt-get" not in str(refused.value)


def test_playwright_is_given_the_browser_found(tmp_path, monkeypatch):
    chrome = tmp_path / "chrome.exe"
    chrome.write_text("")
    monkeypatch.setenv("TOOLBOOK_BROWSER", str(chrome))
    launched = {}
    fake = types.SimpleNamespace(chromium=types.SimpleNamespace(launch=lambda **k: launched.update(k)))
    browser.launch(fake)
    assert launched["executable_path"] == str(chrome)


# --------------------------------------------------------------------------- point 8: tests without Linux-only modules


def test_a_limited_run_works_without_resource_and_wait4(monkeypatch):
    """tests/test_broken.py's runner (was: pytest.importorskip("resource"), all cases skipped on Windows)."""
    monkeypatch.setattr(helpers, "resource", None)
    monkeypatch.delattr(os, "wait4")
    run = run_limited([sys.executable, "-c", "print('数据有问题')"], dict(os.environ, PYTHONUTF8="1"), 30, 1 << 30)
    assert (run.code, run.out.strip(), run.peak_bytes, run.killed) == (0, "数据有问题", 0, False)


def test_process_trees_are_killed_without_killpg(monkeypatch):
    monkeypatch.delattr(os, "killpg")
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    kill_tree(proc)
    assert proc.wait(timeout=10) != 0


def test_no_test_needs_a_linux_only_call_unguarded():
    for source in sorted((ROOT / "tests").glob("*.py")):
        text = source.read_text(encoding="utf-8")
        if source.name in ("helpers.py", "test_windows.py"):
            continue
        assert "os.killpg(" not in text, f"{source.name}: use helpers.kill_tree"
        assert "importorskip(\"resource\")" not in text, source.name
        if "os.wait4(" in text:
            assert "hasattr(os, \"wait4\")" in text, source.name
    code = (ROOT / "hooks" / "kb" / "dev" / "bench.py").read_text(encoding="utf-8")
    assert "os.sync()" not in code or "hasattr(os, \"sync\")" in code


# --------------------------------------------------------------------------- point 9: README for PowerShell


def _blocks(text: str) -> list[tuple[str, str]]:
    return re.findall(r"```(\w*)\n(.*?)```", text, re.S)


BASH_ONLY = re.compile(r"^\s*[A-Z_]+=\S+ |&&|^\s*\. |/bin/activate", re.M)


def test_each_bash_only_command_has_its_powershell_line():
    blocks = _blocks(README.read_text(encoding="utf-8"))
    for i, (lang, body) in enumerate(blocks):
        if BASH_ONLY.search(body):
            assert lang == "bash", f"label the block with bash-only syntax as bash:\n{body}"
            follows = blocks[i + 1] if i + 1 < len(blocks) else ("", "")
            assert follows[0] == "powershell", f"a PowerShell block must follow:\n{body}"
            assert not BASH_ONLY.search(follows[1]), f"Windows PowerShell 5 has no &&, no VAR=value prefix:\n{follows[1]}"
    for var in set(re.findall(r"^\s*([A-Z_]+)=\S+ ", "\n".join(b for _, b in blocks), re.M)):
        assert f"$env:{var} =" in README.read_text(encoding="utf-8"), var


def test_the_two_commands_start_with_the_venv_on_each_platform():
    text = README.read_text(encoding="utf-8")
    setup = text[text.index("## 两条命令"):text.index("## 日常使用")]
    assert "python3 -m venv .venv && . .venv/bin/activate" in setup
    assert "python -m venv .venv; .venv\\Scripts\\Activate.ps1" in setup
    assert "Set-ExecutionPolicy -Scope Process" in setup and ".venv\\Scripts\\python.exe" in setup
    assert "externally-managed-environment" in setup and "python3-venv" in setup
