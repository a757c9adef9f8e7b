"""What every output of the build is: the one protocol kb.build.Build drives, whatever the engine.

An output takes the site's pages as the build makes them (`take`: each record's page, then each hand-written
page), is told when the last one is in (`complete`: it may then work on a thread or in a child process while
the engine writes the pages), is waited for once the engine has written the site (`wait`: it raises
OutputError, in Chinese, if it failed) and is closed at the end, whatever happened (`close`: no process or
thread of it outlives the build).
"""

from __future__ import annotations

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
    def take(self, page: OutputPage) -> None: ...

    def complete(self, site_dir: Path) -> None: ...

    def wait(self) -> None: ...

    def close(self) -> None: ...
