"""The build mapped onto MkDocs: what each MkDocs event does, in build order.

The hook file (hooks/mkdocs_hooks.py) makes one BuildSession when MkDocs loads it and hands it every event.
The work is the engine-free build (kb.build.Build): the session reads the settings and hands them to a
Build (on_config), maps each page the build makes onto an MkDocs file and page (on_files, SiteFiles), lets
each page's HTML in as it is written (on_post_page) and lets the build finish its outputs (on_post_build).
Under `serve --dirty` a kb.preview.Preview is handed to every Build: what it keeps between rebuilds, and
that the outputs are made after the refresh; the session keeps only what is MkDocs' own, the files of
the last build (SiteFiles.made).
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel

from ..build import Build
from ..data.problems import Problem
from ..outputs.base import OutputError, OutputPage
from ..preview import Preview
from ..settings import DATA_ENV, Settings, SettingsError
from ..site.markup import EXTENSIONS
from ..site.render import SLUGIFY
from .. import cache, urls as u
from . import LOGGER, shell
from .pages import GeneratedPage, cached_source, generated_file

log = logging.getLogger(LOGGER)


class BuildSession:
    def __init__(self) -> None:
        self.serving = False
        self.dirty = False  # `mkdocs serve --dirty`: rebuild only the pages whose content changed
        self.requested: tuple | None = None  # (settings, extra outputs, Preview or None): kb.engine.build.build()'s
        self.settings: Settings | None = None
        self.build: Build | None = None
        self.problems: list[Problem] = []
        self.last_outputs: list = []  # what the last build's outputs were, done (kb.engine.build reports on them)
        self.preview: Preview | None = None  # `serve --dirty`: what rebuilds keep (kb.preview)
        self.made: dict[str, File] = {}  # the preview: the generated files of its last whole build, by src_uri
        self.nav_only = False  # set by the preview server (serve.py) for its first build: the navigation's pages only
        self.keeps_folder = False  # set by the preview server: its folder is kept for the next preview (kb.cache)
        self.kept = 0  # pages the last build kept as the build before it left them (the preview, a build that keeps)
        self.rendered = 0  # … and pages it rendered
        self.restored = False  # the preview went on from the files the last preview of the same data kept
        self.rebuild: Callable[[], None] | None = None  # the preview server's: build again (serve.py sets it)
        self._docs_stale = False  # the preview's pages of docs/ were written without the pages they link to

    # -- the events, in build order -------------------------------------------------------------

    def on_startup(self, command: str, dirty: bool) -> None:
        self.serving, self.dirty = command == "serve", dirty
        self._docs_stale = False
        self._end_preview()

    def on_config(self, config):
        """Read and check all data before MkDocs touches the output directory."""
        self.settings = settings = self._settings(config)
        if self.serving and self.dirty and (self.preview is None or self.preview.settings != settings):
            self._end_preview()
            self.preview = Preview(settings, self._output_failed, Path(config.site_dir) if self.keeps_folder else None)
        elif self.requested and self.requested[2] is not None:  # a build that keeps its pages (kb.engine.build)
            self.preview = self.requested[2]
        if self.nav_only:  # the pages hand-written ones link to are made by the whole build that follows at once
            config.validation.links.not_found = config.validation.links.anchors = logging.DEBUG
        self.build = Build(settings, self.preview, self.requested[1] if self.requested else ())
        try:
            # the preview shows drafts (with a banner); a build publishes only what is published
            self.problems = self.build.read()
        except Exception as e:  # a bug of ours: say so plainly, without a traceback
            raise PluginError(f"读取数据时发生内部错误：{type(e).__name__}: {e}。请把这条信息报告给网站管理员。") from None
        if self.problems:
            report = "\n".join(str(p) for p in self.problems)
            if not self.serving:
                raise PluginError(f"数据检查发现 {len(self.problems)} 个问题，未生成网站：\n{report}")
            log.error(f"数据检查发现 {len(self.problems)} 个问题，预览中只显示问题清单：\n{report}")
        return config

    def on_files(self, files: Files, config) -> Files:
        failure = self.preview.failure if self.preview else None
        if self.build.kb is None or failure:  # only while serving: the home page and every tab list the problems
            self._problem_pages(files, config, failure)
            return files
        site = SiteFiles(files, config, self)
        self.kept = self.rendered = 0
        # written while the pages they link to were not there (the preview's first pages), or a build's: written again
        # now, so that their links are checked against this build's pages
        if self._docs_stale or (site.last and not self.preview.background):
            for file in site.hand_written:
                Path(file.abs_dest_path).unlink(missing_ok=True)
        # (the first pages of a preview that goes on from the last one's write them only if they changed since)
        self._docs_stale = self.nav_only and (not site.last or any(file.is_modified() for file in site.hand_written))
        # headings get the anchors hand-written pages get: mkdocs.yml's `toc.slugify`
        slugify = config.mdx_configs.get("toc", {}).get("slugify") or SLUGIFY
        try:
            assets = self.build.pages(site.add, directory_urls=config.use_directory_urls, slugify=slugify,
                                      wanted=u.in_nav if self.nav_only else None)
        except PluginError:
            raise
        except Exception as e:  # a bug of ours: say so plainly, without a traceback
            raise PluginError(f"生成页面时发生内部错误：{type(e).__name__}: {e}。请把这条信息报告给网站管理员。") from None
        site.add_assets(assets)
        self.build.documents(list(_documents(site.hand_written)), Path(config.site_dir))
        site.finish()
        return files

    def on_env(self, env, config, files):
        return shell.install(env, config)

    def on_post_page(self, output: str, page, config) -> str:
        return page.finish(output) if isinstance(page, GeneratedPage) else output

    def on_post_build(self, config) -> None:
        if self.preview is not None and self.made and not self.nav_only:  # kept with the pages (kb.preview)
            self.preview.files_state = [(uri, f.abs_src_path, f.inclusion.name) for uri, f in self.made.items()]
        try:
            done = self.build.finish(wait=not self.serving)  # the preview's outputs are made after the refresh
        except OutputError as e:
            raise PluginError(str(e)) from None
        if not self.serving:
            self.last_outputs = done

    def on_build_error(self, error) -> None:
        if self.build is not None:
            self.build.failed()

    def on_shutdown(self) -> None:
        if self.build is not None:
            self.build.close()
        self._end_preview()

    def on_serve(self, server, config, builder):
        """Under `mkdocs serve` (toolbook.py serve has a server of its own, serve.py): rebuild when the data changes."""
        if self.settings is not None:
            server.watch(str(self.settings.data))
        return server

    # -- helpers ------------------------------------------------------------------------------

    def _settings(self, config) -> Settings:
        """kb.engine.build's settings, else those of the environment; with mkdocs.yml's URL style."""
        try:
            settings = self.requested[0] if self.requested else Settings.read(
                drafts=self.serving, site_url=config.site_url or "", site_name=config.site_name, imprint=config.copyright)
        except SettingsError as e:
            raise PluginError(str(e)) from None
        settings = settings.but(directory_urls=config.use_directory_urls)
        if not settings.data.is_dir():
            raise PluginError(f"找不到数据目录：{settings.data}（可用环境变量 {DATA_ENV} 指定）")
        return settings

    def _output_failed(self, message: str) -> None:
        """The preview's outputs failed in the background: shown on the next rebuild's problem page, at once."""
        log.error(message)
        if self.rebuild is not None:
            self.rebuild()

    def _problem_pages(self, files: Files, config, failure: str | None) -> None:
        """The problem list in place of the home page and of every generated page of the navigation."""
        content = problems_page(self.problems, failure)
        # hand-written pages MkDocs writes now (new, or edited) link to pages that are not there
        self._docs_stale = self.dirty and (self._docs_stale or any(file.is_modified() for file in _hand_written(files)))
        if self.preview is not None and self.made:  # the sitemap of the pages that come back when fixed
            config.theme.static_templates.discard("sitemap.xml")
        if failure:
            self.preview.failure = None  # shown once; the next save builds the site and makes the outputs again
        for uri in _navigation(config):
            if files.get_file_from_path(uri) is None:  # generated from the data: its place holds the problems
                files.append(File.generated(config, uri, content=content))
                if self.dirty:
                    # the real page must be rebuilt once the data is fixed: its cached source, older than
                    # this problem page, would make `--dirty` keep the problem page
                    cached_source(self.page_cache(config), uri).unlink(missing_ok=True)
                if self.preview is not None:
                    self.preview.pages.forget(uri)

    def page_cache(self, config) -> Path:
        """Where `serve --dirty` keeps the stand-in sources of generated pages (kb/engine/pages.py)."""
        data_key = hashlib.sha1(str(self.settings.data).encode("utf-8")).hexdigest()[:12]
        return Path(config.config_file_path).resolve().parent / ".cache" / "pages" / data_key

    def _end_preview(self) -> None:
        if self.preview is not None:
            self.preview.close()
        self.preview = None
        self.made = {}


class SiteFiles:
    """The pages and files one build makes, as MkDocs' files: each page as it is made (add), the other files
    (add_assets), then what the preview leaves out or removes (finish).

    The preview hands MkDocs a page it did not render again (outside the navigation) not at all, so that every
    loop of MkDocs goes over the pages that changed only (at 10,000 records about 0.7 s a save): while the
    hand-written pages are unchanged (their links are resolved against all files) and no page came or went
    (the sitemap lists them all), nothing MkDocs writes needs them."""

    def __init__(self, files: Files, config, session: BuildSession) -> None:
        self.files, self.config, self.session = files, config, session
        self.hand_written = _hand_written(files)
        self.taken = set(files.src_uris)  # docs/ and the theme's files
        if session.preview is not None and not session.made and session.preview.restored_files:
            session.made = _restored(session.preview, config)
            session.restored = True
        self.last = session.made if session.preview is not None else {}
        self.made: dict[str, File] = {}
        self.unchanged: list[File] = []
        # (a build writes its hand-written pages again: MkDocs checks their links against all pages, which it then has)
        self.omit = (bool(self.last) and session.preview.background and not session._docs_stale
                     and not any(file.is_modified() for file in self.hand_written))
        self.cache = session.page_cache(config) if session.dirty else None
        self.root = session.build.kb.root

    def add(self, page) -> None:
        """A page of the site, as soon as it is made: its file as it was (the preview), or a new one."""
        if page.src_uri in self.taken:
            raise PluginError(f"docs/{page.src_uri} 与自动生成的页面重名，请改名或删除这个手写页面。")
        if not page.changed and page.src_uri in self.last:  # the preview: its file and MkDocs page as they were
            file = self.made[page.src_uri] = self.last[page.src_uri]
            self.session.kept += 1
            (self.unchanged.append if self.omit and not page.in_nav else self.files.append)(file)
            return
        file = generated_file(page, self.config, self.cache)
        self.session.rendered += 1
        if page.record is not None:
            # relative to the docs folder in the repository, for an "edit" button when repo_url is set
            file.edit_uri = "../data/" + page.record.path.relative_to(self.root).as_posix()
        self.files.append(file)
        self.made[file.src_uri] = file
        GeneratedPage(page, file, self.config)

    def add_assets(self, assets) -> None:
        """The site's files that are not pages, copied (a case's images)."""
        for asset in assets:
            file = File.generated(self.config, asset.src_uri, abs_src_path=str(asset.path))
            self.files.append(file)
            self.made[file.src_uri] = file

    def finish(self) -> None:
        """The preview: the sitemap written before still lists the same pages; what the last build made and this
        one did not (a deleted record's page, a listing page fewer, its images) is removed, as a fresh build
        would not write it."""
        if self.unchanged:
            if self.made.keys() == self.last.keys():
                self.config.theme.static_templates.discard("sitemap.xml")
            else:  # the sitemap lists every page, in the order a whole build hands them over
                for file in self.made.values():
                    if self.files.get_file_from_path(file.src_uri) is not None:
                        self.files.remove(file)
                    self.files.append(file)
        session = self.session
        if session.preview is None:
            return
        if session.nav_only and self.last:  # the first pages of a preview that goes on from the last one's: the
            # rest of its pages and its sitemap stay for the whole build that follows at once
            self.config.theme.static_templates.discard("sitemap.xml")
            session.made = {**self.last, **self.made}
            return
        session.preview.pages.sweep(set(self.made))
        for uri, file in self.last.items():
            if uri not in self.made:
                path = Path(file.abs_dest_path)
                path.unlink(missing_ok=True)
                _prune(path.parent)
        session.made = self.made


def _restored(preview: Preview, config) -> dict[str, File]:
    """The files the last preview of the same data made (kept with its pages, kb.preview), by src_uri: each whose
    output is still there and not older than its source; the others' pages are rendered and written again."""
    made = {}
    unchanged = _unchanged_source(preview.settings) if any(s is None for _, s, _ in preview.restored_files) else None
    for uri, source, inclusion in preview.restored_files:
        if source is None:  # a page of a build (its folder as that build left it: kb.preview.folder_list)
            file = File.generated(config, uri, abs_src_path=unchanged, inclusion=InclusionLevel[inclusion])
            made[uri] = file
            continue
        file = File.generated(config, uri, abs_src_path=source, inclusion=InclusionLevel[inclusion])
        try:
            fresh = os.stat(file.abs_dest_path).st_mtime_ns >= os.stat(source).st_mtime_ns
        except OSError:
            fresh = False
        if fresh:
            made[uri] = file
        else:
            preview.pages.forget(uri)
            Path(file.abs_dest_path).unlink(missing_ok=True)
    preview.restored_files = None
    return made


def _unchanged_source(settings: Settings) -> str:
    """The source MkDocs is given for a page a build keeps as the last build wrote it: older than any output, so that
    MkDocs' dirty build leaves the page alone (File.is_modified)."""
    path = cache.folder(settings) / "unchanged"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    if path.stat().st_mtime_ns:
        os.utime(path, ns=(0, 0))
    return str(path)


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


def _documents(hand_written: list[File]):
    """Hand-written pages are searched too: each converted once, as an OutputPage for every output."""
    import markdown

    converter = markdown.Markdown(extensions=EXTENSIONS)
    for file in hand_written:
        text = file.content_string
        converter.reset()
        page_html = converter.convert(_without_front_matter(text))
        title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), file.src_uri)
        yield OutputPage(file.url, title, page_html)


def _navigation(config) -> list[str]:
    """The home page and the pages of the navigation (mkdocs.yml `nav:`, sections included), once each."""
    uris, todo = ["index.md"], list(config.nav or [])
    while todo:
        item = todo.pop(0)
        if isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
        elif isinstance(item, str) and item.endswith(".md") and "://" not in item:
            uris.append(item)
    return list(dict.fromkeys(uris))


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


def _prune(folder: Path) -> None:
    """Remove `folder` and its parents while they are empty (a deleted record's page folder)."""
    try:
        while not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    except OSError:
        pass
