"""Page content: Jinja templates in templates/ that write Markdown for MkDocs.

Plain-text fields go through the `text` filter, which escapes HTML and Markdown syntax so
that what an editor typed shows as typed. Markdown fields (a case's body, an issue's
foreword, a method's background) are passed through as Markdown.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import jinja2

from .model import CASE, ISSUE, KINDS, METHOD, STANDARD, KnowledgeBase, Record
from .urls import record_uri, relative, tag_uri

TEMPLATES = Path(__file__).parent / "templates"

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}|#!])")
_LEADING = re.compile(r"^(\s*)(\d+)([.)])|^(\s*)([-+>])")


def text(value) -> str:
    """Plain text for inline use in Markdown: one line, HTML and Markdown syntax escaped."""
    s = " ".join(str(value).split())
    s = html.escape(s, quote=False)
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return _LEADING.sub(lambda m: f"{m.group(1)}{m.group(2)}\\{m.group(3)}" if m.group(2) else f"{m.group(4)}\\{m.group(5)}", s)


def excerpt(value, limit: int = 80) -> str:
    s = " ".join(str(value).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


class Renderer:
    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=False,  # output is Markdown; `text` escapes plain fields
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        env.filters["text"] = text
        env.filters["excerpt"] = excerpt
        env.globals.update(STANDARD=STANDARD, METHOD=METHOD, CASE=CASE, ISSUE=ISSUE, KINDS=KINDS, kb=kb)
        self.env = env
        tax = kb.taxonomy
        self._slugs = {
            "unit": {t.name: t.slug for t in tax.units},
            "theme": {t.name: t.slug for t in tax.themes},
            "standards": {t.name: t.slug for t in tax.categories["standards"]},
            "methods": {t.name: t.slug for t in tax.categories["methods"]},
        }

    def __call__(self, template: str, here: str, **context) -> str:
        slugs = self._slugs

        def link(target: Record | str) -> str:
            return relative(here, target if isinstance(target, str) else record_uri(target))

        def term_link(field: str, record: Record) -> str:
            name = record.data[field]
            if field == "unit":
                return relative(here, f"units/{slugs['unit'][name]}.md")
            if field == "theme":
                return relative(here, f"cases/theme/{slugs['theme'][name]}.md")
            folder = record.kind.folder
            return relative(here, f"{folder}/category/{slugs[folder][name]}.md")

        return self.env.get_template(template).render(
            here=here, link=link, term_link=term_link, tag_link=lambda t: relative(here, tag_uri(t)), **context
        )
