"""一月一清单: the recurring duties the standards set (their clauses' `schedule`), by period and by month.

A clause's `schedule` lists what it makes a branch do and how often (data/schema/standard.json): a duty,
its period (`every`), `times` a period, and whether the text says "at least" (至少) or "usually" (一般).
A standard's page shows its own duties at a glance; the calendar page merges the same duty named by
several standards (支委会 in 三会一课 and in 党支部标准化规范化建设) into one line with all its bases.
一季一督查 (quarter_list) is what falls due in a quarter, for inspectors checking a branch, each duty with the
checklist items of its standards that concern it.
"Now" is the build date (kb.today, from kb.settings.today()): a static site knows no other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..data.model import STANDARD, KnowledgeBase, Record

PERIODS = ("month", "quarter", "half-year", "year", "term")
EVERY = {"month": "每月", "quarter": "每季度", "half-year": "每半年", "year": "每年", "term": "每届"}
WITHIN = {"month": "本月", "quarter": "本季度", "half-year": "本半年", "year": "本年度"}
MONTHS = 12
BASES_SHOWN = 5  # bases listed per duty on the calendar page; the rest are counted


# What a requirement rests on (data/schema/standard.json, basis_kind), and the mark's class on the pages.
BASIS_KINDS = {"法规": "law", "上级要求": "higher", "通行做法": "practice"}


@dataclass(frozen=True)
class Basis:
    """Where a duty is set: a standard's clause (numbered from 1, as on its page), the kind of its basis
    (法规, 上级要求, 通行做法) and its source: the schedule item's own, else the clause's."""

    record: Record
    clause: int
    source: str
    kind: str = ""

    @property
    def mark(self) -> str:
        """The class of the kind's mark on the pages (BASIS_KINDS)."""
        return BASIS_KINDS.get(self.kind, "")


@dataclass
class Duty:
    name: str
    every: str
    times: int = 1
    at_least: bool = False
    usually: bool = False
    bases: list[Basis] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        return self.name, self.every, self.times, self.at_least, self.usually

    @property
    def label(self) -> str:
        return frequency_label(self.every, self.times, self.at_least, self.usually)


def frequency_label(every: str, times: int = 1, at_least: bool = False, usually: bool = False) -> str:
    """How often, as the pages say it: 一般每月 1 次, 每季度至少 1 次, 一般每年至少 1 次."""
    return f"{'一般' if usually else ''}{EVERY[every]}{'至少 ' if at_least else ' '}{times} 次"


def schedule_label(schedule: list[dict]) -> str:
    """A clause's `schedule` as text, for a clause that has no `frequency` text of its own."""
    return "；".join(f"{item['duty']}{frequency_label(item['every'], item.get('times', 1), item.get('at_least', False), item.get('usually', False))}"
                    for item in schedule)


def clause_anchor(n: int) -> str:
    """The id of a standard page's n-th clause row."""
    return f"clause-{n}"


def basis_of(record: Record, n: int, clause: dict, item: dict | None = None) -> Basis:
    """The basis of clause n of `record`, or of one of its schedule items: the item's own kind and source
    when it has them (a frequency the clause's article does not set), else the clause's."""
    if item and "basis_kind" in item:
        return Basis(record, n, item.get("source", ""), item["basis_kind"])
    return Basis(record, n, clause.get("source", ""), clause.get("basis_kind", ""))


def duties_of(record: Record) -> list[Duty]:
    """A standard's recurring duties, in clause order, each with its one basis."""
    out = []
    for n, clause in enumerate(record.get("clauses", []), start=1):
        for item in clause.get("schedule", []):
            out.append(Duty(item["duty"], item["every"], item.get("times", 1), item.get("at_least", False),
                            item.get("usually", False), [basis_of(record, n, clause, item)]))
    return out


def all_duties(kb: KnowledgeBase) -> list[Duty]:
    """Every duty of every standard, the same duty (name and frequency) once, by period, the most cited first."""
    return merged_duties(kb.of(STANDARD))


def merged_duties(standards: list[Record]) -> list[Duty]:
    """The duties of these standards, the same duty (name and frequency) once, by period, the most cited first."""
    merged: dict[tuple, Duty] = {}
    for record in sorted(standards, key=lambda r: r.id):
        for duty in duties_of(record):
            if duty.key in merged:
                merged[duty.key].bases.extend(duty.bases)
            else:
                merged[duty.key] = duty
    order = list(merged)
    return sorted(merged.values(), key=lambda d: (PERIODS.index(d.every), -len(d.bases), order.index(d.key)))


QUARTERS = ("第一季度", "第二季度", "第三季度", "第四季度")


def quarter_of(month: int) -> int:
    """The quarter (1-4) month `month` is in."""
    return (month - 1) // 3 + 1


def quarter_months(quarter: int) -> range:
    return range(3 * quarter - 2, 3 * quarter + 1)


@dataclass(frozen=True)
class Span:
    """The period a month falls in, for one kind of period: its name (2026年3月, 第一季度, 上半年, 2026年) and its
    first and last month."""

    every: str
    name: str
    first: int
    last: int

    @property
    def period(self) -> str:
        """The period as the headings name it: 第一季度，1—3 月."""
        return f"{self.name}，{self.first}—{self.last} 月" if self.every in ("quarter", "half-year") else self.name

    @property
    def heading(self) -> str:
        """Its heading on a month's checklist: what is due by the end of it."""
        return f"{WITHIN[self.every]}（{self.period}）" + ("" if self.every == "month" else "内")


def spans(year: int, month: int) -> list[Span]:
    """The periods month `month` of `year` belongs to, shortest first (each term is no fixed span: not listed)."""
    q = quarter_of(month)
    return [
        Span("month", f"{year}年{month}月", month, month),
        Span("quarter", QUARTERS[q - 1], 3 * q - 2, 3 * q),
        Span("half-year", "上半年", 1, 6) if month <= 6 else Span("half-year", "下半年", 7, 12),
        Span("year", f"{year}年", 1, MONTHS),
    ]


def month_list(duties: list[Duty], year: int, month: int) -> list[tuple[Span, list[Duty]]]:
    """What a branch must have done by the end of each period that month `month` belongs to (empty periods left out)."""
    out = []
    for span in spans(year, month):
        mine = [d for d in duties if d.every == span.every]
        if mine:
            out.append((span, mine))
    return out


# -- 一季一督查: a quarter's supervision list ------------------------------------------------------

CHECK_RUN = 4  # characters a checklist item shares with a duty's name or its clause's evidence to be checked with it


@dataclass
class Due:
    """A duty on a quarter's supervision list: the periods ending in the quarter to mark it for (each month of it,
    for a monthly duty) and the checklist items of its standards to check with it."""

    duty: Duty
    periods: list[str] = field(default_factory=list)
    checks: list[tuple[Record, str]] = field(default_factory=list)


@dataclass
class DueGroup:
    heading: str
    dues: list[Due]


def supervision_title(year: int, quarter: int) -> str:
    return f"{year}年{QUARTERS[quarter - 1]}督查清单"


def quarter_list(duties: list[Duty], year: int, quarter: int) -> list[DueGroup]:
    """What falls due in quarter `quarter` of `year`, by kind of period: the periods of the month checklists (spans)
    that end in one of its months, so each month's duties, the quarter's, the half-year's in the second and
    fourth quarters and the year's in the fourth. Each duty comes once, with the periods to mark it for and the
    checklist items that concern it (related_checks), each item once on the list: under the first duty it names,
    else under the first duty it concerns."""
    groups: dict[str, DueGroup] = {}
    dues: dict[tuple, Due] = {}
    months = quarter_months(quarter)
    for month in months:
        for span, mine in month_list(duties, year, month):
            if span.last != month:  # not due before the end of a later quarter
                continue
            if span.every not in groups:
                heading = (f"每月（{months[0]}—{months[-1]} 月逐月检查）" if span.every == "month"
                           else f"{EVERY[span.every]}（{span.period}）")
                groups[span.every] = DueGroup(heading, [])
            for duty in mine:
                if duty.key not in dues:
                    dues[duty.key] = Due(duty)
                    groups[span.every].dues.append(dues[duty.key])
                dues[duty.key].periods.append(span.name)
    found = [(due, related_checks(due.duty)) for group in groups.values() for due in group.dues]
    home: dict[tuple[str, str], Due] = {}  # each item once: under the first duty it names, else the first it concerns
    for by_name in (True, False):
        for due, checks in found:
            for record, item, named in checks:
                if named == by_name:
                    home.setdefault((record.id, item), due)
    for due, checks in found:
        due.checks = [(record, item) for record, item, _ in checks if home[record.id, item] is due]
    return list(groups.values())


def related_checks(duty: Duty) -> list[tuple[Record, str, bool]]:
    """The checklist items of the standards that set `duty` (those shown: BASES_SHOWN) that concern it, and whether
    each names it: an item of the same standard that names the duty, or shares CHECK_RUN characters in a row with
    the duty's name or with an evidence item of the clause that sets it (交纳党费's 党费收缴登记表 finds
    党费收缴登记按月逐人记录)."""
    out: dict[tuple[str, str], tuple[Record, str, bool]] = {}  # a standard setting it in two clauses: its items once
    for basis in duty.bases[:BASES_SHOWN]:
        clause = basis.record.data["clauses"][basis.clause - 1]
        runs = _runs(duty.name).union(*map(_runs, clause.get("evidence", [])))
        for item in basis.record.get("checklist", []):
            if duty.name in item or not runs.isdisjoint(_runs(item)):
                out.setdefault((basis.record.id, item), (basis.record, item, duty.name in item))
    return list(out.values())


def _runs(text: str) -> set[str]:
    return {text[i:i + CHECK_RUN] for i in range(len(text) - CHECK_RUN + 1)}
