"""load → validate → link: the one entry point that turns a data directory into a knowledge base.

    kb, problems = load_knowledge_base(Path("data"))                      # the published set
    kb, problems = load_knowledge_base(Path("data"), include_drafts=True)  # what the preview shows

Every problem in the data is collected in one pass; `kb` is None when any was found,
so nothing downstream ever sees invalid data.

The preview reads again after every save: with a ReadCache (one per `serve` session, kept by
kb.engine.session) a record file, or the taxonomy, whose size, modification time and inode are
unchanged is not read and checked against its schema again (each folder is still listed and each
file stat'ed on every load). The checks across records (links) run in full every time.

Drafts: a record with `draft: true`, an issue whose `publish_date` is after today, and every
case such an issue lists are unpublished. Every file is read and checked against its schema
either way; the published set drops the unpublished records before linking, so a published
record that refers to one is a problem (its link would be dead on the published site).
"Today" comes with the settings (kb/settings.py): the build date, or `$TOOLBOOK_TODAY`.
"""

from __future__ import annotations

import datetime
import multiprocessing
import os
import threading
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from . import links, schema
from .model import ISSUE, KINDS, KnowledgeBase, Record, SearchWords, Taxonomy, Term
from .problems import Problem, display_path, inside_data
from .yamlio import Document, read_document
from ..settings import TODAY_ENV, Settings, SettingsError, schema_dir_for
from ..settings import today as settings_today

TAXONOMY_FILE = "taxonomy.yml"
SYNONYMS_FILE = "synonyms.yml"  # optional: the search's synonyms and generic words
SUFFIXES = (".yml", ".yaml")
PARALLEL_FROM = 2000  # record files from which two processes read them


class ReadCache:
    """Each record file as last read and checked against its schema, by path: reused while the file's
    size, modification time and inode stay the same (and the schema files do). Each reading of a file
    gets a new version number, so that what was made from a record can tell whether it is still current."""

    def __init__(self) -> None:
        # path as text -> (signature, (document, problems, version), Path)
        self._files: dict[str, tuple[tuple | None, tuple[Document | None, list[Problem], int], Path]] = {}
        self._schema: tuple | None = None  # the schema files' signatures, while self.schemas are theirs
        self.schemas: schema.Schemas | None = None
        # versions are told apart from those of any other cache (one kept on disk, kb.cache): a page made from an
        # earlier reading never matches a reading made afresh
        self._counter = int.from_bytes(os.urandom(6), "big") << 20
        self._taxonomy: tuple = (None, None, [])  # (signature, Taxonomy or None, problems)
        self.changed = False  # readings made or dropped since restore() or state()

    def state(self) -> tuple | None:
        """What restore() needs to go on from here (kb.cache keeps it on disk), if anything changed since it was
        last asked for or restored; None if nothing did."""
        if not self.changed:
            return None
        self.changed = False
        return (self._schema, self._counter, dict(self._files))

    def restore(self, state: tuple) -> None:
        """Go on from the readings of another cache (its state())."""
        self._schema, self._counter, self._files = state
        self.schemas, self.changed = None, False

    def schemas_for(self, schema_dir: Path) -> schema.Schemas:
        """The schema as it is now: kept while no schema file changed; when one did, every reading is dropped with it."""
        schema_key = (os.fspath(schema_dir), _schema_key(schema_dir))
        if schema_key != self._schema:
            self._files.clear()
            self._schema = schema_key
            self.schemas, self.changed = None, True
        if self.schemas is None:
            self.schemas = schema.Schemas(schema_dir)
        return self.schemas

    def read(self, files: list[tuple[str, Path]], schemas: schema.Schemas) -> list[tuple[Document | None, list[Problem], int]]:
        """(document, problems, version) of each (schema name, path)."""
        known = self._files
        names = [os.fspath(path) for _, path in files]
        signatures = _signatures(names)
        stale = [i for i, (name, sig) in enumerate(zip(names, signatures)) if sig is None or known.get(name, _UNREAD)[0] != sig]
        for i, (doc, found) in zip(stale, _read_all([files[i] for i in stale], schemas)):
            self._counter += 1
            known[names[i]] = (signatures[i], (doc, found, self._counter), files[i][1])
        self.changed = self.changed or bool(stale)
        if len(known) > len(names):  # files gone since the last reading
            wanted = set(names)
            for gone in [name for name in known if name not in wanted]:
                del known[gone]
            self.changed = True
        return [known[name][1] for name in names]

    def taxonomy(self, root: Path, problems: list[Problem], schemas: schema.Schemas) -> Taxonomy | None:
        """The taxonomy file as last read and checked (_load_taxonomy), while it and the schema files are unchanged."""
        name = os.fspath(root / TAXONOMY_FILE)
        signature = (name, _signatures([name])[0], schemas)
        if signature[1] is None or signature != self._taxonomy[0]:
            found: list[Problem] = []
            self._taxonomy = (signature, _load_taxonomy(root, found, schemas), found)
        problems.extend(self._taxonomy[2])
        return self._taxonomy[1]

    def path(self, name: str) -> Path | None:
        """The path of a file read before, by its path as text: a folder listed again makes no Path again."""
        entry = self._files.get(name)
        return entry[2] if entry is not None else None


_UNREAD = (None,)


def _schema_key(schema_dir: Path) -> tuple:
    schemas = sorted(schema_dir.glob("*.json")) if schema_dir.is_dir() else []
    return tuple(zip((p.name for p in schemas), _signatures(list(map(os.fspath, schemas)))))


def _signatures(names: list[str]) -> list[tuple | None]:
    out = []
    for name in names:
        try:
            st = os.stat(name)  # the change time too: a file put back with its old modification time (cp -p) is told
            out.append((st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
        except OSError:  # gone, or unreadable: read again (the reader says what is wrong)
            out.append(None)
    return out


def load(settings: Settings, cache: ReadCache | None = None) -> tuple[KnowledgeBase | None, list[Problem]]:
    """The knowledge base the settings describe: their data folder, drafts or not, as of their today."""
    return load_knowledge_base(settings.data, settings.drafts, today=settings.today, schema_dir=settings.schema_dir,
                               cache=cache)


def load_knowledge_base(root: Path, include_drafts: bool = False, *, today: datetime.date | None = None,
                        schema_dir: Path | None = None, cache: ReadCache | None = None
                        ) -> tuple[KnowledgeBase | None, list[Problem]]:
    root = Path(root)
    problems: list[Problem] = []
    try:
        now = today or settings_today()
    except SettingsError as e:
        return None, [Problem(TODAY_ENV, 0, "", str(e))]
    schema_dir = schema_dir or schema_dir_for(root)
    schemas = cache.schemas_for(schema_dir) if cache is not None else schema.Schemas(schema_dir)
    taxonomy = cache.taxonomy(root, problems, schemas) if cache is not None else _load_taxonomy(root, problems, schemas)
    search_words = _load_search_words(root, problems, schemas)
    records: list[Record] = []
    partial: list[Record] = []  # records with problems of their own, still checked against others
    unchecked: set[str] = set()  # ids of records whose own file has problems
    files = []
    for kind in KINDS:
        for path, refused in _record_files(root / kind.folder, root, cache):
            if refused:  # a link that leads outside: not read, and not blamed again where it is referenced
                problems.append(refused)
                unchecked.add(path.stem)
            else:
                files.append((kind, path))
    named = [(kind.name, path) for kind, path in files]
    if cache is not None:
        read = cache.read(named, schemas)
    else:
        read = [(doc, found, 0) for doc, found in _read_all(named, schemas)]
    for (kind, path), (doc, found, version) in zip(files, read):
        if not found:
            records.append(Record(kind, str(doc.value[kind.key]), path, doc, version))
            continue
        problems.extend(found)
        unchecked.add(path.stem)  # the id a valid file here would have
        if doc is not None and isinstance(doc.value, dict):
            partial.append(Record(kind, path.stem, path, doc, version))
    if taxonomy is None:
        return None, sorted(problems)
    kb = KnowledgeBase(root=root, taxonomy=taxonomy, schema_dir=schema_dir, drafts=unpublished(records, now),
                       today=now, preview=include_drafts, search_words=search_words)
    if not include_drafts:
        records = [r for r in records if r.id not in kb.drafts]
        partial = [r for r in partial if r.get("draft") is not True]
    problems.extend(links.link(kb, records, partial, unchecked, {} if include_drafts else kb.drafts,
                               schemas.id_pattern()))
    if problems:
        return None, sorted(set(problems))
    return kb, []


def unpublished(records: list[Record], now: datetime.date) -> dict[str, str]:
    """id -> why it is not published yet, as a phrase: "是草稿（draft: true）", "定于 2026-12-01 发布", …"""
    out: dict[str, str] = {}
    for r in records:
        date = r.data.get("publish_date") if r.kind is ISSUE else None
        if r.data.get("draft") is True:
            out[r.id] = "是草稿（draft: true）"
        elif date and datetime.date.fromisoformat(date) > now:
            out[r.id] = f"定于 {date} 发布"
        else:
            continue
        if r.kind is ISSUE:
            for case_id in r.get("cases", []):
                out.setdefault(case_id, f"所在的 {r.id} 期专刊尚未发布")
    return out


def _read_all(files: list[tuple[str, Path]], schemas: schema.Schemas) -> list[tuple[Document | None, list[Problem]]]:
    """Read and check record files (schema name, path). From PARALLEL_FROM files on, a forked copy of this
    process reads the second half meanwhile: the build's other core has nothing else to do this early.
    Forking is safe only while this process runs no other thread (and Windows cannot fork): else one reads all."""
    fork = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    if len(files) < PARALLEL_FROM or not fork:
        return _read_many(files, schemas)
    half = len(files) // 2
    first = None
    try:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            second = pool.submit(_read_many, files[half:], schemas.folder)  # compiled anew there
            first = _read_many(files[:half], schemas)
            return first + second.result()
    except (OSError, BrokenProcessPool):  # no second process to be had: read them all here
        return (first if first is not None else _read_many(files[:half], schemas)) + _read_many(files[half:], schemas)


def _read_many(files: list[tuple[str, Path]], schemas: schema.Schemas | Path) -> list[tuple[Document | None, list[Problem]]]:
    if not isinstance(schemas, schema.Schemas):
        schemas = schema.Schemas(schemas)
    out = []
    for name, path in files:
        doc, found = read_document(path)
        out.append((doc, check_shape(name, doc, path, schemas) if doc is not None else found))
    return out


def check_shape(name: str, doc: Document, path: Path, schemas: schema.Schemas) -> list[Problem]:
    """The schema problems of a parsed file of kind `name` (a file that is not a mapping: one problem)."""
    if not isinstance(doc.value, dict):
        return [Problem(display_path(path), 1, "", '文件内容应是一组 "字段: 值"，这里却是一个列表或一段文字。请参照同目录下的其他文件。')]
    return schemas.validate(name, doc, path)


def _record_files(folder: Path, root: Path, cache: ReadCache | None = None) -> list[tuple[Path, Problem | None]]:
    """The record files of one folder, each with the reason it is refused (a link leading outside the data directory)."""
    if not folder.is_dir():
        return []
    real_root = root.resolve()
    folder_escapes = not inside_data(folder, real_root)
    with os.scandir(folder) as listing:  # which are links, from the folder listing itself: no call per file
        entries = sorted(listing, key=lambda entry: os.path.normcase(entry.name))  # as paths sort, on Windows too
    out = []
    for entry in entries:
        if entry.name.startswith((".", "~")) or not entry.name.endswith(SUFFIXES):
            continue
        link = entry.is_symlink()
        path = (cache.path(entry.path) if cache is not None else None) or folder / entry.name
        # only a link (or a linked folder) can lead outside the data directory
        if (folder_escapes or link) and not inside_data(path, real_root):
            out.append((path, Problem(display_path(path), 1, "", "这是一个指向数据目录以外的链接（或循环链接），出于安全考虑不予读取。请把文件本身放进数据目录。")))
        elif link and not path.exists():
            out.append((path, Problem(display_path(path), 1, "", "这是一个链接，但它指向的文件不存在。请删除这个链接，或把文件本身放进数据目录。")))
        else:  # a folder or a FIFO named *.yml too: the reader refuses it by its type, never silently skipped
            out.append((path, None))
    return out


def _load_taxonomy(root: Path, problems: list[Problem], schemas: schema.Schemas) -> Taxonomy | None:
    path = root / TAXONOMY_FILE
    shown = display_path(path)
    if not path.exists() and not path.is_symlink():  # a folder or FIFO of that name is the reader's to refuse
        problems.append(Problem(shown, 0, "", "找不到分类词表文件。数据目录里必须有 taxonomy.yml，列出单位、主题和类别。"))
        return None
    doc, found = read_document(path)
    problems.extend(found)
    if doc is None:
        return None
    found = check_shape("taxonomy", doc, path, schemas)
    problems.extend(found)
    if found:
        return None
    data = doc.value

    def terms(path: tuple, items: list[dict]) -> list[Term]:
        names: dict[str, int] = {}
        slugs: dict[str, int] = {}
        out = []
        for i, item in enumerate(items):
            for key, seen in (("name", names), ("slug", slugs)):
                if item[key] in seen:
                    problems.append(Problem(shown, doc.line_of(path + (i, key)), f"{'.'.join(path)}[{i + 1}].{key}",
                                            f'"{item[key]}" 与第 {seen[item[key]] + 1} 项重复。'))
                seen.setdefault(item[key], i)
            out.append(Term(item["name"], item["slug"]))
        return out

    return Taxonomy(
        units=terms(("units",), data["units"]),
        themes=terms(("themes",), data["themes"]),
        categories={k: terms(("categories", k), v) for k, v in data["categories"].items()},
    )


def _load_search_words(root: Path, problems: list[Problem], schemas: schema.Schemas) -> SearchWords:
    """data/synonyms.yml, checked: each word letters and digits only, in one group at most, not both a synonym
    and a generic word. No file: no synonyms (a data folder of an older version, a synthetic one)."""
    path = root / SYNONYMS_FILE
    if not path.exists() and not path.is_symlink():
        return SearchWords()
    shown = display_path(path)
    doc, found = read_document(path)
    problems.extend(found)
    if doc is None:
        return SearchWords()
    if not schemas.has("synonyms"):  # a data folder's own schema, older than the file
        schemas = schema.Schemas()
    found = check_shape("synonyms", doc, path, schemas)
    problems.extend(found)
    if found:
        return SearchWords()
    seen: dict[str, str] = {}  # normalised word -> where it was first

    def word(value: str, at: tuple, where: str) -> str | None:
        field = at[0] + "".join(f"[{i + 1}]" for i in at[1:])
        line = doc.line_of(at)
        if not all(unicodedata.category(c)[0] in "LN" for c in value):
            problems.append(Problem(shown, line, field, f'"{value}" 里有空格或标点。每个词只能由汉字、字母或数字组成；'
                                                       "一组里的几个词请分开写，如 [交纳, 缴纳]。"))
            return None
        key = unicodedata.normalize("NFKC", value).lower()
        if key in seen:
            problems.append(Problem(shown, line, field, f'"{value}" 已出现在{seen[key]}。一个词只能写一次：'
                                                       "同一件事的几种说法请合并成一组。"))
            return None
        seen[key] = where
        return value

    groups = []
    for g, group in enumerate(doc.value.get("synonyms") or []):
        kept = [w for i, v in enumerate(group) if (w := word(v, ("synonyms", g, i), f"同义词第 {g + 1} 组"))]
        groups.append(tuple(kept))
    generic = [w for i, v in enumerate(doc.value.get("generic") or [])
               if (w := word(v, ("generic", i), "泛称词 generic"))]
    return SearchWords(tuple(g for g in groups if len(g) > 1), tuple(generic))
