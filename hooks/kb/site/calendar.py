"""一月一清单: the recurring duties the standards set (their clauses' `schedule`), by period and by month.

A clause's `schedule` lists what it makes a branch do and how often (data/schema/standard.json): a duty,
its period (`every`), `times` a period, and whether the text says "at least" (至少) or "usually" (一般).
A standard's page shows its own duties at a glance; the calendar page merges the same duty named by
several standards (支委会 in 三会一课 and in 党支部标准化规范化建设) into one line with all its bases.
"Now" is the build date (kb.today, from kb.settings.today()): a static site knows no other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..data.model import STANDARD, KnowledgeBase, Record

PERIODS = ("month", "quarter", "half-year", "year", "term")
EVERY = {"month": "每月", "quarter": "每季度", "half-year": "每半年", "year": "每年", "term": "每届"}
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


@dataclass(frozen=True)
class Span:
    """The period a month falls in, for one kind of period: its heading on a month's checklist."""

    every: str
    heading: str


def spans(year: int, month: int) -> list[Span]:
    """The periods month `month` of `year` belongs to, shortest first (each term is no fixed span: not listed)."""
    q = (month - 1) // 3
    first, last = 3 * q + 1, 3 * q + 3
    half = "上半年，1—6 月" if month <= 6 else "下半年，7—12 月"
    return [
        Span("month", f"本月（{year}年{month}月）"),
        Span("quarter", f"本季度（第{'一二三四'[q]}季度，{first}—{last} 月）内"),
        Span("half-year", f"本半年（{half}）内"),
        Span("year", f"本年度（{year}年）内"),
    ]


def month_list(duties: list[Duty], year: int, month: int) -> list[tuple[Span, list[Duty]]]:
    """What a branch must have done by the end of each period that month `month` belongs to (empty periods left out)."""
    out = []
    for span in spans(year, month):
        mine = [d for d in duties if d.every == span.every]
        if mine:
            out.append((span, mine))
    return out
