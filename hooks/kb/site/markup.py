"""Editors' Markdown (a case's body, an issue's foreword, a method's background) as safe HTML.

This is the one converter for editors' text: the site's pages, the PDF booklet, the offline
bundle and the search index all take their HTML from it. Its output always passes an allowlist
(`clean`): no script, event attribute, style trick, frame, image or link other than http(s),
mailto and relative ones reaches any output. Headings written by editors keep emphasis and code,
never raw HTML or links (`heading`).
"""

from __future__ import annotations

import html
import re

import markdown as markdown_lib
import nh3

EXTENSIONS = ["tables", "admonition", "sane_lists"]  # what editors' Markdown may use

# What EXTENSIONS produce; anything else, typed as raw HTML, is dropped.
# No <img>: pictures of a case go in its `images` field (data/assets/), never to another host.
_TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre",
         "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "div", "sup", "sub", "del"}
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}
_CLASSES = {"div": {"admonition", "note", "abstract", "info", "tip", "success", "question", "warning", "failure",
                    "danger", "bug", "example", "quote"}, "p": {"admonition-title"}}
HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^(```|~~~)")
# Anything but bold that could make Markdown of a chunk differ from plain paragraphs (checked conservatively).
_MD_SYNTAX = re.compile(r"[_`\[\]<>|#\\!&~=:\t]|^\s*(?:[-+*]|\d+[.)])\s|^ {4}| $", re.M)
# Bold as editors write it ("**做法一。**正文"): paragraphs with only this syntax skip the Markdown pass too.
_BOLD = re.compile(r"\*\*([^*\s](?:[^*\n]*[^*\s])?)\*\*")
_STRONG = r"<strong>\1</strong>"
# Anything inline Markdown would change in a heading.
_INLINE_SYNTAX = re.compile(r"[*_`\[\]<>&!\\]")


def clean(markup: str) -> str:
    """Converted Markdown through the allowlist."""
    return nh3.clean(markup, tags=_TAGS, attributes=_ATTRIBUTES, allowed_classes=_CLASSES,
                     url_schemes={"http", "https", "mailto"}, filter_style_properties={"text-align"},
                     clean_content_tags={"script", "style"}, link_rel="noopener noreferrer")


def excerpt(value, limit: int = 80) -> str:
    s = " ".join(str(value).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def sections(text: str) -> list[tuple[int, str] | str]:
    """An editor's field split at its headings: (level, heading text) for each heading, Markdown text between them.

    Headings inside fenced code are text."""
    out: list[tuple[int, str] | str] = []
    chunk: list[str] = []
    fenced = False

    def flush():
        if any(line.strip() for line in chunk):
            out.append("\n".join(chunk))
        chunk.clear()

    for line in str(text).splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        heading = None if fenced else HEADING.match(line)
        if heading:
            flush()
            out.append((len(heading.group(1)), heading.group(2)))
        else:
            chunk.append(line)
    flush()
    return out


class EditorMarkdown:
    """One converter, reused: Python-Markdown is costly to set up, so make one and call it for every field."""

    def __init__(self) -> None:
        self._md = markdown_lib.Markdown(extensions=EXTENSIONS)

    def convert(self, text: str) -> str:
        """Markdown to clean HTML. Paragraphs of plain text and bold (most fields) skip the Markdown pass, with the
        same result (tests compare the two on random texts)."""
        if _MD_SYNTAX.search(text) or ("*" in text and "*" in _BOLD.sub("", text)):
            self._md.reset()
            return clean(self._md.convert(text))
        paragraphs = (p.strip() for p in re.split(r"\n\s*\n", text))
        return "\n".join(f"<p>{_BOLD.sub(_STRONG, html.escape(p, quote=False))}</p>" for p in paragraphs if p)

    def heading(self, text: str) -> str:
        """An editor's heading (one line of Markdown) as inline HTML: emphasis and code work, raw HTML and links do not."""
        text = re.sub(r"([\[\]])", r"\\\1", html.escape(text, quote=False))
        plain = re.sub(r"\\(.)", r"\1", text)
        if not _INLINE_SYNTAX.search(re.sub(r"\\(.)", "", text)):
            return html.escape(plain, quote=False)
        self._md.reset()
        converted = clean(self._md.convert("# " + text))
        return converted[len("<h1>"): -len("</h1>")] if converted.startswith("<h1>") else html.escape(plain, quote=False)

    def document(self, text: str, shift: int = 0) -> str:
        """A whole field as one piece of clean HTML, its headings `shift` levels lower (the booklet, the offline text)."""
        out = []
        for part in sections(text):
            if isinstance(part, tuple):
                level = min(part[0] + shift, 6)
                out.append(f"<h{level}>{self.heading(part[1])}</h{level}>")
            else:
                out.append(self.convert(part))
        return "\n".join(out)
