"""The site's structure, derived from the knowledge base: every page, its path and its content.

Nothing here knows MkDocs. A page is a Markdown source path (src_uri, as MkDocs names it:
`standards/sanhui-yike.md` is served at `standards/sanhui-yike/`) and its Markdown text;
the hook hands both to MkDocs. Index pages are derived from data, never hand-written
(Hugo's rule: every term gets its page), and long ones are split into pages of fixed size,
so no page grows with the knowledge base.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path

from .calendar import MONTHS, QUARTERS, all_duties, duties_of, month_list, quarter_list, quarter_of, supervision_title
from .charts import bar_chart
from ..outputs.ledger import download_name
from ..data.links import IMAGE_DIR
from ..data.model import CASE, ISSUE, KINDS, METHOD, STANDARD, Kind, KnowledgeBase, Record, Term
from .render import SLUGIFY, Rendered, Renderer
from .reuse import PageMemo
from ..data.schema import field_reference
from .. import urls as u
from ..urls import Urls, record_uri

PAGE_SIZE = 50  # records per listing page
TERMS_PAGE_SIZE = 300  # terms per term-index page
PREVIEW = 5  # records shown per group on a section's landing page
FACET_PREVIEW = 20  # terms shown per facet on a section's landing page (all of them: on the facet's own page)
BACKLINKS_PREVIEW = 5  # records shown as mentioning a record on its page (all of them: on its "mentions" page)
CHART_ROWS = 30  # bars per chart on the statistics page


@dataclass
class Page(Rendered):
    """A rendered page (see render.py) and where it goes."""

    src_uri: str
    record: Record | None = None  # the record a record's page shows
    in_nav: bool = False
    changed: bool = True  # False: kept from the last build of the preview as it was (kb/site/reuse.py), body and search empty


@dataclass
class Asset:
    """A file of the site that is not a page, copied from `path` (a case's image); the files made from records at
    build time (ledger forms, the calendar file, the quarters' supervision forms) are outputs of the build (kb.outputs)."""

    src_uri: str
    path: Path


@dataclass
class Group:
    """A named, linked set of records: a category, unit, theme, year or tag."""

    title: str
    uri: str  # first page of its listing
    records: list[Record]

    @property
    def count(self) -> int:
        return len(self.records)


class SiteBuilder:
    """Walks the knowledge base once and yields every page of the site."""

    def __init__(self, kb: KnowledgeBase, urls: Urls, on_page: Callable[[Page], None], slugify=SLUGIFY,
                 memo: PageMemo | None = None, wanted: Callable[[str], bool] | None = None):
        self.kb = kb
        self.on_page = on_page  # gets each page as soon as it is rendered; the builder keeps none
        self.memo = memo  # the preview: pages whose content did not change since its last build are not rendered
        self.wanted = wanted  # the preview's first pages: only the pages whose src_uri it accepts are made
        self.render = Renderer(kb, urls, slugify)
        self.by_kind = {kind: kb.of(kind) for kind in KINDS}
        self.by_kind[STANDARD].sort(key=attrgetter("id"))
        # every record newest first (by date, then by id, both descending): a group filled in this order is in it
        self.newest = sorted(kb.records.values(), key=attrgetter("date", "id"), reverse=True)
        # each record's backlinks in the order its page lists them (their sources newest first, each
        # source's links in field order): one pass over the sources in that order, instead of a sort per record
        self.incoming: dict[str, list] = defaultdict(list)
        for source in self.newest:
            for link in kb.outgoing.get(source.id, ()):
                self.incoming[link.target.id].append(link)
        self.duties = all_duties(kb)
        self.assets: list[Asset] = []

    # -- groups -------------------------------------------------------------------------

    def _groups(self, kind: Kind, field: str, terms: list[Term]) -> list[Group]:
        """One group per taxonomy term (empty ones too), in taxonomy order."""
        members: dict[str, list[Record]] = defaultdict(list)
        for r in self.by_kind[kind]:
            members[r.data[field]].append(r)
        return [Group(t.name, u.facet_uri(kind, field, t.slug), members[t.name]) for t in terms]

    def _years(self, kind: Kind) -> list[Group]:
        members: dict[str, list[Record]] = defaultdict(list)
        for r in self.by_kind[kind]:
            members[r.year].append(r)
        return [Group(f"{y}年", u.facet_uri(kind, "year", y), members[y]) for y in sorted(members, reverse=True)]

    # -- pages --------------------------------------------------------------------------

    def build(self) -> list[Asset]:
        kb = self.kb
        tax = kb.taxonomy
        standards, methods, cases, issues = (self.by_kind[k] for k in KINDS)

        for record in kb.records.values():
            self._record_page(record)

        std_cats = self._groups(STANDARD, "category", tax.categories["standards"])
        met_cats = self._groups(METHOD, "category", tax.categories["methods"])
        met_units = self._groups(METHOD, "unit", tax.units)
        case_themes = self._groups(CASE, "theme", tax.themes)
        case_units = self._groups(CASE, "unit", tax.units)
        case_years = self._years(CASE)
        for group in (*std_cats, *met_cats, *met_units, *case_themes, *case_units, *case_years):
            self._listing(group.uri, group.title, group.records, kind_label=True)
        facets = [
            (STANDARD, "category", "按类别", std_cats), (METHOD, "category", "按类别", met_cats),
            (METHOD, "unit", "按单位", met_units), (CASE, "theme", "按主题", case_themes),
            (CASE, "unit", "按单位", case_units), (CASE, "year", "按年份", case_years),
        ]
        for kind, facet, by, groups in facets:
            self._terms(u.facet_uri(kind, facet), f"{kind.label} · {by}", [g for g in groups if g.records], "")

        self._page(u.section(STANDARD), "section.html", section=STANDARD, count=len(standards),
                   blocks=[("按类别", std_cats)], facets=[])
        self._page(u.section(METHOD), "section.html", section=METHOD, count=len(methods),
                   blocks=[("按类别", met_cats)], facets=[("按单位", u.facet_uri(METHOD, "unit"), met_units)])
        self._page(u.section(CASE), "section.html", section=CASE, count=len(cases), blocks=[("按主题", case_themes)],
                   facets=[("按年份", u.facet_uri(CASE, "year"), case_years), ("按单位", u.facet_uri(CASE, "unit"), case_units)])
        self._listing(u.section(ISSUE), ISSUE.label, issues, group_by_year=True,
                      intro="一月一个主题、一期数个典型。按出刊时间由近及远排列。")

        unit_groups = self._unit_groups()
        for group in unit_groups:
            self._listing(group.uri, group.title, group.records)
        self._terms(u.UNITS, "单位", unit_groups, "各单位报送的工作法和案例。")

        tag_groups = self._tag_groups()
        for group in tag_groups:
            self._listing(group.uri, f"标签：{group.title}", group.records)
        self._terms(u.TAGS, "标签", tag_groups, "按标签查找标准、工作法、案例和专刊。")

        self._stats()
        self._calendar()
        self._page(u.FIELDS, "fields.html", kinds=field_reference(self.kb.schema_dir))
        current = issues[0] if issues else None
        self._page(u.HOME, "home.html", current=current,
                   current_cases=[kb.records[id] for id in current.data["cases"]] if current else [],
                   counts={k: len(self.by_kind[k]) for k in KINDS}, latest=cases[:6],
                   standards=standards, month=month_list(self.duties, kb.today.year, kb.today.month),
                   quarters=QUARTERS, quarter=quarter_of(kb.today.month))
        return self.assets

    def _calendar(self) -> None:
        """一月一清单: the duties of all standards by period and a checklist for each month; 一季一督查: a supervision
        list for each quarter (the .ics file and the quarters' Word forms they link to are outputs of the build:
        kb.outputs.ical, kb.outputs.supervision)."""
        today = self.kb.today
        self._page(u.CALENDAR, "calendar.html", duties=self.duties, today=today,
                   month=month_list(self.duties, today.year, today.month), quarters=QUARTERS,
                   quarter=quarter_of(today.month))
        for m in range(1, MONTHS + 1):
            self._page(u.month_uri(m), "month.html", year=today.year, number=m,
                       month=month_list(self.duties, today.year, m))
        for q in range(1, len(QUARTERS) + 1):
            self._page(u.quarter_uri(q), "quarter.html", title=supervision_title(today.year, q), number=q,
                       quarters=QUARTERS, groups=quarter_list(self.duties, today.year, q))

    def _stats(self) -> None:
        """统计: published records by unit, category and month, as inline SVG bar charts."""
        kb, tax = self.kb, self.kb.taxonomy
        mine = {kind: kb.published(self.by_kind[kind]) for kind in KINDS}

        def count(records: list[Record], field: str, terms: list[Term]) -> list[tuple[str, int]]:
            counts = Counter([r.data[field] for r in records])
            return [(t.name, counts[t.name]) for t in terms]

        months = Counter([r.date[:7] for r in mine[CASE]])
        month_rows = []
        if months:  # every month from the first to the last, empty ones too (the last CHART_ROWS)
            y, m = map(int, min(months).split("-"))
            last = max(months)
            while f"{y:04d}-{m:02d}" <= last:
                month_rows.append((f"{y:04d}-{m:02d}", months[f"{y:04d}-{m:02d}"]))
                y, m = (y + 1, 1) if m == 12 else (y, m + 1)
            month_rows = month_rows[-CHART_ROWS:]
        by_unit = sorted(count(mine[METHOD] + mine[CASE], "unit", tax.units), key=lambda row: -row[1])  # stable
        charts = [
            ("按单位", "各单位报送的支部工作法和典型案例（条），多的在前。", "各单位报送的工作法和案例数", by_unit, "条", u.UNITS),
            ("典型案例 · 按主题", "", "典型案例按主题", count(mine[CASE], "theme", tax.themes), "篇", u.facet_uri(CASE, "theme")),
            ("支部工作法 · 按类别", "", "支部工作法按类别", count(mine[METHOD], "category", tax.categories["methods"]), "个", u.facet_uri(METHOD, "category")),
            ("标准规范 · 按类别", "", "标准规范按类别", count(mine[STANDARD], "category", tax.categories["standards"]), "项", u.facet_uri(STANDARD, "category")),
            ("典型案例 · 按月份", f"按案例日期所在的月份，最近 {CHART_ROWS} 个月以内。", "典型案例按月份", month_rows, "篇", None),
        ]
        drawn = []
        for heading, note, title, rows, unit, more in charts:
            if len(rows) > CHART_ROWS:  # a page that does not grow with the taxonomy: the rest as one line of text
                rest = rows[CHART_ROWS:]
                note += f"图中是前 {CHART_ROWS} 项；另有 {len(rest)} 项共 {sum(n for _, n in rest)} {unit}。"
                rows = rows[:CHART_ROWS]
            drawn.append((heading, note, bar_chart(title, rows, unit), more))
        counts = {kind: len(mine[kind]) for kind in KINDS}
        self._page(u.STATS, "stats.html", charts=drawn, counts=counts, total=sum(counts.values()))

    def _unit_groups(self) -> list[Group]:
        members: dict[str, list[Record]] = defaultdict(list)
        for r in self.newest:
            if "unit" in r.data:
                members[r.data["unit"]].append(r)
        return [Group(t.name, u.unit_uri(t.slug), members[t.name]) for t in self.kb.taxonomy.units]

    def _tag_groups(self) -> list[Group]:
        members: dict[str, list[Record]] = defaultdict(list)
        for r in self.newest:
            for tag in r.tags:
                members[tag].append(r)
        counts = Counter({t: len(rs) for t, rs in members.items()})
        return [Group(t, u.tag_uri(t), members[t]) for t, _ in sorted(counts.items(), key=lambda x: (-x[1], x[0]))]

    def _record_page(self, record: Record) -> None:
        if self.wanted is not None and not self.wanted(record_uri(record)):
            return  # nor its listing of mentions, images or ledger forms: the preview's first pages come first
        kb = self.kb
        incoming = self.incoming.get(record.id, [])  # newest first
        context = {"record": record, "outgoing": kb.outgoing.get(record.id, []), "incoming": incoming[:BACKLINKS_PREVIEW],
                   "incoming_total": len(incoming), "mentions_uri": None}
        if len(incoming) > BACKLINKS_PREVIEW:  # a much-cited record: its page stays small, the full list gets pages
            context["mentions_uri"] = u.mentions_uri(record)
            sources = list(dict.fromkeys(link.source for link in incoming))
            self._listing(context["mentions_uri"], f"提到“{record.title}”的记录", sources, kind_label=True)
        if record.kind is CASE:
            issue = kb.issue_of_case.get(record.id)
            context["issue"] = issue
            if issue:
                order = issue.data["cases"]
                i = order.index(record.id)
                context["prev"] = kb.records[order[i - 1]] if i > 0 else None
                context["next"] = kb.records[order[i + 1]] if i + 1 < len(order) else None
            for image in record.get("images", []):
                self.assets.append(Asset(u.image_uri(record, image["file"]), kb.root / IMAGE_DIR / record.id / image["file"]))
        if record.kind is STANDARD:
            context["duties"] = duties_of(record)
            context["forms"] = []
            for n, form in enumerate(record.get("forms", []), start=1):
                context["forms"].append((form, u.form_uri(record, n), download_name(record, form)))
        if record.kind is ISSUE:
            issues = self.by_kind[ISSUE]  # newest first
            i = issues.index(record)
            context["newer"] = issues[i - 1] if i > 0 else None
            context["older"] = issues[i + 1] if i + 1 < len(issues) else None
        self._emit(record_uri(record), f"{record.kind.name}.html", context)

    def _listing(self, uri: str, title: str, records: list[Record], *, intro: str = "",
                 kind_label: bool = False, group_by_year: bool = False) -> None:
        chunks = _chunks(records, PAGE_SIZE)
        uris = u.page_uris(uri, len(chunks))
        for n, chunk in enumerate(chunks):
            self._page(uris[n], "listing.html", title=title, intro=intro, records=chunk,
                       total=len(records), kind_label=kind_label, group_by_year=group_by_year,
                       pager=_pager(uris, n))

    def _terms(self, uri: str, title: str, groups: list[Group], intro: str) -> None:
        chunks = _chunks(groups, TERMS_PAGE_SIZE)
        uris = u.page_uris(uri, len(chunks))
        for n, chunk in enumerate(chunks):
            self._page(uris[n], "terms.html", title=title, intro=intro, groups=chunk,
                       total=len(groups), pager=_pager(uris, n))

    def _page(self, uri: str, template: str, **context) -> None:
        self._emit(uri, template, context)

    def _emit(self, uri: str, template: str, context: dict) -> None:
        """The page at `uri`: its template rendered with `context`, unless the memo has it as it would be."""
        if self.wanted is not None and not self.wanted(uri):
            return
        record, in_nav, memo = context.get("record"), u.in_nav(uri), self.memo
        if memo is not None:
            key = memo.key(template, uri, context)
            kept = memo.kept(uri, key)
            if kept is not None:  # (src_uri, record, in_nav, changed) by position: half the cost, on every page kept
                self.on_page(Page(kept.title, kept.title_html, "", "", kept.toc, kept.meta, uri, record, in_nav, False))
                return
        r = self.render(template, uri, preview=PREVIEW, facet_preview=FACET_PREVIEW, **context)
        page = Page(**vars(r), src_uri=uri, record=record, in_nav=in_nav)
        if memo is not None:
            memo.keep(uri, key, page)
        self.on_page(page)


def build_site(kb: KnowledgeBase, directory_urls: bool = True) -> tuple[list[Page], list[Asset]]:
    """Every page and asset of the site."""
    pages: list[Page] = []
    assets = stream_site(kb, pages.append, directory_urls)
    return pages, assets


def stream_site(kb: KnowledgeBase, on_page: Callable[[Page], None], directory_urls: bool = True,
                slugify=SLUGIFY, memo: PageMemo | None = None, wanted: Callable[[str], bool] | None = None) -> list[Asset]:
    """Hand every page to `on_page` as soon as it is made (record pages first) and keep none; return the assets.

    For a large site: the caller keeps what it needs of each page (the MkDocs hook: compressed HTML),
    so the HTML of all pages is never in memory at once (at 10,000 records, 170 MB). With a `memo`
    (the preview), a page whose content is what it was in the memo's last build comes unrendered (`changed` False);
    with `wanted` (the preview's first pages), only the pages whose src_uri it accepts are made."""
    return SiteBuilder(kb, Urls(directory_urls), on_page, slugify, memo, wanted).build()


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def _pager(uris: list[str], n: int) -> dict | None:
    if len(uris) == 1:
        return None
    return {"uris": uris, "current": n}
