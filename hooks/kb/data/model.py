"""The knowledge base as the rest of the code sees it: kinds, records, taxonomy, links."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path

from .yamlio import Document


@dataclass(frozen=True)
class Kind:
    """One collection of records (Astro: a content collection), with everything that differs by kind.

    Its schema is data/schema/<name>.json; its records live in data/<folder>/ and on the site under <folder>/."""

    name: str  # schema file stem: data/schema/<name>.json
    folder: str  # data/<folder>/ and the site section <folder>/
    label: str  # section title
    short: str  # one-word label in listings
    measure: str  # counting word: 9 项标准
    key: str  # the field that must equal the file name
    title_field: str  # the field shown as the record's title
    date_field: str  # the field that dates a record (sort key, year, what listings show)
    terms: tuple[tuple[str, str], ...]  # taxonomy fields: (field, term list: units, themes or categories.<folder>)
    references: tuple[tuple[str, tuple[str, ...]], ...]  # reference fields: (field, names of the kinds it may name)
    facet: str | None  # the taxonomy field searched as its category ("category" or "theme"), if any

    def term_list(self, field: str) -> str:
        return dict(self.terms)[field]


STANDARD = Kind("standard", "standards", "标准规范", "标准", "项", "id", "title", "updated",
                terms=(("category", "categories.standards"),),
                references=(("related", ("standard", "method", "case")),), facet="category")
METHOD = Kind("method", "methods", "支部工作法", "工作法", "个", "id", "name", "year",
              terms=(("unit", "units"), ("category", "categories.methods")),
              references=(("related", ("standard", "method", "case")),), facet="category")
CASE = Kind("case", "cases", "典型案例", "案例", "篇", "id", "title", "date",
            terms=(("unit", "units"), ("theme", "themes")),
            references=(("related", ("standard", "method")),), facet="theme")
ISSUE = Kind("issue", "issues", "月度专刊", "专刊", "期", "month", "title", "month",
             terms=(("theme", "themes"),),
             references=(("cases", ("case",)), ("featured_methods", ("method",)), ("featured_standards", ("standard",))),
             facet="theme")
KINDS = (STANDARD, METHOD, CASE, ISSUE)
KIND_NAMED = {kind.name: kind for kind in KINDS}


@dataclass(frozen=True)
class Term:
    """A taxonomy entry: what editors write (name) and what URLs use (slug)."""

    name: str
    slug: str


@dataclass
class Taxonomy:
    units: list[Term]
    themes: list[Term]
    categories: dict[str, list[Term]]  # kind folder -> terms


@dataclass(eq=False)
class Record:
    """One YAML record. `data` holds the validated fields as written; a record never changes."""

    kind: Kind
    id: str
    path: Path
    doc: Document
    version: int = 0  # which reading of its file (the preview's kb.data.load.ReadCache; 0 when read without one)
    # worked out once, as plain attributes: every page and listing reads them, many times per build
    data: dict = field(init=False, repr=False)
    date: str = field(init=False, repr=False)  # sort key and display date: YYYY-MM-DD, YYYY-MM or YYYY ("" for a standard never dated)

    def __post_init__(self) -> None:
        self.data = self.doc.value  # type: ignore[assignment]
        self.date = str(self.data.get(self.kind.date_field, ""))

    def line(self, *path) -> int:
        return self.doc.line_of(path)

    def get(self, name: str, default=None):
        return self.data.get(name, default)

    @property
    def title(self) -> str:
        if self.kind is ISSUE:
            return f"{self.year}年第{self.data['number']}期（总第{self.data['serial']}期）"
        return self.data[self.kind.title_field]

    @property
    def year(self) -> str:
        return self.date[:4]

    @property
    def tags(self) -> list[str]:
        return self.data.get("tags", [])


@dataclass(frozen=True)
class Link:
    """A reference from one record's field to another record."""

    source: Record
    field: str
    target: Record


@dataclass(frozen=True)
class SearchWords:
    """data/synonyms.yml: groups of words that name the same thing, and the words a query carries without
    naming its topic (制度, 怎么). Normalised as the search compares text (kb.outputs.search.normalise)."""

    synonyms: tuple[tuple[str, ...], ...] = ()
    generic: tuple[str, ...] = ()


@dataclass
class KnowledgeBase:
    """All records, by kind and by id, with references resolved both ways."""

    root: Path
    taxonomy: Taxonomy
    schema_dir: Path  # the schema the records were checked against
    records: dict[str, Record] = field(default_factory=dict)  # id -> record, all kinds
    outgoing: dict[str, list[Link]] = field(default_factory=dict)  # source id -> links, in field order
    incoming: dict[str, list[Link]] = field(default_factory=dict)  # target id -> links (backlinks)
    issue_of_case: dict[str, Record] = field(default_factory=dict)
    # id -> why the record is not published (a draft, a scheduled issue, a case of one): the records
    # held back from the published site. Included in `records` only when loaded with include_drafts.
    drafts: dict[str, str] = field(default_factory=dict)
    today: datetime.date = field(default_factory=datetime.date.today)  # the build date (kb.settings.today())
    preview: bool = False  # loaded for the preview (drafts included): editors' details are shown
    search_words: SearchWords = field(default_factory=SearchWords)  # data/synonyms.yml

    def published(self, records) -> list[Record]:
        """`records` without drafts: what the published site shows (statistics count only these)."""
        return [r for r in records if r.id not in self.drafts]

    def of(self, kind: Kind) -> list[Record]:
        """Records of one kind, newest first (then by id for a stable order)."""
        items = [r for r in self.records.values() if r.kind is kind]
        items.sort(key=attrgetter("id"))
        items.sort(key=attrgetter("date"), reverse=True)
        return items
