"""一季一督查: each quarter's supervision list (kb.site.calendar.quarter_list) as a Word form (.docx), the printable
sheet an inspector of the 机关党委 or 工委 fills in for one branch, like the quarter's page (templates/quarter.html).

An output of every build (kb.outputs.base.Output), the preview's included: it takes each standard's page, and
when the last page is in (`complete`) merges their duties as the calendar pages do (kb.site.calendar.merged_duties)
and writes the four quarters of the build date's year at kb.urls.supervision_form_uri, which the quarters' pages
link to. The same four paths every build, so no form is ever left over. Made with the ledger forms' blank A4
document and fixed zip times (kb.outputs.ledger): the bytes depend only on what the sheet says (and the year), and
a preview keeps each form by that (kb.site.reuse.MadeFiles).
"""

from __future__ import annotations

import datetime
from pathlib import Path

import docx.document
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.shared import Cm, Pt
from docx.table import _Cell, _Row

from ..data.model import STANDARD
from ..site.calendar import BASES_SHOWN, QUARTERS, Duty, DueGroup, merged_duties, quarter_list, quarter_months, supervision_title
from ..urls import supervision_form_uri
from .base import OutputPage, write_changed
from .ledger import FIELD_HEIGHT, WIDTH, blank_document, clear_body, saved

COLUMNS = ("督查内容", "符合", "不符合", "说明")
MARK, NOTE = Cm(1.8), Cm(3.0)  # the widths of a column to tick and of the note column; the rest is the content's
BOX = "□"
BLANK = "＿" * 14


class SupervisionForms:
    """The quarters' supervision forms of one build (kb.outputs.base.Output). `made`: as LedgerForms'."""

    def __init__(self, today: datetime.date, made) -> None:
        self.today, self.made = today, made
        self.standards = []
        self._blank: docx.document.Document | None = None

    def take(self, page: OutputPage) -> None:
        if page.record is not None and page.record.kind is STANDARD:
            self.standards.append(page.record)

    def complete(self, site_dir: Path) -> None:
        duties, year = merged_duties(self.standards), self.today.year
        for quarter in range(1, len(QUARTERS) + 1):
            lines = sheet(quarter_list(duties, year, quarter))
            content = self.made.get(("督查清单", year, quarter, lines), lambda: self.docx(year, quarter, lines))
            write_changed(site_dir / supervision_form_uri(quarter), content)

    def wait(self) -> None:
        pass

    def close(self) -> None:
        pass

    def docx(self, year: int, quarter: int, lines: tuple) -> bytes:
        if self._blank is None:
            self._blank = blank_document()
        return _make(self._blank, year, quarter, lines)


def sheet(groups: list[DueGroup]) -> tuple:
    """What the form says, as text: (heading, ((duty, its basis, (period, …), (checklist item, …)), …)) per group.
    It is all the form is made of."""
    return tuple((group.heading, tuple((f"{due.duty.name} {due.duty.label}", bases_text(due.duty), tuple(due.periods),
                                        tuple(f"{item}（{record.title} · 检查清单）" for record, item in due.checks))
                                       for due in group.dues))
                 for group in groups)


def bases_text(duty: Duty) -> str:
    """Where a duty is set, as the pages say it (templates/_macros.html duty_bases) without the links."""
    parts = []
    for b in duty.bases[:BASES_SHOWN]:
        mark = f"（{b.kind}{' ' + b.source if b.source else ''}）" if b.kind else f"（出处：{b.source}）" if b.source else ""
        parts.append(f"{b.record.title} 要求 {b.clause}{mark}")
    more = f" 等 {len(duty.bases)} 项标准" if len(duty.bases) > BASES_SHOWN else ""
    return "依据：" + "；".join(parts) + more


def _make(doc: docx.document.Document, year: int, quarter: int, lines: tuple) -> bytes:
    clear_body(doc)
    title = supervision_title(year, quarter)
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(title)
    run.bold, run.font.size = True, Pt(18)
    doc.add_paragraph(f"党支部名称：{BLANK}")

    widths = (WIDTH - 2 * MARK - NOTE, MARK, MARK, NOTE)
    for group_heading, dues in lines:
        doc.add_paragraph().add_run(group_heading).bold = True
        # every row made at once and filled in place: python-docx adds and merges rows one by one slowly (at 10,000
        # records the four forms took 2.6 s a build that way)
        count = 1 + sum(1 + len(periods) + len(checks) for _, _, periods, checks in dues)
        table = doc.add_table(rows=count, cols=len(COLUMNS))
        table.style, table.alignment, table.autofit = "Table Grid", WD_TABLE_ALIGNMENT.CENTER, False
        for column, width in zip(table.columns, widths):
            column.width = width
        rows = iter(table._tbl.tr_lst)
        header = next(rows)
        header.get_or_add_trPr().append(OxmlElement("w:tblHeader"))  # repeated on each page the table runs onto
        for tc, name, width in zip(header.tc_lst, COLUMNS, widths):
            cell = _Cell(tc, table)
            cell.width = width
            cell.paragraphs[0].add_run(name).bold = True
        across = sum(_Cell(tc, table).width for tc in header.tc_lst)  # as written (whole twips), as a merge adds them
        for duty, basis, periods, checks in dues:
            tr = next(rows)
            first, *rest = tr.tc_lst
            for tc in rest:  # one cell across the row, as a merge makes it
                tr.remove(tc)
            first.grid_span = len(COLUMNS)
            cell = _Cell(first, table)
            cell.width = across
            cell.paragraphs[0].add_run(duty).bold = True
            cell.add_paragraph().add_run(basis).font.size = Pt(9)
            for text in (*(f"{period}开展情况" for period in periods), *checks):
                tr = next(rows)
                row = _Row(tr, table)
                row.height, row.height_rule = FIELD_HEIGHT, WD_ROW_HEIGHT_RULE.AT_LEAST
                content, yes, no, note = (_Cell(tc, table) for tc in tr.tc_lst)
                for cell, width in zip((content, yes, no, note), widths):
                    cell.width = width
                content.paragraphs[0].add_run(text)
                for box in (yes, no):
                    box.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
                    box.paragraphs[0].add_run(BOX)
    if not lines:
        doc.add_paragraph("还没有标准写明条款的周期。")

    doc.add_paragraph()
    doc.add_paragraph(f"督查人：{BLANK}　　督查日期：＿＿＿＿年＿＿月＿＿日")
    date = datetime.datetime(year, quarter_months(quarter)[0], 1)
    return saved(doc, f"依据：各项标准写明周期的条款和检查清单　｜　{title}", title, "一季一督查", date)
