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

mammoth walks the same structures; it was compared on the same documents (tests/fixtures/docx) and not
chosen: see tests/fixtures/docx/LICENSES.md.
"""

from __future__ import annotations

import datetime
import io
import lzma
import os
import posixpath
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

from kb.data.links import suggest
from kb.data.model import CASE, ISSUE
from kb.data.schema import validate
from kb.data.yamlio import MAX_BYTES, read_bytes, read_document
from kb.editing.scaffold import (BLANK_CASE_TITLE, ID, TODO, ScaffoldError, block, check_new_id, existing_ids, names, plain,
                                 q, record_path, schema_line, taxonomy, write_new)
from kb.settings import today
from kb.urls import RESERVED_IDS

BRANCH_END = ("党支部", "党总支", "党委", "党组", "支部委员会", "党工委")
# where each field of the record came from, by the labels of the document's head lines
FIELD_LABELS = {"unit": ("单位", "报送单位", "供稿单位", "所属单位", "单位名称"), "branch": ("党组织", "党支部", "支部", "落款"),
                "date": ("报送日期", "日期", "时间"), "summary": ("摘要", "内容摘要"), "theme": ("主题",),
                "title": ("title",), "body": ("body",)}


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
    origin: dict[str, int] = field(default_factory=dict)  # "title", "body" or a head label -> paragraph number
    first_paragraph: str = ""  # the body's first plain paragraph, as text


def import_docx(path: Path, data: Path, issue: str | None = None, record_id: str | None = None) -> Result:
    try:
        info = os.stat(path)
    except OSError:
        raise ScaffoldError(f"找不到文件 {path.as_posix()}。", 2) from None
    if stat.S_ISDIR(info.st_mode):
        raise ScaffoldError(f"{path.name} 是一个文件夹，不是 Word 文档。", 2)
    if not stat.S_ISREG(info.st_mode):  # a FIFO would never finish opening
        raise ScaffoldError(f"{path.name} 不是普通文件（而是命名管道、设备之类），不予读取。", 2)
    if path.suffix.lower() != ".docx":
        hint = "旧版 .doc 文件请先在 Word 或 WPS 中“另存为” .docx。" if path.suffix.lower() == ".doc" else ""
        raise ScaffoldError(f"只能导入 .docx 文件，{path.name} 不是。{hint}", 2)
    if info.st_size == 0:
        raise ScaffoldError(f"无法导入 {path.name}：它是空文件（0 字节），可能没有保存或复制完整。")
    if info.st_size > MAX_DOCX_BYTES:
        raise ScaffoldError(f"无法导入 {path.name}：文件有 {info.st_size / 1e6:.0f} MB（上限 {MAX_DOCX_BYTES // 1_000_000} MB）。"
                            "请压缩或删去文档里的大图片后再导入。")
    tax = taxonomy(data)
    issue_path, issue_doc = _issue(data, issue) if issue else (None, None)
    try:
        doc = _read(path)
    except _Refused as e:
        raise ScaffoldError(f"无法导入 {path.name}：{e}") from None
    except OSError as e:
        raise ScaffoldError(f"无法导入 {path.name}：读取文件时出错（{e.strerror or type(e).__name__}）。") from None
    result = Result(unmapped=doc.unmapped)

    # the id: --id, a stub of the issue nobody filled in yet, the file's name, or the next free one
    stub = None
    if record_id is None and issue_doc is not None:
        stub = _blank_stub(data, issue_doc.value.get("cases", []))
    if record_id is not None:
        check_new_id(data, record_id)
    elif stub is not None:
        record_id = stub.stem
    elif _usable_id(path.stem.lower(), data):
        record_id = path.stem.lower()
    else:
        record_id = _free_id(data, issue)
        if ID.fullmatch(path.stem.lower()):  # a name that could have been an id, but is reserved, too long or taken
            result.notes.append(f"文件名 {path.stem} 不能用作案例编号（网站保留的名称、超过 64 个字符或已被使用），编号取为 {record_id}")
    assets = data / "assets" / record_id
    if assets.exists() and any(assets.iterdir()):
        raise ScaffoldError(f"图片文件夹 {assets.as_posix()} 已有文件，不会覆盖。请用 --id 换一个编号。")

    try:
        text = _record(doc, record_id, record_path(data, CASE, record_id), tax, issue_doc, result)
    except _Refused as e:
        raise ScaffoldError(f"无法导入 {path.name}：{e}") from None
    _validate(text, record_path(data, CASE, record_id), path, doc.origin)
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


def _usable_id(stem: str, data: Path) -> bool:
    return bool(ID.fullmatch(stem)) and len(stem) <= 64 and stem not in RESERVED_IDS and stem not in existing_ids(data)


def _free_id(data: Path, issue: str | None) -> str:
    """<issue>-anli-N for a case of that issue; else anli-<today>-N, which no issue's stubs look like."""
    prefix = f"{issue}-anli-" if issue else f"anli-{today():%Y%m%d}-"
    used = existing_ids(data)
    n = 1
    while f"{prefix}{n}" in used:
        n += 1
    return f"{prefix}{n}"


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

# Bounds, checked against the zip's own directory before anything is unpacked, and on the main XML part's
# bytes before it is parsed: a 3.8 MB .docx can hold 100 MB of XML (1.2 GB once parsed). A case is at most
# 100,000 characters (data/schema/common.json), which no document near these bounds stays under anyway.
MAX_DOCX_BYTES = 100_000_000  # the .docx file itself
MAX_UNPACKED = 200_000_000  # all its parts together, unpacked
MAX_PARTS = 10_000  # files in the zip
MAX_XML_PART = 20_000_000  # one XML part that is parsed (the body, styles, numbering)
MAX_IMAGE = 20_000_000  # one image
MAX_PARAGRAPHS = 20_000  # paragraphs in the body, counted in its bytes before parsing
MAX_BODY = 100_000  # characters of a case body (data/schema/common.json)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = "{%s}" % W_NS
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
V = "{urn:schemas-microsoft-com:vml}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
# Strict Open XML (Word's "Strict Open XML Document") names the same elements in other namespaces
STRICT_NAMESPACES = [(b"http://purl.oclc.org/ooxml/" + strict, b"http://schemas.openxmlformats.org/" + transitional)
                     for strict, transitional in [(b"wordprocessingml/main", b"wordprocessingml/2006/main"),
                                                  (b"officeDocument/relationships", b"officeDocument/2006/relationships"),
                                                  (b"officeDocument/math", b"officeDocument/2006/math"),
                                                  (b"drawingml/main", b"drawingml/2006/main"),
                                                  (b"drawingml/wordprocessingDrawing", b"drawingml/2006/wordprocessingDrawing"),
                                                  (b"drawingml/picture", b"drawingml/2006/picture")]]
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a Compound File: an old .doc, or an encrypted .docx
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
# containers whose runs Word shows as part of the paragraph (w:del and w:moveFrom are deleted text: dropped)
INLINE_CONTAINERS = {W + t for t in ("hyperlink", "ins", "moveTo", "smartTag", "customXml", "fldSimple", "dir", "bdo")}
BLOCK_CONTAINERS = {W + t for t in ("customXml", "ins", "moveTo", "smartTag")}
IMAGE_MAGIC = [(b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpg"), (b"GIF87a", "gif"), (b"GIF89a", "gif")]
OFF = {"0", "false", "off", "none"}

FIELD_LABEL = re.compile(r"(单位名称|报送单位|供稿单位|所属单位|单位|党组织|党支部|支部|报送日期|日期|时间|内容摘要|摘要|主题)\s*[:：]")
DATE = re.compile(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?")
CHINESE_DATE = re.compile(r"([〇○零一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日")
CHINESE_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0}
# 公文 headings as plain paragraphs: "一、基本情况" (level 1), "（一）主要做法" (level 2)
OFFICIAL_HEADINGS = [(re.compile(r"^[一二三四五六七八九十]{1,3}、"), 1), (re.compile(r"^[（(][一二三四五六七八九十]{1,3}[）)]"), 2)]
HEADING_MAX = 40
TITLE_MAX = 60
# what Word may keep in text that a YAML record must not hold (kb/yamlio.py refuses it): dropped, or a line break
_LINE_BREAKS = "\n\r\x0b\x0c\x85\u2028\u2029"
_INVISIBLE = dict.fromkeys([*range(0x00, 0x09), *range(0x0e, 0x20), *range(0x7f, 0x85), *range(0x86, 0xa0),
                            0xfeff, 0xfffe, 0xffff]) | {ord(c): "\n" for c in _LINE_BREAKS} | {ord("\t"): " "}
_PARAGRAPH_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?p[\s/>]")


class _Refused(Exception):
    """The document cannot be imported; the message (Chinese) says why."""


# no DTD, no entities, no network: a Word part never needs them (a DTD is refused before parsing as well);
# huge_tree=False keeps libxml2's limits (256 levels of nesting, …)
_PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True)


class _Package:
    """The parts of a .docx (a zip of XML files), each read only once its size is known to be within bounds."""

    def __init__(self, path: Path):
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, EOFError, ValueError, OSError):
            raise _Refused("文件已损坏：它的压缩包目录不完整或无法识别，可能没有下载或复制完整。"
                           "请在 Word 或 WPS 中打开它，另存为 .docx 后再导入。") from None
        infos = self.zip.infolist()
        if len(infos) > MAX_PARTS:
            raise _Refused(f"文件里有 {len(infos)} 个部件，Word 文档不会有这么多（上限 {MAX_PARTS}），不予导入。")
        unpacked = sum(i.file_size for i in infos)
        if unpacked > MAX_UNPACKED:
            raise _Refused(f"文件解压后有 {unpacked / 1e6:.0f} MB（上限 {MAX_UNPACKED // 1_000_000} MB），"
                           "一篇案例不需要这么多内容。请删去多余的图片或附件后再导入。")
        if any(i.flag_bits & 0x1 for i in infos):
            raise _Refused("文件设置了密码（加密），无法读取。请在 Word 或 WPS 中取消密码、另存后再导入。")
        self.parts = {i.filename.lower(): i for i in infos}  # part names are case-insensitive
        self.parser = etree.XMLParser(collect_ids=False, **_PARSER_OPTIONS)

    def info(self, name: str):
        name = name.lstrip("/").lower()
        return self.parts.get(name) or self.parts.get(unquote(name))

    def read(self, name: str, limit: int) -> bytes | None:
        info = self.info(name)
        if info is None:
            return None
        if info.file_size > limit:
            raise _Refused(f"文件中的 {info.filename} 解压后有 {info.file_size / 1e6:.0f} MB（上限 {limit // 1_000_000} MB），"
                           "一篇案例不需要这么多内容，不予导入。")
        try:
            # never zipfile's read(): it inflates a member in one go, so a directory that lies about the size
            # (1 KB said, 800 MB in the deflate stream) costs the whole stream before the CRC check fails
            with self.zip.open(info) as member:
                return member.read(info.file_size)
        except NotImplementedError:
            raise _Refused(f"文件中的 {info.filename} 用了不支持的压缩方式。请在 Word 或 WPS 中另存为 .docx 后再导入。") from None
        except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, RuntimeError, ValueError, OSError) as e:
            why = "校验和不对" if "CRC" in str(e) else "数据不完整"
            raise _Refused(f"文件已损坏：其中的 {info.filename} 无法解压（{why}），可能没有下载或复制完整。"
                           "请在 Word 或 WPS 中打开它，另存为 .docx 后再导入。") from None

    def _raw_xml(self, name: str) -> bytes | None:
        raw = self.read(name, MAX_XML_PART)
        if raw is not None:
            if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
                raise self._dtd(name)
            if b"purl.oclc.org/ooxml/" in raw:  # Strict Open XML: read with the usual names
                for strict, transitional in STRICT_NAMESPACES:
                    raw = raw.replace(strict, transitional)
        return raw

    def xml(self, name: str):
        """The root element of an XML part, or None if there is no such part."""
        raw = self._raw_xml(name)
        if raw is None:
            return None
        try:
            root = etree.fromstring(raw, self.parser)
        except etree.XMLSyntaxError as e:
            raise self._malformed(name, e) from None
        if root.getroottree().docinfo.internalDTD is not None:
            raise self._dtd(name)
        return root

    def body(self, name: str):
        """The children of the w:body of the main part, each complete when given and freed after: the parsed tree
        of a large document is never whole in memory (a 12.6 MB body took 230 MB parsed at once). The paragraphs
        are counted in the bytes before anything is parsed."""
        raw = self._raw_xml(name)
        count = sum(1 for _ in _PARAGRAPH_START.finditer(raw))
        if count > MAX_PARAGRAPHS:
            raise _Refused(f"文档有 {count} 个段落（上限 {MAX_PARAGRAPHS}），不像一篇案例。请把它拆成几篇分别导入。")
        events = etree.iterparse(io.BytesIO(raw), events=("start", "end"), **_PARSER_OPTIONS)
        del raw
        depth = 0
        try:
            for event, element in events:
                if event == "start":
                    depth += 1
                    if depth == 1 and element.tag != W + "document":
                        raise _Refused("它不是 Word 文档：正文部分不是 Word 的格式。请在 Word 或 WPS 中打开它，另存为 .docx 后再导入。")
                    continue
                depth -= 1
                parent = element.getparent()
                if depth == 2 and parent is not None and parent.tag == W + "body":
                    yield element
                    element.clear()
                    while element.getprevious() is not None:
                        del parent[0]
            if events.root is not None and events.root.getroottree().docinfo.internalDTD is not None:
                raise self._dtd(name)
        except etree.XMLSyntaxError as e:
            raise self._malformed(name, e) from None

    @staticmethod
    def _malformed(name: str, error) -> _Refused:
        if "depth" in str(error).lower():  # libxml2 stops at 256 levels
            return _Refused("文档的结构嵌套过深（表格套表格、内容控件套内容控件……），无法读取。")
        line = error.lineno if isinstance(error.lineno, int) and error.lineno > 0 else None
        return _Refused(f"文件已损坏：其中的 {name}{f' 第 {line} 行' if line else ''}不是合法的 XML。"
                        "请在 Word 或 WPS 中打开它，另存为 .docx 后再导入。")

    @staticmethod
    def _dtd(name: str) -> _Refused:
        return _Refused(f"文件中的 {name} 含有 DTD 声明（<!DOCTYPE>、<!ENTITY>）。Word 和 WPS 保存的文档不会有这种内容，"
                        "它可能被用来让读取程序耗尽内存或读取别的文件，出于安全考虑不予导入。")

    def rels(self, part: str) -> dict[str, tuple[str, str, bool]]:
        """Relationship id -> (type, target part or address, external?) of `part` ("" for the package)."""
        folder, name = posixpath.split(part)
        root = self.xml(posixpath.join(folder, "_rels", f"{name}.rels"))
        out = {}
        for rel in root.iter(PACKAGE_REL) if root is not None else ():
            target, external = rel.get("Target") or "", rel.get("TargetMode") == "External"
            if not external:
                target = unquote(target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target)))
            out[rel.get("Id")] = (rel.get("Type") or "", target, external)
        return out


def _open_checks(path: Path) -> None:
    """What can be told from the file itself before it is opened as a zip."""
    with open(path, "rb") as f:
        head = f.read(8)
        if head.startswith(OLE_MAGIC):  # scan the directory sectors for the stream Office encrypts into
            rest = f.read(4_000_000)
            if ENCRYPTED_PACKAGE in rest:
                raise _Refused("文件设置了打开密码（加密），无法读取。请在 Word 或 WPS 中打开它，取消密码（文件 → 信息 → 保护文档 → "
                               "用密码进行加密，清空密码）并保存后再导入。")
            raise _Refused("这是旧版 Word（.doc）格式的文件，只是扩展名改成了 .docx。请在 Word 或 WPS 中打开它，“另存为” .docx 后再导入。")
    if head.startswith(b"{\\rtf"):
        raise _Refused("这是 RTF 格式的文件，只是扩展名改成了 .docx。请在 Word 或 WPS 中打开它，“另存为” .docx 后再导入。")
    if not head.startswith(b"PK"):
        raise _Refused("它不是有效的 Word（.docx）文档：内容不是 Word 的格式，可能已损坏或根本不是 Word 文件。"
                       "请在 Word 或 WPS 中打开它，另存为 .docx 后再导入。")


@dataclass
class _Style:
    name: str = ""
    based_on: str | None = None
    outline: int | None = None
    numbering: tuple[str, str] | None = None
    bold: bool = False


@dataclass
class _Block:
    """One block of the body as read: a paragraph (one line of it, for a plain one), a heading or a table."""

    kind: str  # "p", "heading", "title", "item" or "table"
    text: str  # plain text (a table: its cells')
    md: str  # Markdown, without a list marker (a table: the whole table)
    number: int = 0  # the paragraph's place among the document's paragraphs with text, for messages
    level: int = 0  # a heading's
    marker: str = ""  # a list item's: "- " or "1. "
    flat: str = ""  # the Markdown on one line, as in a table cell
    images: int = 0  # images read up to and including this block


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


class _Reader:
    """Walks the body of one document into blocks, as Word shows it."""

    def __init__(self, package: _Package, main: str):
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
        self.images: list[tuple[bytes, str, str]] = []
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

    def blocks(self, children) -> list[_Block]:
        out: list[_Block] = []
        for child in children:
            self._block(child, out)
        return out

    def _blocks(self, container, out: list[_Block]) -> None:
        for child in container:
            self._block(child, out)

    def _block(self, child, out: list[_Block]) -> None:
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

    def _paragraph(self, p, out: list[_Block]) -> None:
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
        segments: list[tuple[bool, str]] = []
        boxes: list = []
        self._inline(p, segments, boxes)
        self.fields = [shown for shown in self.fields if shown]  # a field's code does not run on past its paragraph
        lines = _lines(segments)
        texts = ["".join(t for _, t in line).strip() for line in lines]
        if any(texts):
            self.paragraphs += 1
            marker = self._marker(name, numbering) if level is None and not title else ""
            if title or level is not None or marker:  # one block; its line breaks become spaces
                text = " ".join(t for t in texts if t)
                kind = "title" if title else "heading" if level is not None else "item"
                md = paragraph_markdown([(bold, t.replace("\n", " ")) for bold, t in segments]) if marker else _escape_inner(text)
                out.append(_Block(kind, text, md, self.paragraphs, level or 0, marker, md, len(self.images)))
            else:  # a plain paragraph: each line Word breaks (Shift+Enter) becomes a paragraph of its own
                for line, text in zip(lines, texts):
                    if text:
                        md = paragraph_markdown(line)
                        out.append(_Block("p", text, md, self.paragraphs, flat=md, images=len(self.images)))
        for box in boxes:  # a text box's paragraphs follow the paragraph it is anchored in
            self._blocks(box, out)

    def _marker(self, style_name: str, numbering) -> str:
        lower = style_name.lower()
        if lower.startswith("list bullet"):
            return "- "
        if lower.startswith("list number"):
            return "1. "
        if numbering is None or numbering[0] in ("", "0"):  # numId 0: numbering switched off
            return ""
        return "- " if self.numbering.get(numbering, "bullet") in ("bullet", "none", "") else "1. "

    def _inline(self, element, segments: list, boxes: list) -> None:
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

    def _run(self, run, segments: list, boxes: list) -> None:
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
                kind = child.get(W + "fldCharType")
                if kind == "begin":
                    self.fields.append(False)
                elif kind == "separate" and self.fields:
                    self.fields[-1] = True
                elif kind == "end" and self.fields:
                    self.fields.pop()
            elif tag in (W + "tab", W + "ptab"):
                segments.append((bold, " "))
            elif tag in (W + "br", W + "cr"):
                segments.append((bold, "\n"))
            elif tag == W + "noBreakHyphen":
                segments.append((bold, "-"))
            elif tag == W + "sym":
                try:
                    code = int(child.get(W + "char") or "", 16)
                except ValueError:
                    code = 0
                if 0x20 <= code < 0xD800 and not 0xE000 <= code <= 0xF8FF:  # a symbol font's private code points: no text
                    segments.append((bold, chr(code).translate(_INVISIBLE)))
            elif tag == W + "ruby":  # a phonetic guide (pinyin, furigana): the text, then its guide in brackets
                guide: list = []
                for part, into in ((child.find(W + "rubyBase"), segments), (child.find(W + "rt"), guide)):
                    if part is not None:
                        self._inline(part, into, boxes)
                text = "".join(t for _, t in guide).strip()
                if text:
                    segments.append((bold, f"（{text}）"))
            elif tag in (W + "drawing", W + "pict", W + "object", MC + "AlternateContent"):
                self._graphic(child, boxes)
            elif tag in (W + "footnoteReference", W + "endnoteReference"):
                self.note("脚注、尾注（未导入，请把需要的内容写进正文）")
            elif tag == W + "commentReference":
                self.note("批注（未导入）")

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

    def _table(self, table, out: list[_Block]) -> None:
        rows: list[list[str]] = []
        inner: list[list[_Block]] = []
        nested = False
        for tr in _children(table, W + "tr"):
            trpr = tr.find(W + "trPr")
            before = trpr.find(W + "gridBefore") if trpr is not None else None
            cells = [" "] * min(_int(before.get(W + "val")) if before is not None else 0, 64)
            for tc in _children(tr, W + "tc"):
                tcpr = tc.find(W + "tcPr")
                span = tcpr.find(W + "gridSpan") if tcpr is not None else None
                merge = tcpr.find(W + "vMerge") if tcpr is not None else None
                blocks: list[_Block] = []
                self._blocks(tc, blocks)
                inner.append(blocks)
                nested = nested or any(b.kind == "table" for b in blocks)
                continued = merge is not None and (merge.get(W + "val") or "continue") == "continue"
                text = "" if continued else " ".join(b.flat for b in blocks if b.flat)
                cells.append(text or " ")
                cells += [" "] * (min(_int(span.get(W + "val"), 1), 64) - 1 if span is not None else 0)
            rows.append(cells)
        if len(rows) == 1 and len(rows[0]) == 1:  # a one-cell table is a frame around paragraphs: keep them as such
            out.extend(inner[0] if inner else [])
            return
        if not any(c.strip() for row in rows for c in row):
            return
        if nested:
            self.note("表格里嵌套的表格（其中的文字已并入所在的单元格）")
        width = max(len(r) for r in rows)
        rows = [r + [" "] * (width - len(r)) for r in rows]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width] + ["| " + " | ".join(r) + " |" for r in rows[1:]]
        flat = " ".join(c for row in rows for c in row if c.strip())
        out.append(_Block("table", flat, "\n".join(lines), self.paragraphs, flat=flat, images=len(self.images)))


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


def _lines(segments: list[tuple[bool, str]]) -> list[list[tuple[bool, str]]]:
    """Segments split at line breaks."""
    lines: list[list[tuple[bool, str]]] = [[]]
    for bold, text in segments:
        first, *rest = text.split("\n")
        if first:
            lines[-1].append((bold, first))
        for part in rest:
            lines.append([(bold, part)] if part else [])
    return lines


_ESCAPE = re.compile(r"([\\`*_\[\]>|#])")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")  # "&copy;" typed as text: Markdown would show ©
_LINE_START = re.compile(r"^(?:[-+!]|\d+(?=[.)](?:\s|$)))")  # a list marker, a rule, an admonition; "2026. …"


def paragraph_markdown(segments: list[tuple[bool, str]]) -> str:
    """A line's segments as Markdown: bold runs become **…**, everything else plain text."""
    parts: list[tuple[bool, str]] = []
    for bold, text in segments:
        if text:
            if parts and parts[-1][0] == bold:
                parts[-1] = (bold, parts[-1][1] + text)
            else:
                parts.append((bold, text))
    text = "".join(t for _, t in parts)
    lead = len(text) - len(text.lstrip())
    out, at = [], 0
    for bold, piece in parts:  # drop the line's leading and trailing white space, then mark the bold pieces
        start, end = max(lead - at, 0), len(piece)
        at += len(piece)
        piece = piece[start:end]
        core = piece.strip()
        if bold and core:
            before, after = piece[: len(piece) - len(piece.lstrip())], piece[len(piece.rstrip()):]
            out.append(f"{before}**{_escape_inner(core)}**{after}")
        else:
            out.append(_escape_inner(piece))
    return _escape_start("".join(out).strip())


def _escape_inner(text: str) -> str:
    """Text as Markdown that shows exactly that text inside a line: every mark escaped ("#" too, which a
    heading would otherwise drop at its end), and an "&" that would start an HTML entity."""
    return _ESCAPE.sub(r"\\\1", _ENTITY.sub("&amp;", text)).replace("<", "&lt;")  # Markdown has no escape for "<"


def _escape_start(md: str) -> str:
    """A line as a paragraph of its own: a mark at its start that would make it a list ("- ", "+ ", "2026. "),
    a rule ("---") or an admonition ("!!!") is escaped ("#" and ">" already are, everywhere)."""
    m = _LINE_START.match(md)
    if not m:
        return md
    if m.group()[0].isdigit():  # "2026. 年度总结": the dot
        return md[: m.end()] + "\\" + md[m.end():]
    return "\\" + md


def _date(text: str) -> str | None:
    """The first date in `text` (2026年3月5日, 2026-03-05, 二〇二六年三月五日) as YYYY-MM-DD."""
    text = text.translate({0xFF10 + i: str(i) for i in range(10)})  # full-width digits
    m = DATE.search(text)
    if m:
        year, month, day = (int(g) for g in m.groups())
    else:
        m = CHINESE_DATE.search(text)
        if not m:
            return None
        year = int("".join(str(CHINESE_DIGITS[c]) for c in m.group(1)))
        month, day = _chinese_number(m.group(2)), _chinese_number(m.group(3))
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def _chinese_number(text: str) -> int:
    """一 … 三十一."""
    if "十" not in text:
        return CHINESE_DIGITS.get(text, 0) if len(text) == 1 else 0
    tens, _, ones = text.partition("十")
    return (CHINESE_DIGITS.get(tens, 0) if tens else 1) * 10 + (CHINESE_DIGITS.get(ones, 0) if ones else 0)


def _date_only(text: str) -> bool:
    text = text.strip().translate({0xFF10 + i: str(i) for i in range(10)})
    return bool(DATE.fullmatch(text) or CHINESE_DATE.fullmatch(text))


def _fields(text: str) -> list[tuple[str, str]]:
    """`单位：… 报送日期：…`: the labelled values of a line that starts with a label, else []."""
    labels = [m for m in FIELD_LABEL.finditer(text) if m.start() == 0 or text[m.start() - 1].isspace()]
    if not labels or labels[0].start() != len(text) - len(text.lstrip()):
        return []
    return [(m.group(1), text[m.end(): labels[i + 1].start() if i + 1 < len(labels) else len(text)].strip())
            for i, m in enumerate(labels)]


def _read(path: Path) -> _Doc:
    """The document's title, head fields, body blocks and images; _Refused with the reason if it cannot be read."""
    _open_checks(path)
    package = _Package(path)
    try:
        main = next((target for typ, target, external in package.rels("").values()
                     if typ.endswith("/officeDocument") and not external), None)
        if main is None or package.info(main) is None:
            main = "word/document.xml" if package.info("word/document.xml") else None
        other = ("Excel 表格" if package.info("xl/workbook.xml") else "PowerPoint 演示文稿" if package.info("ppt/presentation.xml")
                 else "OpenDocument 文档（.odt）" if package.info("mimetype") else None)
        if main is None or (other and not main.lower().startswith("word/")):
            raise _Refused(f"它不是 Word 文档（{other or '里面没有 Word 的正文部分'}）。请在 Word 或 WPS 中打开它，另存为 .docx 后再导入。")
        reader = _Reader(package, main)
        try:
            blocks = reader.blocks(package.body(main))
        except RecursionError:
            raise _Refused("文档的结构嵌套过深（表格套表格、内容控件套内容控件……），无法读取。") from None
    finally:
        package.zip.close()
    doc = _assemble(blocks, reader.images)
    doc.unmapped += [what if n == 1 else f"{what}：共 {n} 处" for what, n in reader.unmapped.items()]
    return doc


def _assemble(blocks: list[_Block], images: list[tuple[bytes, str, str]]) -> _Doc:
    """Title, head fields (单位：…, a date alone on a line), body and image captions; a 公文's signature and date
    at the end too."""
    out = _Doc(images=images)
    tail: list[_Block] = []  # the end of a 公文: the signature (a unit or branch) and the date under it
    if blocks and blocks[-1].kind == "p" and _date_only(blocks[-1].text):
        tail.append(blocks.pop())
        signature = blocks[-1] if blocks and blocks[-1].kind == "p" else None
        if signature is not None and len(signature.text) <= 40 and signature.text.endswith(BRANCH_END + ("局", "委员会", "办公室", "中心")):
            tail.insert(0, blocks.pop())
    head_done = False  # the title and the 单位/日期 lines come before the body
    shift = 1  # body heading levels move down under the page title (##), one less if the title was a Heading 1
    for b in blocks:
        text = b.text
        if b.kind == "table":
            out.body.append(b.md)
            head_done = True
            continue
        fields = _fields(text) if b.kind == "p" else []
        if not out.title and not head_done and (b.kind == "title" or (b.kind == "heading" and b.level == 1) or (
                b.kind == "p" and len(text) <= TITLE_MAX and not text.endswith("。") and not fields and not _date_only(text))):
            out.title = text
            out.origin["title"] = b.number
            shift = 0 if b.kind == "heading" and b.level == 1 else 1
            continue
        if fields and not head_done and all(label not in out.fields for label, _ in fields):
            for label, value in fields:
                out.fields[label] = value
                out.origin[label] = b.number
            continue
        if b.kind == "p" and not head_done and _date_only(text) and "日期" not in out.fields:
            out.fields["日期"] = text
            out.origin["日期"] = b.number
            continue
        head_done = True
        out.origin.setdefault("body", b.number)
        level = b.level if b.kind == "heading" else None
        if b.kind == "p" and len(text) <= HEADING_MAX and not text.endswith(("。", "；", "，", "：", ":", "！", "？")):
            level = next((n for pattern, n in OFFICIAL_HEADINGS if pattern.match(text)), None)
        if level is not None:
            out.body.append("#" * max(2, min(level + shift, 6)) + " " + _escape_inner(text))
            continue
        image = b.images - 1  # the caption under an image: "图1 …"
        if b.kind == "p" and text.startswith("图") and len(text) <= 80 and 0 <= image < len(images) and not images[image][2]:
            content, ext, _ = images[image]
            images[image] = (content, ext, text)
            continue
        if b.kind == "p" and not out.first_paragraph:
            out.first_paragraph = text
        out.body.append(b.marker + b.md)
    for b in tail:  # the signature and the date: fields, unless the head gave them (then they stay in the body)
        label = "日期" if _date_only(b.text) else "落款"
        if label == "日期" and any(k in out.fields for k in FIELD_LABELS["date"]):
            out.body.append(b.md)
        else:
            out.fields[label] = b.text
            out.origin[label] = b.number
    return out


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
        (line for line in [f.get("落款", ""), doc.title, *doc.body[:3]] if line.endswith(BRANCH_END) and len(line) <= 60), "")
    branch_line = f"branch: {q(branch)}\n" if branch else f"branch: {q(f'（{TODO}）党组织全称')}\n"
    if not branch:
        result.unmapped.append("党组织：文档里没有找到（如“党组织：……党支部”）")

    date = next((d for d in (_date(f.get(key, "")) for key in ("报送日期", "日期", "时间")) if d), None)
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
        first = doc.first_paragraph
        summary = first[:120] + ("…" if len(first) > 120 else "") if first else f"（{TODO}）一两句话概括案例。"
        result.notes.append("摘要取自正文第一段，请核对" if first else "文档里没有正文段落可作摘要")
    body = _join(body_blocks) or f"（{TODO}）正文"
    if len(body) > MAX_BODY:  # (before it is quoted, or checked against the schema: both take time on megabytes)
        raise _Refused(f"正文转换后有 {len(body)} 个字符，超过一篇案例的上限（{MAX_BODY} 个字符）。请把文档拆成几篇分别导入，或删去附件、附表后再试。")
    text = (schema_line(path, CASE) + f"id: {plain(record_id)}\ntitle: {q(title)}\n{unit_line}{branch_line}{date_line}{theme_line}"
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
    out: list[str] = []
    for i, b in enumerate(blocks):
        if i:
            last = blocks[i - 1].rsplit("\n", 1)[-1]
            out.append("\n" if any(last.startswith(m) and b.startswith(m) for m in ("- ", "1. ")) else "\n\n")
        out.append(b)
    return "".join(out)


def _validate(text: str, path: Path, source: Path, origin: dict[str, int]) -> None:
    """The record must pass its schema before anything is written. Read in memory: a message names the .docx
    and the paragraph a field came from, never a temporary file."""
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise ScaffoldError(f"无法导入 {source.name}：转换后的案例有 {size / 1e6:.1f} MB，超过一条记录的上限（1 MB）。"
                            "请把文档拆成几篇分别导入。")
    doc, problems = read_bytes(text.encode("utf-8"), path.name)
    if doc is not None:
        problems = validate("case", doc, Path(path.name))
    if problems:
        lines = []
        for p in problems:
            top = re.split(r"[.\[]", p.field, maxsplit=1)[0]
            number = next((origin[label] for label in FIELD_LABELS.get(top, ()) if label in origin), None)
            where = f"（第 {number} 段）" if number else ""
            lines.append(f"  {p.field or '记录'}{where}：{p.message}")
        raise ScaffoldError(f"无法导入 {source.name}：转换结果不符合案例格式，未写入任何文件：\n" + "\n".join(lines))
