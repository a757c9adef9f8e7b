"""Generated pages as MkDocs sees them: a Page subclass that carries its own rendered content.

A page made by kb.site has its title, <h1>, table of contents and HTML ready, so MkDocs converts
none of its Markdown (making a converter per page, even for an empty page, costs MkDocs 0.4 ms:
5 s at 10,000 records). Plugins make pages of their own kind the same way: Material's blog has
Post and View. The page keeps its HTML compressed until it is written (`finish`), so that the
HTML of the whole site is never in memory at once, and lets go of its title and headings as soon
as MkDocs has them.
"""

from __future__ import annotations

import hashlib
import zlib
from pathlib import Path

from mkdocs.structure.files import File, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from ..site.plan import Page as SitePage

PLACEHOLDER = "<!--tb:body-->"  # where the page's HTML goes when it is written


class GeneratedPage(Page):
    def __init__(self, page: SitePage, file: File, config) -> None:
        super().__init__(None, file, config)  # becomes file.page, which MkDocs then uses
        self._head: tuple | None = (page.title, page.title_html, page.toc, page.meta)
        self._body = zlib.compress(page.body.encode("utf-8"), 1) if page.body else None  # ≈ 1/5 of the memory
        # titled from the start: under --dirty MkDocs reads and renders only changed pages, and the
        # navigation of those shows the titles of the others
        self.read_source(config)
        if page.title and "title" not in self.meta:
            self.title = page.title

    def read_source(self, config) -> None:
        self.markdown, self.meta = "", dict(self._head[3])

    def render(self, config, files) -> None:
        _, title_html, toc, _ = self._head
        self._head = None
        self.content = title_html + "\n" + PLACEHOLDER if self._body else title_html
        self.toc = get_toc(toc)
        self.present_anchor_ids = set(_anchor_ids(toc))  # for MkDocs' check of links to #anchors

    def finish(self, output: str) -> str:
        """The written page, its HTML in place."""
        if self._body is None:
            return output
        body, self._body = self._body, None
        return output.replace(PLACEHOLDER, zlib.decompress(body).decode("utf-8"), 1)


def generated_file(page: SitePage, config, cache: Path | None) -> File:
    """The MkDocs file behind a generated page. With `cache` (`serve --dirty`), a file there whose modification
    time changes only with the page's content: `--dirty` rebuilds a page only when its source is newer than
    its output, so an edit to one record rebuilds the few pages that show it, not the whole site. A page
    the preview did not render again (`changed` False) keeps its file as it is."""
    inclusion = InclusionLevel.INCLUDED if page.in_nav else InclusionLevel.NOT_IN_NAV
    if cache is None:
        return File.generated(config, page.src_uri, content="", inclusion=inclusion)
    path = cached_source(cache, page.src_uri)
    if not page.changed:  # kept from the preview's last build: its source and output are as they were
        return File.generated(config, page.src_uri, abs_src_path=str(path), inclusion=inclusion)
    digest = hashlib.sha1("\x00".join((page.title_html, page.body, repr(page.toc), repr(page.meta))).encode("utf-8"))
    text = digest.hexdigest() + "\n"
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return File.generated(config, page.src_uri, abs_src_path=str(path), inclusion=inclusion)


def cached_source(cache: Path, src_uri: str) -> Path:
    """Where `serve --dirty` keeps the stand-in source of the generated page `src_uri`."""
    return cache / src_uri


def _anchor_ids(toc: list[dict]):
    for token in toc:
        yield token["id"]
        yield from _anchor_ids(token["children"])
