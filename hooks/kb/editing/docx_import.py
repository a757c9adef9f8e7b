"""`toolbook.py import-docx`: a case written in Word becomes a draft case record.

python-docx reads the document body in order: paragraphs and tables. Headings, bulleted and
numbered lists, bold text and tables become Markdown; images are copied into
data/assets/<id>/ and listed in the case's `images`. Lines such as 单位：… / 日期：… at the
top give the unit (matched against taxonomy.yml), branch and date; the title is the Title
style, the first heading, or the first short line. Whatever cannot be mapped is reported.
Nothing is overwritten, except an untouched stub made by `new issue` for the issue given.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

from kb.editing.scaffold import (BLANK_CASE_TITLE, ID, TODO, ScaffoldError, block, check_new_id, existing_ids, names, q,
                      record_path, schema_line, taxonomy, write_new)

from kb.data.links import suggest
from kb.settings import today
from kb.data.model import CASE, ISSUE
from kb.data.schema import validate
from kb.data.yamlio import read_document


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
R_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
FIELD = re.compile(r"^\s*(单位|报送单位|供稿单位|所属单位|党组织|党支部|支部|报送日期|日期|时间|摘要|内容摘要|主题)\s*[:：]\s*(.*)$")
DATE = re.compile(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?")
BRANCH_END = ("党支部", "党总支", "党委", "党组", "支部委员会", "党工委")
TITLE_MAX = 60


@dataclass
class Result:
    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)


@dataclass
class _Doc:
    """What was read from the document."""

    title: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    body: list[str] = field(default_factory=list)  # Markdown blocks
    images: list[tuple[bytes, str, str]] = field(default_factory=list)  # (bytes, extension, caption)
    unmapped: list[str] = field(default_factory=list)


def import_docx(path: Path, data: Path, issue: str | None = None, record_id: str | None = None) -> Result:
    if not path.is_file():
        raise ScaffoldError(f"找不到文件 {path.as_posix()}。", 2)
    if path.suffix.lower() != ".docx":
        hint = "旧版 .doc 文件请先在 Word 或 WPS 中“另存为” .docx。" if path.suffix.lower() == ".doc" else ""
        raise ScaffoldError(f"只能导入 .docx 文件，{path.name} 不是。{hint}", 2)
    tax = taxonomy(data)
    issue_path, issue_doc = _issue(data, issue) if issue else (None, None)
    doc = _read(path)
    result = Result(unmapped=doc.unmapped)

    # the id: --id, a stub of the issue nobody filled in yet, the file's name, or the next free one
    stub = None
    if record_id is None and issue_doc is not None:
        stub = _blank_stub(data, issue_doc.value.get("cases", []))
    if record_id is not None:
        check_new_id(data, record_id)
    elif stub is not None:
        record_id = stub.stem
    elif ID.fullmatch(path.stem.lower()) and path.stem.lower() not in existing_ids(data):
        record_id = path.stem.lower()
    else:
        record_id = _free_id(data, issue or today().isoformat()[:7])
    assets = data / "assets" / record_id
    if assets.exists() and any(assets.iterdir()):
        raise ScaffoldError(f"图片文件夹 {assets.as_posix()} 已有文件，不会覆盖。请用 --id 换一个编号。")

    text = _record(doc, record_id, record_path(data, CASE, record_id), tax, issue_doc, result)
    _validate(text, record_path(data, CASE, record_id))
    # write: images first, then the record, then the issue's list (each step refuses to overwrite)
    for n, (content, ext, _) in enumerate(doc.images, start=1):
        assets.mkdir(parents=True, exist_ok=True)
        target = assets / f"image-{n}.{ext}"
        with open(target, "xb") as f:
            f.write(content)
        result.written.append(target)
    case_path = record_path(data, CASE, record_id)
    if stub is not None:
        stub.write_text(text, encoding="utf-8", newline="\n")
        result.notes.append(f"导入的案例替换了 {issue} 期里尚未填写的模板 {stub.name}")
    else:
        write_new(case_path, text)
    result.written.append(case_path)
    if issue_path is not None and stub is None:
        _append_case(issue_path, issue_doc, record_id)
        result.notes.append(f"已把 {record_id} 加到 {issue} 期专刊的 cases 末尾")
    return result


def _issue(data: Path, month: str):
    path = record_path(data, ISSUE, month)
    if not path.exists():  # a folder or FIFO of that name: the reader says what it is
        raise ScaffoldError(f"找不到 {month} 期专刊（{path.as_posix()}）。可先用 new issue {month} --theme 主题 创建。", 2)
    doc, problems = read_document(path)
    if doc is None or not isinstance(doc.value, dict) or not isinstance(doc.value.get("cases"), list):
        raise ScaffoldError("专刊文件有问题，请先改正：\n" + "\n".join(str(p) for p in problems))
    return path, doc


def _blank_stub(data: Path, case_ids: list) -> Path | None:
    for case_id in case_ids:
        path = record_path(data, CASE, str(case_id))
        if path.is_file():
            doc, _ = read_document(path)
            if doc is not None and isinstance(doc.value, dict) and doc.value.get("title") == BLANK_CASE_TITLE \
                    and str(doc.value.get("body", "")).startswith(f"（{TODO}）"):
                return path
    return None


def _free_id(data: Path, prefix: str) -> str:
    used = existing_ids(data)
    n = 1
    while f"{prefix}-anli-{n}" in used:
        n += 1
    return f"{prefix}-anli-{n}"


def _append_case(path: Path, doc, record_id: str) -> None:
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    cases = doc.value["cases"]
    if not cases:
        raise ScaffoldError(f"无法自动修改 {path.name}：请手工在 cases 下加一行 - {record_id}")
    last = doc.line_of(("cases", len(cases) - 1))  # 1-based
    item = lines[last - 1]
    if not item.lstrip().startswith("- "):  # a flow list [a, b]: leave it to the editor
        raise ScaffoldError(f"案例已导入，但无法自动加入 {path.name}（cases 写成了一行）：请手工加上 {record_id}")
    indent = item[: len(item) - len(item.lstrip())]
    lines.insert(last, f"{indent}- {record_id}\n")
    if not lines[last - 1].endswith("\n"):
        lines[last - 1] += "\n"
    path.write_text("".join(lines), encoding="utf-8", newline="\n")


# -- reading the document ---------------------------------------------------------------


def _read(path: Path) -> _Doc:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as e:
        raise ScaffoldError(f"无法打开 {path.name}：它不是有效的 Word（.docx）文档（{type(e).__name__}）。", 1) from None
    out = _Doc()
    numbering = _numbering_formats(document)
    head_done = False  # the title and the 单位/日期 lines come before the body
    shift = 1  # body heading levels move down under the page title (##), one less if the title was a Heading 1
    for child in document.element.body.iterchildren():
        if child.tag == W + "tbl":
            out.body.append(_table(Table(child, document), out))
            head_done = True
            continue
        if child.tag != W + "p":
            continue
        p = Paragraph(child, document)
        _images(p, document, out)
        if child.findall(".//" + W + "txbxContent"):
            out.unmapped.append("文本框里的文字")
        text = p.text.strip()
        if not text:
            continue
        style = (p.style.name if p.style is not None else "") or ""
        level = _heading_level(style)
        if not out.title and not head_done and (style == "Title" or level == 1 or (level is None and len(text) <= TITLE_MAX and not text.endswith("。") and not FIELD.match(text))):
            out.title = text
            shift = 0 if level == 1 else 1
            continue
        m = FIELD.match(text)
        if m and not head_done and m.group(1) not in out.fields:
            out.fields[m.group(1)] = m.group(2).strip()
            continue
        head_done = True
        if level is not None:
            out.body.append("#" * max(2, min(level + shift, 6)) + " " + text)
            continue
        if text.startswith(("图", "图片")) and out.images and out.images[-1][2] == "" and len(text) <= 80:
            content, ext, _ = out.images[-1]
            out.images[-1] = (content, ext, text)  # the caption under an image
            continue
        md = _runs(p)
        kind = _list_kind(p, style, numbering)
        if kind:
            out.body.append(("- " if kind == "bullet" else "1. ") + md)
        else:
            out.body.append(md)
    return out


def _heading_level(style: str) -> int | None:
    m = re.match(r"^(?:Heading|标题)\s*(\d)$", style)
    return int(m.group(1)) if m else None


def _numbering_formats(document) -> dict[tuple[str, str], str]:
    """(numId, ilvl) -> numFmt ("bullet", "decimal", …) from the document's numbering part."""
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return {}
    abstract = {}
    for a in numbering.findall(W + "abstractNum"):
        for lvl in a.findall(W + "lvl"):
            fmt = lvl.find(W + "numFmt")
            abstract[(a.get(W + "abstractNumId"), lvl.get(W + "ilvl"))] = fmt.get(W + "val") if fmt is not None else "bullet"
    out = {}
    for num in numbering.findall(W + "num"):
        ref = num.find(W + "abstractNumId")
        if ref is None:
            continue
        for (aid, ilvl), fmt in abstract.items():
            if aid == ref.get(W + "val"):
                out[(num.get(W + "numId"), ilvl)] = fmt
    return out


def _list_kind(p, style: str, numbering: dict) -> str | None:
    if style.startswith("List Bullet"):
        return "bullet"
    if style.startswith("List Number"):
        return "number"
    num = p._p.find(f"{W}pPr/{W}numPr")
    if num is None:
        return None
    num_id, ilvl = num.find(W + "numId"), num.find(W + "ilvl")
    key = (num_id.get(W + "val") if num_id is not None else None, ilvl.get(W + "val") if ilvl is not None else "0")
    if key[0] == "0":  # numbering switched off
        return None
    return "bullet" if numbering.get(key, "bullet") in ("bullet", "none") else "number"


def _escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>|])", r"\\\1", text)


def _runs(p) -> str:
    """The paragraph's text as Markdown: bold runs become **…**, everything else plain."""
    parts: list[tuple[bool, str]] = []
    for run in p.runs:
        if run.text:
            bold = bool(run.bold)
            if parts and parts[-1][0] == bold:
                parts[-1] = (bold, parts[-1][1] + run.text)
            else:
                parts.append((bold, run.text))
    if not parts:
        return _escape(p.text.strip())
    out = []
    for bold, text in parts:
        core = text.strip()
        if bold and core:
            lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
            out.append(f"{lead}**{_escape(core)}**{trail}")
        else:
            out.append(_escape(text))
    return "".join(out).strip()


def _table(table, out: _Doc) -> str:
    rows = []
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if cell.tables:
                out.unmapped.append("表格里嵌套的表格")
            if cell._tc.findall(".//" + A_BLIP):
                out.unmapped.append("表格里的图片")
            cells.append(" ".join(_escape(p.text.strip()) for p in cell.paragraphs if p.text.strip()) or " ")
        rows.append(cells)
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [" "] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)


def _images(p, document, out: _Doc) -> None:
    for blip in p._p.findall(".//" + A_BLIP):
        rid = blip.get(R_EMBED)
        part = document.part.related_parts.get(rid) if rid else None
        if part is None:
            out.unmapped.append("一张链接到外部文件的图片")
            continue
        ext = IMAGE_TYPES.get(part.content_type)
        if ext is None:
            out.unmapped.append(f"一张 {part.content_type} 格式的图片（只支持 jpg、png、gif、webp，请另存为 jpg 后手工添加）")
            continue
        out.images.append((part.blob, ext, ""))


# -- the record -------------------------------------------------------------------------


def _record(doc: _Doc, record_id: str, path: Path, tax: dict, issue_doc, result: Result) -> str:
    f = doc.fields
    todo_comment = f"  # {TODO}"
    units = names(tax, "units")
    themes = names(tax, "themes")

    unit_text = f.get("单位") or f.get("报送单位") or f.get("供稿单位") or f.get("所属单位") or ""
    unit = unit_text if unit_text in units else (suggest(unit_text, units) if unit_text else None)
    if unit is None:  # no 单位 line: a unit named near the top
        unit = next((u for u in units for line in [doc.title, *f.values(), *doc.body[:3]] if u in line), None)
    if unit:
        unit_line = f"unit: {q(unit)}\n"
        if unit_text and unit != unit_text:
            result.notes.append(f'单位 "{unit_text}" 按词表记为 "{unit}"')
    else:
        unit_line = f"unit: {q(units[0])}{todo_comment}：没有识别出单位" + (f"（原文：{unit_text}）" if unit_text else "") + "，请换成 taxonomy.yml 里的名称\n"
        result.unmapped.append("单位" + (f"：“{unit_text}”不在 taxonomy.yml 的单位中" if unit_text else "：文档里没有找到"))

    branch = f.get("党组织") or f.get("党支部") or f.get("支部") or next(
        (line for line in [doc.title, *doc.body[:3]] if line.endswith(BRANCH_END) and len(line) <= 60), "")
    branch_line = f"branch: {q(branch)}\n" if branch else f"branch: {q(f'（{TODO}）党组织全称')}\n"
    if not branch:
        result.unmapped.append("党组织：文档里没有找到（如“党组织：……党支部”）")

    date = None
    for key in ("报送日期", "日期", "时间"):
        m = DATE.search(f.get(key, ""))
        if m:
            try:
                date = datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
            except ValueError:
                pass
            break
    date_line = f"date: {q(date)}\n" if date else f"date: {q(today().isoformat())}{todo_comment}：文档里没有日期，暂填导入当天\n"
    if not date:
        result.unmapped.append("日期：文档里没有找到（如“日期：2026年12月3日”）")

    theme = issue_doc.value.get("theme") if issue_doc is not None else None
    theme_text = f.get("主题", "")
    if theme_text:
        theme = theme_text if theme_text in themes else suggest(theme_text, themes) or theme
    if theme in themes:
        theme_line = f"theme: {q(theme)}\n"
    else:
        theme_line = f"theme: {q(themes[0])}{todo_comment}：请换成 taxonomy.yml 里的主题\n"
        result.unmapped.append("主题：文档里没有（如“主题：……”），也没有用 --issue 指定专刊")

    title = doc.title or f"（{TODO}）案例标题"
    if not doc.title:
        result.unmapped.append("标题：文档里没有找到")
    body_blocks = [b for b in doc.body if b.strip()]
    summary = f.get("摘要") or f.get("内容摘要")
    if not summary:
        first = next((b for b in body_blocks if not b.startswith(("#", "|", "- ", "1. "))), "")
        plain = re.sub(r"\*\*|\\", "", first)
        summary = plain[:120] + ("…" if len(plain) > 120 else "") if plain else f"（{TODO}）一两句话概括案例。"
        result.notes.append("摘要取自正文第一段，请核对" if plain else "文档里没有正文段落可作摘要")
    body = _join(body_blocks) or f"（{TODO}）正文"
    text = (schema_line(path, CASE) + f"id: {record_id}\ntitle: {q(title)}\n{unit_line}{branch_line}{date_line}{theme_line}"
            f"summary: {q(summary)}\nbody: {block(body)}")
    if doc.images:
        text += "images:\n" + "".join(
            f"  - file: image-{n}.{ext}\n    caption: {q(caption or f'{title} 配图 {n}')}\n"
            for n, (_, ext, caption) in enumerate(doc.images, start=1))
        if any(not c for _, _, c in doc.images):
            result.notes.append("有的图片没有说明（图片下方以“图”开头的一行），已暂用标题代替，请修改 images 里的 caption")
    return text + "draft: true\n"


def _join(blocks: list[str]) -> str:
    """Blocks separated by blank lines, except consecutive items of one list (a tight list)."""
    out = ""
    for b in blocks:
        same_list = out and any(out.rsplit("\n", 1)[-1].startswith(m) and b.startswith(m) for m in ("- ", "1. "))
        out += ("\n" if same_list else "\n\n" if out else "") + b
    return out


def _validate(text: str, path: Path) -> None:
    """The record must pass its schema before anything is written."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / path.name
        probe.write_text(text, encoding="utf-8")
        doc, problems = read_document(probe)
        if doc is not None:
            problems = validate("case", doc, Path(path.name))
    if problems:
        raise ScaffoldError("转换结果不符合案例格式，未写入任何文件：\n" + "\n".join(str(p) for p in problems))
