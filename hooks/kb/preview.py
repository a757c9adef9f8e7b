"""The preview as a policy handed to the build (kb.build.Build): what it keeps between rebuilds, and when its
outputs run. Engine-free; the engine adapter keeps its own files beside it (kb/engine/session.py).

The preview server (kb/engine/serve.py) makes one Preview for one set of settings (another data folder
starts afresh) and hands it to every rebuild's Build:

    reads   kb.data.load.ReadCache: a saved edit reads and checks only the files it changed; the schema's
            validators are kept with the readings and dropped when a schema file changes. The readings start
            from those the last command kept on disk (kb.cache), and are kept there KEEP_AFTER seconds after
            a rebuild (given up if the next rebuild starts first)
    kept    with a site folder kept between previews (kb.engine.serve), the pages and the engine's files are
            kept on disk with the readings, and the next preview of the same data renders only what changed
            since; the kept pages are dropped when a rebuild starts, and kept again after it, so that a
            preview stopped while it wrote leaves none (its folder is emptied at the next start)
    pages   kb.site.reuse.PageMemo: only the pages whose content changed are rendered again
    builds  `build` and `publish` keep their pages too (kb.engine.build with keep=True): a Preview with
            background=False, its outputs made with the pages, what it made kept once the build has succeeded
            (keep_build), with a list of every file of the folder and its size and time: the next build into the
            same folder goes on from them only if the folder is still exactly so (else it builds afresh)
    outputs the search index, made again in the background from the pages' kept search text after each
            rebuild that changed what is searched, starting INDEX_AFTER seconds after it (the refreshed
            page loads first) and given up when the next rebuild starts (which starts it again): the
            refresh never waits for it, and the index of the last finished one answers meanwhile. A
            failure is kept for the problem page of the next rebuild, which it asks the server for.

What the preview keeps lives through many rebuilds: it stays frozen for the garbage collector (gc.freeze),
which would otherwise scan it all in every full collection of every rebuild (about 1 s each at 10,000
records). What a rebuild left behind is collected once, shortly after the page has refreshed, or after the
next rebuild if that has begun by then: a full collection holds up every thread, the rebuild's too.
"""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
import sys
import threading
import time
from pathlib import Path

from . import cache
from .outputs.base import OutputError, OutputPage
from .site.reuse import PageMemo, search_text

FEED_PAUSE = 0.005  # seconds the indexing thread pauses every FEED_BATCH pages, so that a rebuild is not slowed
FEED_BATCH = 50
COLLECT_AFTER = 1.0  # seconds after a rebuild: the browser has fetched the refreshed page by then
INDEX_AFTER = 2.0  # seconds after a rebuild before its search index is made
KEEP_AFTER = 20.0  # seconds after a rebuild before what it read and made is kept for the next `serve` (kb.cache)
BUILDS_KEPT = 4  # output folders of a data folder whose builds' pages are kept (`build --out`, `publish`'s own)


class Preview:
    def __init__(self, settings, on_failure, site_dir: Path | None = None, background: bool = True) -> None:
        """`on_failure(message)`: an output made in the background failed (the engine shows it on the next
        rebuild's problem page, and asks the preview server for that rebuild). `site_dir`: the folder the pages
        are written to, when it is kept for the next preview of the same data (kb.engine.serve), or for the next
        build into it (`background` False: a build's, whose outputs are made with its pages)."""
        self.settings = settings
        self.background = background
        if site_dir is not None:
            self._kept_as = cache.Kept(settings, "preview" if background else
                                       "build-" + hashlib.sha1(os.fspath(site_dir).encode("utf-8")).hexdigest()[:10])
        self.reads = cache.readings(settings)  # those the last command kept: the first build reads what changed since
        self.pages = PageMemo()
        self.site_dir = site_dir
        self.files_state: object = None  # the engine's files of the last whole build, kept with the pages
        self.restored_files = self._restore(site_dir)  # the engine's part of what the last preview kept, or None
        self.failure: str | None = None  # an output's failure, for the next problem page
        self._on_failure = on_failure
        self._job: _OutputsJob | None = None
        self._collector: threading.Timer | None = None  # the garbage collection after the last build
        self._keeper: threading.Timer | None = None  # the readings kept on disk after the last build (kb.cache)
        self._keeping = threading.Lock()  # held while they are kept, and while the kept pages are dropped
        self._kept = True  # the last build's readings and pages are kept (or there was none)
        self._builds = 0  # builds begun (rebuilding): a keep scheduled after one is dropped once the next begins
        self._made_of: object = None  # what the running or last outputs were made of

    def make_outputs(self, make, records: list[tuple], documents: list[OutputPage], site_dir: Path, words=None) -> None:
        """Make the outputs (`make()`: fresh ones) in the background from (src_uri, url, record) of the record pages,
        the hand-written pages and the search words, unless they are made of the same as the last ones."""
        texts = [(url, self.pages.pages[uri], record) for uri, url, record in records]
        made_of = (tuple((url, kept.search) for url, kept, _ in texts), tuple((d.url, d.html) for d in documents), words)
        if made_of == self._made_of:
            return
        self._made_of = made_of
        self._job = _OutputsJob(make, texts, documents, site_dir, self._failed)

    def _identity(self) -> tuple | None:
        """What the pages kept on disk are made for; None where none are kept (no folder kept)."""
        if self.site_dir is None:
            return None
        kind = "preview" if self.background else "build"
        return (kind, cache.program(), os.fspath(self.site_dir), self.settings.but(today=None))

    def _restore(self, site_dir: Path | None):
        """The pages the last preview of this data (or build into this folder) wrote to `site_dir` and kept
        (kb.cache): restored into the memo. Without them, what the folder holds is of unknown make (another version of
        the program, a preview that was stopped while it wrote): a preview's is emptied, a build's is emptied by the
        engine once the data has been read without problems (a build stopped by problems of the data leaves it)."""
        identity = self._identity()
        kept = self._kept_as.load(identity) if identity is not None else None
        if kept is None:
            if site_dir is not None and self.background:
                for entry in list(site_dir.iterdir()) if site_dir.is_dir() else ():
                    shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
            return None
        if self.background:
            pages, files = kept
        else:
            pages, files, listed = kept
            if listed != folder_list(site_dir):
                print(f"{site_dir} 里的文件与上次生成后不同（有文件被改动、增加或删除），本次从头生成。", file=sys.stderr, flush=True)
                return None
        self.pages.restore(pages)
        return files

    def writing(self) -> None:
        """A build (not a preview's) starts writing into its folder: what it kept no longer describes the folder,
        until it has succeeded (keep_build). A build stopped meanwhile leaves nothing the next one trusts."""
        self._kept_as.drop()

    def keep_build(self) -> None:
        """A build (not a preview's) has succeeded: its readings, its pages, the engine's files and the list of the
        folder's files are kept for the next build into the folder."""
        cache.keep_readings(self.settings, self.reads)
        self._kept_as.save(self._identity(), (self.pages.state(), self.files_state, folder_list(self.site_dir)))
        try:  # those of the BUILDS_KEPT output folders built last (tests build into many)
            kept = sorted(self._kept_as.path.parent.glob("build-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in kept[BUILDS_KEPT:]:
                old.unlink(missing_ok=True)
        except OSError:  # another command's, removed meanwhile
            pass

    def _keep(self, build: int) -> None:
        """Keep the readings, and the pages with the engine's files, for the next command (on a timer's thread),
        unless another build (than the `build`th) has begun since."""
        with self._keeping:
            if build != self._builds:
                return
            self._kept = True
            cache.keep_readings(self.settings, self.reads)
            identity = self._identity()
            if identity is not None and self.files_state is not None:
                self._kept_as.save(identity, (self.pages.state(), self.files_state))

    def rebuilding(self) -> None:
        """A rebuild starts: outputs still being made are given up, and made again after the rebuild; the
        garbage of the last one is collected after this one (a full collection holds every thread up). The pages
        kept on disk no longer describe the folder, which the rebuild writes to: dropped until it is over."""
        for timer in (self._collector, self._keeper):
            if timer is not None:
                timer.cancel()
        with self._keeping:  # a keep under way ends first
            self._builds += 1
            self._kept = True  # nothing to keep until this rebuild is over (after_build)
            if self.background and self._identity() is not None:  # (a build's: when it starts writing)
                self._kept_as.drop()
        if self._job is not None and not self._job.finished.is_set():
            self._job.cancel()
            self._made_of = None

    def after_build(self) -> None:
        """The rebuild is done: collect what it left behind, once the refreshed page is served."""
        self._collector = threading.Timer(COLLECT_AFTER, _collect)
        self._kept = False
        self._keeper = threading.Timer(KEEP_AFTER, self._keep, (self._builds,))
        for timer in (self._collector, self._keeper):
            timer.daemon = True  # never holds up the end of `serve`
            timer.start()

    def close(self) -> None:
        """The preview ends: no thread of it outlives it (a forked reader needs a process with none). What the
        last build read and made is kept for the next `serve`, if it was not yet."""
        for timer in (self._collector, self._keeper):
            if timer is not None:
                timer.cancel()
                timer.join()
        if not self._kept:
            self._keep(self._builds)
        if self._job is not None:
            self._job.cancel()
            self._job.join()
            self._job = None

    def _failed(self, message: str) -> None:
        self.failure = message
        self._made_of = None  # the next rebuild makes them again
        self._on_failure(message)


class _OutputsJob:
    """The preview's outputs, fed and written on a thread of their own."""

    def __init__(self, make, texts, documents, site_dir: Path, on_failure) -> None:
        self._make = make
        self._texts, self._documents, self._site_dir, self._on_failure = texts, documents, site_dir, on_failure
        self._cancelled = threading.Event()
        self._outputs: list = []
        self.finished = threading.Event()  # written, or failed
        self._thread = threading.Thread(target=self._run, name="toolbook-preview-outputs", daemon=True)
        self._thread.start()

    def join(self) -> None:
        self._thread.join(timeout=30)

    def cancel(self) -> None:
        """Give up: an output's process, which would take the second core from the rebuild, ends at once."""
        self._cancelled.set()
        for output in list(self._outputs):
            output.close()

    def _run(self) -> None:
        if self._cancelled.wait(INDEX_AFTER):
            return
        try:
            self._outputs = outputs = self._make()
            for n, (url, kept, record) in enumerate(self._texts, start=1):
                if self._cancelled.is_set():
                    return
                page = OutputPage(url, record.title, search_text(kept), record)
                for output in outputs:
                    output.take(page)
                if n % FEED_BATCH == 0:
                    time.sleep(FEED_PAUSE)
            for page in self._documents:
                for output in outputs:
                    output.take(page)
            if self._cancelled.is_set():
                return
            for output in outputs:
                output.complete(self._site_dir)
            for output in outputs:
                output.wait()
            self.finished.set()
        except OutputError as e:
            self.finished.set()
            if not self._cancelled.is_set():
                self._on_failure(str(e))
        finally:
            for output in self._outputs:
                output.close()


def folder_list(site_dir: Path) -> dict[str, tuple[int, int]]:
    """Every file under `site_dir`: its path -> its size and modification time."""
    listed = {}

    def walk(folder: str) -> None:
        try:
            entries = os.scandir(folder)
        except OSError:
            return
        with entries:
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        walk(entry.path)
                        continue
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                listed[entry.path] = (info.st_size, info.st_mtime_ns)

    walk(os.fspath(site_dir))
    return listed


def _collect() -> None:
    gc.unfreeze()
    gc.collect()
    gc.freeze()
