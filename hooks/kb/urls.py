"""Where each page lives (as a Markdown source path) and how pages link to each other."""

from __future__ import annotations

import posixpath
from urllib.parse import quote

from .model import Record


def record_uri(record: Record) -> str:
    return f"{record.kind.folder}/{record.id}.md"


def tag_uri(tag: str) -> str:
    return f"tags/{tag}.md"


def relative(here: str, target: str) -> str:
    """A Markdown link from page `here` to page `target` (both source paths), safe for any characters."""
    return quote(posixpath.relpath(target, posixpath.dirname(here) or "."))
