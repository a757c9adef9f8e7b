"""One build session: what each MkDocs event does, with all the state of a `build` (or a whole `serve`) on it.

The hook file (hooks/mkdocs_hooks.py) makes one BuildSession when MkDocs loads it and hands every
event to it. The session reads the settings and the data once (on_config), streams the pages of
kb.site to MkDocs and to every output at once (on_files: the search index), fills each page's HTML
in as it is written (on_post_page) and waits for the outputs (on_post_build). Under `serve --dirty`
a Preview (preview.py) keeps the records, the pages and the search index between rebuilds, so that
a save costs what it changes.
"""

from __future__ import annotations

import gc
import hashlib
import html
import logging
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from ..data.load import load
from ..data.problems import Problem
from ..outputs.search import SearchIndex, SearchIndexError
from ..settings import DATA_ENV, Settings, SettingsError
from ..site.markup import EXTENSIONS
from ..site.plan import stream_site
from ..site.render import SLUGIFY
from .. import urls as u
from ..urls import Urls
from . import shell
from .pages import GeneratedPage, cached_source, generated_file
from .preview import Preview

log = logging.getLogger("mkdocs.hooks.toolbook")


class BuildSession:
    def __init__(self) -> None:
        self.serving = False
        self.dirty = False  # `mkdocs serve --dirty`: rebuild only the pages whose content changed
        self.requested: dict = {}  # set by kb.engine.build.build(): its settings and outputs
        self.settings: Settings | None = None
        self.kb = None
        self.problems: list[Problem] = []
        self.outputs: list = []
        self.last_outputs: list = []  # what the last build fed, finished (kb.engine.build reports on them)
        self.preview: Preview | None = None  # `serve --dirty`: what rebuilds keep (preview.py)
        self._preview_search: tuple | None = None  # what on_post_build hands the preview's search index
        self.nav_only = False  # set by the preview server (serve.py) for its first build: the navigation's pages only
        self.rebuild: Callable[[], None] | None = None  # the preview server's: build again (serve.py sets it)
        self._docs_stale = False  # the preview's pages of docs/ were written without the pages they link to

    def request(self, settings: Settings) -> None:
        """What kb.engine.build.build() asks of the next build: these settings."""
        self.requested = {"settings": settings}

    def on_startup(self, command: str, dirty: bool) -> None:
        self.serving, self.dirty = command == "serve", dirty
        self._docs_stale = False
        self._end_preview()

    def on_config(self, config):
        """Read and check all data before MkDocs touches the output directory."""
        try:
            settings = self.requested.get("settings") or Settings.read(
                drafts=self.serving, site_url=config.site_url or "", site_name=config.site_name, imprint=config.copyright)
        except SettingsError as e:
            raise PluginError(str(e)) from None
        self.settings = settings = settings.but(directory_urls=config.use_directory_urls)
        if not settings.data.is_dir():
            raise PluginError(f"找不到数据目录：{settings.data}（可用环境变量 {DATA_ENV} 指定）")
        if self.serving and self.dirty and (self.preview is None or self.preview.settings != settings):
            self._end_preview()
            self.preview = Preview(settings, SearchIndex, SearchIndexError, self._ask_rebuild)
        if self.preview is not None:
            self.preview.rebuilding()
        if self.nav_only:  # the pages hand-written ones link to are made by the whole build that follows at once
            config.validation.links.not_found = config.validation.links.anchors = logging.DEBUG
        try:
            # the preview shows drafts (with a banner); a build publishes only what is published
            self.kb, self.problems = load(settings, self.preview.reads if self.preview else None)
        except Exception as e:  # a bug of ours: say so plainly, without a traceback
            raise PluginError(f"读取数据时发生内部错误：{type(e).__name__}: {e}。请把这条信息报告给网站管理员。") from None
        gc.freeze()  # see on_files
        if self.problems:
            report = "\n".join(str(p) for p in self.problems)
            if not self.serving:
                raise PluginError(f"数据检查发现 {len(self.problems)} 个问题，未生成网站：\n{report}")
            log.error(f"数据检查发现 {len(self.problems)} 个问题，预览中只显示问题清单：\n{report}")
        return config

    def on_files(self, files: Files, config) -> Files:
        failure = self.preview.failure if self.preview and self.kb is not None else None
        if self.kb is None or failure:  # only while serving: the home page and every tab list the problems
            self._problem_pages(files, config, failure)
            return files
        preview = self.preview
        if preview is None:
            self._start_outputs(config)
        else:  # the preview's search index is made after the refresh (on_post_build)
            self._close_outputs()
        urls = Urls(config.use_directory_urls)
        cache = self._page_cache(config) if self.dirty else None
        made: dict[str, File] = {}  # the preview: each generated file, by src_uri
        last = preview.made if preview is not None else {}
        searched: list[tuple] = []  # the preview: (src_uri, url, record) of each record's page
        # the preview: a page as it was (not in the navigation) is not handed to MkDocs, whose every loop then
        # goes over the pages that changed only (at 10,000 records about 0.7 s a save). While hand-written
        # pages are unchanged (their links are resolved against all files) and no page came or went (the
        # sitemap lists them all), nothing MkDocs writes needs them.
        unchanged: list[File] = []
        hand_written = _hand_written(files)
        if self._docs_stale:  # written while the pages they link to were not there: written again now
            for file in hand_written:
                Path(file.abs_dest_path).unlink(missing_ok=True)
        self._docs_stale = self.nav_only
        omit = bool(last) and not any(file.is_modified() for file in hand_written)
        taken = set(files.src_uris)  # docs/ and the theme's files

        def add(page) -> None:
            """Each page as soon as it is made: to every output if it is a record's, and to MkDocs as a file."""
            if page.src_uri in taken:
                raise PluginError(f"docs/{page.src_uri} 与自动生成的页面重名，请改名或删除这个手写页面。")
            if page.record is not None:  # records are searched (generated listings only lead to them)
                for output in self.outputs:
                    output.add_record(page, urls.url(page.src_uri))
                if preview is not None:
                    searched.append((page.src_uri, urls.url(page.src_uri), page.record))
            if not page.changed and page.src_uri in last:  # the preview: its file and MkDocs page as they were
                file = made[page.src_uri] = last[page.src_uri]
                (unchanged.append if omit and not page.in_nav else files.append)(file)
                return
            file = generated_file(page, config, cache)
            if page.record is not None:
                # relative to the docs folder in the repository, for an "edit" button when repo_url is set
                file.edit_uri = "../data/" + page.record.path.relative_to(self.kb.root).as_posix()
            files.append(file)
            made[file.src_uri] = file
            GeneratedPage(page, file, config)

        try:
            # headings get the anchors hand-written pages get: mkdocs.yml's `toc.slugify`
            slugify = config.mdx_configs.get("toc", {}).get("slugify") or SLUGIFY
            memo = None
            if preview is not None:
                memo = preview.pages
                memo.start(self.kb, self.settings)
            wanted = u.in_nav if self.nav_only else None
            assets = stream_site(self.kb, add, directory_urls=config.use_directory_urls, slugify=slugify, memo=memo,
                                 wanted=wanted)
        except PluginError:
            raise
        except Exception as e:  # a bug of ours: say so plainly, without a traceback
            raise PluginError(f"生成页面时发生内部错误：{type(e).__name__}: {e}。请把这条信息报告给网站管理员。") from None
        for asset in assets:
            if asset.content is not None:  # made at build time (the calendar file, ledger forms)
                file = File.generated(config, asset.src_uri, content=asset.content)
            else:
                file = File.generated(config, asset.src_uri, abs_src_path=str(asset.path))
            files.append(file)
            made[file.src_uri] = file
        documents = list(_documents(files))
        for output in self.outputs:
            for document in documents:
                output.add_document(*document)
            output.complete(Path(config.site_dir))
        if unchanged:
            if made.keys() == last.keys():  # the same pages: the sitemap written before still lists them
                config.theme.static_templates.discard("sitemap.xml")
            else:
                for file in unchanged:
                    files.append(file)
        if preview is not None:
            preview.remove_stale(made)
            if not self.nav_only:  # the whole site follows at once, and is searched (serve.py)
                self._preview_search = (searched, documents)
        # the records and pages made so far live until the build ends: spare the garbage collector
        # from scanning them again on every full collection (thawed in on_post_build: about 1 s at 10,000)
        gc.freeze()
        return files

    def on_env(self, env, config, files):
        return shell.install(env, config)

    def on_post_page(self, output: str, page, config) -> str:
        return page.finish(output) if isinstance(page, GeneratedPage) else output

    def on_post_build(self, config) -> None:
        if self.preview is None:
            gc.unfreeze()
        else:  # the page refreshes meanwhile
            self.preview.after_build()
            if self._preview_search is not None:
                self.preview.index(*self._preview_search, Path(config.site_dir), self.kb.search_words)
                self._preview_search = None
        try:
            for output in self.outputs:
                if not (self.serving and isinstance(output, SearchIndex)):  # the preview does not wait for search
                    output.wait()
        except SearchIndexError as e:
            raise PluginError(f"生成搜索索引失败：{e}") from None
        finally:
            if not self.serving:
                self.last_outputs = self.outputs
                self._close_outputs()

    def on_build_error(self, error) -> None:
        gc.unfreeze()
        self._close_outputs()
        if self.preview is not None:  # pages may have been planned and not written: the next rebuild renders all
            self.preview.pages.clear()

    def on_shutdown(self) -> None:
        self._close_outputs()
        self._end_preview()

    def on_serve(self, server, config, builder):
        """Under `mkdocs serve` (toolbook.py serve has a server of its own, serve.py): rebuild when the data changes."""
        if self.settings is not None:
            server.watch(str(self.settings.data))
        return server

    # -- helpers ------------------------------------------------------------------------------

    def _ask_rebuild(self) -> None:
        if self.rebuild is not None:
            self.rebuild()

    def _start_outputs(self, config) -> None:
        """The search index takes each page as it is made and is written on the second core while MkDocs renders."""
        self._close_outputs()
        self.outputs = [SearchIndex(self.kb.search_words)]

    def _problem_pages(self, files: Files, config, failure: str | None) -> None:
        """The problem list in place of the home page and of every generated page of the navigation."""
        content = problems_page(self.problems, failure)
        # hand-written pages MkDocs writes now (new, or edited) link to pages that are not there
        self._docs_stale = self.dirty and (self._docs_stale or any(file.is_modified() for file in _hand_written(files)))
        if self.preview is not None and self.preview.made:  # the sitemap of the pages that come back when fixed
            config.theme.static_templates.discard("sitemap.xml")
        if failure:
            self.preview.failure = None  # shown once; the next save builds the site and indexes it again
        uris, todo = ["index.md"], list(config.nav or [])
        while todo:  # the pages of the navigation (mkdocs.yml `nav:`), sections included
            item = todo.pop(0)
            if isinstance(item, dict):
                todo.extend(item.values())
            elif isinstance(item, list):
                todo.extend(item)
            elif isinstance(item, str) and item.endswith(".md") and "://" not in item:
                uris.append(item)
        for uri in dict.fromkeys(uris):
            if files.get_file_from_path(uri) is None:  # generated from the data: its place holds the problems
                files.append(File.generated(config, uri, content=content))
                if self.dirty:
                    # the real page must be rebuilt once the data is fixed: its cached source, older than
                    # this problem page, would make `--dirty` keep the problem page
                    cached_source(self._page_cache(config), uri).unlink(missing_ok=True)
                if self.preview is not None:
                    self.preview.pages.forget(uri)

    def _page_cache(self, config) -> Path:
        data_key = hashlib.sha1(str(self.settings.data).encode("utf-8")).hexdigest()[:12]
        return Path(config.config_file_path).resolve().parent / ".cache" / "pages" / data_key

    def _close_outputs(self) -> None:
        for output in self.outputs:
            output.close()
        self.outputs = []

    def _end_preview(self) -> None:
        if self.preview is not None:
            self.preview.close()
        self.preview = None
        self._preview_search = None


def find_session(config) -> BuildSession:
    """The session of the hook that a loaded configuration runs."""
    for plugin in config.plugins.values():
        session = getattr(plugin, "session", None)
        if isinstance(session, BuildSession):
            return session
    raise PluginError("mkdocs.yml 没有登记 hooks/mkdocs_hooks.py")


def problems_page(problems: list[Problem], failure: str | None = None) -> str:
    """The preview's page while the data has errors: one problem a line, wrapped, each naming its file and line.

    The file name is a vscode://file/… link: VS Code (the editors' tool, see docs/guide.md) opens the file
    at that line, on Windows as elsewhere (the browser asks once whether to allow it). A file:// link would
    do nothing: browsers refuse them on pages served over http. The path is the link's text, so it can
    also be opened by hand in any editor.
    """
    if failure:  # the preview's search index failed (preview.py): said like a problem of the data
        return (
            "# 搜索索引出错\n\n"
            f"!!! failure \"{html.escape(failure)}\"\n\n"
            "    预览的其他页面照常显示，只是搜索可能找不到最近的修改。再次保存任意数据文件，预览会重新生成网站和搜索索引。\n"
        )
    items = []
    for p in problems:
        # the messages quote the data: escaped, in an HTML block that Markdown leaves alone (no blank line inside)
        where = f"{p.file}:{p.line}" if p.line else p.file
        path = Path(p.file).resolve().as_posix()
        target = "vscode://file" + quote(path if path.startswith("/") else "/" + path, safe="/:")
        target += f":{p.line}" if p.line else ""
        rest = f"{p.field}: {p.message}" if p.field else p.message
        items.append(f'<li><a class="tb-problem-file" href="{html.escape(target)}" title="在 VS Code 中打开">'
                     f"{html.escape(where)}</a>: {html.escape(rest).replace(chr(10), '<br>')}</li>")
    return (
        "# 数据有问题\n\n"
        f"!!! failure \"数据检查发现 {len(problems)} 个问题\"\n\n"
        "    改正下列问题并保存后，预览会自动刷新。点文件名可在 VS Code 中打开那一行（浏览器第一次会询问是否允许），"
        "也可以按显示的路径自己打开文件。\n\n"
        f"<ol class=\"tb-problems\">\n{chr(10).join(items)}\n</ol>\n"
    )


def _documents(files: Files):
    """Hand-written pages are searched too: each converted once, as (url, title, HTML) for every output."""
    import markdown

    converter = markdown.Markdown(extensions=EXTENSIONS)
    for file in _hand_written(files):
        text = file.content_string
        converter.reset()
        page_html = converter.convert(_without_front_matter(text))
        title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), file.src_uri)
        yield file.url, title, page_html


def _hand_written(files: Files) -> list[File]:
    """The pages of docs/ (not made by a plugin or hook)."""
    return [file for file in files.documentation_pages() if file.generated_by is None]


def _without_front_matter(text: str) -> str:
    """A page's Markdown without its leading `---` … `---` block of page settings, if it has one."""
    lines = text.split("\n")
    if lines[0].strip() == "---":
        for i, line in enumerate(lines[1:], start=1):
            if line.strip() == "---":
                return "\n".join(lines[i + 1:])
    return text
