"""The Markdown of a case body, made from the reader's blocks.

Its one job: write text and Blocks as Markdown that shows exactly that text: bold runs as **…**, every
Markdown mark escaped (a mark at a line's start too: "- ", "2026. ", "---", "!!!"), headings, list items,
tables, and the blank lines between blocks. It must never decide what a block is (reader.py) or what it means
for the record (guess.py), and never touch a file.
"""

from __future__ import annotations

import re

from kb.editing.docx_import.reader import Block, Segments

_ESCAPE = re.compile(r"([\\`*_\[\]>|#])")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")  # "&copy;" typed as text: Markdown would show ©
_LINE_START = re.compile(r"^(?:[-+!]|\d+(?=[.)](?:\s|$)))")  # a list marker, a rule, an admonition; "2026. …"
MARKERS = {"bullet": "- ", "number": "1. ", "": ""}


def paragraph_markdown(segments: Segments) -> str:
    """A line's segments as Markdown: bold runs become **…**, everything else plain text."""
    parts: Segments = []
    for bold, text in segments:
        if text:
            if parts and parts[-1][0] == bold:
                parts[-1] = (bold, parts[-1][1] + text)
            else:
                parts.append((bold, text))
    text = "".join(t for _, t in parts)
    lead = len(text) - len(text.lstrip())
    out, at = [], 0
    for bold, piece in parts:  # drop the line's leading and trailing white space, then mark the bold pieces
        start, end = max(lead - at, 0), len(piece)
        at += len(piece)
        piece = piece[start:end]
        core = piece.strip()
        if bold and core:
            before, after = piece[: len(piece) - len(piece.lstrip())], piece[len(piece.rstrip()):]
            out.append(f"{before}**{escape_inner(core)}**{after}")
        else:
            out.append(escape_inner(piece))
    return _escape_start("".join(out).strip())


def escape_inner(text: str) -> str:
    """Text as Markdown that shows exactly that text inside a line: every mark escaped ("#" too, which a
    heading would otherwise drop at its end), and an "&" that would start an HTML entity."""
    return _ESCAPE.sub(r"\\\1", _ENTITY.sub("&amp;", text)).replace("<", "&lt;")  # Markdown has no escape for "<"


def _escape_start(md: str) -> str:
    """A line as a paragraph of its own: a mark at its start that would make it a list ("- ", "+ ", "2026. "),
    a rule ("---") or an admonition ("!!!") is escaped ("#" and ">" already are, everywhere)."""
    m = _LINE_START.match(md)
    if not m:
        return md
    if m.group()[0].isdigit():  # "2026. 年度总结": the dot
        return md[: m.end()] + "\\" + md[m.end():]
    return "\\" + md


def heading(text: str, level: int) -> str:
    """A heading of the body: ## at the least (# is the page's title), ###### at the most."""
    return "#" * max(2, min(level, 6)) + " " + escape_inner(text)


def block_markdown(block: Block) -> str:
    """A block as a paragraph of the body: a list item with its marker, a table as a Markdown table."""
    if block.kind != "table":
        return MARKERS[block.list_kind] + flat_markdown(block)
    rows = _cells(block)
    width = max(len(r) for r in rows)
    rows = [r + [" "] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width] + ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)


def flat_markdown(block: Block) -> str:
    """A block's Markdown on one line, as in a table cell (a list item without its marker)."""
    if block.kind == "table":
        return " ".join(c for row in _cells(block) for c in row if c.strip())
    if block.kind in ("title", "heading"):
        return escape_inner(block.text)
    return paragraph_markdown(block.segments)


def _cells(table: Block) -> list[list[str]]:
    """A table's cells, each its blocks on one line (" " for an empty one)."""
    return [[" ".join(md for md in map(flat_markdown, blocks) if md) or " " for blocks in row] for row in table.rows]


def join_blocks(blocks: list[str]) -> str:
    """Blocks separated by blank lines, except consecutive items of one list (a tight list)."""
    out: list[str] = []
    for i, b in enumerate(blocks):
        if i:
            last = blocks[i - 1].rsplit("\n", 1)[-1]
            out.append("\n" if any(last.startswith(m) and b.startswith(m) for m in ("- ", "1. ")) else "\n\n")
        out.append(b)
    return "".join(out)
