"""Where each page lives and how pages link to each other.

A page is named by its Markdown source path (src_uri, as MkDocs names it). Its URL follows
MkDocs' rule: with directory URLs `standards/foo.md` is served at `standards/foo/`, without
them at `standards/foo.html`. Links are always relative (the way back to the site root, then
the target's path), so the site works under any sub-path.
"""

from __future__ import annotations

import posixpath
from urllib.parse import quote

from .model import Record


def record_uri(record: Record) -> str:
    return f"{record.kind.folder}/{record.id}.md"


def tag_uri(tag: str) -> str:
    return f"tags/{tag}.md"


class Urls:
    def __init__(self, directory_urls: bool = True):
        self.directory_urls = directory_urls

    def url(self, src_uri: str) -> str:
        """The page's URL relative to the site root, as MkDocs computes it."""
        stem = src_uri[: -len(".md")]
        if stem == "index" or stem.endswith("/index"):
            folder = stem[: -len("index")]
            return folder if self.directory_urls else folder + "index.html"
        return stem + "/" if self.directory_urls else stem + ".html"

    def href(self, target: str) -> str:
        """`target` (src_uri or asset path) as a URL path from the site root, quoted for an href."""
        return quote(self.url(target) if target.endswith(".md") else target)

    def prefix(self, here: str) -> str:
        """What leads from page `here` back to the site root: "", "../", "../../", …"""
        folder = posixpath.dirname(self.url(here) + "x")
        return "../" * (folder.count("/") + 1) if folder else ""
