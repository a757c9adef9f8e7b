"""Read a built site as a browser would: pages, their links, and what they load.

Shared by the tests and by `publish`, which refuses a release with a broken internal link
or asset (`check`); `crawl` does the same over HTTP, as a reader's browser meets the site.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import sys
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable
from urllib.parse import quote, unquote, urlsplit

from ..urls import file_of, url_of

# (tag, attribute) pairs that make a browser fetch something while showing the page
LOADS = {("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"), ("source", "src"),
         ("video", "src"), ("audio", "src"), ("embed", "src"), ("object", "data"), ("track", "src")}


@dataclass
class Page:
    path: Path | None  # the HTML file (None when read over HTTP)
    url: str  # its URL path relative to the site root, e.g. "standards/sanhui-yike/"
    h1: str = ""
    title: str = ""
    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, dict]] = field(default_factory=list)  # (href, attrs) of <a>
    loads: list[tuple[str, str]] = field(default_factory=list)  # (tag, url) fetched by the page
    text: str = ""


def _fetched(tag: str, a: dict) -> list[str]:
    """The URLs a browser fetches for the tag `tag` with the attributes `a` while showing the page."""
    urls = []
    for t, attr in LOADS:
        if tag == t and a.get(attr):
            if tag == "link" and not set((a.get("rel") or "").split()) & {"stylesheet", "icon", "manifest", "preload", "modulepreload", "prefetch"}:
                continue
            urls.append(a[attr])
    if a.get("srcset"):  # "small.png 1x, big.png 2x"
        urls += [c.split()[0] for c in a["srcset"].split(",") if c.strip()]
    return urls


class _Parser(HTMLParser):
    def __init__(self, page: Page):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.stack: list[str] = []
        self.chunks: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.page.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.page.links.append((a["href"], a))
        self.page.loads += [(tag, url) for url in _fetched(tag, a)]
        if tag in ("h1", "title"):
            self.stack.append(tag)
            self.chunks = []

    def handle_endtag(self, tag):
        if self.stack and tag == self.stack[-1]:
            text = "".join(self.chunks).strip()
            if tag == "h1" and not self.page.h1:
                self.page.h1 = text.rstrip("¶").strip()
            if tag == "title":
                self.page.title = text
            self.stack.pop()

    def handle_data(self, data):
        if self.stack:
            self.chunks.append(data)
        self.page.text += data


def read_page(site: Path, path: Path) -> Page:
    page = Page(path, url_of(path.relative_to(site).as_posix()))
    _Parser(page).feed(path.read_text(encoding="utf-8"))
    return page


def read_site(site: Path) -> dict[str, Page]:
    """Every HTML page of the site by its URL path ("" for the home page)."""
    return {p.url: p for p in (read_page(site, f) for f in sorted(site.rglob("*.html")))}


def is_outside(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme in ("http", "https") or parts.netloc or url.startswith("//"))


def resolve(page_url: str, href: str) -> tuple[str, str] | None:
    """The site-relative target (path, fragment) of a relative link on `page_url`; None if not internal."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith(("/", "#", "mailto:", "javascript:")) or not href:
        return None
    base = posixpath.dirname(page_url + "x")  # the folder the page is served from
    target = posixpath.normpath(posixpath.join(base, unquote(parts.path)))
    return ("" if target == "." else target), parts.fragment


def target_file(site: Path, target: str) -> Path:
    """The file a link's target (a URL path from the site root) reaches: a folder's index.html, with or without
    the trailing "/", as a web server answers."""
    if target and not target.endswith("/") and (site / target).is_dir():
        target += "/"
    return site / file_of(target)


def broken_links(pages: dict[str, Page], exists: Callable[[str, str], bool],
                 page_at: Callable[[str, str], Page | None]) -> list[str]:
    """Every internal link or asset of `pages` whose target is missing, or whose #anchor is not on its page.

    exists(target, href) says whether the site has the target; page_at(target, href) is the page there.
    """
    broken = []
    for url, page in pages.items():
        for href in [h for h, _ in page.links] + [u for _, u in page.loads]:
            r = resolve(url, href)
            if r is None:
                continue
            target, fragment = r
            if not exists(target, href):
                broken.append(f"{url or './'} -> {href}")
            elif fragment:
                dest = page_at(target, href)
                if dest is not None and unquote(fragment) not in dest.ids:
                    broken.append(f"{url or './'} -> {href}（锚点不存在）")
    return broken


def check(site: Path, pages: dict[str, Page] | None = None) -> list[str]:
    """Broken internal links and assets of the site built in the folder `site` (empty when all resolve)."""
    pages = read_site(site) if pages is None else pages

    def page_at(target: str, href: str) -> Page | None:
        file = target_file(site, target)
        return pages.get(url_of(file.relative_to(site).as_posix())) if file.suffix == ".html" else None

    return broken_links(pages, lambda target, href: target_file(site, target).is_file(), page_at)


class _Links(HTMLParser):
    """What the check of a release needs of a page (verify): the internal links and assets it names, the ids it has."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
        self.hrefs += _fetched(tag, a)


def verify(site: Path, known: dict | None = None) -> tuple[int, list[str], dict]:
    """What `check` finds, for a release: (pages, broken internal links and assets, what to hand the next verify).

    A page is read by its bytes: a page whose file has the bytes and address a page of the last verify had (`known`,
    as it returned it: most pages of a release are those of the last) is not parsed again; its links are checked
    again all the same, against this site. A file the last verify saw (the same inode, size and time: a release's
    file shared with the last release, kb.deploy.publish) is known by its digest then, without reading it. Nothing
    of a page's text is kept."""
    known = known or {}
    parsed, stamped = known.get("pages", {}), known.get("stamps", {})
    seen: dict = {}
    stamps: dict = {}
    targets: dict[str, tuple] = {}  # url -> its links' (target, fragment, href), each once
    ids: dict[str, frozenset] = {}
    files = [os.path.join(root, name) for root, _, names in os.walk(site) for name in names if name.endswith(".html")]
    for path in sorted(files):
        url = url_of(os.path.relpath(path, site).replace(os.sep, "/"))
        info = os.stat(path)
        stamp = (url, info.st_ino, info.st_size, info.st_mtime_ns) if info.st_ino else None
        digest = stamped.get(stamp)
        entry = parsed.get((url, digest))
        if entry is None:
            with open(path, "rb") as f:
                body = f.read()
            digest = hashlib.blake2b(body, digest_size=16).digest()
            entry = parsed.get((url, digest))
        if entry is None:
            parser = _Links()
            parser.feed(body.decode("utf-8"))
            links = []
            for href in dict.fromkeys(parser.hrefs):
                if (r := resolve(url, href)) is not None:
                    links.append((sys.intern(r[0]), r[1], href))
            entry = (tuple(links), frozenset(parser.ids))
        if stamp is not None:
            stamps[stamp] = digest
        seen[(url, digest)] = targets[url], ids[url] = entry
    present: dict[str, Path | None] = {}

    def file_at(target: str) -> Path | None:
        if target not in present:
            file = target_file(site, target)
            present[target] = file if file.is_file() else None
        return present[target]

    broken = []
    for url, links in targets.items():
        for target, fragment, href in links:
            file = file_at(target)
            if file is None:
                broken.append(f"{url or './'} -> {href}")
            elif fragment and file.suffix == ".html":
                dest = ids.get(url_of(file.relative_to(site).as_posix()))
                if dest is not None and unquote(fragment) not in dest:
                    broken.append(f"{url or './'} -> {href}（锚点不存在）")
    return len(targets), broken, {"pages": seen, "stamps": stamps}


def crawl(base: str, start: tuple[str, ...] | list[str] = ("",)) -> tuple[dict[str, Page], dict[str, int], list[str]]:
    """Follow every internal link and asset from the pages `start` (URL paths) under the URL `base` (ending in "/").

    Returns the HTML pages found (by URL path from `base`), the HTTP status of every internal
    target, and the broken links and assets as `check` reports them.
    """
    def key(target: str, href: str) -> str:
        return target + "/" if target and urlsplit(href).path.endswith("/") else target

    pages: dict[str, Page] = {}
    status: dict[str, int] = {}
    queue = deque(start)
    while queue:
        url = queue.popleft()
        if url in status:
            continue
        try:
            with urllib.request.urlopen(base + quote(url), timeout=30) as reply:
                status[url] = reply.status
                body = reply.read() if reply.headers.get_content_type() == "text/html" else None
        except urllib.error.HTTPError as e:
            status[url] = e.code
            continue
        if body is not None:
            page = pages[url] = Page(None, url)
            _Parser(page).feed(body.decode("utf-8"))
            for href in [h for h, _ in page.links] + [u for _, u in page.loads]:
                if (r := resolve(url, href)) is not None:
                    queue.append(key(r[0], href))
    broken = broken_links(pages, lambda t, href: status.get(key(t, href)) == 200, lambda t, href: pages.get(key(t, href)))
    return pages, status, broken
