"""The editing desk's store: what its HTTP layer calls to list, open, save and undo records (issue 26).

    desk = Desk(settings)
    desk.list_records()                               every record file, with status and problem count
    desk.open_record(kind, record_id)                 one record: values, version, schema, problems
    desk.save_record(kind, record_id, values, version)
    desk.undo(kind, record_id)

A Desk is made for the command's Settings (the preview's: kb.desk.http.DeskApp keeps one); it always works with
drafts included (`settings.but(drafts=True)`), and its kb.data.load.ReadCache makes a repeated list, open or save
read only the files that changed since. Problems are the ones `check --drafts` reports, word for word: every call
runs kb.data.load.load on the whole data folder through that cache.

The first list need not read every file (3-5 s at 10,000 records): the preview has read them all for its first
build, and hands its readings over after each build (`adopt`, called on the preview's build thread, which alone
writes the preview's kb.data.load.ReadCache; only a snapshot is taken there, and the desk merges it under its own
lock at its next load, so neither waits for the other). A reading is that of a file of a given size, modification
time and inode against given schema files: whoever made it, it is the same, and a file changed since is read again.
While the preview's first readings are still to come (`expect_readings`), the desk's first load waits for them
rather than reading everything a second time on another thread; once they are there, the preview has the desk make
its list in the background (`warm`). A load is kept while no file of the data and schema folders changed (their
sizes, modification times and inodes: `_fingerprint`), and so is the list made of it. The list is kept on disk too
(kb.cache): the next preview's desk answers its first list with it while those files are unchanged, before the
preview's first readings are there (the next morning, at once rather than after seconds).

A save is checked before anything is written, by the same load with the new text in place of the file: the
desk's ReadCache subclass hands the load the new text's reading (strict reader and schema, as the load itself
does for a file) in place of the file's, and every other file's reading from the cache. So the schema and every
cross-record check (ids, references, issue numbers, taxonomy names) run exactly as `check --drafts` will run them
on the saved file, without a copy of the data folder (at 10,000 records a copy costs seconds; this costs one
load from the cache, about as much as a repeated list).

Ids, kinds and paths come from the browser: only a known kind and an id of the scaffold's pattern that names an
existing file in that kind's folder are accepted, and the file, links followed, must be inside the data folder;
anything else is a DeskError with a Chinese message. Every earlier version of a saved file is kept outside
data/, under <project>/.cache/desk/history/ (the last HISTORY_KEEP per record), before it is replaced.

Never: speak HTTP, write into the data folder anything but the one record file saved (kb.platform.write_whole),
write a file whose text does not read back as the values given (kb.desk.yamledit), save a published record that
has problems, or overwrite a file that changed on disk since it was opened.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .. import cache
from ..data.load import SUFFIXES, ReadCache, check_shape, load
from ..data.model import ISSUE, KIND_NAMED, KINDS, Kind, Taxonomy
from ..data.problems import Problem, display_path, inside_data, short
from ..data.schema import Schemas
from ..data.yamlio import Document, UnreadableFile, read_bytes, read_record_bytes
from ..editing.scaffold import DRAFT_LINE, ID, TODO, schema_line
from ..platform import write_whole
from ..settings import Settings
from . import yamledit

HISTORY_KEEP = 20
FIRST_READINGS_WAIT = 120  # seconds the desk's first load waits at most for the preview's first readings
STAMP = "%Y%m%dT%H%M%S.%fZ"  # a history file's name: the UTC time it was kept
BOM = b"\xef\xbb\xbf"
STATUS_DRAFT, STATUS_READY, STATUS_PUBLISHED, STATUS_SCHEDULED = "草稿", "待定稿", "已发布", "定时发布"
_TODO = TODO.encode("utf-8")
_PUBLISH_DATE = re.compile(rb"^publish_date:[ \t]*[\"']?([0-9]{4}-[0-9]{2}-[0-9]{2})", re.M)


class DeskError(Exception):
    """A request the desk cannot carry out, explained in Chinese (a wrong kind or id, a file gone, …); `status` is
    the HTTP status the desk answers it with (kb.desk.http)."""

    status = 400


class DeskBusy(DeskError):
    """Refused because of what is there already or under way: a file of that name, a publish running."""

    status = 409


class DeskTooLarge(DeskError):
    """An upload larger than the desk takes."""

    status = 413


# -- the desk: one per data folder and day ----------------------------------------------------------------------

class _DeskCache(ReadCache):
    """The load's ReadCache, remembering what the last load read (every record file and its reading) and the
    taxonomy; with `substitute` set, the readings of those files are those of the given bytes instead."""

    def __init__(self) -> None:
        super().__init__()
        self.substitute: dict[str, bytes] = {}  # path as text -> new content
        self.files: list[tuple[str, Path]] = []
        self.readings: list[tuple[Document | None, list[Problem], int]] = []
        self.last_taxonomy: Taxonomy | None = None

    def read(self, files, schemas):
        out = super().read(files, schemas)
        if self.substitute:
            for i, (kind_name, path) in enumerate(files):
                raw = self.substitute.get(os.fspath(path))
                if raw is not None:
                    doc, found = read_bytes(raw, display_path(path))  # as kb.data.load._read_many reads a file
                    out[i] = (doc, check_shape(kind_name, doc, path, schemas) if doc is not None else found, -1)
        self.files, self.readings = files, out
        return out

    def take(self, snapshot: tuple) -> None:
        """Merge readings made by another ReadCache (`snapshot_of`): each file's, where ours is missing or of
        another signature; all of them, ours dropped, where they were made against other schema files (the next
        load's schemas_for tells whether those are the current ones, and reads everything again if not)."""
        schema_key, files = snapshot
        if schema_key is None:
            return
        if schema_key != self._schema or self.schemas is None:
            self._files.clear()
            self._schema = schema_key
            self.schemas = Schemas(Path(schema_key[0]))  # our own: compiled on our thread, as needed
        mine = self._files
        for name, (signature, (doc, found, _), path) in files.items():
            if signature is not None and (name not in mine or mine[name][0] != signature):
                self._counter += 1
                mine[name] = (signature, (doc, found, self._counter), path)

    def taxonomy(self, root, problems, schemas):
        self.last_taxonomy = super().taxonomy(root, problems, schemas)
        return self.last_taxonomy


def snapshot_of(reads: ReadCache) -> tuple:
    """What `take` needs of another cache's readings, copied at once (to be called on the thread that writes it)."""
    return reads._schema, dict(reads._files)


@dataclass
class _Entry:
    kind: Kind
    path: Path
    doc: Document | None
    version: int  # which reading (the cache's counter): what is derived from a file is kept while it is the same
    key: str  # _file_key(path)
    stem: str  # the file's name without .yml: the record's id, if it reads


@dataclass
class _State:
    """One load of the whole data folder: every problem, every record file read, the taxonomy."""

    problems: list[Problem]
    entries: list[_Entry]
    taxonomy: Taxonomy | None
    by_file: dict[str, list[Problem]] = field(default_factory=dict)  # _file_key(path) -> its problems

    def __post_init__(self) -> None:
        for p in self.problems:
            self.by_file.setdefault(_file_key(p.file), []).append(p)

    def of(self, path: Path) -> list[Problem]:
        return self.by_file.get(_file_key(path), [])

    def of_entry(self, entry: _Entry) -> list[Problem]:
        return self.by_file.get(entry.key, [])


def _file_key(path) -> str:
    """A file's path as a key: problems name files by their display path (relative to the working folder)."""
    return os.path.normcase(os.path.abspath(path))


class Desk:
    """The desk's state for one data folder: the read cache and a lock (the HTTP layer may call from threads)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings.but(drafts=True)
        self.cache = _DeskCache()
        self.lock = threading.RLock()
        self._offered: tuple | None = None  # the readings `adopt` was last given, not yet merged
        self._offered_lock = threading.Lock()  # held for _offered only: `adopt` never waits for a desk request
        self._first_readings: threading.Event | None = None  # set by `expect_readings`, until `adopt` is called
        self._todo: dict[str, tuple[int, bool]] = {}  # path -> (reading, whether 待填写 is left in the file)
        self._names: dict[str, tuple[str, str]] = {}  # path as text -> (_file_key, stem)
        self._loaded: dict[bool, tuple[tuple, _State]] = {}  # published or not -> (_fingerprint, the load's state)
        self._listed: tuple[_State, dict] | None = None  # the last list and the state it was made of
        self._schemas: dict[tuple, dict] = {}

    # -- loading ------------------------------------------------------------------------------------------------

    def expect_readings(self) -> None:
        """The preview will hand over its readings (`adopt`) after its first build: until then (at most
        FIRST_READINGS_WAIT seconds) the desk's first load waits for them instead of reading every file itself."""
        self._first_readings = threading.Event()

    def adopt(self, reads: ReadCache) -> None:
        """The preview's readings, after one of its builds: merged at the desk's next load. Called on the thread that
        writes `reads` (the preview's build), and never waits for the desk."""
        offered = snapshot_of(reads)
        with self._offered_lock:
            self._offered = offered
        self.readings_offered()

    def readings_offered(self) -> None:
        """Whatever happened to the preview's build: the desk stops waiting for its readings."""
        first = self._first_readings
        if first is not None:
            first.set()

    def warm(self) -> threading.Thread:
        """Make the list in the background (after the preview's first build: its readings are there), so that the
        editor's first list is the one kept (while no file changes). A failure is the next list's to report."""
        def run() -> None:
            try:
                self.list_records(kept=False)
            except Exception:  # said by the request that meets it again
                pass

        thread = threading.Thread(target=run, name="toolbook-desk-warm", daemon=True)
        thread.start()
        return thread

    def _load(self, substitute: dict[Path, bytes] | None = None, *, published: bool = False) -> _State:
        """Every problem and every record file of the data folder, as `check --drafts` (with `published`: `check`)
        reads them; with `substitute`, some files' bytes in place of theirs. While no file of the data and schema
        folders changed (`_fingerprint`), the last load's state is the answer: at 10,000 records the fingerprint
        costs 0.07 s, the load 0.3-0.5 s."""
        mark = None if substitute else self._fingerprint()
        kept = self._loaded.get(published)
        if mark is not None and kept is not None and kept[0] == mark:
            return kept[1]
        cache = self.cache
        first = self._first_readings
        if first is not None:  # the first load: the preview's first readings are coming
            first.wait(FIRST_READINGS_WAIT)
            self._first_readings = None
        with self._offered_lock:
            offered, self._offered = self._offered, None
        if offered is not None:
            cache.take(offered)
        cache.files, cache.readings, cache.last_taxonomy = [], [], None
        cache.substitute = {os.fspath(path): raw for path, raw in (substitute or {}).items()}
        try:
            _, problems = load(self.settings.but(drafts=False) if published else self.settings, cache)
        finally:
            cache.substitute = {}
        names = self._names  # a file's key and stem, worked out once (10,000 of each cost 0.1 s a load)
        if len(names) > 2 * len(cache.files) + 100:  # files gone
            names.clear()
        entries = []
        for (name, path), (doc, _, version) in zip(cache.files, cache.readings):
            text = os.fspath(path)
            known = names.get(text)
            if known is None:
                known = names[text] = (_file_key(text), path.stem)
            entries.append(_Entry(KIND_NAMED[name], path, doc, version, *known))
        state = _State(problems, entries, cache.last_taxonomy)
        if mark is not None:
            self._loaded[published] = (mark, state)
        return state

    def _fingerprint(self) -> tuple:
        """Each file under the data and schema folders (all a load reads, and the pictures whose presence it checks)
        with its size, modification time and inode (as kb.data.load.ReadCache tells a changed file), and where each
        link to a folder points: the same fingerprint, the same load (the day is the desk's, fixed)."""
        out = []
        for root in dict.fromkeys((os.fspath(self.settings.data), os.fspath(self.settings.schema_dir))):
            for folder, subfolders, files in os.walk(root):
                subfolders.sort()
                for name in subfolders:
                    path = os.path.join(folder, name)
                    if os.path.islink(path):  # not walked into: where it points
                        try:
                            out.append((path, os.readlink(path)))
                        except OSError:
                            out.append((path, None))
                for name in sorted(files):
                    path = os.path.join(folder, name)
                    try:
                        st = os.stat(path)
                        out.append((path, st.st_size, st.st_mtime_ns, st.st_ino))
                    except OSError:
                        out.append((path, None))
        return tuple(out)

    # -- list -----------------------------------------------------------------------------------------------------

    def list_records(self, *, kept: bool = True) -> dict:
        """The list (see the end of this module). The same data: the same answer, made once (not to be changed).
        Until this desk has made one, the list the last desk of the same data made is the answer while no file of
        the data and schema folders changed since (kb.cache; `kept` False: made here in any case)."""
        with self.lock:
            if kept and self._listed is None:
                listed = self._kept_list()
                if listed is not None:
                    return listed
            state = self._load()
            if self._listed is not None and self._listed[0] is state:
                return self._listed[1]
            listed = self._list(state)
            self._listed = (state, listed)
            self._keep_list(listed)
            return listed

    def keep_list(self) -> None:
        """The preview ends: if the editor worked with this desk, its list as the data is now is kept for the next
        desk (a desk that made no list has not read the data: what the last one kept stands, or is found stale)."""
        with self.lock:
            if self._listed is not None:
                self.list_records(kept=False)

    def _kept_list(self) -> dict | None:
        found = cache.Kept(self.settings, "desk-list").load(self._list_identity())
        if found is None or found[:2] != (_digest(self._fingerprint()), self.settings.today):
            return None
        return found[2]

    def _keep_list(self, listed: dict) -> None:
        loaded = self._loaded.get(False)  # the load the list was made of, and the files it read
        if loaded is not None:
            cache.Kept(self.settings, "desk-list").save(self._list_identity(),
                                                       (_digest(loaded[0]), self.settings.today, listed))

    def _list_identity(self) -> tuple:
        return ("desk-list", cache.program(), os.fspath(self.settings.data))

    def _list(self, state: _State) -> dict:
        known = {e.key for e in state.entries}
        values = {id(e): _values(e.doc) for e in state.entries}
        # which issue lists each case, and why records are held back (as kb.data.load.unpublished)
        issue_of: dict[str, str] = {}
        held: dict[str, tuple[str, str]] = {}  # id -> ("draft" or "scheduled", why)
        for e in state.entries:
            v = values[id(e)]
            if v is None:
                continue
            if v.get("draft") is True:
                held[e.stem] = ("draft", "是草稿（draft: true）")
            elif e.kind is ISSUE and _after(v.get("publish_date"), self.settings.today):
                held[e.stem] = ("scheduled", f"定于 {v['publish_date']} 发布")
        for e in state.entries:
            v = values[id(e)]
            if e.kind is not ISSUE or v is None or not isinstance(v.get("cases"), list):
                continue
            month = v.get("month") if isinstance(v.get("month"), str) else e.stem
            for case_id in v["cases"]:
                if isinstance(case_id, str):
                    issue_of.setdefault(case_id, month)
                    if e.stem in held and case_id not in held:
                        how, _ = held[e.stem]
                        why = "尚未发布" if how == "draft" else f"定于 {v['publish_date']} 发布"
                        held[case_id] = (how, f"所在的 {e.stem} 期专刊{why}")
        by_stem = {e.stem: e for e in state.entries}
        cases_of = {e.stem: [c for c in values[id(e)].get("cases") or [] if isinstance(c, str)]
                    for e in state.entries if e.kind is ISSUE and values[id(e)] is not None}

        def ready(stem: str) -> bool:  # what `finalize` asks of a file: no 待填写 left; and no problems
            e = by_stem.get(stem)
            return e is None or (values[id(e)] is not None and not state.of_entry(e) and not self._has_todo(e))

        rows = []
        for e in state.entries:
            v = values[id(e)]
            stem = e.stem
            how, note = held.get(stem, ("", "")) if v is not None else self._guess(e)
            if how == "draft":
                done = v is not None and ready(stem) and all(ready(c) for c in cases_of.get(stem, ()))
                status = STATUS_READY if done else STATUS_DRAFT
            else:
                status = STATUS_SCHEDULED if how == "scheduled" else STATUS_PUBLISHED
            v = v or {}
            title = v.get(e.kind.title_field)
            date = v.get(e.kind.date_field)
            unit = v.get("unit")
            rows.append({"kind": e.kind.name, "kind_label": e.kind.label, "id": stem,
                         "title": title if isinstance(title, str) and title.strip() else e.path.name,
                         "unit": unit if isinstance(unit, str) else "",
                         "date": "" if date is None or isinstance(date, (dict, list)) else str(date),
                         "issue": issue_of.get(stem, "") if e.kind.name == "case" else "",
                         "status": status, "note": note, "problems": len(state.of_entry(e)),
                         "path": f"{e.kind.folder}/{e.path.name}"})
        order = {k.name: i for i, k in enumerate(KINDS)}
        rows.sort(key=lambda r: r["id"])
        rows.sort(key=lambda r: r["date"], reverse=True)
        rows.sort(key=lambda r: order[r["kind"]])
        elsewhere = [str(p) for p in state.problems if _file_key(p.file) not in known]
        tax = state.taxonomy
        units = [t.name for t in tax.units] if tax is not None else sorted({r["unit"] for r in rows if r["unit"]})
        issues = sorted({r["id"] for r in rows if r["kind"] == ISSUE.name} | set(issue_of.values()), reverse=True)
        return {"records": rows, "problems_elsewhere": elsewhere,
                "kinds": [{"kind": k.name, "label": k.label} for k in KINDS], "units": units, "issues": issues}

    def _has_todo(self, entry: _Entry) -> bool:
        """Whether 待填写 is left anywhere in the file, comments included (as `finalize` refuses): asked of drafts
        only, and read again only when the file was read again."""
        key = os.fspath(entry.path)
        known = self._todo.get(key)
        if known is not None and known[0] == entry.version and entry.version > 0:
            return known[1]
        try:
            found = _TODO in _read_bytes(entry.path)
        except (DeskError, OSError):
            found = True
        self._todo[key] = (entry.version, found)
        return found

    def _guess(self, entry: _Entry) -> tuple[str, str]:
        """The status of a file that does not read, from its text: a `draft: true` line, a later publish_date."""
        try:
            raw = _read_bytes(entry.path)
        except (DeskError, OSError):
            return "draft", "文件无法读取"
        if DRAFT_LINE.search(raw.decode("utf-8", errors="replace")):
            return "draft", "是草稿（draft: true）"
        m = _PUBLISH_DATE.search(raw) if entry.kind is ISSUE else None
        if m and _after(m.group(1).decode(), self.settings.today):
            return "scheduled", f"定于 {m.group(1).decode()} 发布"
        return "", ""

    # -- open -----------------------------------------------------------------------------------------------------

    def open_record(self, kind: str, record_id: str) -> dict:
        with self.lock:
            k, path = self.path(kind, record_id)
            raw = _read_bytes(path)
            doc, _ = read_bytes(raw, display_path(path))
            state = self._load()
            values = doc.value if doc is not None and isinstance(doc.value, dict) else None
            return {"kind": k.name, "id": record_id, "path": _relative(path, self.settings.data),
                    "values": values, "text": None if values is not None else _text(raw),
                    "version": _version(raw), "schema": self._schema(k, state.taxonomy),
                    "problems": [_problem(p, self.settings.data) for p in state.of(path)]}

    def _schema(self, kind: Kind, taxonomy: Taxonomy | None) -> dict:
        """The kind's JSON schema with every `$ref` resolved inline, each taxonomy field's choices as `enum`, and each
        reference field (Kind.references) marked with the kinds it may name: "x-refers": ["standard", "method"]."""
        schemas = self.cache.schemas_for(self.settings.schema_dir)
        key = (kind.name, id(schemas), id(taxonomy))
        if key not in self._schemas:
            resolved = schemas.resolved(kind.name)
            properties = resolved.get("properties", {})
            for name, which in kind.terms if taxonomy is not None else ():
                if name in properties:
                    properties[name] = {**properties[name], "enum": [t.name for t in _terms(taxonomy, which)]}
            for name, kinds in kind.references:  # the form offers a choice of existing records of these kinds
                if name in properties:
                    properties[name] = {**properties[name], "x-refers": list(kinds)}
            self._schemas.clear()  # only the current schema and taxonomy are worth keeping
            self._schemas[key] = resolved
        return self._schemas[key]

    # -- save and undo --------------------------------------------------------------------------------------------

    def save_record(self, kind: str, record_id: str, values: dict, version: str) -> dict:
        with self.lock:
            k, path = self.path(kind, record_id)
            raw = _read_bytes(path)
            if _version(raw) != version:
                return _conflict(raw, path)
            if not isinstance(values, dict):
                raise DeskError("保存的内容应是一组“字段: 值”。")
            values = _lf(values)
            bom = raw.startswith(BOM)
            try:
                text = raw[len(BOM) if bom else 0:].decode("utf-8")
            except UnicodeDecodeError:  # GBK and the like: written afresh from the form (the old bytes go to history)
                text = schema_line(path, k)
            order = list(self.cache.schemas_for(self.settings.schema_dir).load(k.name).get("properties", {}))
            try:
                new = (BOM if bom else b"") + yamledit.edit(text, values, order).encode("utf-8")
            except yamledit.EditRefused as e:
                return {"refused": [{"file": _relative(path, self.settings.data), "field": e.field, "line": 0,
                                     "message": e.message}]}
            found = self.problems_with({path: new})
            if found and values.get("draft") is not True:
                return {"refused": found}
            if _version(_read_bytes(path)) != version:  # changed on disk meanwhile
                return _conflict(_read_bytes(path), path)
            if new != raw:
                with _writing(path):
                    self._keep(k, record_id, raw)
                    write_whole(path.resolve(), new)
            return {"version": _version(new), "problems": found}

    def problems_with(self, changes: dict[Path, bytes], *, published: bool = False) -> list[dict]:
        """The problems the data would have with each file of `changes` holding the bytes given, nothing written:
        those of the changed files and those they cause elsewhere (that were not there before); with `published`,
        those of the published data (`check` without --drafts), as after a finalize."""
        with self.lock:
            after = self._load(substitute=changes, published=published)
            keys = {_file_key(path) for path in changes}
            mine = [p for p in after.problems if _file_key(p.file) in keys]
            others = [p for p in after.problems if _file_key(p.file) not in keys]
            if others:  # those the files had before are not caused by the change (most often: none to tell apart)
                before = set(self._load(published=published).problems)
                others = [p for p in others if p not in before]
            return [_problem(p, self.settings.data) for p in [*mine, *others]]

    def undo(self, kind: str, record_id: str) -> dict:
        with self.lock:
            k, path = self.path(kind, record_id)
            kept = self._history(k, record_id)
            if not kept:
                raise DeskError(f"{k.label}“{record_id}”没有在编辑台保存过的早先版本，无法撤销。")
            newest = kept[-1]
            previous = newest.read_bytes()
            with _writing(path):
                self._keep(k, record_id, _read_bytes(path))  # so that the undo can be undone
                write_whole(path.resolve(), previous)
                newest.unlink()
            state = self._load()
            return {"version": _version(previous), "problems": [_problem(p, self.settings.data) for p in state.of(path)]}

    def history_folder(self, kind: Kind, record_id: str) -> Path:
        data_key = hashlib.sha1(str(self.settings.data).encode("utf-8")).hexdigest()[:12]
        return self.settings.project / ".cache" / "desk" / "history" / data_key / kind.name / record_id

    def _history(self, kind: Kind, record_id: str) -> list[Path]:
        folder = self.history_folder(kind, record_id)
        return sorted(folder.glob("*.yml")) if folder.is_dir() else []

    def _keep(self, kind: Kind, record_id: str, raw: bytes) -> None:
        """Keep `raw` as the newest earlier version of the record; drop the oldest beyond HISTORY_KEEP."""
        folder = self.history_folder(kind, record_id)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        for earlier in self._history(kind, record_id)[-1:]:  # the newest kept: same microsecond, or the clock went back
            try:
                stamp = max(stamp, datetime.datetime.strptime(earlier.stem, STAMP) + datetime.timedelta(microseconds=1))
            except ValueError:  # not a name of ours
                pass
        write_whole(folder / f"{stamp.strftime(STAMP)}.yml", raw, create=True)
        for old in self._history(kind, record_id)[:-HISTORY_KEEP]:
            old.unlink(missing_ok=True)

    # -- what the browser may name --------------------------------------------------------------------------------

    def path(self, kind, record_id) -> tuple[Kind, Path]:
        """The kind and the file of a record named by the browser; DeskError unless it is a record file in its
        kind's folder inside the data folder (ids of the scaffold's pattern only, links must stay inside)."""
        k = KIND_NAMED.get(kind) if isinstance(kind, str) else None
        if k is None:
            choices = "、".join(f"{x.name}（{x.label}）" for x in KINDS)
            raise DeskError(f"不认识的记录类型“{short(kind)}”。可用的类型：{choices}。")
        if not isinstance(record_id, str) or len(record_id) > 64 or not ID.fullmatch(record_id):
            raise DeskError(f"编号“{short(record_id)}”不对：编号只能由小写英文字母、数字和连字符组成，如 sanhui-yike。")
        data = self.settings.data
        folder = data / k.folder
        path = next((folder / f"{record_id}{s}" for s in SUFFIXES if os.path.lexists(folder / f"{record_id}{s}")), None)
        if path is None:
            raise DeskError(f"找不到{k.label}“{record_id}”：{k.folder}/{record_id}.yml 不存在（可能已被删除或改名）。")
        if not inside_data(path, Path(data).resolve()):
            raise DeskError(f"{k.folder}/{path.name} 是指向数据目录以外的链接（或循环链接），出于安全考虑不予打开。")
        return k, path


# What the methods of Desk answer (the HTTP layer sends it as JSON):
#   list_records  {"records": [{"kind": "case", "kind_label": "典型案例", "id", "title", "unit", "date", "issue" (the month
#                 of the issue listing a case, else ""), "status": "草稿" | "待定稿" | "已发布" | "定时发布", "note" (why it
#                 is held back, else ""), "problems": N, "path": "cases/x.yml"}, …] (by kind, newest first),
#                 "problems_elsewhere": [str], "kinds": [{"kind", "label"}], "units": [str], "issues": [month, newest first]}
#   open_record   {"kind", "id", "path", "values": {…} or None (the file does not read), "text": None or then the file's
#                 text, "version": sha256 hex of its bytes, "schema": the kind's JSON schema ($refs inline, taxonomy fields
#                 with "enum", reference fields with "x-refers": [kind names]), "problems": [{"file", "field", "line",
#                 "message"}]}
#   save_record   saved: {"version", "problems"} (a draft's own problems and any it causes elsewhere); nothing written:
#                 {"conflict": {"values", "version", "text"}} (changed on disk since `version`) or {"refused": [problem]}
#                 (a published record with problems, or values the file cannot hold: then "line" is 0)
#   undo          the version before the last save put back (the current one kept, so an undo can be undone):
#                 {"version", "problems"}
#   problems_with the problems of the data with some files changed in memory: [{"file", "field", "line", "message"}]
# A wrong kind or id, a file that cannot be written, nothing to undo: DeskError, in Chinese.


# -- helpers --------------------------------------------------------------------------------------------------------

def _digest(fingerprint: tuple) -> str:
    return hashlib.blake2b(repr(fingerprint).encode("utf-8"), digest_size=16).hexdigest()


def _read_bytes(path: Path) -> bytes:
    """The bytes of a record file, refused as a load refuses it (kb.data.yamlio.read_record_bytes), as a DeskError."""
    try:
        return read_record_bytes(path)
    except UnreadableFile as e:
        raise DeskError(f"{path.name}：{e}") from None
    except OSError as e:
        raise DeskError(f"无法读取 {path.name}：{e.strerror or e}。") from None


@contextlib.contextmanager
def _writing(path: Path):
    """A failed write as a DeskError: the history is written first, and write_whole leaves the file as it was."""
    try:
        yield
    except OSError as e:
        raise DeskError(f"无法保存 {path.name}：{e.strerror or e}。文件没有改动，请检查磁盘空间和权限后重试。") from None


def _version(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _text(raw: bytes) -> str:
    return raw[len(BOM):].decode("utf-8", errors="replace") if raw.startswith(BOM) else raw.decode("utf-8", errors="replace")


def _values(doc: Document | None) -> dict | None:
    return doc.value if doc is not None and isinstance(doc.value, dict) else None


def _conflict(raw: bytes, path: Path) -> dict:
    doc, _ = read_bytes(raw, display_path(path))
    return {"conflict": {"values": _values(doc), "version": _version(raw), "text": _text(raw)}}


def _relative(path, data: Path) -> str:
    """A path relative to the data folder, "/"-separated (as it was shown, if outside)."""
    full = os.path.abspath(path)
    try:
        rel = os.path.relpath(full, os.path.abspath(data))
    except ValueError:  # another drive on Windows
        return Path(full).as_posix()
    return Path(full).as_posix() if rel.startswith("..") else Path(rel).as_posix()


def _problem(p: Problem, data: Path) -> dict:
    return {"file": _relative(p.file, data) if p.file.endswith(SUFFIXES) else p.file, "field": p.field,
            "line": p.line, "message": p.message}


def _terms(taxonomy: Taxonomy, which: str):
    if which.startswith("categories."):
        return taxonomy.categories.get(which.split(".", 1)[1], [])
    return getattr(taxonomy, which)


def _after(value, today: datetime.date) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return datetime.date.fromisoformat(value) > today
    except ValueError:
        return False


def _lf(value):
    """Line ends as the files have them: a browser may send \\r\\n from a text area."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n")
    if isinstance(value, list):
        return [_lf(v) for v in value]
    if isinstance(value, dict):
        return {k: _lf(v) for k, v in value.items()}
    return value
