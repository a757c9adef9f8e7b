"""A built site in a real browser: serve a folder on loopback and drive a Chromium-family browser with Playwright.

Used by `pdf` (printing), `bench` (what a search costs a reader) and by the browser tests. The browser
is one already installed (find_browser): $TOOLBOOK_BROWSER, else Chromium, Google Chrome or Microsoft
Edge at their usual places on Linux, Windows and macOS, else on PATH. In CI it is Debian's `chromium`
package; Playwright's own browser download does not work here.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import ntpath
import os
import shutil
import sys
import threading
import time
from pathlib import Path

BROWSER_ENV = "TOOLBOOK_BROWSER"  # a setting of the machine, not of a build: read here (see kb/settings.py)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def available() -> str | None:
    """None when the browser can be driven, else why not (in Chinese)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "未安装 playwright"
    try:
        find_browser()
    except BrowserNotFound as e:
        return str(e)
    return None


class BrowserNotFound(Exception):
    """No Chromium-family browser: what to install, in Chinese, for this platform."""


_POSIX_PLACES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/snap/bin/chromium", "/usr/bin/google-chrome",
                 "/usr/bin/google-chrome-stable", "/opt/google/chrome/chrome", "/usr/bin/microsoft-edge",
                 "/usr/bin/microsoft-edge-stable", "/opt/microsoft/msedge/msedge",
                 "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
                 "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
                 "/Applications/Chromium.app/Contents/MacOS/Chromium"]
_WINDOWS_PLACES = [r"Google\Chrome\Application\chrome.exe", r"Microsoft\Edge\Application\msedge.exe",
                   r"Chromium\Application\chrome.exe"]
_COMMANDS = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "microsoft-edge",
             "microsoft-edge-stable", "msedge"]


def browser_candidates(env=None, platform: str | None = None) -> list[str]:
    """Where a Chromium-family browser is usually installed, most likely first."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if platform == "win32":
        roots = [env.get(name) for name in ("ProgramFiles", "ProgramFiles(x86)", "LOCALAPPDATA", "ProgramW6432")]
        roots += [r"C:\Program Files", r"C:\Program Files (x86)"]
        seen, out = set(), []
        for place in _WINDOWS_PLACES:  # Chrome, then Edge (on every Windows 10 and 11), then Chromium
            for root in roots:
                if root and ntpath.join(root, place).lower() not in seen:
                    seen.add(ntpath.join(root, place).lower())
                    out.append(ntpath.join(root, place))
        return out
    return list(_POSIX_PLACES)


def find_browser(env=None, platform: str | None = None, exists=os.path.isfile, which=shutil.which) -> str:
    """The browser to drive: $TOOLBOOK_BROWSER, else the first usual place that exists, else one on PATH."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    named = env.get(BROWSER_ENV)
    if named:
        if exists(named):
            return named
        found = which(named)
        if found:
            return found
        raise BrowserNotFound(f"环境变量 {BROWSER_ENV} 指定的浏览器 {named} 不存在。请改为 Chromium、Google Chrome 或 "
                              "Microsoft Edge 程序的完整路径，或删除这个环境变量让程序自己查找")
    for place in browser_candidates(env, platform):
        if exists(place):
            return place
    for name in _COMMANDS:
        found = which(name)
        if found:
            return found
    raise BrowserNotFound(_install_hint(platform))


def _install_hint(platform: str) -> str:
    if platform == "win32":
        where = ("请安装 Microsoft Edge（Windows 10 和 11 一般已自带）或 Google Chrome（https://www.google.cn/chrome/）")
    elif platform == "darwin":
        where = "请安装 Google Chrome 或 Microsoft Edge"
    else:
        where = ("Debian/Ubuntu 上运行 sudo apt-get install chromium（Ubuntu 为 chromium-browser），"
                 "或安装 Google Chrome、Microsoft Edge")
    return (f"未找到 Chromium、Google Chrome 或 Microsoft Edge 浏览器。{where}；"
            f"已安装在别处的，可以设置环境变量 {BROWSER_ENV} 为浏览器程序的完整路径")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    headers_to_send: dict[str, str] = {}

    def end_headers(self):
        for name, value in self.headers_to_send.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(folder: Path, headers: dict[str, str] | None = None):
    """Serve `folder` at http://127.0.0.1:<port>/ for the duration of the block (each answer with `headers`);
    yields the base URL."""
    handler = type("Handler", (_Quiet,), {"headers_to_send": dict(headers or {})})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def launch(playwright):
    return playwright.chromium.launch(executable_path=find_browser(), args=CHROMIUM_ARGS)


def type_query(page, query: str, timeout: float = 30000) -> float:
    """Type `query` into the open page's search box the way a reader does (`/`, then the words), as a fresh query:
    the box and earlier results are emptied first. Returns the seconds from the first letter until results, or
    "nothing found", show. The one search-box driver of the tests, `bench` and the search evaluation."""
    # clear the box and the previous results, so that waiting below sees this query's results
    page.evaluate("document.querySelector('.md-search__input').value = '';"
                  "document.querySelector('.md-search-result__list').textContent = ''")
    page.keyboard.press("Escape")
    page.keyboard.press("/")
    start = time.perf_counter()
    page.keyboard.insert_text(query)
    # a selector, not a script: works under a Content-Security-Policy without 'unsafe-eval'
    page.wait_for_selector(".md-search-result__list li, .tb-empty", timeout=timeout)
    return time.perf_counter() - start


def search(page, base_url: str, query: str, timeout: float = 30000) -> dict:
    """Type `query` into the site's search box the way a reader does; return what the results show."""
    if page.url.rstrip("/") != base_url.rstrip("/"):
        page.goto(base_url, wait_until="domcontentloaded")
    type_query(page, query, timeout)
    items = page.eval_on_selector_all(
        ".md-search-result__link",
        "els => els.map(a => ({href: a.href, title: a.querySelector('h1').textContent, "
        "meta: (a.querySelector('.tb-result-meta') || {}).textContent || '', excerpt: a.querySelector('p').innerHTML}))")
    return {"results": items, "summary": page.locator(".md-search-result__meta").inner_text(),
            "empty": page.locator(".tb-empty").count() > 0}


# Collects Content-Security-Policy violations in every page, before the page's own scripts run.
WATCH_CSP = ("window.__tbViolations = [];"
              "document.addEventListener('securitypolicyviolation', function (e) {"
              " window.__tbViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile + ':' + e.lineNumber);"
              "});")


def tour(page, base_url: str, paths, query: str) -> dict:
    """Open each of `paths` under `base_url`, then search `query`, as a reader does.

    Returns what the reader's browser did that it should not: requests to another host
    ("outside"), Content-Security-Policy violations, and console errors (with failed requests).
    """
    from urllib.parse import urlsplit

    scheme_host = urlsplit(base_url)[:2]
    seen = {"outside": [], "violations": [], "errors": []}
    page.add_init_script(WATCH_CSP)
    page.on("request", lambda r: seen["outside"].append(r.url) if urlsplit(r.url)[:2] != scheme_host else None)
    page.on("console", lambda m: seen["errors"].append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(f"{page.url}: {e}"))

    def collect():
        page.wait_for_load_state("networkidle")
        seen["violations"] += [f"{page.url}: {v}" for v in page.evaluate("window.__tbViolations || []")]

    for path in paths:
        page.goto(base_url + path)
        collect()
    shown = search(page, base_url, query)
    collect()
    seen["results"] = shown["results"]
    return seen
