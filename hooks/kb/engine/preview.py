"""What one preview keeps between its rebuilds, in one place: Preview.

The preview server (serve.py, or `mkdocs serve --dirty`) loads the hook file once per process but
reloads the configuration and runs every event again for each rebuild. The BuildSession holds one
Preview while it serves with --dirty, for one set of settings (another data folder starts afresh):

    reads   kb.data.load.ReadCache: a saved edit reads and checks only the files it changed
    pages   kb.site.reuse.PageMemo: only the pages whose content changed are rendered again; MkDocs, whose
            --dirty compares a page's source time with its output's, rewrites only those (kb/engine/pages.py)
    made    the generated files of the last build (MkDocs' File, with its Page): a page not rendered again
            keeps both (and, outside the navigation, is not handed to MkDocs at all: session.py), and the output of a deleted record (its page, a listing page fewer, its images) is
            removed, as a fresh build would not write it
    search  the search index, rebuilt in the background from the pages' kept search text after each
            rebuild that changed what is searched, starting INDEX_AFTER seconds after it (the refreshed
            page loads first) and given up when the next rebuild starts (which starts it again): the
            refresh never waits for it, and the index of the last finished one answers meanwhile. A
            failure is kept for the problem page of the next rebuild, which it asks the server for (serve.py).

What the session keeps lives through many rebuilds: it stays frozen for the garbage collector (gc.freeze),
which would otherwise scan it all in every full collection of every rebuild (about 1 s each at 10,000
records). What a rebuild left behind is collected once, shortly after the page has refreshed, or after the
next rebuild if that has begun by then: a full collection holds up every thread, the rebuild's too.
"""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass
import threading
import time
from pathlib import Path

from ..data.load import ReadCache
from ..site.reuse import PageMemo, search_text

log = logging.getLogger("mkdocs.hooks.toolbook")

FEED_PAUSE = 0.005  # seconds the indexing thread pauses every FEED_BATCH pages, so that a rebuild is not slowed
FEED_BATCH = 50
COLLECT_AFTER = 1.0  # seconds after a rebuild: the browser has fetched the refreshed page by then
INDEX_AFTER = 2.0  # seconds after a rebuild before its search index is made


class Preview:
    def __init__(self, settings, search_index, search_error, ask_rebuild) -> None:
        """`search_index()` makes the session's search output, which raises `search_error` when it fails;
        `ask_rebuild()` asks the preview server for a rebuild (to show such a failure)."""
        self.settings = settings
        self._search = (search_index, search_error)
        self._ask_rebuild = ask_rebuild
        self.reads = ReadCache()
        self.pages = PageMemo()
        self.made: dict = {}  # src_uri -> MkDocs File, of the last build that made the site's pages
        self.failure: str | None = None  # the search index's failure, for the next problem page
        self._job: _IndexJob | None = None
        self._collector: threading.Timer | None = None  # the garbage collection after the last build
        self._searched: object = None  # what the running or last index was made of

    def remove_stale(self, made: dict) -> None:
        """Remove the output of every generated file (src_uri -> File) the last build made and this one did not."""
        self.pages.sweep(set(made))
        for uri, file in self.made.items():
            if uri not in made:
                path = Path(file.abs_dest_path)
                path.unlink(missing_ok=True)
                _prune(path.parent)
        self.made = made

    def index(self, records: list[tuple], documents: list[tuple[str, str, str]], site_dir: Path, words=None) -> None:
        """Rebuild the search index in the background from (src_uri, url, record) of the record pages, the
        hand-written pages (url, title, HTML) and the search words (kb.data.model.SearchWords), unless it is made
        of the same as the last one."""
        texts = [(url, self.pages.pages[uri], record) for uri, url, record in records]
        searched = (tuple((url, kept.search) for url, kept, _ in texts), tuple(documents), words)
        if searched == self._searched:
            return
        self._searched = searched
        make, error = self._search
        self._job = _IndexJob((lambda: make(words), error), texts, documents, site_dir, self._failed)

    def rebuilding(self) -> None:
        """A rebuild starts: an index still being made is given up, and made again after the rebuild; the
        garbage of the last one is collected after this one (a full collection holds every thread up)."""
        if self._collector is not None:
            self._collector.cancel()
        if self._job is not None and not self._job.finished.is_set():
            self._job.cancel()
            self._searched = None

    def after_build(self) -> None:
        """The rebuild is done: collect what it left behind, once the refreshed page is served."""
        self._collector = threading.Timer(COLLECT_AFTER, _collect)
        self._collector.daemon = True  # never holds up the end of `serve`
        self._collector.start()

    def close(self) -> None:
        """The preview ends: no thread of it outlives it (a forked reader needs a process with none)."""
        if self._collector is not None:
            self._collector.cancel()
            self._collector.join()
        if self._job is not None:
            self._job.cancel()
            self._job.join()
            self._job = None

    def _failed(self, message: str) -> None:
        log.error(message)
        self.failure = message
        self._searched = None  # the next rebuild indexes again
        self._ask_rebuild()


class _IndexJob:
    """One search index, fed and written on a thread of its own."""

    def __init__(self, search, texts, documents, site_dir: Path, on_failure) -> None:
        self._search = search
        self._texts, self._documents, self._site_dir, self._on_failure = texts, documents, site_dir, on_failure
        self._cancelled = threading.Event()
        self._index = None
        self.finished = threading.Event()  # written, or failed
        self._thread = threading.Thread(target=self._run, name="toolbook-preview-search", daemon=True)
        self._thread.start()

    def join(self) -> None:
        self._thread.join(timeout=30)

    def cancel(self) -> None:
        """Give up: the indexing process, which would take the second core from the rebuild, ends at once."""
        self._cancelled.set()
        index = self._index
        if index is not None:
            index.stop()

    def _run(self) -> None:
        make, error = self._search
        index = None
        if self._cancelled.wait(INDEX_AFTER):
            return
        try:
            index = self._index = make()
            for n, (url, kept, record) in enumerate(self._texts, start=1):
                if self._cancelled.is_set():
                    return
                index.add_record(_Searched(search_text(kept), record), url)
                if n % FEED_BATCH == 0:
                    time.sleep(FEED_PAUSE)
            for url, title, content in self._documents:
                index.add_document(url, title, content)
            if self._cancelled.is_set():
                return
            index.complete(self._site_dir)
            index.wait()
            self.finished.set()
        except error as e:
            self.finished.set()
            if not self._cancelled.is_set():
                self._on_failure(f"生成搜索索引失败：{e}")
        finally:
            if index is not None:
                index.close()


@dataclass
class _Searched:
    """A record's page as the search outputs read it (kb.site.plan.Page): its search text and its record."""

    search: str
    record: object


def _collect() -> None:
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _prune(folder: Path) -> None:
    """Remove `folder` and its parents while they are empty (a deleted record's page folder)."""
    try:
        while not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    except OSError:
        pass
