"""The build cache on disk: what one command read and made, kept for the next (<project>/.cache/build/, ignored
by git, removable at any time: a command without it does the work again, and its result is the same).

    kept = Kept(settings, "readings")     # one file per data folder and kind of thing kept
    value = kept.load(identity)           # None: nothing kept, kept by another program or for other data, or damaged
    kept.save(identity, value)            # written beside, then renamed over it: never half-written in place

What is kept, and by whom:
    readings  every record file as read and checked against its schema (kb.data.load.ReadCache, by the file's
              size, times and inode): `build`, `serve`, `publish`, `bundle` and `check` read and check only the
              files that changed since the last command
    search-texts  each searched page's text, by a digest of its HTML: the search index's process reads again only the
              pages whose HTML changed (kb.outputs.search)
    search-index  what the last search index made: its groups of pages' postings, by a digest of their pages, and the
              vocabulary's cuts: the next index reads the pairs of the changed groups only, and cuts again only
              the runs of text a changed term is in (kb.outputs.search._postings, kb.outputs.vocabulary._Cuts)
    preview   the preview's pages (kb.site.reuse.PageMemo) and the folder they were written to: `serve`, when
              nothing changed since the last preview, renders no page again (kb.engine.serve)
    publish-…-links, publish-…-assembled  what the last release's check read of each page, and which working file
              each of its files was made from (kb.deploy.publish): the next publish reads only what changed
    build-…   a build's pages, one file per output folder, with a list of the folder's files: `build` and `publish`
              render and write only what changed since the last build into that folder, while the folder is as that
              build left it (kb.engine.build, kb.preview)

Trust: a cache file starts with a digest of the rest. One whose digest does not match (damaged, or half written
by a command that was killed) is ignored with one line, and made again. `identity` names what the content was
made by and for: this program (every file under hooks/ and docs/overrides/, mkdocs.yml, the pinned requirements,
the Python version) and the data folder; content of another identity (after an upgrade, or copied from another
project) is ignored with one line too. Nothing in a cache file is used before both checks pass.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import os
import pickle
import shutil
import sys
import tempfile
from pathlib import Path

from .paths import HOOKS, PROJECT
from .platform import FileLock

FORMAT = 1  # of the files below: a change makes every older cache foreign
MAGIC = b"toolbook build cache\n"
DIGEST = 32  # bytes of blake2b
KEEP_FOLDERS = 12  # data folders whose caches are kept (the least recently saved go first)


def folder(settings) -> Path:
    """Where the cache of the data folder of `settings` lives."""
    key = hashlib.sha1(os.fspath(settings.data).encode("utf-8")).hexdigest()[:12]
    return settings.project / ".cache" / "build" / key


@functools.lru_cache(maxsize=None)
def program() -> str:
    """A digest of the program as this process runs it: the code and templates under hooks/, the theme's overrides,
    mkdocs.yml, the pinned requirements (the engine's and theme's versions) and the Python version."""
    h = hashlib.blake2b(f"{FORMAT} {sys.version} {sys.platform}".encode("utf-8"), digest_size=16)
    files = [p for p in HOOKS.rglob("*") if p.suffix in (".py", ".html", ".json", ".js", ".css")]
    files += [p for p in (PROJECT / "docs" / "overrides").rglob("*")]
    files += [PROJECT / "mkdocs.yml", PROJECT / "requirements.txt"]
    for path in sorted(p for p in files if p.is_file() and "__pycache__" not in p.parts):
        h.update(path.relative_to(PROJECT).as_posix().encode("utf-8") + b"\0")
        h.update(hashlib.blake2b(path.read_bytes(), digest_size=16).digest())
    return h.hexdigest()


class Kept:
    """One cache file: `name` of the data folder of `settings`."""

    def __init__(self, settings, name: str) -> None:
        self.path = folder(settings) / f"{name}.pickle"
        self.name = name

    @classmethod
    def at(cls, path: Path) -> "Kept":
        """The cache file `path` (a Kept's path, handed to a child process)."""
        kept = cls.__new__(cls)
        kept.path, kept.name = path, path.stem
        return kept

    def load(self, identity: tuple) -> object | None:
        """The value saved with this identity, or None (and one line on stderr when a file was there but not used)."""
        try:
            raw = memoryview(self.path.read_bytes())  # slices of it are not copies (a cache file is tens of MB)
        except FileNotFoundError:
            return None
        except OSError as e:
            return _said(f"构建缓存 {self.path} 无法读取（{e.strerror or e}），已忽略，本次从头生成。")
        body = raw[len(MAGIC) + DIGEST:]
        if raw[:len(MAGIC)] != MAGIC or raw[len(MAGIC):len(MAGIC) + DIGEST] != _digest(body):
            return _said(f"构建缓存 {self.path} 已损坏或只写了一半，已忽略，本次从头生成（之后会重新保存）。")
        try:
            with _no_collection():
                saved_identity, value = pickle.loads(body)
        except Exception as e:  # a digest that matches content pickle cannot read: a bug of ours, said in one line
            return _said(f"构建缓存 {self.path} 无法使用（{type(e).__name__}），已忽略，本次从头生成。")
        if saved_identity != identity:
            return _said(f"构建缓存 {self.path} 与本次的程序版本、数据目录或设置（如预览地址）不一致，已忽略，本次从头生成。")
        return value

    def save(self, identity: tuple, value: object) -> None:
        """Keep `value` for a later load with the same identity. A failure (a full disk, a read-only project) is said
        in one line and changes nothing: the next command works without the cache."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(prefix=f".{self.name}.", suffix=".partial", dir=self.path.parent)
            try:
                with os.fdopen(fd, "wb") as f:  # written as it is pickled, digested on the way (no copy in memory)
                    f.write(MAGIC + bytes(DIGEST))
                    body = _Digested(f)
                    with _no_collection():
                        pickle.dump((identity, value), body, protocol=pickle.HIGHEST_PROTOCOL)
                    f.seek(len(MAGIC))
                    f.write(body.digest.digest())
                os.replace(temporary, self.path)
            finally:
                if os.path.exists(temporary):
                    os.unlink(temporary)
        except OSError as e:
            _said(f"构建缓存没能保存到 {self.path.parent}（{e.strerror or e}），下次仍从头生成。")
            return
        _prune(self.path.parent.parent, self.path.parent)


    def drop(self) -> None:
        """Remove the file (what it held no longer matches what the command made)."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            pass


def _prune(root: Path, current: Path) -> None:
    """Keep the caches of the KEEP_FOLDERS data folders used last (tests and benches make many), and any a preview
    is using (kb.engine.serve holds a lock in it)."""
    try:
        folders = sorted((p for p in root.iterdir() if p.is_dir() and p != current), key=lambda p: p.stat().st_mtime)
        for old in folders[:max(0, len(folders) + 1 - KEEP_FOLDERS)]:
            lock = FileLock(old / "preview.lock")
            if (old / "preview.lock").exists() and not lock.acquire():
                continue
            shutil.rmtree(old, ignore_errors=True)
            lock.release()
    except OSError:
        pass


@contextlib.contextmanager
def _no_collection():
    """No garbage collection while a cache file is read or written: unpickling makes hundreds of thousands of
    containers, each of which counts towards the next collection, and the collections it set off (every one a scan
    of all that is alive, the build's too) took longer than the unpickling itself (at 10,000 records about 1 s of the
    1.9 s that loading the build's pages and readings took). Nothing it makes is garbage."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _digest(body) -> bytes:
    return hashlib.blake2b(body, digest_size=DIGEST).digest()


class _Digested:
    """A file being written, and the digest of what was written to it."""

    def __init__(self, f) -> None:
        self.f, self.digest = f, hashlib.blake2b(digest_size=DIGEST)

    def write(self, data) -> int:
        self.digest.update(data)
        return self.f.write(data)


def _said(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
    return None


# -- the readings of the data (kb.data.load.ReadCache) ----------------------------------------------------------

def readings(settings):
    """A ReadCache holding the readings the last command of this data folder kept (none if it kept none)."""
    from .data.load import ReadCache

    reads = ReadCache()
    state = Kept(settings, "readings").load(_readings_identity(settings))
    if state is not None:
        reads.restore(state)
    return reads


def keep_readings(settings, reads) -> None:
    """Save the readings of `reads` for the next command, if they changed since they were restored or last saved."""
    state = reads.state()
    if state is not None:
        Kept(settings, "readings").save(_readings_identity(settings), state)


def _readings_identity(settings) -> tuple:
    # problems name files as the editor types them: relative to the working folder (kb.data.problems.display_path)
    return ("readings", program(), os.fspath(settings.data), os.fspath(settings.schema_dir), os.getcwd())
