"""The editor's preview (`toolbook.py serve`): MkDocs' own dirty build, with a server and a watcher of ours.

`mkdocs serve` answers no request until the whole site is built (49 s at 10,000 records) and looks
for changes by reading every watched folder twice a second. Here:

    start    the pages of the navigation (the home page, the tabs) are built first and the server
             answers at once; the rest of the site is built next, and a page asked for meanwhile is
             answered as soon as that build is done
    watch    data/, docs/ and mkdocs.yml: the operating system says what changed (watchdog: inotify,
             ReadDirectoryChangesW, FSEvents), or, where it cannot, a poll twice a second
    build    MkDocs' build with --dirty, one hook session for the whole preview (kb.preview.Preview
             keeps what rebuilds share); a build that fails leaves the last pages served and says why
    reload   every HTML page served carries a small script that asks the server to tell it when the
             next build is done (a long poll, as `mkdocs serve` does) and then reloads the page
    desk     the editing desk (kb.desk.http.DeskApp) under /_desk/, on a loopback address only, unless
             --desk-anywhere says otherwise (then with a warning: whoever reaches the address can change
             the data and publish); it is imported only when made (it pulls ruamel.yaml in), and after each
             build it is handed the build's readings of the data, so that its first list reads no file again

    python -m kb.engine.serve 127.0.0.1:8000 [--desk-anywhere]    (what `toolbook.py serve` runs, as its own child)
"""

from __future__ import annotations

import logging
import mimetypes
import os
import posixpath
import shutil
import sys
import tempfile
import threading
import time
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit
from ..paths import PROJECT
from ..desk.mount import MOUNT as DESK_MOUNT
from ..urls import file_of
from . import LOGGER, quiet_banners

log = logging.getLogger(LOGGER)

QUIET = 0.05  # seconds without a further change before a rebuild starts (an editor saves in several steps)
LOOPBACK = ("127.0.0.1", "localhost", "::1")
ALL_ADDRESSES = ("", "0.0.0.0", "::")
DRAIN_MOST = 64_000_000  # bytes of a refused body still read (so that the browser gets the answer), beyond: hung up
POLL_TIMEOUT = 60  # seconds a page's reload script waits for the next build before it asks again
RELOAD = """<script>
(function () {
  var epoch = %d;
  function wait() {
    var ask = new XMLHttpRequest();
    ask.onloadend = function () {
      if (ask.status === 200 && parseInt(ask.responseText, 10) > epoch) { location.reload(); }
      else { setTimeout(wait, ask.status === 200 ? 0 : 3000); }
    };
    ask.open("GET", "/livereload/" + epoch);
    ask.send();
  }
  wait();
})();
</script>"""


# the preview's pages link to the editing desk from their header (kb.desk.http)
DESK_LINK = """<script>
(function () {
  var a = document.createElement("a");
  a.href = "%s"; a.textContent = "编辑台"; a.className = "tb-desk-link";
  a.style.cssText = "margin:0 .8rem;padding:.2rem .6rem;border:1px solid currentColor;border-radius:.2rem;"
    + "color:inherit;font-size:.7rem;white-space:nowrap;align-self:center";
  var header = document.querySelector(".md-header__inner");
  if (header) header.appendChild(a);
  else { a.style.cssText += ";position:fixed;top:.5rem;right:.5rem;z-index:10;background:#fff"; document.body.appendChild(a); }
})();
</script>""" % DESK_MOUNT


def _site_folder():
    """The folder the preview writes to, and the lock held on it: the data folder's own in the build cache (kb.cache),
    kept for the next preview of the same data, which then renders only what changed since; a temporary folder
    (and no lock) while another preview of the same data uses that one."""
    from ..cache import folder
    from ..platform import FileLock
    from ..settings import Settings, SettingsError

    try:
        kept = folder(Settings.read(drafts=True))
        lock = FileLock(kept / "preview.lock")
        if lock.acquire():
            (kept / "site").mkdir(exist_ok=True)
            return kept / "site", lock
    except (OSError, SettingsError):  # the build says what is wrong with the settings
        pass
    return Path(tempfile.mkdtemp(prefix="toolbook-preview-")), None


class PreviewServer:
    """Builds the site of `config_file` into a folder of its own and serves it at `host:port` while the data changes."""

    def __init__(self, config_file: Path, host: str, port: int, desk_anywhere: bool = False) -> None:
        """`desk_anywhere`: serve the editing desk on an address other than this computer's own too."""
        from mkdocs.config import load_config

        self.config_file = config_file
        self.site_dir, self._folder_lock = _site_folder()
        self._root = self.site_dir.resolve()
        self._load = lambda: load_config(str(config_file), site_dir=str(self.site_dir))
        config = self._load()
        self.http = _Server((host, port), _handler(self))  # port 0: one the system chooses
        self.http.daemon_threads = True
        self.mount = urlsplit(config.site_url or "/").path.rstrip("/") + "/"
        port = self.http.server_address[1]
        self.desk = _desk(host, port, desk_anywhere)
        self.url = f"http://{'127.0.0.1' if host in ('', '0.0.0.0') else host}:{port}{self.mount}"
        self.config = config
        self.epoch = 0  # the number of the last finished build; pages reload when it grows
        self.complete = False  # the whole site has been built once
        self.building = False  # a rebuild is under way (after the first whole build): requests wait for it
        self._cond = threading.Condition()  # held for epoch, complete, _changes and _stopping
        self._changes = 0
        self._stopping = False
        self._observer = None

    # -- the build loop ------------------------------------------------------------------------------

    def run(self) -> None:
        """Serve until interrupted (Ctrl+C, or the owning command ending), then clean up."""
        self.config.plugins.on_startup(command="serve", dirty=True)
        builder = threading.Thread(target=self._build_loop, name="toolbook-preview-build", daemon=True)
        builder.start()
        try:
            self.http.serve_forever(poll_interval=0.25)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()
            builder.join(timeout=30)
            if self._observer is not None:
                self._observer.join(timeout=30)
            self.http.server_close()
            self.config.plugins.on_shutdown()
            if self._folder_lock is None:
                shutil.rmtree(self.site_dir, ignore_errors=True)
            else:  # kept for the next preview of the same data, with what the last build read and made
                self._folder_lock.release()

    def stop(self) -> None:
        with self._cond:  # either this sees the watcher, or _watch sees the stop (a stop just as the first pages answer)
            self._stopping = True
            self._cond.notify_all()
            observer = self._observer
        if observer is not None:
            observer.stop()
        if self.desk is not None:
            self.desk.close()  # a publish under way stops too

    def changed(self) -> None:
        """Something watched changed: build again (once the changes pause for QUIET seconds)."""
        with self._cond:
            self._changes += 1
            self._cond.notify_all()

    def first_build(self, ready=lambda: None) -> None:
        """The navigation's pages, then (after `ready()`) the whole site, as it is built at the start."""
        from .session import find_session

        session = find_session(self.config)
        session.rebuild = self.changed  # the search index failed in the background: its failure shows at once
        session.keeps_folder = self._folder_lock is not None
        if self.desk is not None:
            self.desk.expect_readings()  # its first list waits for this build's readings, not reading them twice
        session.nav_only = True  # the pages of the navigation first: the home page answers within seconds
        try:
            self.build()
        finally:
            session.nav_only = False
        if self._stopping:  # asked to stop while the first pages were built: the rest is not begun
            return
        if self.desk is not None:
            self.desk.warm()  # the desk's list made meanwhile from this build's readings: its first opening is quick
        ready()
        self.build()
        with self._cond:
            self.complete = True
            self._cond.notify_all()

    def _build_loop(self) -> None:
        from .session import find_session

        started = time.perf_counter()
        print("正在生成预览……", file=sys.stderr, flush=True)

        def ready():
            print(f"首页和各栏目已可打开（{time.perf_counter() - started:.1f} 秒）：{self.url}，其余页面正在生成……",
                  file=sys.stderr, flush=True)
            self._watch(find_session(self.config))

        self.first_build(ready)
        if self._stopping:
            return
        session = find_session(self.config)
        kept = f"，沿用上次预览生成的页面 {session.kept} 个" if session.restored else ""
        print(f"预览已全部生成（{time.perf_counter() - started:.1f} 秒{kept}）。修改并保存数据文件后，打开的页面会自动刷新。",
              file=sys.stderr, flush=True)
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._changes or self._stopping)
                while not self._stopping:  # until the changes pause
                    seen = self._changes
                    self._cond.wait(QUIET)
                    if self._changes == seen:
                        break
                if self._stopping:
                    return
                self._changes = 0
                self.building = True
            started = time.perf_counter()
            if self.build():
                problems = find_session(self.config).problems
                state = f"，数据仍有 {len(problems)} 个问题，页面上列出" if problems else ""
                print(f"已重新生成（{time.perf_counter() - started:.1f} 秒）{state}", file=sys.stderr, flush=True)

    def build(self) -> bool:
        """One dirty build with a freshly read mkdocs.yml (as `mkdocs serve` does); False if it failed."""
        from mkdocs.commands.build import build
        from mkdocs.exceptions import Abort, PluginError

        config = self.config = self._load()
        config.site_url = self.url
        ok = True
        try:
            build(config, serve_url=self.url, dirty=True)
        except (Abort, PluginError) as e:  # said already in Chinese by the hooks, or MkDocs' own words
            log.error(f"预览生成失败，仍显示上一次生成的页面：{e}")
            ok = False
        except Exception as e:  # a bug of ours or of the engine: said plainly, the preview goes on
            log.error(f"预览生成时发生内部错误：{type(e).__name__}: {e}。请把这条信息报告给网站管理员。")
            ok = False
        self._offer_readings()
        with self._cond:
            self.epoch += 1
            self.building = False
            self._cond.notify_all()
        return ok

    def _offer_readings(self) -> None:
        """The editing desk is handed this build's readings of the data (on this thread, which alone writes them)."""
        if self.desk is None:
            return
        from .session import find_session

        try:
            preview = find_session(self.config).preview
            self.desk.adopt(preview.reads if preview is not None else None)
        except Exception as e:  # the desk reads for itself then
            log.info(f"编辑台没能沿用预览读取的数据（{type(e).__name__}: {e}），将自己读取。")
            self.desk.adopt(None)

    def _watch(self, session) -> None:
        """Watch the data folder, docs/ and mkdocs.yml (and mkdocs.yml's `watch:` entries)."""
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        server, config_file = self, self.config_file.resolve()

        class Changed(FileSystemEventHandler):
            def __init__(self, only=None):
                self.only = only  # one file of the folder, or all

            def on_any_event(self, event):
                # what changes content: not a folder's own events, nor the opening and reading of our own builds
                if event.is_directory or event.event_type not in ("created", "modified", "deleted", "moved", "closed"):
                    return
                paths = [event.src_path, getattr(event, "dest_path", "")]
                if self.only is None or any(p and Path(os.fsdecode(p)).resolve() == self.only for p in paths):
                    server.changed()

        folders = [Path(self.config.docs_dir), *(Path(p) for p in self.config.watch)]
        if session.settings is not None:
            folders.insert(0, session.settings.data)
        for kind in (Observer, PollingObserver):
            observer = kind(timeout=0.5) if kind is PollingObserver else kind()
            try:
                for folder in dict.fromkeys(p.resolve() for p in folders if p.is_dir()):
                    observer.schedule(Changed(), str(folder), recursive=True)
                observer.schedule(Changed(config_file), str(config_file.parent), recursive=False)
                observer.start()
            except OSError as e:  # no native watching here (limits, a network drive): poll instead
                log.info(f"无法使用系统的文件变动通知（{e}），改为每半秒检查一次。")
                try:
                    observer.stop()  # and what it had begun with (inotify's reading thread)
                except OSError:
                    pass
                continue
            with self._cond:
                self._observer, stopping = observer, self._stopping
            if stopping:  # stop() came while the watcher started, and did not see it
                observer.stop()
            return

    # -- what the server answers -----------------------------------------------------------------------

    def wait_for_next(self, epoch: int) -> int:
        """The number of the last finished build, once it is past `epoch` (or after POLL_TIMEOUT seconds)."""
        with self._cond:
            self._cond.wait_for(lambda: self.epoch > epoch or self._stopping, timeout=POLL_TIMEOUT)
            return self.epoch

    def file_for(self, path: str) -> tuple[Path | None, str | None]:
        """The file that answers the URL path `path`, or a path to redirect to; waiting while the site is still
        being built for the first time and the file is not there yet."""
        if not path.startswith(self.mount):
            return None, None
        rel = posixpath.normpath(unquote(path[len(self.mount):]) or ".")
        if rel.startswith(("..", "/")):
            return None, None
        with self._cond:  # not a page half written: as `mkdocs serve`, what a rebuild writes is served once it is done
            self._cond.wait_for(lambda: not self.building or self._stopping)
        while True:
            target = self.site_dir / rel
            if target.is_dir():
                if not path.endswith("/"):
                    return None, path + "/"
                target = self.site_dir / file_of("" if rel == "." else rel + "/")
            if target.is_file():
                if not target.resolve().is_relative_to(self._root):  # a link out, Windows' ..\ or C:\ too
                    return None, None
                return target, None
            with self._cond:  # not (yet) there: once the first whole build is done, it never will be
                if self.complete or self._stopping:
                    return None, None
                self._cond.wait(1.0)

    def page(self, path: Path) -> bytes:
        """A file as served: HTML with the reload script, which knows the build it came from (and the link to the
        editing desk in the header)."""
        with self._cond:
            epoch = self.epoch
        content = path.read_bytes()
        if path.suffix == ".html":
            script = (RELOAD % epoch + (DESK_LINK if self.desk is not None else "")).encode("utf-8")
            at = content.rfind(b"</body>")
            content = content[:at] + script + content[at:] if at >= 0 else content + script
        return content


def _desk(host: str, port: int, anywhere: bool = False):
    """The editing desk of this preview (kb.desk.http.DeskApp, imported only now): on a loopback address, or on
    another one with `anywhere` (said with a warning); else None. Says where its 发布 button publishes."""
    if host not in LOOPBACK:
        if not anywhere:
            print(f"编辑台只在本机地址（127.0.0.1）上提供；预览绑定在 {host}，本次不提供编辑台"
                  "（确需在这个地址上提供时加 --desk-anywhere）。", file=sys.stderr, flush=True)
            return None
        if host in ALL_ADDRESSES:
            print(f"编辑台只接受发往绑定地址的请求，绑定 {host or '所有地址'} 时无法提供编辑台：请用 --addr 写明本机的"
                  "一个具体地址，如 --addr 192.168.1.10:8000 --desk-anywhere。", file=sys.stderr, flush=True)
            return None
    from ..desk.http import DeskApp
    from ..settings import Settings, SettingsError

    try:
        settings = Settings.read(drafts=True)
    except SettingsError as e:  # the build says so too
        print(f"本次不提供编辑台：{e}", file=sys.stderr, flush=True)
        return None
    if host not in LOOPBACK:
        print(f"警告：编辑台在 http://{host}:{port}/_desk/ 上对外提供。任何能访问这个地址的人都可以修改 {settings.data} 里的"
              "数据、导入文档、上传图片并发布网站（编辑台没有账号和密码）。只在可信的网络里这样做，用完立即停止预览。",
              file=sys.stderr, flush=True)
    if settings.publish_to is not None:
        print(f"编辑台的“发布”按钮将发布到 {settings.publish_to}（网站服务器指向其中的 current）。", file=sys.stderr, flush=True)
    else:
        print("编辑台的“发布”按钮不可用：没有设置发布目录（启动预览时加 --publish-to 目录，或设置环境变量 "
              "TOOLBOOK_PUBLISH_TO）。", file=sys.stderr, flush=True)
    return DeskApp(settings, host, port)


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A browser that went away mid-answer (a reload, a closed tab) is nothing to report; anything else is
        said in a line, without a traceback."""
        error = sys.exc_info()[1]
        if not isinstance(error, (ConnectionError, TimeoutError)):
            log.error(f"预览服务器回应请求时出错：{type(error).__name__}: {error}")


def _handler(server: PreviewServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # one connection for a page's styles and scripts (every answer has a length)

        def do_GET(self):
            path = urlsplit(self.path).path
            if path.startswith(DESK_MOUNT):
                return self._desk(path)
            if path.startswith("/livereload/"):
                try:
                    epoch = int(path.rsplit("/", 1)[1])
                except ValueError:
                    return self._send(HTTPStatus.BAD_REQUEST, b"", "text/plain")
                return self._send(HTTPStatus.OK, str(server.wait_for_next(epoch)).encode(), "text/plain")
            file, redirect = server.file_for(path)
            if redirect is not None:
                self.send_response(HTTPStatus.FOUND)
                self.send_header("Location", redirect)
                self.send_header("Content-Length", "0")
                return self.end_headers()
            if file is None:
                missing = server.site_dir / "404.html"
                body = server.page(missing) if missing.is_file() else "找不到这个页面".encode("utf-8")
                return self._send(HTTPStatus.NOT_FOUND, body, "text/html; charset=utf-8")
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            if kind.startswith("text/") or kind in ("application/javascript", "application/json", "image/svg+xml"):
                kind += "; charset=utf-8"
            try:
                if file.suffix != ".html":  # the theme's styles and scripts: asked again on every reload
                    stamp = formatdate(file.stat().st_mtime, usegmt=True)
                    if self.headers.get("If-Modified-Since") == stamp:
                        return self._send(HTTPStatus.NOT_MODIFIED, b"", kind)
                    return self._send(HTTPStatus.OK, file.read_bytes(), kind, stamp)
                body = server.page(file)
            except OSError:  # replaced by a build just now
                return self._send(HTTPStatus.SERVICE_UNAVAILABLE, b"", "text/plain")
            self._send(HTTPStatus.OK, body, kind)

        def do_PUT(self):
            path = urlsplit(self.path).path
            if not path.startswith(DESK_MOUNT):
                return self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"", "text/plain")
            self._desk(path)

        do_POST = do_PUT

        def _desk(self, path: str) -> None:
            """The editing desk (kb.desk.http): on this computer's own address, or another one with --desk-anywhere."""
            desk = server.desk
            if desk is None:
                body = ("编辑台只在预览绑定本机地址（127.0.0.1）时提供；在其他地址上提供须在启动预览时加 --desk-anywhere。"
                        ).encode("utf-8")
                return self._send(HTTPStatus.FORBIDDEN, body, "text/plain; charset=utf-8")
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if not 0 <= length <= desk.most_bytes(self.command, self.path):
                if 0 < length <= DRAIN_MOST:  # read and dropped: a browser still sending would not see the answer
                    while length > 0:
                        chunk = self.rfile.read(min(length, 1 << 16))
                        if not chunk:
                            break
                        length -= len(chunk)
                else:
                    self.close_connection = True
                answer = desk.too_large(self.command, self.path)
                return self._send(answer.status, answer.body, answer.kind)
            body = self.rfile.read(length) if length else b""
            answer = desk.handle(self.command, self.path, self.headers, body)
            self._send(answer.status, answer.body, answer.kind, headers=answer.headers)

        def _send(self, status, body: bytes, kind: str, modified: str | None = None, headers: dict | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            # the preview changes with every save: the browser asks each time (a page's reload script knows its build)
            if "Cache-Control" not in (headers or {}):
                self.send_header("Cache-Control", "no-cache" if modified or status == HTTPStatus.NOT_MODIFIED else "no-store")
            if modified:
                self.send_header("Last-Modified", modified)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD" and status != HTTPStatus.NOT_MODIFIED:
                self.wfile.write(body)

        do_HEAD = do_GET

        def log_message(self, format, *args):  # requests are not worth a line each
            pass

    return Handler


def main(argv: list[str]) -> int:
    quiet_banners()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(lambda record: "dirty' build" not in record.getMessage())  # MkDocs' caution, each rebuild
    engine = logging.getLogger("mkdocs")
    engine.addHandler(handler)
    engine.setLevel(logging.WARNING)
    engine.propagate = False
    host, _, port = argv[0].rpartition(":")
    PreviewServer(PROJECT / "mkdocs.yml", host, int(port), desk_anywhere="--desk-anywhere" in argv[1:]).run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
