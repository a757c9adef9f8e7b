"""Pages outside the navigation are filled into a shell rendered once per folder.

Relative links depend only on the folder a page is served from, so such pages share their
navigation, tabs, header, footer and script tags to the byte: rendering Material's base.html
for each of thousands of records would cost more than everything else in the build. The
shell is base.html rendered with slots for the page's own values (_Slots). The first pages of
each folder are rendered both ways and compared: a folder whose shell does not match (after a
theme change, say) renders every page normally, so a shell can make a build slower, never wrong.
Tables of contents are rendered once per set of headings, checked the same way (TocCache).

docs/overrides/main.html asks `tb_use_shell(page)` and then takes `tb_shell(page)`.
"""

from __future__ import annotations

import logging
import posixpath
import re

import jinja2
from markupsafe import Markup, escape
from mkdocs.structure.files import InclusionLevel

from ..site.render import COMPILED_TEMPLATES
from . import LOGGER

log = logging.getLogger(LOGGER)


def install(env, config):
    """Make the theme's environment render pages outside the navigation through per-folder shells."""
    env.bytecode_cache = COMPILED_TEMPLATES  # templates compiled once per `mkdocs serve` session
    env.auto_reload = False  # templates do not change during a build: skip a file check per page
    shells: dict[str, list] = {}  # folder -> [shell split at its slots or None, pages left to check]
    toc_template = env.get_template("partials/tb-toc.html")
    tocs = TocCache()
    main = env.get_template("main.html")
    # Material's translations, which depend on the configured language only
    lang = env.get_template("partials/language.html").make_module({"config": config})

    def whole(context) -> str:
        return main.render(dict(context.get_all(), tb_whole=True))

    @jinja2.pass_context
    def tb_use_shell(context, page) -> bool:
        return (
            page is not None
            and not isinstance(page, _Slots)
            and not context.get("tb_whole")
            and page.file.inclusion == InclusionLevel.NOT_IN_NAV
            and not page.meta
            and not page.edit_url
            and page.previous_page is None
            and page.next_page is None
            and _first_heading(page).startswith("#")
            and "<h1" in page.content
        )

    @jinja2.pass_context
    def tb_shell(context, page) -> Markup:
        folder = posixpath.dirname(page.url.rstrip("/"))
        entry = shells.get(folder)
        if entry is None:
            shell = main.render(dict(context.get_all(), page=_Slots(page), tb_toc_slot=_SLOT % "N"))
            entry = shells[folder] = [_SLOTS.split(shell), _CHECKS]
        pieces, checks = entry
        if pieces is None:
            return Markup(whole(context))
        values = {"C": page.content, "T": page.title, "H": tb_title(page), "U": page.canonical_url or "",
                  "K": _first_heading(page)[1:], "N": tocs.render(page, lambda: toc_template.render(context.get_all(), lang=lang))}
        filled = _fill(pieces, values)
        if checks:
            entry[1] -= 1
            normal = whole(context)
            if filled != normal:
                log.debug(f"页面外壳与正常渲染不一致，{folder}/ 中的页面逐页渲染")
                entry[0] = None
                return Markup(normal)
        return Markup(filled)

    env.globals.update(tb_use_shell=tb_use_shell, tb_shell=tb_shell, tb_title=tb_title)
    return env


def tb_title(page) -> str:
    """The page title in <title>: its text, escaped (the `page.title | striptags | e` of a template)."""
    if isinstance(page, _Slots):
        return _SLOT % "H"
    return str(escape(Markup(page.title).striptags()))


_SLOT = "\x02%s<h1\x03"  # contains "<h1" like a page's content, which templates test for
_SLOTS = re.compile("\x02([A-Z])<h1\x03")
_CHECKS = 2  # pages of each folder rendered both ways and compared before its shell is trusted


class TocCache:
    """Tables of contents rendered once per distinct set of headings: pages of one kind mostly share theirs.

    The key is what Material's toc.html reads of a page: the headings under its <h1>, or all of them
    when the first is not an <h1>. The first pages with each key are rendered anyway and compared;
    one difference (a theme that reads more of the page) turns the cache off for the build."""

    def __init__(self):
        self._html: dict[tuple, list] = {}  # key -> [html, renderings left to compare]
        self._on = True

    def render(self, page, render) -> str:
        key = self._key(page.toc) if self._on else None
        if key is None:
            return render()
        entry = self._html.get(key)
        if entry is None:
            entry = self._html[key] = [render(), _CHECKS]
        elif entry[1]:
            entry[1] -= 1
            fresh = render()
            if fresh != entry[0]:
                log.debug("目录缓存与正常渲染不一致，逐页渲染目录")
                self._on = False
                return fresh
        return entry[0]

    @classmethod
    def _key(cls, toc) -> tuple | None:
        first = next(iter(toc), None)
        return cls._items(first.children if first is not None and first.level == 1 else toc)

    @classmethod
    def _items(cls, items) -> tuple | None:
        out = []
        for item in items:
            children = cls._items(item.children)
            if children is None or hasattr(item, "typeset"):  # Material's typeset plugin: not cached
                return None
            out.append((item.level, item.title, item.id, children))
        return tuple(out)


class _Slots:
    """A page whose own values are slots. Of the page itself it shows only what is the same for
    every page in its folder that uses the shell; anything else is undefined for the templates,
    which the check against normal renderings notices if a template uses it."""

    title = _SLOT % "T"
    content = _SLOT % "C"
    _FOLDER_WIDE = frozenset({"url", "file", "meta", "is_homepage", "edit_url", "previous_page", "next_page",
                              "parent", "ancestors", "active", "is_page", "is_section", "is_link", "children"})

    def __init__(self, page):
        self._page = page
        self.canonical_url = _SLOT % "U" if page.canonical_url else None
        self.toc = [_Heading("#" + _SLOT % "K")]  # the "skip to content" link points at the first heading

    def __getattr__(self, name):
        if name in self._FOLDER_WIDE:
            return getattr(self._page, name)
        raise AttributeError(name)


class _Heading:
    """The first entry of a table of contents, as base.html's skip link reads it."""

    def __init__(self, url: str):
        self.url = url
        self.children = []


def _first_heading(page) -> str:
    """Where base.html's skip link leads: the first entry of the page's table of contents."""
    first = next(iter(page.toc), None)
    return first.url if first is not None else ""


def _fill(pieces: list[str], values: dict[str, str]) -> str:
    """The shell split at its slots (text, slot name, text, …) with the values put in."""
    return "".join(values[p] if i % 2 else p for i, p in enumerate(pieces))
