"""The build, without an engine: from the settings to the knowledge base, the site's pages and every output.

    build = Build(settings, preview=None, extra=())   # preview: a kb.preview.Preview; extra: more outputs
    problems = build.read()                     # the data, read and checked once (build.kb)
    assets = build.pages(on_page, urls=…)       # every page to on_page (the engine) and to every output
    build.documents(pages, site_dir)            # the hand-written pages, then the outputs complete
    build.finish(wait=True)                     # once the engine has written the site: the outputs are done
    build.close()

The engine adapter (kb/engine/session.py) maps this onto MkDocs' events and files; the command line, the
tests and every output share this one build. Sphinx is the model: one environment read once, several
builders writing it out. A build's outputs (outputs_for) take each page as it is made and work while the
engine writes (kb.outputs.base.Output); a preview makes them afterwards, in the background, from the pages
it keeps (kb.preview), so that a refresh never waits for them.

The garbage collector is told here, and only here (with the preview's own collection after a rebuild), that
what was read and made lives until the build ends: it is frozen after the read and after the pages, and
thawed when a build that keeps nothing ends.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

from .data.load import load
from .data.problems import Problem
from .outputs.base import Output, OutputPage
from .outputs.search import SearchIndex
from .preview import Preview
from .settings import Settings
from .site.plan import Asset, Page, stream_site
from .urls import Urls


def outputs_for(words) -> list[Output]:
    """The outputs of a build of the site: the search index (words: data/synonyms.yml's, kb.data.model.SearchWords)."""
    return [SearchIndex(words)]


class Build:
    def __init__(self, settings: Settings, preview: Preview | None = None, extra: tuple[Output, ...] = ()) -> None:
        """`extra`: outputs besides the site's own (outputs_for), after them: the offline bundle zips the site
        once the search index is written (outputs are waited for in order)."""
        self.settings = settings
        self.preview = preview
        self.extra = tuple(extra)
        self.kb = None
        self.problems: list[Problem] = []
        self.outputs: list[Output] = []  # a build's (a preview's are made later: finish())
        self._searched: list[tuple] = []  # the preview: (src_uri, url, record) of each record's page
        self._later: tuple | None = None  # the preview: what its outputs are made of, after the build
        self._whole = True  # the last pages() made the whole site (not only the preview's first pages)

    def read(self) -> list[Problem]:
        """Read and check the data (with the preview's readings of unchanged files); the problems, in Chinese."""
        if self.preview is not None:
            self.preview.rebuilding()
        self.kb, self.problems = load(self.settings, self.preview.reads if self.preview else None)
        gc.freeze()  # the records live until the build ends
        return self.problems

    def pages(self, on_page: Callable[[Page], None], *, directory_urls: bool, slugify,
              wanted: Callable[[str], bool] | None = None) -> list[Asset]:
        """Make every page (with `wanted`: those whose src_uri it accepts), each handed to `on_page` as it is made
        and, a record's, to every output; returns the site's other files. A preview renders again only what
        changed (its PageMemo)."""
        urls = Urls(directory_urls)
        self.close()
        if self.preview is None:
            self.outputs = [*outputs_for(self.kb.search_words), *self.extra]
        else:
            self.preview.pages.start(self.kb, self.settings)
        self._searched = []

        def each(page: Page) -> None:
            if page.record is not None:  # records are searched (generated listings only lead to them)
                url = urls.url(page.src_uri)
                if self.outputs:
                    taken = OutputPage(url, page.record.title, page.search, page.record)
                    for output in self.outputs:
                        output.take(taken)
                else:
                    self._searched.append((page.src_uri, url, page.record))
            on_page(page)

        memo = self.preview.pages if self.preview is not None else None
        assets = stream_site(self.kb, each, directory_urls=directory_urls, slugify=slugify, memo=memo, wanted=wanted)
        self._whole = wanted is None
        return assets

    def documents(self, pages: list[OutputPage], site_dir: Path) -> None:
        """The hand-written pages (for every output), after which the outputs complete: they work while the
        engine writes the site."""
        for output in self.outputs:
            for page in pages:
                output.take(page)
            output.complete(site_dir)
        if self.preview is not None and self._whole:  # a part of the site (the preview's first pages) is not searched
            self._later = (self._searched, pages, site_dir)
        gc.freeze()  # the pages made so far live until the build ends

    def finish(self, wait: bool = True) -> list[Output]:
        """The engine has written the site: wait for the outputs (OutputError if one failed); a preview starts
        making its own in the background. Returns the outputs, done."""
        if self.preview is not None:
            self.preview.after_build()
            if self._later is not None:
                searched, documents, site_dir = self._later
                self._later = None
                self.preview.make_outputs(lambda: outputs_for(self.kb.search_words), searched, documents, site_dir,
                                          self.kb.search_words)
            return []
        done = self.outputs
        if not wait:  # `mkdocs serve`: the index is written meanwhile, or given up by the next build
            return done
        try:
            for output in done:
                output.wait()
        finally:
            self.close()
            gc.unfreeze()
        return done

    def failed(self) -> None:
        """The engine gave up: the outputs end; a preview renders every page again next time (some were planned
        and not written)."""
        self.close()
        if self.preview is None:
            gc.unfreeze()
        else:
            self.preview.pages.clear()

    def close(self) -> None:
        for output in self.outputs:
            output.close()
        self.outputs = []

