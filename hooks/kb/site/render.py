"""Page content from the Jinja templates in templates/: HTML, table of contents and search text in one pass.

A template writes its page through a few globals, in reading order:

    {{ title(d.title) }}                     the page's title: its <h1>
    {{ h(2, "依据") }}                       a heading: anchored, and entered in the table of contents
    {% call html() %}<ul>…</ul>{% endcall %}  a piece of HTML
    {{ d.body|markdown }}                    an editor's Markdown field: its headings become the page's headings
    {{ page_meta(hide=["toc"]) }}            page settings for the theme (as a Markdown page's front matter)

Each call adds a part to the page being rendered; the template's own text output is only the white
space between the calls. So nothing is parsed back out of the rendered text: a heading is written
twice as it is made, with its anchor and ¶ link for the page (the same slug and markup as MkDocs'
`toc` extension gives hand-written pages) and without them for the search index, whose results lead
to pages, not sections. MkDocs converts none of it (see kb/engine/pages.py).

Links are written as ROOT + path from the site root, and ROOT is replaced by the page's way back to
the root ("../../") when the page is done. So a piece of HTML that only links (a record's entry in a
listing) is the same on every page and is rendered once.

Templates autoescape: a value from the data is shown as typed, never as markup. Editors' Markdown is
the one place where data becomes markup, through kb/site/markup.py.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markdown.extensions.toc import nest_toc_tokens, strip_tags, unique
from markupsafe import Markup
from pymdownx.slugs import slugify

from .. import urls as u
from ..data.model import CASE, ISSUE, KINDS, METHOD, STANDARD, KnowledgeBase, Record
from ..urls import Urls, record_uri
from .calendar import BASES_SHOWN, BASIS_KINDS, clause_anchor, schedule_label
from .markup import EditorMarkdown, excerpt, sections

TEMPLATES = Path(__file__).parent / "templates"
ROOT = "\x1e"  # stands for the way back to the site root until a page is finished
SLUGIFY = slugify(case="lower")  # heading anchors, unless the engine passes mkdocs.yml's `toc.slugify` (the same function)
_ANCHORED = '<h{level} id="{id}">{inner}<a class="headerlink" href="#{id}" title="Permanent link">¶</a></h{level}>'


class TemplateError(RuntimeError):
    """A template wrote text outside its calls (a bug of ours, not of the data)."""


class TemplateCache(jinja2.BytecodeCache):
    """Compiled templates kept in memory between builds of one `mkdocs serve` session.

    Each build makes new Jinja environments (this module's and the theme's, which the engine points
    here too); compiling the templates again would be most of the time a preview takes to show a saved
    edit. Jinja checks each template's source against its checksum, so an edited template is compiled afresh."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = TemplateCache()


@dataclass
class Rendered:
    """A rendered page: all an engine needs to show it and a search index needs to find it."""

    title: str | None  # the title's text, as MkDocs would take it from the page's <h1>
    title_html: str  # the <h1> element, with its anchor
    body: str  # the HTML below the title ("" if none)
    search: str  # the page's HTML for the search index: title and body, headings without anchors
    toc: list[dict]  # the page's headings as Python-Markdown's nested `toc_tokens`: the title, the rest below it
    meta: dict  # page settings for the theme (`hide`, `title`)


class _PageInProgress:
    """The parts of the page being rendered, in order: (page HTML, search HTML)."""

    def __init__(self) -> None:
        self.parts: list[tuple[str, str]] = []
        self.tokens: list[dict] = []
        self.title: tuple[str, str, dict] | None = None  # (<h1>, search <h1>, toc token)
        self.meta: dict = {}
        self.used: set[str] = set()
        self.counters: dict[str, int] = {}


class Renderer:
    def __init__(self, kb: KnowledgeBase, urls: Urls, slugify=SLUGIFY):
        self.urls = urls
        self.slugify = slugify
        self.markdown = EditorMarkdown()
        self._page = _PageInProgress()
        self._entries: dict[tuple[int, bool], Markup] = {}
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
            bytecode_cache=COMPILED_TEMPLATES,
        )
        slugs = {"units": {t.name: t.slug for t in kb.taxonomy.units}, "themes": {t.name: t.slug for t in kb.taxonomy.themes}}
        slugs.update({f"categories.{k}": {t.name: t.slug for t in v} for k, v in kb.taxonomy.categories.items()})

        def link(target: Record | str) -> str:
            return ROOT + urls.href(target if isinstance(target, str) else record_uri(target))

        def term_link(field: str, record: Record) -> str:
            slug = slugs[record.kind.term_list(field)][record.data[field]]
            return ROOT + urls.href(u.term_uri(record.kind, field, slug))

        env.filters.update(excerpt=excerpt, markdown=self._markdown)
        env.globals.update(
            STANDARD=STANDARD, METHOD=METHOD, CASE=CASE, ISSUE=ISSUE, KINDS=KINDS, kb=kb, u=u,
            html=self._html, h1=self._title, h=self._h, page_meta=self._meta, link=link, term_link=term_link,
            entry=self._entry, tag_link=lambda tag: ROOT + urls.href(u.tag_uri(tag)),
            asset=lambda path: ROOT + urls.href(path), clause_anchor=clause_anchor, schedule_label=schedule_label, BASES_SHOWN=BASES_SHOWN,
            BASIS_KINDS=BASIS_KINDS,
        )
        self.env = env
        self._macros = env.get_template("_macros.html").module

    def __call__(self, template: str, here: str, **context) -> Rendered:
        """One page, from its template."""
        page = self._page = _PageInProgress()
        left = self.env.get_template(template).render(here=here, **context)
        if left.strip():
            raise TemplateError(f"模板 {template} 在调用之外写了文字：{left.strip()[:80]!r}")
        prefix = self.urls.prefix(here) or "./"
        body = "\n".join(html_part for html_part, _ in page.parts).replace(ROOT, prefix)
        search = "\n".join(search_part for _, search_part in page.parts).replace(ROOT, prefix)
        toc = nest_toc_tokens(page.tokens)
        if page.title is None:
            return Rendered(None, "", body, search, toc, page.meta)
        title_html, title_search, token = page.title
        return Rendered(" ".join(token["name"].split()), title_html, body, title_search + "\n" + search if search else title_search,
                        [dict(token, children=toc)], page.meta)

    # -- what templates call ------------------------------------------------------------------

    def _title(self, text) -> str:
        self._page.title = self._heading(1, html.escape(" ".join(str(text).split()), quote=False))
        return ""

    def _h(self, level: int, text) -> str:
        self._add_heading(level, html.escape(" ".join(str(text).split()), quote=False))
        return ""

    def _html(self, caller) -> str:
        block = str(caller()).strip()
        self._page.parts.append((block, block))
        return ""

    def _meta(self, **settings) -> str:
        self._page.meta.update(settings)
        return ""

    def _markdown(self, text: str) -> str:
        """An editor's Markdown field: its headings become the page's headings, the rest becomes HTML."""
        for part in sections(text):
            if isinstance(part, tuple):
                self._add_heading(part[0], self.markdown.heading(part[1]))
            else:
                converted = self.markdown.convert(part)
                self._page.parts.append((converted, converted))
        return ""

    def _entry(self, record: Record, kind_label: bool = False) -> Markup:
        """A record's line in a listing: the same on every page, so rendered once."""
        key = (id(record), kind_label)
        if key not in self._entries:
            self._entries[key] = self._macros.entry_html(record, kind_label)
        return self._entries[key]

    # -- headings ------------------------------------------------------------------------------

    def _add_heading(self, level: int, inner: str) -> None:
        element, search, token = self._heading(level, inner)
        self._page.parts.append((element, search))
        self._page.tokens.append(token)

    def _heading(self, level: int, inner: str) -> tuple[str, str, dict]:
        """A heading (inner HTML) as MkDocs' `toc` extension renders it, as the search index gets it, and its toc token."""
        name = strip_tags(inner)
        anchor = unique(self.slugify(html.unescape(name), "-"), self._page.used, self._page.counters)
        element = _ANCHORED.format(level=level, id=html.escape(anchor, quote=True), inner=inner)
        token = {"level": level, "id": anchor, "name": name, "html": inner, "data-toc-label": ""}
        return element, f"<h{level}>{inner}</h{level}>", token
