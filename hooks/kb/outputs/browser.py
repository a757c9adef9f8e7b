"""A built site in a real browser: serve a folder on loopback and drive Debian's Chromium with Playwright.

Used by `bench` (what a search costs a reader) and by the browser tests. Chromium comes from
Debian's `chromium` package; Playwright's own browser download does not work here.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def available() -> str | None:
    """None when the browser can be driven, else why not (in Chinese)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "未安装 playwright"
    if not Path(CHROMIUM).exists():
        return f"未找到 {CHROMIUM}（Debian 软件包 chromium）"
    return None


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
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def search(page, base_url: str, query: str, timeout: float = 30000) -> dict:
    """Type `query` into the site's search box the way a reader does; return what the results show."""
    if page.url.rstrip("/") != base_url.rstrip("/"):
        page.goto(base_url, wait_until="domcontentloaded")
    else:  # already there: start a fresh query
        # clear the box and the previous results, so that waiting below sees this query's results
        page.evaluate("document.querySelector('.md-search__input').value = '';"
                      "document.querySelector('.md-search-result__list').textContent = ''")
        page.keyboard.press("Escape")
    page.keyboard.press("/")
    page.keyboard.insert_text(query)
    # a selector, not a script: works under a Content-Security-Policy without 'unsafe-eval'
    page.wait_for_selector(".md-search-result__list li, .tb-empty", timeout=timeout)
    items = page.eval_on_selector_all(
        ".md-search-result__link",
        "els => els.map(a => ({href: a.href, title: a.querySelector('h1').textContent, "
        "meta: (a.querySelector('.tb-result-meta') || {}).textContent || '', excerpt: a.querySelector('p').innerHTML}))")
    return {"results": items, "summary": page.locator(".md-search-result__meta").inner_text(),
            "empty": page.locator(".tb-empty").count() > 0}


# Collects Content-Security-Policy violations in every page, before the page's own scripts run.
_WATCH_CSP = ("window.__tbViolations = [];"
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
    page.add_init_script(_WATCH_CSP)
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
