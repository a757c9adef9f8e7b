"""Page content from the Jinja templates in templates/.

A template writes the page's Markdown source, but everything generated from data is HTML,
written inside `{% call html() %}…{% endcall %}` blocks. Each block leaves a placeholder
comment `<!--tb:N-->` in the Markdown and is kept aside; the hook puts the blocks back into
the HTML that MkDocs made (`on_page_content`). So MkDocs converts only what really is
Markdown: the title, the headings (for the table of contents and anchors) and the fields
editors write in Markdown. That keeps Markdown conversion, the slowest step of a build,
proportional to what editors wrote, not to what the site generates.

Links are written as ROOT + path from the site root, and ROOT is replaced by the page's way
back to the root ("../../") when the page is done. So a piece of HTML that only links
(a record's entry in a listing) is the same on every page and is rendered once.

Templates autoescape: a value from the data is shown as typed, never as markup.
"""

from __future__ import annotations

import html
import re
import zlib
from pathlib import Path

import jinja2
from markupsafe import Markup

from .model import CASE, ISSUE, KINDS, METHOD, STANDARD, KnowledgeBase, Record
from .urls import Urls, record_uri, tag_uri

TEMPLATES = Path(__file__).parent / "templates"
PLACEHOLDER = re.compile(r"<!--tb:(\d+)-->")
ROOT = "\x1e"  # stands for the way back to the site root until a page is finished

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}|#!<>])")


def md_text(value) -> Markup:
    """Plain text for a Markdown line (a heading): one line, Markdown syntax escaped."""
    s = " ".join(str(value).split())
    return Markup(_MD_SPECIAL.sub(r"\\\1", html.escape(s, quote=False)))


def excerpt(value, limit: int = 80) -> str:
    s = " ".join(str(value).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def fill(content: str, blocks: list[str]) -> str:
    """Put the HTML blocks back in place of their placeholders."""
    return PLACEHOLDER.sub(lambda m: blocks[int(m.group(1))], content)


def pack(blocks: list[str]) -> bytes:
    """A page's blocks, compressed while the page waits to be written (≈ 1/5 of the memory)."""
    return zlib.compress("\x00".join(blocks).encode("utf-8"), 1)


def unpack(packed: bytes) -> list[str]:
    return zlib.decompress(packed).decode("utf-8").split("\x00")


class Renderer:
    def __init__(self, kb: KnowledgeBase, urls: Urls):
        self.urls = urls
        self._blocks: list[str] = []  # HTML blocks of the page being rendered
        self._entries: dict[tuple[int, bool], Markup] = {}
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
        )
        tax = kb.taxonomy
        term_uris = {
            "unit": {t.name: f"units/{t.slug}.md" for t in tax.units},
            "theme": {t.name: f"cases/theme/{t.slug}.md" for t in tax.themes},
            "standards": {t.name: f"standards/category/{t.slug}.md" for t in tax.categories["standards"]},
            "methods": {t.name: f"methods/category/{t.slug}.md" for t in tax.categories["methods"]},
        }

        def link(target: Record | str) -> str:
            return ROOT + urls.href(target if isinstance(target, str) else record_uri(target))

        def term_link(field: str, record: Record) -> str:
            table = term_uris[field] if field in ("unit", "theme") else term_uris[record.kind.folder]
            return ROOT + urls.href(table[record.data[field]])

        env.filters.update(md=md_text, excerpt=excerpt, markdown=Markup)  # `markdown`: an editor's field, as written
        env.globals.update(
            STANDARD=STANDARD, METHOD=METHOD, CASE=CASE, ISSUE=ISSUE, KINDS=KINDS, kb=kb,
            html=self._html, link=link, term_link=term_link, entry=self._entry,
            tag_link=lambda tag: ROOT + urls.href(tag_uri(tag)), asset=lambda path: ROOT + urls.href(path),
        )
        self.env = env
        self._macros = env.get_template("_macros.md").module

    def _html(self, caller) -> Markup:
        self._blocks.append(str(caller()).strip())
        return Markup(f"\n<!--tb:{len(self._blocks) - 1}-->\n")

    def _entry(self, record: Record, kind_label: bool = False) -> Markup:
        """A record's line in a listing: the same on every page, so rendered once."""
        key = (id(record), kind_label)
        if key not in self._entries:
            self._entries[key] = self._macros.entry_html(record, kind_label)
        return self._entries[key]

    def __call__(self, template: str, here: str, **context) -> tuple[str, list[str]]:
        """(Markdown source with placeholders, HTML blocks) of one page."""
        self._blocks = []
        markdown = self.env.get_template(template).render(here=here, **context)
        prefix = self.urls.prefix(here) or "./"
        blocks = [b.replace(ROOT, prefix) for b in self._blocks]
        return markdown.replace(ROOT, prefix), blocks
