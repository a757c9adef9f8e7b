"""Read a built site as a browser would: pages, their links, and what they load."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

# (tag, attribute) pairs that make a browser fetch something while showing the page
LOADS = {("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"), ("source", "src"),
         ("video", "src"), ("audio", "src"), ("embed", "src"), ("object", "data"), ("track", "src")}


@dataclass
class Page:
    path: Path  # the HTML file
    url: str  # its URL path relative to the site root, e.g. "standards/sanhui-yike/"
    h1: str = ""
    title: str = ""
    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, dict]] = field(default_factory=list)  # (href, attrs) of <a>
    loads: list[tuple[str, str]] = field(default_factory=list)  # (tag, url) fetched by the page
    text: str = ""


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
        for t, attr in LOADS:
            if tag == t and a.get(attr):
                if tag == "link" and not set((a.get("rel") or "").split()) & {"stylesheet", "icon", "manifest", "preload", "modulepreload", "prefetch"}:
                    continue
                self.page.loads.append((tag, a[attr]))
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
    rel = path.relative_to(site).as_posix()
    url = rel[: -len("index.html")] if rel.endswith("index.html") else rel
    page = Page(path, url)
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
    path = site / target
    return path / "index.html" if path.is_dir() or target == "" else path
