"""The build, without an engine: from the settings to the knowledge base, the site's pages and every output.

    build = Build(settings, preview=None, extra=())   # preview: a kb.preview.Preview; extra: more outputs
    problems = build.read()                     # the data, read and checked once (build.kb)
    assets = build.pages(on_page, urls=…)       # every page to on_page (the engine) and to every output
    build.documents(pages, site_dir)            # the hand-written pages, then the outputs complete
    build.finish(wait=True)                     # once the engine has written the site: the outputs are done
    build.close()

The engine adapter (kb/engine/session.py) maps this onto MkDocs' events and files; the command line, the
tests and every output share this one build. Sphinx is the model: one environment read once, several
builders writing it out. Every output (kb.outputs.base.Output) takes each record's page as it is made, then
the hand-written pages, and works while the engine writes. The outputs that read the records alone and write
files the pages link to (files_for: ledger forms, the calendar file) are made in every build; those that read
the pages' text (outputs_for: the search index) a preview makes afterwards, in the background, from the
pages it keeps (kb.preview), so that a refresh never waits for them. A build that keeps its pages for the next
(a Preview without background) makes them with the pages, a kept page searched by the text kept with it.

The garbage collector is told here, and only here (with the preview's own collection after a rebuild), that
what was read and made lives until the build ends: it is frozen after the read and after the pages, and
thawed when a build that keeps nothing ends.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

from . import cache
from .data.load import load
from .data.problems import Problem
from .outputs.base import Output, OutputPage
from .outputs.ical import CalendarFile
from .outputs.ledger import LedgerForms
from .outputs.search import SearchIndex
from .outputs.supervision import SupervisionForms
from .preview import Preview
from .settings import Settings
from .site.plan import Asset, Page, stream_site
from .site.reuse import MadeFiles, search_text
from .urls import Urls


def outputs_for(settings: Settings, words) -> list[Output]:
    """The outputs that read the pages' text: the search index (words: data/synonyms.yml's, kb.data.model.SearchWords),
    with the pages' texts as the last index read them (kb.cache)."""
    return [SearchIndex(words, cache.Kept(settings, "search-texts").path)]


def files_for(today, made: MadeFiles) -> list[Output]:
    """The outputs that read the records alone, files the pages link to (`made`: the documents made before)."""
    return [LedgerForms(made), CalendarFile(today, made), SupervisionForms(today, made)]


class Build:
    def __init__(self, settings: Settings, preview: Preview | None = None, extra: tuple[Output, ...] = ()) -> None:
        """`extra`: outputs besides the site's own (outputs_for), after them: the offline bundle zips the site
        once the search index is written (outputs are waited for in order)."""
        self.settings = settings
        self.preview = preview
        self.extra = tuple(extra)
        self.kb = None
        self.problems: list[Problem] = []
        self.files: list[Output] = []  # files_for: made in every build
        self.outputs: list[Output] = []  # outputs_for and extra: a build's (a preview's are made later: finish())
        self._searched: list[tuple] = []  # the preview: (src_uri, url, record) of each record's page
        self._later: tuple | None = None  # the preview: what its outputs are made of, after the build
        self._whole = True  # the last pages() made the whole site (not only the preview's first pages)
        self._reads = None  # a build's readings (not the preview's), kept on disk when it has finished

    def read(self) -> list[Problem]:
        """Read and check the data (with the preview's readings of unchanged files); the problems, in Chinese."""
        if self.preview is not None:
            self.preview.rebuilding()
            self.kb, self.problems = load(self.settings, self.preview.reads)
        else:  # the readings the last command kept (kb.cache): only the files changed since are read
            self._reads = cache.readings(self.settings)
            self.kb, self.problems = load(self.settings, self._reads)
        gc.freeze()  # the records live until the build ends
        return self.problems

    def pages(self, on_page: Callable[[Page], None], *, directory_urls: bool, slugify,
              wanted: Callable[[str], bool] | None = None) -> list[Asset]:
        """Make every page (with `wanted`: those whose src_uri it accepts), each handed to `on_page` as it is made
        and, a record's, to every output; returns the site's other files. A preview renders again only what
        changed (its PageMemo)."""
        urls = Urls(directory_urls)
        self.close()
        memo = self.preview.pages if self.preview is not None else None
        if self.preview is None or not self.preview.background:
            self.outputs = [*outputs_for(self.settings, self.kb.search_words), *self.extra]
        if memo is not None:
            memo.start(self.kb, self.settings.but(today=None))  # the day: in the values of the pages it shows on
        if self.preview is not None and not self.preview.background:
            self.preview.writing()
        if wanted is None:  # the preview's first pages (wanted) are followed at once by the whole site
            self.files = files_for(self.kb.today, self.preview.pages.files if self.preview else MadeFiles())
        self._searched = []

        def each(page: Page) -> None:
            if page.record is not None:  # records are searched (generated listings only lead to them)
                url = urls.url(page.src_uri)
                # a page kept as it was (a build that keeps its pages) is searched by the text kept with it
                search = page.search if page.changed or not self.outputs else search_text(memo.pages[page.src_uri])
                taken = OutputPage(url, page.record.title, search, page.record)
                for output in self.files:
                    output.take(taken)
                for output in self.outputs:
                    output.take(taken)
                if self.preview is not None and self.preview.background:
                    self._searched.append((page.src_uri, url, page.record))
            on_page(page)

        assets = stream_site(self.kb, each, directory_urls=directory_urls, slugify=slugify, memo=memo, wanted=wanted)
        self._whole = wanted is None
        return assets

    def documents(self, pages: list[OutputPage], site_dir: Path) -> None:
        """The hand-written pages (for every output), after which the outputs complete: they work while the
        engine writes the site."""
        for output in [*self.files, *self.outputs]:
            for page in pages:
                output.take(page)
            output.complete(site_dir)
        if self.preview is not None and self.preview.background and self._whole:  # (the preview's first pages are not searched)
            self._later = (self._searched, pages, site_dir)
        gc.freeze()  # the pages made so far live until the build ends

    def finish(self, wait: bool = True) -> list[Output]:
        """The engine has written the site: wait for the outputs (OutputError if one failed); a preview starts
        making its own in the background. Returns the outputs, done."""
        if self.preview is not None and self.preview.background:
            for output in self.files:  # written in documents(): nothing to wait for but the protocol's word
                output.wait()
            self.preview.after_build()
            if self._later is not None:
                searched, documents, site_dir = self._later
                self._later = None
                self.preview.make_outputs(lambda: outputs_for(self.settings, self.kb.search_words), searched, documents, site_dir,
                                          self.kb.search_words)
            return []
        done = [*self.files, *self.outputs]
        if not wait:  # `mkdocs serve`: the index is written meanwhile, or given up by the next build
            return done
        try:
            for output in done:
                output.wait()
        finally:
            self.close()
            gc.unfreeze()
        # kept for the next command once the site is written and the index's process has ended: pickling them
        # earlier would add to the build's peak memory (a build that keeps its pages keeps them with those: keep_build)
        if self.preview is None:
            cache.keep_readings(self.settings, self._reads)
        return done

    def failed(self) -> None:
        """The engine gave up: the outputs end; a preview renders every page again next time (some were planned
        and not written)."""
        self.close()
        if self.preview is None or not self.preview.background:
            gc.unfreeze()
        if self.preview is not None:
            self.preview.pages.clear()

    def close(self) -> None:
        for output in [*self.files, *self.outputs]:
            output.close()
        self.files, self.outputs = [], []

