"""`toolbook.py import-docx`: a case written in Word becomes a draft case record.

The .docx is read as what it is, a zip of XML parts, with lxml. Before anything is unpacked, the sizes the
zip declares are checked (a 3.8 MB file can hold 100 MB of XML); the body's paragraphs are counted in its
bytes before it is parsed; a DTD is refused (entity expansion, external entities); a damaged zip, CRC or
XML, an encrypted document or an old .doc renamed are Chinese refusals naming the file. Strict Open XML
is read by mapping its namespaces to the usual ones.

The body is walked in order, paragraphs and tables, into the text Word shows: inside hyperlinks, tracked
insertions (deletions are dropped), content controls (around paragraphs, rows, cells and text), simple
and complex fields (their result, not their code), smart tags and text boxes (once: not also their VML
fallback). Headings (by style, outline level, or 公文's short 一、/（一） lines), bulleted and numbered
lists, bold text and tables become Markdown; every other paragraph stays plain text (a Markdown mark
at its start, "- ", "2026. ", "#", "---", is escaped). Images are copied into data/assets/<id>/ and
listed in the case's `images`. Lines such as 单位：… / 日期：… at the top (several on one line too) and a
date alone on a line at the top, or under the signature at the end as 公文 have it (二〇二六年三月五日
too), give the unit (matched against taxonomy.yml), branch and date; the title is the Title style, the
first heading, or the first short line. Invisible characters Word keeps (BOM, C0/C1 controls, U+2028 …)
are dropped or become line breaks. Whatever cannot be converted is reported, once per kind with its
count; every message names the .docx (and the paragraph), never a temporary file. Nothing is
overwritten, except an untouched stub made by `new issue` for the issue given.

One module per job, each importing only those before it:

    guard.py     the path, the file's first bytes and the zip's directory checked; parts read within bounds
    reader.py    WordprocessingML -> Blocks (paragraphs, headings, list items, tables) and images
    markdown.py  Blocks and text -> Markdown
    guess.py     title, head fields, body and captions told apart; unit, branch, date, theme, summary guessed
    record.py    the id, the YAML record checked against its schema, and the files written

mammoth walks the same structures; it was compared on the same documents (tests/fixtures/docx) and not
chosen: see tests/fixtures/docx/LICENSES.md.
"""

from __future__ import annotations

from pathlib import Path

from kb.editing.docx_import.guard import Refused, check_path
from kb.editing.docx_import.guess import assemble, guess_fields
from kb.editing.docx_import.markdown import paragraph_markdown
from kb.editing.docx_import.reader import read
from kb.editing.docx_import.record import Result, choose_target, read_issue, record_text, validate_record, write
from kb.editing.scaffold import ScaffoldError, taxonomy

__all__ = ["Result", "import_docx", "paragraph_markdown"]


def import_docx(path: Path, data: Path, issue: str | None = None, record_id: str | None = None) -> Result:
    check_path(path)
    tax = taxonomy(data)
    issue_path, issue_doc = read_issue(data, issue) if issue else (None, None)
    try:
        draft = assemble(read(path))
    except Refused as e:
        raise ScaffoldError(f"无法导入 {path.name}：{e}") from None
    except OSError as e:
        raise ScaffoldError(f"无法导入 {path.name}：读取文件时出错（{e.strerror or type(e).__name__}）。") from None
    result = Result(unmapped=draft.unmapped)
    target = choose_target(data, path, record_id, issue, issue_path, issue_doc, result)
    fields = guess_fields(draft, tax, issue_doc)
    result.notes += fields.notes
    result.unmapped += fields.unmapped
    try:
        text = record_text(draft, fields, target, tax)
    except Refused as e:
        raise ScaffoldError(f"无法导入 {path.name}：{e}") from None
    validate_record(text, target.path, path, draft.origin)
    write(target, text, draft.images, result)
    return result
