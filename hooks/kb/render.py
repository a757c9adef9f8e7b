"""Page content from the Jinja templates in templates/.

A template writes the page's Markdown source, but everything generated from data is HTML,
written inside `{% call html() %}…{% endcall %}` blocks. Each block leaves a placeholder
comment `<!--tb:N-->` in the Markdown and is kept aside; the hook puts the blocks back into
the HTML that MkDocs made (`on_page_content`). So MkDocs converts only what really is
Markdown: the title, the headings (for the table of contents and anchors) and the fields
editors write in Markdown. That keeps Markdown conversion, the slowest step of a build,
proportional to what editors wrote, not to what the site generates.

Templates autoescape: a value from the data is shown as typed, never as markup.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import jinja2
from markupsafe import Markup

from .model import CASE, ISSUE, KINDS, METHOD, STANDARD, KnowledgeBase, Record
from .urls import Urls, record_uri, tag_uri

TEMPLATES = Path(__file__).parent / "templates"
PLACEHOLDER = re.compile(r"<!--tb:(\d+)-->")

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


class Renderer:
    def __init__(self, kb: KnowledgeBase, urls: Urls):
        self.urls = urls
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        env.filters["md"] = md_text
        env.filters["excerpt"] = excerpt
        env.filters["markdown"] = Markup  # an editor's Markdown field, handed to MkDocs as written
        env.globals.update(STANDARD=STANDARD, METHOD=METHOD, CASE=CASE, ISSUE=ISSUE, KINDS=KINDS, kb=kb)
        self.env = env
        tax = kb.taxonomy
        self._term_uris = {
            "unit": {t.name: f"units/{t.slug}.md" for t in tax.units},
            "theme": {t.name: f"cases/theme/{t.slug}.md" for t in tax.themes},
            "standards": {t.name: f"standards/category/{t.slug}.md" for t in tax.categories["standards"]},
            "methods": {t.name: f"methods/category/{t.slug}.md" for t in tax.categories["methods"]},
        }

    def __call__(self, template: str, here: str, **context) -> tuple[str, list[str]]:
        """(Markdown source with placeholders, HTML blocks) of one page."""
        blocks: list[str] = []
        urls, terms = self.urls, self._term_uris

        def html(caller) -> Markup:
            blocks.append(str(caller()).strip())
            return Markup(f"\n<!--tb:{len(blocks) - 1}-->\n")

        def link(target: Record | str) -> str:
            return urls.link(here, target if isinstance(target, str) else record_uri(target))

        def term_link(field: str, record: Record) -> str:
            table = terms[field] if field in ("unit", "theme") else terms[record.kind.folder]
            return urls.link(here, table[record.data[field]])

        markdown = self.env.get_template(template).render(
            here=here, html=html, link=link, term_link=term_link,
            tag_link=lambda t: urls.link(here, tag_uri(t)), asset=lambda path: urls.link(here, path), **context
        )
        return markdown, blocks
