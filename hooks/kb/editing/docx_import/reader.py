"""WordprocessingML read into a simple document model: the blocks Word shows, in order, and the images.

Its one job: walk the body of a .docx, paragraphs and tables, into Blocks holding the text Word shows: inside
hyperlinks, tracked insertions (deletions are dropped), content controls (around paragraphs, rows, cells and
text), simple and complex fields (their result, not their code), smart tags and text boxes (once: not also
their VML fallback); with each paragraph's kind (plain, heading, title, list item) from its style, outline level
and numbering; and count, by kind, what it could not read. It must never read a part except through
guard.Package, never write Markdown or YAML (markdown.py, record.py: it imports neither), and never guess what a
block means for the record (guess.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kb.editing.docx_import.guard import MAX_IMAGE, TOO_DEEP, W, Package, Refused, open_docx

R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
V = "{urn:schemas-microsoft-com:vml}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
# containers whose runs Word shows as part of the paragraph (w:del and w:moveFrom are deleted text: dropped)
INLINE_CONTAINERS = {W + t for t in ("hyperlink", "ins", "moveTo", "smartTag", "customXml", "fldSimple", "dir", "bdo")}
BLOCK_CONTAINERS = {W + t for t in ("customXml", "ins", "moveTo", "smartTag")}
IMAGE_MAGIC = [(b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpg"), (b"GIF87a", "gif"), (b"GIF89a", "gif")]
OFF = {"0", "false", "off", "none"}
# what Word may keep in text that a YAML record must not hold (kb/yamlio.py refuses it): dropped, or a line break
_LINE_BREAKS = "\n\r\x0b\x0c\x85\u2028\u2029"
_INVISIBLE = dict.fromkeys([*range(0x00, 0x09), *range(0x0e, 0x20), *range(0x7f, 0x85), *range(0x86, 0xa0),
                            0xfeff, 0xfffe, 0xffff]) | {ord(c): "\n" for c in _LINE_BREAKS} | {ord("\t"): " "}

Segments = list[tuple[bool, str]]  # (bold?, text) runs of a line
Image = tuple[bytes, str, str]  # (content, extension, caption): the reader leaves the caption empty


@dataclass
class Block:
    """One block of the body as read: a paragraph (one line of it, for a plain one), a heading, the title, a list
    item or a table."""

    kind: str  # "p", "heading", "title", "item" or "table"
    text: str  # plain text (a table: its cells')
    segments: Segments = field(default_factory=list)  # a "p": its line; the others but a table: the whole paragraph
    number: int = 0  # the paragraph's place among the document's paragraphs with text, for messages
    level: int = 0  # a heading's
    list_kind: str = ""  # a list item's: "bullet" or "number"
    rows: list[list[list[Block]]] = field(default_factory=list)  # a table's cells, each its blocks ([]: empty, merged)
    images: int = 0  # images read up to and including this block


@dataclass
class Document:
    """What was read from the .docx."""

    blocks: list[Block]
    images: list[Image]
    unmapped: list[str]  # what could not be read, once per kind with its count


def read(path: Path) -> Document:
    """The document's blocks, images and what could not be read; Refused with the reason if it cannot be read."""
    package = open_docx(path)
    try:
        main = package.main_part()
        reader = _Reader(package, main)
        try:
            blocks = reader.blocks(package.body(main))
        except RecursionError:
            raise Refused(TOO_DEEP) from None
    finally:
        package.zip.close()
    unmapped = [what if n == 1 else f"{what}：共 {n} 处" for what, n in reader.unmapped.items()]
    return Document(blocks, reader.images, unmapped)


@dataclass
class _Style:
    name: str = ""
    based_on: str | None = None
    outline: int | None = None
    numbering: tuple[str, str] | None = None
    bold: bool = False


def _on(element) -> bool:
    """Whether an on/off property (w:b, w:vanish, …) is set."""
    return element is not None and (element.get(W + "val") or "true").lower() not in OFF


def _int(value, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _choice(alternate):
    """The branch of mc:AlternateContent to read: its first mc:Choice, else its mc:Fallback (never both)."""
    return alternate.find(MC + "Choice") if alternate.find(MC + "Choice") is not None else alternate.find(MC + "Fallback")


def _image_type(data: bytes) -> str | None:
    for magic, ext in IMAGE_MAGIC:
        if data.startswith(magic):
            return ext
    return "webp" if data[:4] == b"RIFF" and data[8:12] == b"WEBP" else None


def _image_kind(data: bytes, name: str) -> str:
    if data[40:44] == b" EMF":
        return "EMF"
    if data[:4] in (b"\xd7\xcd\xc6\x9a", b"\x01\x00\x09\x00"):
        return "WMF"
    return (name.rsplit(".", 1)[-1].upper() if "." in name else "未知")[:8]


def _symbol(sym) -> str | None:
    """The text of a w:sym; None for a symbol font's private code point, which has no text."""
    try:
        code = int(sym.get(W + "char") or "", 16)
    except ValueError:
        code = 0
    return chr(code).translate(_INVISIBLE) if 0x20 <= code < 0xD800 and not 0xE000 <= code <= 0xF8FF else None


class _Reader:
    """Walks the body of one document into blocks, as Word shows it."""

    def __init__(self, package: Package, main: str):
        self.package = package
        self.rels = package.rels(main)
        self.styles: dict[str, _Style] = {}
        self.default_style: str | None = None
        self.numbering: dict[tuple[str, str], str] = {}
        styles, numbering = self._related("/styles"), self._related("/numbering")
        if styles:
            self._read_styles(package.xml(styles))
        if numbering:
            self._read_numbering(package.xml(numbering))
        self.fields: list[bool] = []  # complex fields open: for each, whether its result (shown) has begun
        self.paragraphs = 0
        self.images: list[Image] = []
        self.unmapped: dict[str, int] = {}
        self._cache: dict[str | None, tuple] = {}

    def _related(self, kind: str) -> str | None:
        return next((target for typ, target, external in self.rels.values() if typ.endswith(kind) and not external), None)

    def note(self, what: str) -> None:
        self.unmapped[what] = self.unmapped.get(what, 0) + 1

    # styles and numbering

    def _read_styles(self, root) -> None:
        for style in root.iter(W + "style") if root is not None else ():
            sid = style.get(W + "styleId")
            name, based, ppr, rpr = (style.find(W + t) for t in ("name", "basedOn", "pPr", "rPr"))
            info = _Style(name=(name.get(W + "val") or "") if name is not None else "",
                          based_on=based.get(W + "val") if based is not None else None, bold=rpr is not None and _on(rpr.find(W + "b")))
            if ppr is not None:
                outline = ppr.find(W + "outlineLvl")
                if outline is not None:
                    info.outline = _int(outline.get(W + "val"), 9)
                num = ppr.find(W + "numPr")
                if num is not None:
                    info.numbering = self._num_key(num)
            self.styles[sid] = info
            if style.get(W + "type") == "paragraph" and (style.get(W + "default") or "").lower() in ("1", "true", "on"):
                self.default_style = sid

    def _read_numbering(self, root) -> None:
        if root is None:
            return
        abstract: dict[tuple[str, str], str] = {}
        for a in root.iter(W + "abstractNum"):
            for lvl in a.iter(W + "lvl"):
                fmt = lvl.find(W + "numFmt")
                abstract[(a.get(W + "abstractNumId"), lvl.get(W + "ilvl") or "0")] = (fmt.get(W + "val") or "") if fmt is not None else "bullet"
        by_abstract: dict[str, list[tuple[str, str]]] = {}
        for (aid, ilvl), fmt in abstract.items():
            by_abstract.setdefault(aid, []).append((ilvl, fmt))
        for num in root.iter(W + "num"):
            ref = num.find(W + "abstractNumId")
            for ilvl, fmt in by_abstract.get(ref.get(W + "val") if ref is not None else None, []):
                self.numbering[(num.get(W + "numId"), ilvl)] = fmt

    @staticmethod
    def _num_key(num) -> tuple[str, str]:
        num_id, ilvl = num.find(W + "numId"), num.find(W + "ilvl")
        return ((num_id.get(W + "val") if num_id is not None else None) or "", (ilvl.get(W + "val") if ilvl is not None else None) or "0")

    def _style(self, sid: str | None) -> tuple[str, int | None, bool, tuple | None]:
        """(name, heading level, Title?, numbering) of a paragraph style, following basedOn."""
        if sid not in self._cache:
            name, level, numbering, seen, at = "", None, None, set(), sid
            while at is not None and at not in seen and at in self.styles and len(seen) < 20:
                seen.add(at)
                style = self.styles[at]
                name = name or style.name
                m = re.fullmatch(r"(?:heading|标题)\s*([1-9])", style.name.strip(), re.I)
                if level is None and m:
                    level = int(m.group(1))
                elif level is None and style.outline is not None and style.outline < 9:
                    level = style.outline + 1
                numbering = numbering or style.numbering
                at = style.based_on
            title = name.strip().lower() in ("title", "标题")
            self._cache[sid] = (name or (sid or ""), level, title, numbering)
        return self._cache[sid]

    # the body

    def blocks(self, children) -> list[Block]:
        out: list[Block] = []
        for child in children:
            self._block(child, out)
        return out

    def _blocks(self, container, out: list[Block]) -> None:
        for child in container:
            self._block(child, out)

    def _block(self, child, out: list[Block]) -> None:
        tag = child.tag
        if tag == W + "p":
            self._paragraph(child, out)
        elif tag == W + "tbl":
            self._table(child, out)
        elif tag == W + "sdt":  # a content control around paragraphs or tables
            content = child.find(W + "sdtContent")
            if content is not None:
                self._blocks(content, out)
        elif tag in BLOCK_CONTAINERS:
            self._blocks(child, out)
        elif tag == MC + "AlternateContent":
            choice = _choice(child)
            if choice is not None:
                self._blocks(choice, out)
        elif tag == W + "altChunk":
            self.note("嵌入的其他格式内容（altChunk，如粘贴进来的网页），请对照原文补上")

    def _paragraph(self, p, out: list[Block]) -> None:
        ppr = p.find(W + "pPr")
        style_el = ppr.find(W + "pStyle") if ppr is not None else None
        sid = style_el.get(W + "val") if style_el is not None else self.default_style
        name, level, title, numbering = self._style(sid)
        if ppr is not None:
            outline = ppr.find(W + "outlineLvl")
            if outline is not None:
                level = _int(outline.get(W + "val"), 9) + 1 if _int(outline.get(W + "val"), 9) < 9 else None
            num = ppr.find(W + "numPr")
            if num is not None:
                numbering = self._num_key(num)
        segments: Segments = []
        boxes: list = []
        self._inline(p, segments, boxes)
        self.fields = [shown for shown in self.fields if shown]  # a field's code does not run on past its paragraph
        lines = _lines(segments)
        texts = ["".join(t for _, t in line).strip() for line in lines]
        if any(texts):
            self.paragraphs += 1
            list_kind = self._list_kind(name, numbering) if level is None and not title else ""
            if title or level is not None or list_kind:  # one block; its line breaks become spaces
                text = " ".join(t for t in texts if t)
                kind = "title" if title else "heading" if level is not None else "item"
                one_line = [(bold, t.replace("\n", " ")) for bold, t in segments]
                out.append(Block(kind, text, one_line, self.paragraphs, level or 0, list_kind, images=len(self.images)))
            else:  # a plain paragraph: each line Word breaks (Shift+Enter) becomes a paragraph of its own
                for line, text in zip(lines, texts):
                    if text:
                        out.append(Block("p", text, line, self.paragraphs, images=len(self.images)))
        for box in boxes:  # a text box's paragraphs follow the paragraph it is anchored in
            self._blocks(box, out)

    def _list_kind(self, style_name: str, numbering) -> str:
        lower = style_name.lower()
        if lower.startswith("list bullet"):
            return "bullet"
        if lower.startswith("list number"):
            return "number"
        if numbering is None or numbering[0] in ("", "0"):  # numId 0: numbering switched off
            return ""
        return "bullet" if self.numbering.get(numbering, "bullet") in ("bullet", "none", "") else "number"

    def _inline(self, element, segments: Segments, boxes: list) -> None:
        for child in element:
            tag = child.tag
            if tag == W + "r":
                self._run(child, segments, boxes)
            elif tag in INLINE_CONTAINERS:
                self._inline(child, segments, boxes)
            elif tag == W + "sdt":
                content = child.find(W + "sdtContent")
                if content is not None:
                    self._inline(content, segments, boxes)
            elif tag == MC + "AlternateContent":
                choice = _choice(child)
                if choice is not None:
                    self._inline(choice, segments, boxes)
            elif tag in (M + "oMath", M + "oMathPara"):
                self.note("公式（请对照原文补上，或截图后作为配图添加）")

    def _run(self, run, segments: Segments, boxes: list) -> None:
        rpr = run.find(W + "rPr")
        if rpr is not None and (_on(rpr.find(W + "vanish")) or _on(rpr.find(W + "specVanish"))):
            if any(t.text and t.text.strip() for t in run.iter(W + "t")):
                self.note("设为“隐藏”的文字（Word 里看不见，未导入）")
            return
        bold = False
        if rpr is not None:
            b, style = rpr.find(W + "b"), rpr.find(W + "rStyle")
            bold = _on(b) if b is not None else bool(style is not None and self.styles.get(style.get(W + "val"), _Style()).bold)
        for child in run:
            tag = child.tag
            if tag == W + "t":
                if child.text and all(self.fields):
                    segments.append((bold, child.text.translate(_INVISIBLE)))
            elif tag == W + "fldChar":
                self._field_char(child.get(W + "fldCharType"))
            elif tag in (W + "tab", W + "ptab"):
                segments.append((bold, " "))
            elif tag in (W + "br", W + "cr"):
                segments.append((bold, "\n"))
            elif tag == W + "noBreakHyphen":
                segments.append((bold, "-"))
            elif tag == W + "sym":
                symbol = _symbol(child)
                if symbol is not None:
                    segments.append((bold, symbol))
            elif tag == W + "ruby":
                self._ruby(child, bold, segments, boxes)
            elif tag in (W + "drawing", W + "pict", W + "object", MC + "AlternateContent"):
                self._graphic(child, boxes)
            elif tag in (W + "footnoteReference", W + "endnoteReference"):
                self.note("脚注、尾注（未导入，请把需要的内容写进正文）")
            elif tag == W + "commentReference":
                self.note("批注（未导入）")

    def _field_char(self, kind: str | None) -> None:
        """A complex field's begin, separate (its result, shown, follows its code) or end."""
        if kind == "begin":
            self.fields.append(False)
        elif kind == "separate" and self.fields:
            self.fields[-1] = True
        elif kind == "end" and self.fields:
            self.fields.pop()

    def _ruby(self, ruby, bold: bool, segments: Segments, boxes: list) -> None:
        """A phonetic guide (pinyin, furigana): the text, then its guide in brackets."""
        guide: Segments = []
        for part, into in ((ruby.find(W + "rubyBase"), segments), (ruby.find(W + "rt"), guide)):
            if part is not None:
                self._inline(part, into, boxes)
        text = "".join(t for _, t in guide).strip()
        if text:
            segments.append((bold, f"（{text}）"))

    def _graphic(self, element, boxes: list) -> None:
        """Images and text boxes in a drawing, read once: the mc:Choice branch, not also its VML fallback."""
        stack = [element]
        while stack:
            node = stack.pop()
            tag = node.tag
            if tag == MC + "AlternateContent":
                choice = _choice(node)
                if choice is not None:
                    stack.append(choice)
                continue
            if tag == W + "txbxContent":
                boxes.append(node)
                continue
            if tag == A + "blip":
                self._image(node.get(R + "embed"), node.get(R + "link"))
            elif tag == V + "imagedata":
                self._image(node.get(R + "id"), None)
            elif tag == A + "graphicData" and any(k in (node.get("uri") or "") for k in ("chart", "diagram")):
                self.note("图表或 SmartArt 图形（请截图后作为配图添加）")
            stack.extend(reversed(node))

    def _image(self, rid: str | None, link: str | None) -> None:
        rel = self.rels.get(rid) if rid else None
        if rel is None or rel[2]:
            if rid or link:
                self.note("链接到外部文件的图片（请把图片本身插入文档，或手工添加）")
            return
        content = self.package.read(rel[1], MAX_IMAGE)
        if content is None:
            self.note("一张在文档里找不到文件的图片")
            return
        ext = _image_type(content)
        if ext is None:
            self.note(f"一张 {_image_kind(content, rel[1])} 格式的图片（只支持 jpg、png、gif、webp，请另存为 jpg 后手工添加）")
            return
        self.images.append((content, ext, ""))

    def _table(self, table, out: list[Block]) -> None:
        rows: list[list[list[Block]]] = []
        inner: list[list[Block]] = []  # every cell's blocks, a merged cell's too
        for tr in _children(table, W + "tr"):
            trpr = tr.find(W + "trPr")
            before = trpr.find(W + "gridBefore") if trpr is not None else None
            cells: list[list[Block]] = [[] for _ in range(min(_int(before.get(W + "val")) if before is not None else 0, 64))]
            for tc in _children(tr, W + "tc"):
                tcpr = tc.find(W + "tcPr")
                span = tcpr.find(W + "gridSpan") if tcpr is not None else None
                merge = tcpr.find(W + "vMerge") if tcpr is not None else None
                blocks: list[Block] = []
                self._blocks(tc, blocks)
                inner.append(blocks)
                continued = merge is not None and (merge.get(W + "val") or "continue") == "continue"
                cells.append([] if continued else blocks)
                cells += [[] for _ in range(min(_int(span.get(W + "val"), 1), 64) - 1 if span is not None else 0)]
            rows.append(cells)
        if len(rows) == 1 and len(rows[0]) == 1:  # a one-cell table is a frame around paragraphs: keep them as such
            out.extend(inner[0] if inner else [])
            return
        if not any(cell for row in rows for cell in row):
            return
        if any(b.kind == "table" for blocks in inner for b in blocks):
            self.note("表格里嵌套的表格（其中的文字已并入所在的单元格）")
        text = " ".join(b.text for row in rows for cell in row for b in cell)
        out.append(Block("table", text, number=self.paragraphs, rows=rows, images=len(self.images)))


def _children(element, tag: str):
    """The `tag` children of `element`, also those inside content controls and custom XML around them."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                yield from _children(content, tag)
        elif child.tag in (W + "customXml", W + "ins", W + "moveTo"):
            yield from _children(child, tag)


def _lines(segments: Segments) -> list[Segments]:
    """Segments split at line breaks."""
    lines: list[Segments] = [[]]
    for bold, text in segments:
        first, *rest = text.split("\n")
        if first:
            lines[-1].append((bold, first))
        for part in rest:
            lines.append([(bold, part)] if part else [])
    return lines
