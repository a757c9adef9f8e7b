"""The safety guard of import-docx: a .docx is opened, and its parts handed out, only within bounds.

Its one job: tell from the path, the file's first bytes and the zip's own directory whether the document may
be read at all (a folder, a pipe, an empty or huge file, an old .doc or RTF renamed, an encrypted or damaged
file, a zip bomb, a DTD), and give out its parts, as bytes or as parsed XML, without ever unpacking or parsing
more than the bounds below allow. It must never interpret what a Word part says (that is reader.py), never
read a part with zipfile's read() or parse one with entities, a DTD or the network, and never write anything.
"""

from __future__ import annotations

import io
import lzma
import os
import posixpath
import re
import stat
import zipfile
import zlib
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

from kb.editing.scaffold import ScaffoldError

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

# the main part's root and body are WordprocessingML (reader.py reads everything inside them)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
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
_PARAGRAPH_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?p[\s/>]")
TOO_DEEP = "文档的结构嵌套过深（表格套表格、内容控件套内容控件……），无法读取。"

# no DTD, no entities, no network: a Word part never needs them (a DTD is refused before parsing as well);
# huge_tree=False keeps libxml2's limits (256 levels of nesting, …)
_PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True)


class Refused(Exception):
    """The document cannot be imported; the message (Chinese) says why."""


def check_path(path: Path) -> None:
    """What the path itself tells, before the file is opened: a regular, non-empty .docx file within bounds."""
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


def open_docx(path: Path) -> Package:
    """The package of the .docx at `path`, once its first bytes and the zip's directory are within bounds."""
    _check_head(path)
    return Package(path)


def _check_head(path: Path) -> None:
    """What can be told from the file itself before it is opened as a zip."""
    with open(path, "rb") as f:
        head = f.read(8)
        if head.startswith(OLE_MAGIC):  # scan the directory sectors for the stream Office encrypts into
            rest = f.read(4_000_000)
            if ENCRYPTED_PACKAGE in rest:
                raise Refused("文件设置了打开密码（加密），无法读取。请在 Word 或 WPS 中打开它，取消密码（文件 → 信息 → 保护文档 → "
                              "用密码进行加密，清空密码）并保存后再导入。")
            raise Refused("这是旧版 Word（.doc）格式的文件，只是扩展名改成了 .docx。请在 Word 或 WPS 中打开它，“另存为” .docx 后再导入。")
    if head.startswith(b"{\\rtf"):
        raise Refused("这是 RTF 格式的文件，只是扩展名改成了 .docx。请在 Word 或 WPS 中打开它，“另存为” .docx 后再导入。")
    if not head.startswith(b"PK"):
        raise Refused("它不是有效的 Word（.docx）文档：内容不是 Word 的格式，可能已损坏或根本不是 Word 文件。"
                      "请在 Word 或 WPS 中打开它，另存为 .docx 后再导入。")


class Package:
    """The parts of a .docx (a zip of XML files), each read only once its size is known to be within bounds."""

    def __init__(self, path: Path):
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, EOFError, ValueError, OSError):
            raise Refused("文件已损坏：它的压缩包目录不完整或无法识别，可能没有下载或复制完整。"
                          "请在 Word 或 WPS 中打开它，另存为 .docx 后再导入。") from None
        infos = self.zip.infolist()
        if len(infos) > MAX_PARTS:
            raise Refused(f"文件里有 {len(infos)} 个部件，Word 文档不会有这么多（上限 {MAX_PARTS}），不予导入。")
        unpacked = sum(i.file_size for i in infos)
        if unpacked > MAX_UNPACKED:
            raise Refused(f"文件解压后有 {unpacked / 1e6:.0f} MB（上限 {MAX_UNPACKED // 1_000_000} MB），"
                          "一篇案例不需要这么多内容。请删去多余的图片或附件后再导入。")
        if any(i.flag_bits & 0x1 for i in infos):
            raise Refused("文件设置了密码（加密），无法读取。请在 Word 或 WPS 中取消密码、另存后再导入。")
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
            raise Refused(f"文件中的 {info.filename} 解压后有 {info.file_size / 1e6:.0f} MB（上限 {limit // 1_000_000} MB），"
                          "一篇案例不需要这么多内容，不予导入。")
        try:
            # never zipfile's read(): it inflates a member in one go, so a directory that lies about the size
            # (1 KB said, 800 MB in the deflate stream) costs the whole stream before the CRC check fails
            with self.zip.open(info) as member:
                return member.read(info.file_size)
        except NotImplementedError:
            raise Refused(f"文件中的 {info.filename} 用了不支持的压缩方式。请在 Word 或 WPS 中另存为 .docx 后再导入。") from None
        except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, RuntimeError, ValueError, OSError) as e:
            why = "校验和不对" if "CRC" in str(e) else "数据不完整"
            raise Refused(f"文件已损坏：其中的 {info.filename} 无法解压（{why}），可能没有下载或复制完整。"
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
            raise Refused(f"文档有 {count} 个段落（上限 {MAX_PARAGRAPHS}），不像一篇案例。请把它拆成几篇分别导入。")
        events = etree.iterparse(io.BytesIO(raw), events=("start", "end"), **_PARSER_OPTIONS)
        del raw
        depth = 0
        try:
            for event, element in events:
                if event == "start":
                    depth += 1
                    if depth == 1 and element.tag != W + "document":
                        raise Refused("它不是 Word 文档：正文部分不是 Word 的格式。请在 Word 或 WPS 中打开它，另存为 .docx 后再导入。")
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
    def _malformed(name: str, error) -> Refused:
        if "depth" in str(error).lower():  # libxml2 stops at 256 levels
            return Refused(TOO_DEEP)
        line = error.lineno if isinstance(error.lineno, int) and error.lineno > 0 else None
        return Refused(f"文件已损坏：其中的 {name}{f' 第 {line} 行' if line else ''}不是合法的 XML。"
                       "请在 Word 或 WPS 中打开它，另存为 .docx 后再导入。")

    @staticmethod
    def _dtd(name: str) -> Refused:
        return Refused(f"文件中的 {name} 含有 DTD 声明（<!DOCTYPE>、<!ENTITY>）。Word 和 WPS 保存的文档不会有这种内容，"
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

    def main_part(self) -> str:
        """The name of the main document part; Refused if the package holds no Word document."""
        main = next((target for typ, target, external in self.rels("").values()
                     if typ.endswith("/officeDocument") and not external), None)
        if main is None or self.info(main) is None:
            main = "word/document.xml" if self.info("word/document.xml") else None
        other = ("Excel 表格" if self.info("xl/workbook.xml") else "PowerPoint 演示文稿" if self.info("ppt/presentation.xml")
                 else "OpenDocument 文档（.odt）" if self.info("mimetype") else None)
        if main is None or (other and not main.lower().startswith("word/")):
            raise Refused(f"它不是 Word 文档（{other or '里面没有 Word 的正文部分'}）。请在 Word 或 WPS 中打开它，另存为 .docx 后再导入。")
        return main
