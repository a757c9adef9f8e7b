"""台账模板: a standard's ledger forms (its `forms` field) as Word documents (.docx), written with python-docx.

An output of every build (kb.outputs.base.Output), the preview's included: it takes each standard's page and
writes the page's forms, at kb.urls.form_uri, into the site when the last page is in (`complete`); the page
links to them. A preview keeps each document by what it is made of (kb.site.reuse.MadeFiles) and makes it
again only when that changed; a form no standard has any more is removed from the preview's folder.

A form has one-line fields (时间、地点、主持人 …), sections with room to write a paragraph (讨论情况、决定事项),
and, if it lists columns, a register with blank rows (a sign-in sheet). The footer of every page names
the form's basis. One document per form of a standard (not per record that cites it). The bytes depend
only on the form and the standard (the document is dated as the standard is): the zip's entries carry a
fixed time, so two builds of the same data write the same files.
"""

from __future__ import annotations

import datetime
import io
import struct
import zipfile

import docx.document
from docx import Document
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from pathlib import Path

from ..data.model import STANDARD, Record
from ..urls import form_uri
from .base import OutputPage, write_changed

FONT = "宋体"  # SimSun: on every Chinese Windows and in WPS
DEFAULT_ROWS = 15
WIDTH, LABEL_WIDTH = Cm(16.6), Cm(4.2)  # the text width of A4 with 2.2 cm margins; the labels' column
FIELD_HEIGHT, SECTION_HEIGHT = Cm(0.9), Cm(4.5)  # a line to write on; a section's room for a paragraph
_DOS_1980 = (0 << 9) | (1 << 5) | 1  # 1980-01-01 as a zip entry's date


def download_name(record: Record, form: dict) -> str:
    return f"{record.title}-{form['name']}.docx"


def basis_text(record: Record, form: dict) -> str:
    if form.get("source"):
        return form["source"]
    return "；".join(f"《{b['document']}》{b.get('articles', '')}" for b in record.data["basis"])


UNDATED = datetime.datetime(2000, 1, 1)  # the document date of a standard without `updated`


class LedgerForms:
    """The ledger forms of one build (kb.outputs.base.Output). `made`: the documents made before, by what each is
    made of (kb.site.reuse.MadeFiles: a preview's, kept between rebuilds, or a new one)."""

    def __init__(self, made) -> None:
        self.made = made
        self.files: dict[str, bytes] = {}  # the site's path -> the document
        self._blank: docx.document.Document | None = None

    def take(self, page: OutputPage) -> None:
        record = page.record
        if record is None or record.kind is not STANDARD:
            return
        for n, form in enumerate(record.get("forms", []), start=1):
            self.files[form_uri(record, n)] = self.made.get(made_of(record, form), lambda: self.docx(record, form))

    def complete(self, site_dir: Path) -> None:
        """Write the forms (a document already there with the same bytes is left alone: a preview serves its
        folder while it rebuilds) and remove those of an earlier build that no standard has now."""
        for uri, content in self.files.items():
            write_changed(site_dir / uri, content)
        for path in site_dir.glob(f"{STANDARD.folder}/*/taizhang-*.docx"):
            if path.relative_to(site_dir).as_posix() not in self.files:
                path.unlink(missing_ok=True)

    def wait(self) -> None:
        pass

    def close(self) -> None:
        pass

    def docx(self, record: Record, form: dict) -> bytes:
        """The form as a .docx package, dated as the standard is (its `updated`). The one A4 document every form
        is written into and emptied from again is made once: opening python-docx's template anew would be half
        the time a form takes."""
        if self._blank is None:
            self._blank = blank_document()
        return _make(self._blank, record, form)


def made_of(record: Record, form: dict) -> tuple:
    """All that a form's document is made of (kb.site.reuse.MadeFiles keeps it by this)."""
    return (repr(form), record.title, record.date, basis_text(record, form))


def blank_document() -> docx.document.Document:
    """An empty A4 document with the forms' font and margins (the quarters' supervision lists use it too)."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(11)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    section.footer.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    return doc


def clear_body(doc: docx.document.Document) -> None:
    """Remove the previous form, if any, from the blank document; the page settings (sectPr) stay."""
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


def _make(doc: docx.document.Document, record: Record, form: dict) -> bytes:
    clear_body(doc)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(form["name"])
    run.bold, run.font.size = True, Pt(18)

    rows = [(name, FIELD_HEIGHT) for name in form["fields"]] + [(name, SECTION_HEIGHT) for name in form.get("sections", [])]
    table = doc.add_table(rows=0, cols=2)
    table.style, table.alignment, table.autofit = "Table Grid", WD_TABLE_ALIGNMENT.CENTER, False
    for name, height in rows:
        row = table.add_row()
        row.height, row.height_rule = height, WD_ROW_HEIGHT_RULE.AT_LEAST  # room to write by hand
        label, blank = row.cells
        label.width, blank.width = LABEL_WIDTH, WIDTH - LABEL_WIDTH
        label.paragraphs[0].add_run(name).bold = True
    table.columns[0].width, table.columns[1].width = LABEL_WIDTH, WIDTH - LABEL_WIDTH

    if form.get("columns"):
        doc.add_paragraph()
        columns = form["columns"]
        register = doc.add_table(rows=1, cols=len(columns))
        register.style, register.alignment = "Table Grid", WD_TABLE_ALIGNMENT.CENTER
        for cell, name in zip(register.rows[0].cells, columns):
            cell.paragraphs[0].add_run(name).bold = True
        for n in range(1, form.get("rows", DEFAULT_ROWS) + 1):
            row = register.add_row()
            row.height, row.height_rule = FIELD_HEIGHT, WD_ROW_HEIGHT_RULE.AT_LEAST
            cells = row.cells
            if columns[0] == "序号":
                cells[0].paragraphs[0].add_run(str(n))

    date = datetime.datetime.fromisoformat(record.date) if record.date else UNDATED
    return saved(doc, f"依据：{basis_text(record, form)}　｜　《{record.title}》台账模板", form["name"], record.title, date)


def saved(doc: docx.document.Document, footer: str, title: str, subject: str, date: datetime.datetime) -> bytes:
    """The document as a .docx package, with this footer on every page, these properties and no time of saving."""
    line = doc.sections[0].footer.paragraphs[0]
    line.clear()
    line.add_run(footer).font.size = Pt(9)
    props = doc.core_properties
    props.title, props.subject, props.author = title, subject, ""
    props.created = props.modified = date
    props.last_modified_by, props.revision = "", 1
    out = io.BytesIO()
    doc.save(out)
    return fixed_times(out.getvalue())


def fixed_times(docx: bytes) -> bytes:
    """The same package with every entry dated 1980-01-01 (python-docx stamps them with the time of saving).

    The dates are fixed fields of each entry's local header and of its central directory record (the zip
    format, APPNOTE 4.3.7 and 4.3.12), patched in place: rewriting the package would compress it again."""
    out = bytearray(docx)
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        entries, directory = z.infolist(), z.start_dir
    for info in entries:
        struct.pack_into("<HH", out, info.header_offset + 10, 0, _DOS_1980)
    at = directory
    for _ in entries:
        struct.pack_into("<HH", out, at + 12, 0, _DOS_1980)
        name, extra, comment = struct.unpack_from("<HHH", out, at + 28)
        at += 46 + name + extra + comment
    return bytes(out)
