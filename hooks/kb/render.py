"""Page content from the Jinja templates in templates/.

A template reads like the page's Markdown source: a `# title`, `## headings`, and HTML written
inside `{% call html() %}…{% endcall %}` blocks. Editors' Markdown fields (a case's body, an
issue's foreword) are converted here, with one Markdown instance, and their headings become
headings of the page. The title becomes an <h1> and everything below it one HTML block: each
heading gets its anchor (the same slug and ¶ link as MkDocs' `toc` extension gives hand-written
pages) and an entry in the page's table of contents. MkDocs converts none of it: the hook makes
these pages of its own kind, whose `render` gives MkDocs the title, the <h1>, a placeholder
`<!--tb:0-->` and the table of contents, and puts the block in place of the placeholder when the
page is written (`on_post_page`). Markdown conversion, even of an empty page, costs more per page
than anything else MkDocs does, so generated pages skip it.

Links are written as ROOT + path from the site root, and ROOT is replaced by the page's way
back to the root ("../../") when the page is done. So a piece of HTML that only links
(a record's entry in a listing) is the same on every page and is rendered once.

Templates autoescape: a value from the data is shown as typed, never as markup. Editors'
Markdown is the one place where data becomes markup: its HTML passes an allowlist (`clean`),
and its headings have raw HTML and links escaped (`heading_text`) before they become HTML.
"""

from __future__ import annotations

import html
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import jinja2
import markdown as markdown_lib
import nh3
from markdown.extensions.toc import nest_toc_tokens, strip_tags, unique
from markupsafe import Markup
from pymdownx.slugs import slugify

from .model import CASE, ISSUE, KINDS, METHOD, STANDARD, KnowledgeBase, Record
from .urls import Urls, record_uri, tag_uri

TEMPLATES = Path(__file__).parent / "templates"
EDITOR_EXTENSIONS = ["tables", "admonition", "sane_lists"]  # what editors' Markdown may use
PLACEHOLDER = re.compile(r"<!--tb:(\d+)-->")
ROOT = "\x1e"  # stands for the way back to the site root until a page is finished
SLUGIFY = slugify(case="lower")  # heading anchors: the same function as `toc.slugify` in mkdocs.yml

# What editors' Markdown (EDITOR_EXTENSIONS) produces; anything else, typed as raw HTML, is dropped.
# No <img>: pictures of a case go in its `images` field (data/assets/), never to another host.
_TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre",
         "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "div", "sup", "sub", "del"}
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}
_CLASSES = {"div": {"admonition", "note", "abstract", "info", "tip", "success", "question", "warning", "failure",
                    "danger", "bug", "example", "quote"}, "p": {"admonition-title"}}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}|#!<>])")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^(```|~~~)")
_UNESCAPE = re.compile(r"\\(.)")
# Anything inline Markdown would change in a heading, once backslash escapes are taken out.
_INLINE_SYNTAX = re.compile(r"[*_`\[\]<>&!\\]")
# Anything but bold that could make Markdown of a chunk differ from plain paragraphs (checked conservatively).
_MD_SYNTAX = re.compile(r"[_`\[\]<>|#\\!&~=:\t]|^\s*(?:[-+*]|\d+[.)])\s|^ {4}| $", re.M)
# Bold as editors write it ("**做法一。**正文"): paragraphs with only this syntax skip the Markdown pass too.
_BOLD = re.compile(r"\*\*([^*\s](?:[^*\n]*[^*\s])?)\*\*")
_STRONG = r"<strong>\1</strong>"
# A heading as _heading writes it, and the same heading for the search index: no id, no ¶ link.
_ANCHORED = '<h{level} id="{id}">{inner}<a class="headerlink" href="#{id}" title="Permanent link">¶</a></h{level}>'
_ANCHORED_RE = re.compile(r'<(h[1-6]) id="[^"]*">(.*?)<a class="headerlink" href="#[^"]*" title="Permanent link">¶</a></\1>')


def md_text(value) -> Markup:
    """Plain text for a Markdown line (a heading): one line, Markdown syntax escaped."""
    s = " ".join(str(value).split())
    return Markup(_MD_SPECIAL.sub(r"\\\1", html.escape(s, quote=False)))


def clean(markup: str) -> str:
    """Editors' converted Markdown through an allowlist: no script, event attribute, style trick,
    frame, image or link other than http(s), mailto and relative ones can reach a page."""
    return nh3.clean(markup, tags=_TAGS, attributes=_ATTRIBUTES, allowed_classes=_CLASSES,
                     url_schemes={"http", "https", "mailto"}, filter_style_properties={"text-align"},
                     clean_content_tags={"script", "style"}, link_rel="noopener noreferrer")


def heading_text(value: str) -> str:
    """An editor's heading for MkDocs to convert: emphasis and code still work, raw HTML and links do not."""
    return re.sub(r"([\[\]])", r"\\\1", html.escape(value, quote=False))


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


def without_front_matter(text: str) -> str:
    """A page's Markdown without its leading `---` … `---` block of page settings, if it has one."""
    lines = text.split("\n")
    if lines[0].strip() == "---":
        for i, line in enumerate(lines[1:], start=1):
            if line.strip() == "---":
                return "\n".join(lines[i + 1:])
    return text


def markdown_to_html(text: str) -> str:
    """A hand-written page's Markdown (front matter dropped) as HTML, for the search index."""
    return markdown_lib.markdown(without_front_matter(text), extensions=EDITOR_EXTENSIONS)


def search_document(markdown: str, blocks: list[str]) -> str:
    """The page's content as HTML for the search index, from its skeleton and blocks (no MkDocs needed).

    Headings lose their id and ¶ link: results lead to pages, not to sections, so an anchor would only
    make the indexer do more (a tenth of its time) and put "¶" into the text shown in results."""
    out = []
    for line in without_front_matter(markdown).splitlines():
        heading = _HEADING.match(line)
        if heading:
            level, text = len(heading.group(1)), _UNESCAPE.sub(r"\1", heading.group(2))
            out.append(f"<h{level}>{text}</h{level}>")
        elif line.strip():
            out.append(_ANCHORED_RE.sub(r"<\1>\2</\1>", fill(line, blocks)))
    return "\n".join(out)


class TemplateCache(jinja2.BytecodeCache):
    """Compiled templates kept in memory between builds of one `mkdocs serve` session.

    Each build makes new Jinja environments (this module's and the theme's, which the MkDocs hook
    points here too); compiling the templates again would be most of the time a preview takes to
    show a saved edit. Jinja checks each template's source against its checksum, so an edited
    template is compiled afresh."""

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
    """A rendered page. MkDocs gets none of its Markdown to convert (see the module's docstring)."""

    markdown: str  # page settings, `# title` and a placeholder: the page as Markdown (search index, --dirty)
    title: str | None  # the title's text, as MkDocs would take it from the page's <h1>
    title_html: str  # the <h1> element, with its anchor
    blocks: list[str]  # the HTML below the title (one block), which replaces the placeholder
    toc: list[dict]  # the page's headings as Python-Markdown's nested `toc_tokens`: the title, the rest below it


class Renderer:
    def __init__(self, kb: KnowledgeBase, urls: Urls):
        self.urls = urls
        self._blocks: list[str] = []  # HTML blocks of the page being rendered
        self._entries: dict[tuple[int, bool], Markup] = {}
        self._md = markdown_lib.Markdown(extensions=EDITOR_EXTENSIONS)
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
            bytecode_cache=COMPILED_TEMPLATES,
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

        env.filters.update(md=md_text, excerpt=excerpt, markdown=self._markdown)
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

    def _markdown(self, text: str) -> Markup:
        """An editor's Markdown field: its headings become the page's headings, the rest becomes blocks."""
        skeleton, chunk, fenced = [], [], False

        def flush():
            if any(line.strip() for line in chunk):
                self._blocks.append(self._convert("\n".join(chunk)))
                skeleton.append(f"\n<!--tb:{len(self._blocks) - 1}-->\n")
            chunk.clear()

        for line in str(text).splitlines():
            if _FENCE.match(line):
                fenced = not fenced
            heading = None if fenced else _HEADING.match(line)
            if heading:
                flush()
                skeleton.append(f"\n{heading.group(1)} {heading_text(heading.group(2))}\n")
            else:
                chunk.append(line)
        flush()
        return Markup("".join(skeleton))

    def _convert(self, text: str) -> str:
        """Markdown to HTML. Paragraphs of plain text and bold (most fields) skip the Markdown pass, with the
        same result (tests/test_pages.py and test_properties.py compare them)."""
        if _MD_SYNTAX.search(text) or ("*" in text and "*" in _BOLD.sub("", text)):
            self._md.reset()
            return clean(self._md.convert(text))
        paragraphs = (p.strip() for p in re.split(r"\n\s*\n", text))
        return "\n".join(f"<p>{_BOLD.sub(_STRONG, html.escape(p, quote=False))}</p>" for p in paragraphs if p)

    def _entry(self, record: Record, kind_label: bool = False) -> Markup:
        """A record's line in a listing: the same on every page, so rendered once."""
        key = (id(record), kind_label)
        if key not in self._entries:
            self._entries[key] = self._macros.entry_html(record, kind_label)
        return self._entries[key]

    def __call__(self, template: str, here: str, **context) -> Rendered:
        """One page, from its template."""
        self._blocks = []
        source = self.env.get_template(template).render(here=here, **context)
        rendered = self._assemble(source)
        prefix = self.urls.prefix(here) or "./"
        rendered.markdown = rendered.markdown.replace(ROOT, prefix)
        rendered.blocks = [block.replace(ROOT, prefix) for block in rendered.blocks]
        return rendered

    def _assemble(self, source: str) -> Rendered:
        """Split a rendered template after its title; turn the rest into one HTML block with anchored headings."""
        lines = source.split("\n")
        head_end = 0
        if lines[0].strip() == "---":  # page settings (front matter) stay for MkDocs
            head_end = lines.index("---", 1) + 1
        while head_end < len(lines) and not lines[head_end].startswith("# "):
            head_end += 1
        head = "\n".join(lines[: head_end + 1])
        used: set[str] = set()
        counters: dict[str, int] = {}
        title = _HEADING.match(lines[head_end]) if head_end < len(lines) else None
        if title:
            title_html, title_token = self._heading(1, title.group(2), used, counters)
            title_text = " ".join(title_token["name"].split())  # as MkDocs takes a page title from its <h1>
        else:
            title_html, title_token, title_text = "", None, None
        parts, tokens, text = [], [], []
        for line in lines[head_end + 1:]:
            placeholder = PLACEHOLDER.fullmatch(line.strip())
            heading = None if placeholder else _HEADING.match(line)
            if (placeholder or heading) and text:
                parts.append(self._convert("\n".join(text)))  # plain Markdown outside html() (rare)
                text.clear()
            if placeholder:
                parts.append(self._blocks[int(placeholder.group(1))])
            elif heading:
                element, token = self._heading(len(heading.group(1)), heading.group(2), used, counters)
                parts.append(element)
                tokens.append(token)
            elif line.strip():
                text.append(line)
        if text:
            parts.append(self._convert("\n".join(text)))
        markdown = head + "\n\n<!--tb:0-->\n" if parts else head + "\n"
        toc = nest_toc_tokens(tokens)
        if title_token is not None:
            toc = [dict(title_token, children=toc)]
        return Rendered(markdown, title_text, title_html, ["\n".join(parts)] if parts else [], toc)

    def _heading(self, level: int, text: str, used: set[str], counters: dict[str, int]) -> tuple[str, dict]:
        """A heading (Markdown, one line) as MkDocs' `toc` extension renders it, and its `toc_tokens` entry."""
        inner = self._inline(text)
        name = strip_tags(inner)
        anchor = unique(SLUGIFY(html.unescape(name), "-"), used, counters)
        attr = html.escape(anchor, quote=True)
        element = _ANCHORED.format(level=level, id=attr, inner=inner)
        return element, {"level": level, "id": anchor, "name": name, "html": inner, "data-toc-label": ""}

    def _inline(self, text: str) -> str:
        """A heading's text (Markdown, one line) as HTML."""
        plain = _UNESCAPE.sub(r"\1", text)
        if not _INLINE_SYNTAX.search(_UNESCAPE.sub("", text)):
            return html.escape(plain, quote=False)
        self._md.reset()
        converted = clean(self._md.convert("# " + text))
        return converted[len("<h1>"): -len("</h1>")] if converted.startswith("<h1>") else html.escape(plain, quote=False)
