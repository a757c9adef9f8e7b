"""MkDocs hooks: the records in data/ become the pages of the site.

Registered in mkdocs.yml (`hooks:`). MkDocs loads this file once per `mkdocs serve`
session, so everything is read inside the events, never at import time. Events below
run in build order. The work itself lives in the `kb` package beside this file, which
does not import MkDocs: `kb.load` reads and checks the data, `kb.site` lays out the pages.
"""

from __future__ import annotations

import gc
import hashlib
import html
import logging
import os
import posixpath
import re
from pathlib import Path

import jinja2
from markupsafe import Markup, escape
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from kb.load import load_knowledge_base
from kb.model import KnowledgeBase
from kb.problems import Problem
from kb.render import COMPILED_TEMPLATES, fill, markdown_to_html, pack, search_document, unpack
from kb.search import SearchIndexError, SearchIndexer
from kb.site import stream_site
from kb.urls import Urls

log = logging.getLogger("mkdocs.hooks.toolbook")

DATA_ENV = "TOOLBOOK_DATA"


class _State:
    serving = False
    dirty = False  # `mkdocs serve --dirty`: rebuild only the pages whose content changed
    root: Path | None = None
    kb: KnowledgeBase | None = None
    problems: list[Problem] = []
    blocks: dict[str, bytes] = {}  # src_uri -> generated HTML blocks of that page, packed until it is written
    heads: dict[str, tuple[str | None, str, list[dict]]] = {}  # src_uri -> (title, <h1>, headings): _GeneratedPage
    indexer: SearchIndexer | None = None


def data_dir(config) -> Path:
    """`$TOOLBOOK_DATA` if set, else data/ beside mkdocs.yml."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).resolve()
    return Path(config.config_file_path).resolve().parent / "data"


def on_startup(command: str, dirty: bool) -> None:
    _State.serving = command == "serve"
    _State.dirty = dirty


def on_config(config):
    """Read and check all data before MkDocs touches the output directory."""
    root = data_dir(config)
    _State.root = root
    if not root.is_dir():
        raise PluginError(f"找不到数据目录：{root}（可用环境变量 {DATA_ENV} 指定）")
    try:
        # the preview shows drafts (with a banner); a build publishes only what is published
        kb, problems = load_knowledge_base(root, include_drafts=_State.serving)
    except Exception as e:  # a bug of ours: say so plainly, without a traceback
        raise PluginError(f"读取数据时发生内部错误：{type(e).__name__}: {e}。请把这条信息报告给网站管理员。") from None
    _State.kb, _State.problems = kb, problems
    gc.freeze()  # see on_files
    if problems:
        report = "\n".join(str(p) for p in problems)
        if not _State.serving:
            raise PluginError(f"数据检查发现 {len(problems)} 个问题，未生成网站：\n{report}")
        log.error(f"数据检查发现 {len(problems)} 个问题，预览中只显示问题清单：\n{report}")
    return config


def on_files(files: Files, config) -> Files:
    if _State.kb is None:  # only while serving invalid data: one page listing the problems
        files.append(File.generated(config, "index.md", content=_problems_page(_State.problems)))
        return files
    indexer = _start_search_index()
    urls = Urls(config.use_directory_urls)
    _State.blocks, _State.heads = {}, {}

    def add(page) -> None:
        """Each page as soon as it is made: searched if it is a record's, given to MkDocs as a file, and
        kept as MkDocs needs it later (its HTML compressed), so that all the site's HTML is never in memory at once."""
        if files.get_file_from_path(page.src_uri):
            raise PluginError(f"docs/{page.src_uri} 与自动生成的页面重名，请改名或删除这个手写页面。")
        if page.source is not None:  # records are searched (generated listings only lead to them)
            indexer.add(search_document(page.markdown, page.blocks), "/" + urls.url(page.src_uri))
        inclusion = InclusionLevel.INCLUDED if page.in_nav else InclusionLevel.NOT_IN_NAV
        if _State.dirty:
            file = File.generated(config, page.src_uri, abs_src_path=_stable_source(config, page), inclusion=inclusion)
        else:
            file = File.generated(config, page.src_uri, content=page.markdown, inclusion=inclusion)
        if page.source is not None:
            # relative to the docs folder in the repository, for an "edit" button when repo_url is set
            file.edit_uri = "../data/" + page.source.relative_to(_State.root).as_posix()
        files.append(file)
        _GeneratedPage(None, file, config)  # becomes file.page, which MkDocs then uses
        if page.blocks:
            _State.blocks[page.src_uri] = pack(page.blocks)
        _State.heads[page.src_uri] = (page.title, page.title_html, page.toc)

    try:
        assets = stream_site(_State.kb, add, directory_urls=config.use_directory_urls)
    except PluginError:
        raise
    except Exception as e:  # a bug of ours: say so plainly, without a traceback
        raise PluginError(f"生成页面时发生内部错误：{type(e).__name__}: {e}。请把这条信息报告给网站管理员。") from None
    for asset in assets:
        files.append(File.generated(config, asset.src_uri, abs_src_path=str(asset.path)))
    for file in files.documentation_pages():  # hand-written pages are searched too
        if file.generated_by is None:
            indexer.add(markdown_to_html(file.content_string), "/" + file.url)
    indexer.write_in_background(Path(config.site_dir) / "pagefind")
    # the records and pages made so far live until the build ends: spare the garbage collector
    # from scanning them again on every full collection (thawed in on_post_build: about 1 s at 10,000)
    gc.freeze()
    return files


def _stable_source(config, page) -> str:
    """A file behind a generated page whose modification time changes only with the page's content.

    `--dirty` rebuilds a page only when its source is newer than its output, so an edit to one
    record rebuilds the few pages that show it, not the whole site.
    """
    data_key = hashlib.sha1(str(_State.root).encode("utf-8")).hexdigest()[:12]
    path = Path(config.config_file_path).resolve().parent / ".cache" / "pages" / data_key / page.src_uri
    text = page.markdown + "\n<!-- " + hashlib.sha1("\x00".join(page.blocks).encode("utf-8")).hexdigest() + " -->\n"
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return str(path)


def _start_search_index() -> SearchIndexer:
    """Pagefind starts first and indexes each record as soon as its page is made, on the second core.

    It writes the index while MkDocs renders the pages (kb/search.py); on_post_build waits for it.
    """
    _close_indexer()
    try:
        _State.indexer = SearchIndexer()
    except SearchIndexError as e:
        raise PluginError(f"生成搜索索引失败：{e}") from None
    return _State.indexer


class _GeneratedPage(Page):
    """A page made by kb.site. Its title, <h1>, table of contents and HTML are ready, so MkDocs converts none
    of its Markdown: `render` gives MkDocs the <h1>, a placeholder for the HTML (filled in on_post_page) and the
    table of contents. (Making a Markdown converter per page, even for an empty page, costs MkDocs 0.4 ms:
    5 s at 10,000 records.) Plugins make pages of their own kind the same way: Material's blog has Post and View."""

    def render(self, config, files) -> None:
        title, title_html, toc = _State.heads.pop(self.file.src_uri)
        if title and "title" not in self.meta:
            self.title = title
        self.content = title_html + "\n<!--tb:0-->" if self.file.src_uri in _State.blocks else title_html
        self.toc = get_toc(toc)
        self.present_anchor_ids = set(_anchor_ids(toc))  # for MkDocs' check of links to #anchors


def _anchor_ids(toc: list[dict]):
    for token in toc:
        yield token["id"]
        yield from _anchor_ids(token["children"])


def on_env(env, config, files):
    """Pages outside the navigation are filled into a shell rendered once per folder.

    Relative links depend only on the folder a page is served from, so such pages share their
    navigation, tabs, header, footer and script tags to the byte: rendering Material's base.html
    for each of thousands of records would cost more than everything else in the build. The
    shell is base.html rendered with slots for the page's own values (_Slots). The first pages of
    each folder are rendered both ways and compared: a folder whose shell does not match (after a
    theme change, say) renders every page normally, so a shell can make a build slower, never wrong.
    """
    env.bytecode_cache = COMPILED_TEMPLATES  # templates compiled once per `mkdocs serve` session
    env.auto_reload = False  # templates do not change during a build: skip a file check per page
    shells: dict[str, list] = {}  # folder -> [shell split at its slots or None, pages left to check]
    toc_template = env.get_template("partials/tb-toc.html")
    tocs = _TocCache()
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


class _TocCache:
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


def on_post_page(output: str, page, config) -> str:
    """Put the generated HTML blocks into the written page.

    The blocks are filled in only now, so that the pages MkDocs keeps in memory for the
    whole build hold the small Markdown skeleton, not the generated HTML (see kb/render.py).
    """
    packed = _State.blocks.pop(page.file.src_uri, None)
    return fill(output, unpack(packed)) if packed else output


def on_post_build(config) -> None:
    """Write the search index next to the pages; the reader's browser fetches it in chunks."""
    gc.unfreeze()
    if _State.indexer is not None and not _State.serving:
        try:
            _State.indexer.wait()
        except SearchIndexError as e:
            raise PluginError(f"生成搜索索引失败：{e}") from None
        finally:
            _close_indexer()


def on_build_error(error) -> None:
    gc.unfreeze()
    _close_indexer()


def on_shutdown() -> None:
    _close_indexer()


def _close_indexer() -> None:
    if _State.indexer is not None:
        _State.indexer.close()
        _State.indexer = None


def on_serve(server, config, builder):
    """Rebuild the preview when anything under the data directory changes."""
    if _State.root is not None:
        server.watch(str(_State.root))
    return server


def _problems_page(problems: list[Problem]) -> str:
    # the messages quote the data: escaped, in an HTML block that Markdown leaves alone
    lines = "\n".join(html.escape(str(p)) for p in problems)
    return (
        "# 数据有问题\n\n"
        f"!!! failure \"数据检查发现 {len(problems)} 个问题\"\n\n"
        "    改正下列问题并保存后，预览会自动刷新。\n\n"
        f"<pre class=\"tb-problems\">{lines}</pre>\n"
    )
