"""A located problem in the data, how it is shown to an editor, and which files may be read."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the data: `FILE:LINE: FIELD: message` (message in Chinese)."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


def display_path(path: Path) -> str:
    """The path as an editor would type it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path.as_posix()
    if rel.startswith(".."):
        return Path(path).as_posix()
    return Path(rel).as_posix()


def short(value, limit: int = 40) -> str:
    """A value as quoted in a message: a pasted page must not become a page-long message."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def field_path(path: tuple) -> str:
    """('clauses', 1, 'evidence') -> 'clauses[2].evidence' (list positions count from 1, as editors do)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + short(part)
    return out


def inside_data(path: Path, real_root: Path) -> bool:
    """Whether `path`, links followed, is inside the data directory (a link loop is not)."""
    try:
        real = path.resolve()
    except (OSError, RuntimeError):  # a link loop: RuntimeError up to Python 3.12, OSError after
        return False
    return real == real_root or real_root in real.parents

