"""What every output of the build is: the one protocol kb.build.Build drives, whatever the engine.

An output takes the site's pages as the build makes them (`take`: each record's page, then each hand-written
page), is told when the last one is in (`complete`: it may then work on a thread or in a child process while
the engine writes the pages), is waited for once the engine has written the site (`wait`: it raises
OutputError, in Chinese, if it failed) and is closed at the end, whatever happened (`close`: no process or
thread of it outlives the build).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..data.model import Record


class OutputError(RuntimeError):
    """An output failed; the message says why, in Chinese."""


@dataclass
class OutputPage:
    """A page as outputs take it: its address (from the site root), title, the HTML of what readers search on
    it, and the record it shows (None: a hand-written page of docs/)."""

    url: str
    title: str
    html: str
    record: Record | None = None


class Output(Protocol):
    """Two kinds (kb.build): an output that reads what pages say (`html`: the search index) a preview makes after a
    rebuild, in the background, from the text it kept (kb.preview); one that reads the records alone and writes
    files the pages link to (ledger forms, the calendar file) is made during every build, the preview's
    included, and may then get a page the preview did not render again, whose `html` is empty."""

    def take(self, page: OutputPage) -> None: ...

    def complete(self, site_dir: Path) -> None: ...

    def wait(self) -> None: ...

    def close(self) -> None: ...


def write_changed(path: Path, content: bytes) -> None:
    """Write a file of the site unless it has these bytes already; a reader of the folder (the preview's server)
    sees the old file or the new one, never half of it."""
    try:
        if path.stat().st_size == len(content) and path.read_bytes() == content:
            return
    except OSError:
        path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(content)
    os.replace(partial, path)
