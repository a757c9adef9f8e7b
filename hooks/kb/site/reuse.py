"""Pages kept between the rebuilds of one preview session: a page is rendered again only when what it shows changed.

A page is its template, its address and the values handed to the template (kb/site/plan.py, `_emit`).
Its key is those values with every record in them replaced by the record's id, the version of its
file (Record.version, from kb.data.load.ReadCache: it changes whenever the file is read afresh) and its draft status, so
the key changes exactly when anything the template can read changes: a record's own fields, the
titles and dates of the records it lists, its backlinks, its place in an issue, a listing's page
count. The templates read nothing else of the knowledge base (the draft labels come with each
record's key), and a value of a type the key does not know stops the build (a bug of ours) rather
than let a page go stale. What the whole site depends on (the taxonomy, the URL style) is the memo's
own key (with the templates' files): when it changes, every page is rendered again. The build's day is not part
of it: a page that shows the day or the month gets it (or what is made of it: this month's duties) in its
values, so that a new day renders again only those pages.

A rebuild works out the key of every page, so keys are made cheap: each record's and link's part is
hashed once per build (PageMemo.start), and a value many pages share (a group, a listing's page
addresses, the duties) is walked once per build (`_Keys.walked`). Kept on disk, the memo holds for the next
command, in another process: Python hashes a text differently in each process, numbers and tuples of numbers
alike in all, so a key hashes numbers only, each text standing for a digest of it (`_Keys.texts`).

The memo keeps, per page, what an engine needs to list a page it does not render again (title,
headings, page settings) and, for a record's page, its search text, compressed (the preview's
search index is rebuilt from it in the background).
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import zlib
from collections.abc import Callable

from ..data.model import Kind, KnowledgeBase, Link, Record
from .render import TEMPLATES


@dataclasses.dataclass
class Kept:
    key: int
    title: str | None
    title_html: str
    toc: list[dict]
    meta: dict
    search: bytes | None  # a record's page: its search text, compressed
    record_id: str | None


class MadeFiles:
    """Files made at build time (a standard's ledger forms, the calendar file), by what each is made of: a preview
    makes one again only when that changed, and lets go of what its last build did not use (sweep), so it holds
    at most the site's own files."""

    def __init__(self) -> None:
        self._made: dict[tuple, bytes] = {}
        self._used: dict[tuple, bytes] = {}

    def get(self, made_of: tuple, make: Callable[[], bytes]) -> bytes:
        content = self._used.get(made_of) or self._made.get(made_of)
        if content is None:
            content = make()
        self._used[made_of] = content
        return content

    def sweep(self) -> None:
        """A build is over: keep only what it used."""
        self._made, self._used = self._used, {}


class PageMemo:
    """The pages of the last build, by source path, with the key each was rendered from."""

    def __init__(self) -> None:
        self.pages: dict[str, Kept] = {}
        self.files = MadeFiles()  # files made at build time: the ledger forms, the calendar file
        self._site_key: object = None
        self._keys = _Keys()

    def start(self, kb: KnowledgeBase, site_key: object) -> None:
        """A new build of `kb` (its records read through a ReadCache, so that their versions tell)."""
        site_key = (site_key, _Keys().value(kb.taxonomy), _templates())
        if site_key != self._site_key:
            self.pages.clear()
            self._site_key = site_key
        self._keys = keys = _Keys()
        # the part of a key of each record and link of this build, by id(): alive as long as the build, so unique
        # as hashes: a page's key hashes the keys of the records it lists, and a number is hashed at once
        texts, drafts, of = keys.texts, kb.drafts, keys.of
        for r in kb.records.values():
            of[id(r)] = hash((_RECORD, texts[r.id], r.version, texts[drafts.get(r.id, "")]))
        for links in kb.outgoing.values():
            for link in links:
                of[id(link)] = hash((_LINK, of[id(link.source)], texts[link.field], of[id(link.target)]))

    def key(self, template: str, uri: str, context: dict) -> int:
        keys = self._keys
        texts, of = keys.texts, keys.of
        # keys.value of each, but the values most pages hold (text, numbers, a record) without a call
        values = [texts[v] if type(v) is str else v if type(v) in _NUMBERS else of[id(v)] if type(v) is Record
                  else keys.value(v) for v in context.values()]
        return hash((texts[template], texts[uri], keys.names(context), tuple(values)))

    def kept(self, uri: str, key: int) -> Kept | None:
        """The page as last rendered, if it was rendered from this key."""
        entry = self.pages.get(uri)
        return entry if entry is not None and entry.key == key else None

    def keep(self, uri: str, key: int, page) -> None:
        """A page just rendered (kb.site.plan.Page)."""
        search = zlib.compress(page.search.encode("utf-8"), 1) if page.record is not None else None
        self.pages[uri] = Kept(key, page.title, page.title_html, page.toc, page.meta, search,
                               page.record.id if page.record is not None else None)

    def clear(self) -> None:
        """Render every page again next time."""
        self.pages.clear()

    def state(self) -> tuple:
        """What restore() needs (kb.cache keeps it on disk between previews)."""
        return self._site_key, dict(self.pages), dict(self.files._made)

    def restore(self, state: tuple) -> None:
        """The pages and files of another memo (its state()): kept while their keys come out the same, which needs the
        records' versions of the readings they were made from (kb.data.load.ReadCache keeps them with the readings)."""
        self._site_key, self.pages, self.files._made = state

    def forget(self, uri: str) -> None:
        """The page's output was overwritten (by the problem page): render it again next time."""
        self.pages.pop(uri, None)

    def sweep(self, made: set[str]) -> list[str]:
        """Drop the pages this build did not make (a deleted record's, a listing page fewer); return them."""
        self._keys = _Keys()  # the build is over: let go of its values
        self.files.sweep()
        gone = [uri for uri in self.pages if uri not in made]
        for uri in gone:
            del self.pages[uri]
        return gone


def _templates() -> tuple:
    """The page templates as they are on disk: an edited template renders every page again."""
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(TEMPLATES.glob("*.html")))


def search_text(kept: Kept) -> str:
    return zlib.decompress(kept.search).decode("utf-8")


_NUMBERS = frozenset({int, float, bool})  # hashed alike in every process
_RECORD, _LINK, _NONE, _DATE, _KIND = -1, -2, -3, -4, -5  # what a number in a key stands for (a text's is positive)


class _Text(dict):
    """A text -> a number of 63 bits, the same in every process (a digest of the text)."""

    def __missing__(self, text: str) -> int:
        number = self[text] = int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                                             "little") >> 1
        return number


class _Keys:
    """The parts of the keys of one build: the records' and links' (`of`, by id()), the texts' (`texts`), and the
    values many pages share, walked once (by id(), with the value itself, so that no other value takes its id
    meanwhile: a value handed to a page is not changed afterwards, each page is made at once from values made before)."""

    def __init__(self) -> None:
        self.of: dict[int, int] = {}
        self.texts = _Text()
        self._shared: dict[int, tuple] = {}
        self._names: dict[tuple, int] = {}  # a template's context names (the same few for many pages)

    def names(self, context: dict) -> int:
        names = tuple(context)
        known = self._names.get(names)
        if known is None:
            known = self._names[names] = hash(tuple(map(self.texts.__getitem__, names)))
        return known

    def value(self, value) -> object:
        """`value` as a hashable key of numbers only, records and links replaced by their keys.

        The common types are told by their exact type first (this runs for every value of every page). A list
        of more than records and links, and a dataclass (Group, Term, Duty, …), is walked once per build."""
        kind = type(value)
        if kind is str:
            return self.texts[value]
        if kind in _NUMBERS:
            return value
        if value is None:
            return _NONE
        if kind is list or kind is tuple:
            try:  # most often records or links only, looked up at C speed
                return tuple(map(self.of.__getitem__, map(id, value)))
            except KeyError:
                return self.walked(value)
        if kind is dict:
            return tuple([(self.value(k), self.value(v)) for k, v in value.items()])
        if kind is Record or kind is Link:
            return self.of[id(value)]
        if isinstance(value, str):  # a subclass (Markup)
            return self.texts[str(value)]
        if isinstance(value, (int, float, bool)):
            return value
        if isinstance(value, datetime.date):  # the build's day (this month's duties)
            return (_DATE, self.texts[value.isoformat()])
        if isinstance(value, (Record, Link)):
            return self.of[id(value)]
        if isinstance(value, (list, tuple)):
            return tuple([self.value(v) for v in value])
        if isinstance(value, dict):
            return tuple([(self.value(k), self.value(v)) for k, v in value.items()])
        if isinstance(value, Kind):
            return (_KIND, self.texts[value.name])
        if dataclasses.is_dataclass(value) and not isinstance(value, type):  # Group, Term, Taxonomy: their fields
            return self.walked(value)
        raise TypeError(f"页面的内容里有无法比较的值：{type(value).__name__}")

    def walked(self, value) -> tuple:
        """The key of a list or tuple (each item's) or of a dataclass (its type and fields), worked out once per build."""
        known = self._shared.get(id(value))
        if known is None:
            if isinstance(value, (list, tuple)):
                part = tuple([self.value(v) for v in value])
            else:
                part = (self.texts[type(value).__name__], *[self.value(getattr(value, f.name)) for f in dataclasses.fields(value)])
            known = self._shared[id(value)] = (value, part)
        return known[1]
