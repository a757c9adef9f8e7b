"""What the commands need to behave the same on Linux and Windows (standard library only).

- child_env: the environment of every child process, so that it writes UTF-8 whatever the
  console's code page (a Chinese Windows writes GBK to a pipe otherwise).
- run_owned / free_port: `serve` owns its server: ending the wrapper in any way ends the server,
  and a busy port is replaced by the next free one.
- point_link / read_link: `current` of `publish` switched in one step: a symbolic link where one
  may be made, else (Windows without administrator rights) a directory junction retargeted in place.
- FileLock: one publish at a time, on both platforms.
- write_whole: an editor's file written whole or not at all (a temporary file renamed over it), then read back.

Windows-only branches are tested on Linux by simulation (tests/test_windows.py). Standard library only:
the command line imports this before it has installed anything.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# --------------------------------------------------------------------------- child processes


def child_env(base: dict | None = None, **extra: str) -> dict:
    """`base` (default: our environment) with the child told to read and write UTF-8."""
    env = dict(os.environ if base is None else base)
    env.update(extra)
    env["PYTHONUTF8"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


# A child that lives no longer than its parent: a thread waits for the parent to end (Windows: on a
# handle of the parent process; elsewhere: until the parent's pid is no longer our parent's) and
# then stops the child as Ctrl+C would (so the server cleans up), or hard after a grace period.
_OWNED_CHILD = r"""
import sys
sys.path.insert(0, sys.argv[1])
from kb import platform
platform.owned_child_main(sys.argv[2:])
"""


def owned_child_main(argv: list[str]) -> None:
    """In the child: `argv` is [parent pid, module, *arguments]; run the module as `python -m` would."""
    import runpy
    import threading

    parent, module, args = int(argv[0]), argv[1], argv[2:]
    # Ctrl+C is how this child is asked to stop, also when it was started with SIGINT ignored (a background job);
    # on Windows, Ctrl+Break (which is what reaches a process group of its own), so the server cleans up
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if hasattr(signal, "SIGBREAK"):
        signal.signal(signal.SIGBREAK, signal.default_int_handler)
    threading.Thread(target=watch_parent, args=(parent,), daemon=True).start()
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


def watch_parent(parent: int, poll: float = 0.5, grace: float = 10.0) -> None:
    """Block until process `parent` has ended, then stop this process."""
    if os.name == "nt":
        import _winapi

        try:
            handle = _winapi.OpenProcess(0x00100000, False, parent)  # SYNCHRONIZE
        except OSError:
            handle = None  # already gone
        if handle is not None:
            _winapi.WaitForSingleObject(handle, _winapi.INFINITE)
    else:
        while os.getppid() == parent:
            time.sleep(poll)
    interrupt_self()
    time.sleep(grace)
    os._exit(1)


def interrupt_self() -> None:
    """Ctrl+C for this process: the main thread gets KeyboardInterrupt and shuts the server down."""
    if os.name == "nt":
        import _thread

        _thread.interrupt_main()
    else:
        os.kill(os.getpid(), signal.SIGINT)


class _Ended(Exception):
    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def run_owned(module: str, args: list[str], *, cwd=None, env=None, grace: float = 10.0) -> int:
    """`python -m module args` as our child, which ends when we end; returns its exit code.

    Ending this process by Ctrl+C, SIGTERM, SIGHUP (terminal closed), Ctrl+Break (Windows) stops the
    child first; when this process is killed outright, the child notices and stops itself (watch_parent).
    The child has a process group of its own, so a Ctrl+C reaches it once, through us.
    """
    options = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if os.name == "nt" else {"start_new_session": True}
    hooks = str(Path(__file__).resolve().parents[1])  # the folder of the kb package
    child = subprocess.Popen([sys.executable, "-c", _OWNED_CHILD, hooks, str(os.getpid()), module, *args],
                             cwd=cwd, env=env, **options)

    def ended(signum, frame):
        raise _Ended(signum)

    previous = {}
    handlers = {"SIGTERM": ended, "SIGHUP": ended, "SIGBREAK": ended,
                "SIGINT": signal.default_int_handler}  # Ctrl+C, also when started with SIGINT ignored
    for name, handler in handlers.items():
        signum = getattr(signal, name, None)
        if signum is not None:
            try:
                previous[signum] = signal.signal(signum, handler)
            except (OSError, ValueError):  # not the main thread, or not settable here
                pass
    try:
        return child.wait()
    except KeyboardInterrupt:
        stop_child(child, grace)
        return 130
    except _Ended as e:
        stop_child(child, grace)
        return 128 + e.signum
    finally:
        for signum, handler in previous.items():
            if handler is not None:  # None: a handler not installed from Python, cannot be put back
                signal.signal(signum, handler)
        if child.poll() is None:
            stop_child(child, grace)


def stop_child(child: subprocess.Popen, grace: float = 10.0) -> None:
    """Ask the child to stop as Ctrl+C would (Windows: Ctrl+Break to its process group), then kill it if it
    has not stopped within `grace`."""
    if child.poll() is not None:
        return
    try:
        if os.name == "nt":
            child.send_signal(getattr(signal, "CTRL_BREAK_EVENT", 1))
        else:
            child.send_signal(signal.SIGINT)
        child.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        print(f"子进程没有在 {grace:g} 秒内停止，已强制结束。", file=sys.stderr, flush=True)
    except OSError:  # already gone
        pass


def port_free(host: str, port: int) -> bool:
    """Whether a server could listen on host:port now (as MkDocs' server binds it)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return True  # let the server say what is wrong with the address
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        if os.name != "nt":  # as http.server does; on Windows SO_REUSEADDR would let us share a busy port
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(address)
        except OSError:
            return False
    return True


def free_port(host: str, port: int, tries: int = 50) -> int | None:
    """`port` if free, else the next free one after it (None if none of `tries` is)."""
    for candidate in range(port, min(port + tries, 65536)):
        if port_free(host, candidate):
            return candidate
    return None


# --------------------------------------------------------------------------- directory links

IO_REPARSE_TAG_MOUNT_POINT = 0xA0000003  # a directory junction
ERROR_PRIVILEGE_NOT_HELD = 1314  # os.symlink without administrator rights or Developer Mode


def symlink_refused(error: OSError) -> bool:
    """Whether os.symlink failed because this user may not make symbolic links (Windows)."""
    return getattr(error, "winerror", None) == ERROR_PRIVILEGE_NOT_HELD or (
        os.name == "nt" and error.errno in (errno.EPERM, errno.EACCES))


def is_junction(path: Path) -> bool:
    try:
        return getattr(os.lstat(path), "st_reparse_tag", 0) == IO_REPARSE_TAG_MOUNT_POINT
    except OSError:
        return False


def is_link(path: Path) -> bool:
    """A symbolic link or a directory junction."""
    return Path(path).is_symlink() or is_junction(path)


def read_link(path: Path) -> Path | None:
    """Where the link `path` leads (relative targets taken from its folder), or None if it is no link."""
    path = Path(path)
    if not is_link(path):
        return None
    target = os.readlink(path)
    if target.startswith("\\\\?\\"):  # how Windows spells a junction's absolute target
        target = target[4:]
    return (path.parent / target).resolve()


def point_link(link: Path, target: Path) -> None:
    """Make `link` lead to the directory `target`, in one step that a reader never sees half-done.

    POSIX: a new symbolic link renamed over the old one (rename is atomic). Windows, or wherever
    symbolic links are refused: a directory junction (no privilege needed), changed in place by
    rewriting its target (one FSCTL_SET_REPARSE_POINT call, atomic on NTFS); Windows cannot
    rename a directory link over another, so the symlink route is not used there.
    """
    link, target = Path(link), Path(target)
    if os.name != "nt":
        new = link.with_name("." + link.name + ".new")
        if new.is_symlink() or new.exists():
            new.unlink()
        try:
            os.symlink(os.path.relpath(target, link.parent), new, target_is_directory=True)
        except OSError as e:
            if not symlink_refused(e):
                raise
        else:
            os.replace(new, link)
            return
    if is_junction(link):
        try:
            retarget_junction(link, target)
            return
        except OSError:  # the junction could not be opened for writing (held open, say): swapped below
            pass
    if is_link(link):
        swap_by_renames(link, target)
    else:
        create_junction(target, link)


def swap_by_renames(link: Path, target: Path) -> None:
    """Replace the directory link `link` by a new junction to `target` with two renames: the fallback where
    the junction cannot be changed in place, or was a symbolic link (Developer Mode). Between the two renames
    `link` is missing for a moment (a request then gets a 404); no reader ever gets a mixture of releases."""
    new, old = link.with_name("." + link.name + ".new"), link.with_name("." + link.name + ".old")
    remove_link(new)
    remove_link(old)
    create_junction(target, new)
    os.rename(link, old)
    os.rename(new, link)
    remove_link(old)


def remove_link(path: Path) -> None:
    """Remove a symbolic link or junction itself (never what it leads to); nothing if there is none."""
    path = Path(path)
    if is_junction(path) or path.is_symlink():
        try:
            os.unlink(path)
        except (IsADirectoryError, PermissionError):  # a junction or directory symlink on Windows
            os.rmdir(path)  # removes the link, not its target


def create_junction(target: Path, link: Path) -> None:
    """A new directory junction `link` -> `target` (Windows; no privilege needed)."""
    import _winapi

    _winapi.CreateJunction(os.path.abspath(target), str(link))


def mount_point_buffer(target: str) -> bytes:
    """The REPARSE_DATA_BUFFER of a junction to the absolute path `target`, as _winapi.CreateJunction makes it."""
    substitute = ("\\??\\" + target).encode("utf-16-le")
    printed = target.encode("utf-16-le")
    paths = substitute + b"\0\0" + printed + b"\0\0"
    # tag, data length, reserved; substitute name offset and length; print name offset and length
    header = struct.pack("<IHHHHHH", IO_REPARSE_TAG_MOUNT_POINT, 8 + len(paths), 0,
                         0, len(substitute), len(substitute) + 2, len(printed))
    return header + paths


def kernel32():
    import ctypes
    from ctypes import wintypes

    k = ctypes.WinDLL("kernel32", use_last_error=True)
    k.CreateFileW.restype = wintypes.HANDLE
    k.CreateFileW.argtypes = [wintypes.LPCWSTR, wintypes.DWORD, wintypes.DWORD, wintypes.LPVOID,
                              wintypes.DWORD, wintypes.DWORD, wintypes.HANDLE]
    k.DeviceIoControl.restype = wintypes.BOOL
    k.DeviceIoControl.argtypes = [wintypes.HANDLE, wintypes.DWORD, wintypes.LPVOID, wintypes.DWORD,
                                  wintypes.LPVOID, wintypes.DWORD, ctypes.POINTER(wintypes.DWORD), wintypes.LPVOID]
    k.CloseHandle.argtypes = [wintypes.HANDLE]
    return k


def retarget_junction(link: Path, target: Path) -> None:
    """Point the existing junction `link` at `target` by replacing its reparse data in place."""
    import ctypes
    from ctypes import wintypes

    k = kernel32()
    generic_write, open_existing = 0x40000000, 3
    open_reparse_point, backup_semantics = 0x00200000, 0x02000000
    fsctl_set_reparse_point = 0x000900A4
    share_all = 0x7  # read, write, delete: others may hold the junction open meanwhile
    handle = k.CreateFileW(str(link), generic_write, share_all, None, open_existing, open_reparse_point | backup_semantics,
                           None)
    if handle in (None, 0, ctypes.c_void_p(-1).value):
        raise ctypes.WinError(ctypes.get_last_error())
    try:
        data = mount_point_buffer(os.path.abspath(target))
        buffer = ctypes.create_string_buffer(data, len(data))
        returned = wintypes.DWORD()
        if not k.DeviceIoControl(handle, fsctl_set_reparse_point, buffer, len(data), None, 0, ctypes.byref(returned), None):
            raise ctypes.WinError(ctypes.get_last_error())
    finally:
        k.CloseHandle(handle)


# --------------------------------------------------------------------------- lock


class FileLock:
    """An exclusive lock on a file, released when its holder ends however it ends.

    POSIX: flock. Windows: msvcrt.locking on the file's first byte. Where neither exists: the file
    created with O_CREAT|O_EXCL holding the holder's pid, taken over when that process is gone.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.fd: int | None = None
        self.kind = ""

    def acquire(self) -> bool:
        """True if we now hold the lock; False if another process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:
            fcntl = None
        if fcntl is not None:
            return self._os_lock("flock", lambda fd: fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB))
        try:
            import msvcrt
        except ImportError:
            msvcrt = None
        if msvcrt is not None:
            return self._os_lock("msvcrt", lambda fd: msvcrt.locking(fd, msvcrt.LK_NBLCK, 1))
        return self._pid_lock()

    def _os_lock(self, kind: str, lock) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            lock(fd)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)  # the holder's pid, for a person wondering who holds it
        os.write(fd, str(os.getpid()).encode())
        os.lseek(fd, 0, os.SEEK_SET)
        self.fd, self.kind = fd, kind
        return True

    def _pid_lock(self) -> bool:
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                try:
                    holder = int(self.path.read_text(encoding="ascii").strip() or "0")
                except (OSError, ValueError):
                    holder = 0
                if holder and pid_alive(holder):
                    return False
                # stale: its holder is gone. Renamed away first, so only one of two takers removes it
                stale = self.path.with_name(f"{self.path.name}.stale-{os.getpid()}")
                try:
                    os.replace(self.path, stale)
                    os.unlink(stale)
                except OSError:
                    pass
                continue
            os.write(fd, str(os.getpid()).encode())
            self.fd, self.kind = fd, "pid"
            return True
        return False

    def release(self) -> None:
        if self.fd is None:
            return
        if self.kind == "pid":
            os.close(self.fd)
            try:
                self.path.unlink()
            except OSError:
                pass
        else:
            if self.kind == "msvcrt":
                import msvcrt

                try:
                    os.lseek(self.fd, 0, os.SEEK_SET)
                    msvcrt.locking(self.fd, msvcrt.LK_UNLCK, 1)
                except OSError:
                    pass
            os.close(self.fd)  # flock: released with the file
        self.fd = None


def pid_alive(pid: int) -> bool:
    if os.name == "nt":
        import _winapi

        try:
            handle = _winapi.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        except OSError:
            return False
        try:
            return _winapi.GetExitCodeProcess(handle) == 259  # STILL_ACTIVE
        finally:
            _winapi.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --------------------------------------------------------------------------- editors' files


class ReadBackError(OSError):
    """A file written reads back other than it was written (a full disk, a network share that lost it)."""


def write_whole(path: Path, content: str | bytes, *, create: bool = False) -> None:
    """Write an editor's file whole or not at all: into a temporary file beside it (a dot-name with .partial, which
    the data reader skips), flushed to disk, renamed over `path` in one step (os.replace, on Windows too), then
    read back and compared. An interrupted write leaves the old file as it was. Text is written as UTF-8 with
    the line ends it has. `create`: `path` must not exist (FileExistsError), and is never replaced."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if create:
            try:
                os.link(temporary, path)  # fails if `path` exists: nothing is replaced
            except FileExistsError:
                raise
            except OSError:  # no hard links here (FAT, some network shares): the check and the rename are two steps
                if path.exists():
                    raise FileExistsError(errno.EEXIST, "文件已存在", str(path)) from None
                os.replace(temporary, path)
        else:
            os.replace(temporary, path)
    finally:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
    if path.read_bytes() != data:
        raise ReadBackError(errno.EIO, "写入后读回的内容与写入的不一致，请检查磁盘空间后重试", str(path))
