"""The calendar file (RFC 5545, .ics) of the recurring duties: imported into Outlook, WPS or a phone calendar.

One all-day event per duty on the first day of each of its periods (the 1st of every month, of every
quarter, of each half-year, on 1 January), repeating by an RRULE from 1 January of the build year: a
reminder that the period's duty is due. Duties "per term" have no fixed date and are left out (the
calendar page says so). The file depends only on the data and the build date, so two builds of the
same data on the same day write the same bytes; a preview makes it again only when what it is made
of (the duties, their bases' titles, clauses and sources, the day) changed.

An output of every build (kb.outputs.base.Output), the preview's included: it takes each standard's page,
and when the last page is in (`complete`) merges their duties as the calendar page does
(kb.site.calendar.merged_duties) and writes the file, which the calendar page links to.
"""

from __future__ import annotations

import datetime
import hashlib

from icalendar import Calendar, Event

from pathlib import Path

from ..data.model import STANDARD
from ..site.calendar import Duty, merged_duties
from ..urls import ICS
from .base import OutputPage, write_changed

NAME = "党支部工作日历（一月一清单）"

RULES = {"month": {"freq": "monthly"}, "quarter": {"freq": "monthly", "interval": 3},
         "half-year": {"freq": "monthly", "interval": 6}, "year": {"freq": "yearly"}}
WITHIN = {"month": "本月", "quarter": "本季度", "half-year": "本半年", "year": "本年度"}


class CalendarFile:
    """The calendar file of one build (kb.outputs.base.Output). `made`: as LedgerForms'."""

    def __init__(self, today: datetime.date, made) -> None:
        self.today, self.made = today, made
        self.standards = []

    def take(self, page: OutputPage) -> None:
        if page.record is not None and page.record.kind is STANDARD:
            self.standards.append(page.record)

    def complete(self, site_dir: Path) -> None:
        duties, today = merged_duties(self.standards), self.today
        content = self.made.get(made_of(duties, today, NAME), lambda: calendar_file(duties, today, NAME))
        write_changed(site_dir / ICS, content)

    def wait(self) -> None:
        pass

    def close(self) -> None:
        pass


def made_of(duties: list[Duty], today: datetime.date, name: str) -> tuple:
    """All that the calendar file is made of (kb.site.reuse.MadeFiles keeps it by this)."""
    return (today, name, tuple((d.key, tuple((b.record.title, b.clause, b.source) for b in d.bases)) for d in duties))


def calendar_file(duties: list[Duty], today: datetime.date, name: str) -> bytes:
    return _make(duties, today, name)


def _make(duties: list[Duty], today: datetime.date, name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//toolbook//yiyue-yiqingdan//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    stamp = datetime.datetime.combine(today, datetime.time(), tzinfo=datetime.timezone.utc)
    start = datetime.date(today.year, 1, 1)
    for duty in duties:
        if duty.every not in RULES:
            continue
        event = Event()
        event.add("uid", hashlib.sha1("|".join(map(str, duty.key)).encode("utf-8")).hexdigest()[:20] + "@toolbook")
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", start + datetime.timedelta(days=1))
        event.add("rrule", RULES[duty.every])
        event.add("summary", f"{WITHIN[duty.every]}：{duty.name}（{duty.label}）")
        event.add("description", f"{duty.name}：{duty.label}。依据：" + "；".join(
            f"{b.record.title} 要求 {b.clause}" + (f"（{b.source}）" if b.source else "") for b in duty.bases))
        event.add("transp", "TRANSPARENT")  # a reminder, not a busy day
        cal.add_component(event)
    return cal.to_ical()
