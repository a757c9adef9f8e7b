"""台账模板: a standard's ledger forms (its `forms` field) as Word documents (.docx), written with python-docx.

A form has one-line fields (时间、地点、主持人 …), sections with room to write a paragraph (讨论情况、决定事项),
and, if it lists columns, a register with blank rows (a sign-in sheet). The footer of every page names
the form's basis. One document per form of a standard (not per record that cites it). The bytes depend
only on the form, the standard and the build date: the zip's entries carry a fixed time, so two builds
of the same data on the same day write the same files.
"""

from __future__ import annotations

import datetime
import io
import struct
import zipfile

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from ..data.model import Record

FONT = "宋体"  # SimSun: on every Chinese Windows and in WPS
DEFAULT_ROWS = 15
SECTION_LINES = 6  # blank lines left under a section's heading
_DOS_1980 = (0 << 9) | (1 << 5) | 1  # 1980-01-01 as a zip entry's date


def download_name(record: Record, form: dict) -> str:
    return f"{record.title}-{form['name']}.docx"


def basis_text(record: Record, form: dict) -> str:
    if form.get("source"):
        return form["source"]
    return "；".join(f"《{b['document']}》{b.get('articles', '')}" for b in record.data["basis"])


_MADE: dict[tuple, bytes] = {}  # documents made in this process: a preview rebuilds them only when their input changes


def form_docx(record: Record, form: dict, today: datetime.date) -> bytes:
    """The form as a .docx package."""
    key = (repr(form), record.title, basis_text(record, form), today)
    if key not in _MADE:
        _MADE[key] = _make(record, form, today)
    return _MADE[key]


def _make(record: Record, form: dict, today: datetime.date) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.2))
    section.top_margin = section.bottom_margin = Cm(2)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(11)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(form["name"])
    run.bold, run.font.size = True, Pt(18)

    rows = [(name, False) for name in form["fields"]] + [(name, True) for name in form.get("sections", [])]
    table = doc.add_table(rows=0, cols=2)
    table.style, table.alignment = "Table Grid", WD_TABLE_ALIGNMENT.CENTER
    for name, long in rows:
        label, blank = table.add_row().cells
        label.width, blank.width = Cm(4.2), Cm(12.4)
        label.paragraphs[0].add_run(name).bold = True
        if long:  # room for a paragraph
            for _ in range(SECTION_LINES - 1):
                blank.add_paragraph()

    if form.get("columns"):
        doc.add_paragraph()
        columns = form["columns"]
        register = doc.add_table(rows=1 + form.get("rows", DEFAULT_ROWS), cols=len(columns))
        register.style, register.alignment = "Table Grid", WD_TABLE_ALIGNMENT.CENTER
        for cell, name in zip(register.rows[0].cells, columns):
            cell.paragraphs[0].add_run(name).bold = True
        for n, row in enumerate(register.rows[1:], start=1):
            if columns[0] == "序号":
                row.cells[0].paragraphs[0].add_run(str(n))

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(f"依据：{basis_text(record, form)}　｜　《{record.title}》台账模板").font.size = Pt(9)

    props = doc.core_properties
    props.title, props.subject, props.author = form["name"], record.title, ""
    props.created = props.modified = datetime.datetime.combine(today, datetime.time())
    props.last_modified_by, props.revision = "", 1
    out = io.BytesIO()
    doc.save(out)
    return _fixed_times(out.getvalue())


def _fixed_times(docx: bytes) -> bytes:
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
