"""Read one YAML record file strictly, remembering the line of every field.

PyYAML alone is too forgiving for hand-edited records (see shared NOTES): it keeps the
last of two duplicate keys, reads `no` as False and `2026-03-01` as a date, follows
aliases without bound and constructs `!!python/...` tags on request. Here the text is
composed into nodes with libyaml and turned into plain values by our own rules:

* scalars follow the YAML 1.2 core schema: only true/false are booleans, only decimal
  numbers are numbers, `~`/`null`/empty are null; everything else, dates included, is text;
  but an unquoted value that YAML 1.1 tools (PyYAML, many editors' plug-ins) read otherwise
  is an error asking for quotes: yes/no/on/off (booleans there), 010 (octal 8), 1e3,
  12:30 (the number 750), .inf/.nan; a plain date 2026-03-15 reads the same either way;
* duplicate keys, anchors (even one no alias uses), aliases, merge keys and any explicit tag,
  `!!str` included, are errors (the README says so: a tag would change how a value is read);
* encoding problems (GBK, UTF-16, UTF-32), tab indentation, control characters, the line
  separators U+0085/U+2028/U+2029 (line breaks to YAML 1.1, text to YAML 1.2) and a BOM anywhere
  but at the very start get their own messages, with the line where they occur;
* only a regular file is read: a folder or a FIFO named *.yml is refused before opening (a FIFO
  would block the reader forever), and the file is opened without blocking;
* no check takes more than linear time on any text (the YAML 1.1 number check is written out
  by hand: a regular expression backtracked quadratically on long digit runs), and a number
  too long for Python's int() (4,300 digits) is a located problem, not an exception;
* size, nesting and the number of values are bounded before composing (libyaml's composer
  recurses in C: tens of thousands of "[" crash the process).
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .problems import Problem, display_path, field_path, short

# The tags our loader gives untagged nodes. They are not YAML's own `tag:yaml.org,2002:…`, so that an
# explicit `!!str 12` keeps a tag no untagged node has, and is refused like any other tag.
_IMPLICIT = {yaml.ScalarNode: "tag:toolbook,2026:scalar", yaml.SequenceNode: "tag:toolbook,2026:seq",
             yaml.MappingNode: "tag:toolbook,2026:map"}


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml's parser, without PyYAML's YAML 1.1 tag resolution: scalars are resolved by `_scalar`."""

    def resolve(self, kind, value, implicit):  # called for an untagged node, and for the non-specific tag "!"
        return _IMPLICIT[kind]

MAX_BYTES = 1_000_000
MAX_NODES = 20_000
MAX_DEPTH = 30

_STANDARD_TAGS = set(_IMPLICIT.values())
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff\ufffe\uffff]")
_LINE_SEPARATORS = {"\x85": "U+0085（下一行符）", "\u2028": "U+2028（行分隔符）", "\u2029": "U+2029（段分隔符）"}
_LINE_SEPARATOR = re.compile("[\x85\u2028\u2029]")
# unquoted values that YAML 1.1 reads as something else than YAML 1.2 does (see the module doc)
_YAML11_BOOL = {v for w in ("yes", "no", "on", "off") for v in (w, w.capitalize(), w.upper())}
_YAML11_SPECIAL = {".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN"}
_DIGITS = re.compile(r"[0-9]+")  # a single class repeated: fullmatch is linear
_DIGITS_ = re.compile(r"[0-9_]*")
_SPECIAL_FILES = ((stat.S_ISFIFO, "命名管道（FIFO）"), (stat.S_ISSOCK, "套接字（socket）"),
                  (stat.S_ISCHR, "设备文件"), (stat.S_ISBLK, "设备文件"))
_OS_REASONS = {errno.EACCES: "没有读取它的权限", errno.EPERM: "没有读取它的权限", errno.ENOENT: "文件不存在（可能刚被删除或改名）",
               errno.ELOOP: "它是一个循环链接", errno.ENAMETOOLONG: "路径太长", errno.EIO: "读取磁盘时出错",
               errno.EISDIR: "这是一个文件夹", errno.ENXIO: "这不是普通文件"}
_STRUCTURE_MARKS = ("[", "{", "-", "?", ",", ":")
_TAB_INDENT = re.compile(r"^ *\t", re.M)


@dataclass
class Document:
    """A parsed file: its value and the 1-based line of each field path."""

    value: object
    lines: dict[tuple, int] = field(default_factory=dict)

    def line_of(self, path: tuple) -> int:
        """Line of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


class _Stop(Exception):
    """A problem that ends reading of this file."""

    def __init__(self, line: int, message: str, path: tuple = ()):
        self.line, self.message, self.path = line, message, path


def read_document(path: Path) -> tuple[Document | None, list[Problem]]:
    """Parse `path`; return (document, []) or (None, problems) - never raises for bad input."""
    try:
        raw = _read_regular_file(path)
    except _Stop as stop:
        return None, [Problem(display_path(path), stop.line, "", stop.message)]
    except OSError as e:
        reason = _OS_REASONS.get(e.errno, f"系统错误 {errno.errorcode.get(e.errno, e.errno)}")
        return None, [Problem(display_path(path), 1, "", f"无法读取文件：{reason}。")]
    return read_bytes(raw, display_path(path))


def read_bytes(raw: bytes, shown: str) -> tuple[Document | None, list[Problem]]:
    """Parse the content of a record file shown to the editor as `shown`: as read_document, without a file."""
    try:
        if len(raw) > MAX_BYTES:
            raise _Stop(1, _too_large(len(raw)))
        text = _decode(raw)
        doc = _parse(text)
    except _Stop as stop:
        return None, [Problem(shown, stop.line, field_path(stop.path), stop.message)]
    return doc, []


def _too_large(size: int) -> str:
    return f"文件太大（{size / 1_000_000:.1f} MB），一条记录不能超过 1 MB。请检查是否误粘贴了图片或整篇文档。"


class UnreadableFile(Exception):
    """A record file that cannot be read as one (a folder, a FIFO, too large); the message is in Chinese."""


def read_record_bytes(path: Path) -> bytes:
    """The bytes of the record file `path`, refused as a load refuses it (UnreadableFile) or OSError."""
    try:
        raw = _read_regular_file(path)
    except _Stop as stop:
        raise UnreadableFile(stop.message) from None
    if len(raw) > MAX_BYTES:
        raise UnreadableFile(_too_large(len(raw)))
    return raw


def _read_regular_file(path: Path) -> bytes:
    """The bytes of `path` (links followed) if it is a regular file of at most MAX_BYTES (+1 to tell).

    A folder or special file is refused by its type before it is opened: opening a FIFO for reading
    waits for a writer that never comes. It is opened without blocking all the same, in case it was
    swapped for one between the two looks; reading stops one byte past the limit, however large it grew.
    """
    def refuse_special(mode: int) -> None:
        if stat.S_ISDIR(mode):
            raise _Stop(1, "这是一个文件夹，不是记录文件：文件夹的名字不能以 .yml 或 .yaml 结尾。请给它改名，或把里面的文件移出来。")
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _SPECIAL_FILES if test(mode)), "特殊文件")
            raise _Stop(1, f"这不是普通文件，而是一个{kind}，不予读取。记录必须是普通的文本文件，请删除它，或换成真正的 .yml 文件。")

    info = os.stat(path)
    refuse_special(info.st_mode)
    if info.st_size > MAX_BYTES:
        raise _Stop(1, _too_large(info.st_size))
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with open(fd, "rb") as f:
        refuse_special(os.fstat(fd).st_mode)
        return f.read(MAX_BYTES + 1)


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise _Stop(1, "文件是 UTF-32 编码。请用记事本或 VS Code 另存为 UTF-8 编码。")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _Stop(1, "文件是 UTF-16 编码。请用记事本或 VS Code 另存为 UTF-8 编码。")
    if raw.startswith(b"\xef\xbb\xbf"):  # a BOM, as Windows Notepad writes: harmless, drop it
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        try:
            raw.decode("gb18030")
            hint = "看起来是 GBK/GB2312 编码（旧版 Windows 记事本的默认编码）。请在记事本中点“另存为”，编码选 UTF-8"
        except UnicodeDecodeError:
            hint = "其中有无法识别的字节。请用 VS Code 或记事本以 UTF-8 编码重新保存"
        raise _Stop(line, f"文件不是 UTF-8 编码：{hint}。") from None
    m = _CONTROL.search(text)
    if m:
        line = text.count("\n", 0, m.start()) + 1
        if m.group() == "\ufeff":
            raise _Stop(line, f"第 {line} 行含有看不见的字符 U+FEFF（BOM，字节顺序标记），多半是把两个文件拼在一起或从别处复制来的。"
                              "它只允许出现在文件最开头，请删除后重新输入这一行。")
        raise _Stop(line, f"第 {line} 行含有看不见的控制字符（U+{ord(m.group()):04X}），多半是从别处复制来的，请删除后重新输入这一行。")
    m = _LINE_SEPARATOR.search(text)
    if m:
        line = text.count("\n", 0, m.start()) + 1
        raise _Stop(line, f"第 {line} 行含有看不见的换行符 {_LINE_SEPARATORS[m.group()]}，多半是从网页或 Word 复制来的："
                          "有的 YAML 工具把它当作换行，有的当作文字，读出的内容不同。请删除后重新输入这一行。")
    m = _TAB_INDENT.search(text)
    if m:
        line = text.count("\n", 0, m.start()) + 1
        raise _Stop(line, "这一行用 Tab 键缩进了。YAML 只能用空格缩进，请把 Tab 换成空格（建议每级 2 个空格）。")
    return text


_HINTS = [
    ("mapping values are not allowed", '这里多了一个冒号。如果内容里有英文冒号加空格 ": "，请把整个值用引号括起来，或改用中文冒号 "："'),
    ("could not find expected ':'", '缺少冒号 ": "，或者上一行的引号没有配对'),
    ("did not find expected key", "缩进对不齐：这一行应与同级字段左对齐"),
    ("expected <block end>", "缩进对不齐：这一行应与同级字段左对齐"),
    ("did not find expected '-' indicator", '列表项对不齐：同一列表的每一项 "- " 应左对齐'),
    ("did not find expected ',' or ']'", '方括号 "[ ]" 没有配对，或列表项之间少了英文逗号 ","'),
    ("did not find expected ',' or '}'", '花括号 "{ }" 没有配对，或字段之间少了英文逗号 ","'),
    ("while scanning a quoted scalar", "引号没有配对：这一行的引号一直没有收尾"),
    ("found unexpected end of stream", "引号没有配对：文件结束了还没找到收尾的引号"),
    ("found unknown escape character", '双引号里的反斜杠 "\\" 不能这样用：请改用单引号，或写成两个反斜杠'),
    ("expected a single document", '一个文件只能放一条记录，这里出现了第二条（多余的 "---" 分隔线）'),
    ("found character '@' that cannot start any token", '"@" 不能放在值的开头，请给整个值加引号'),
    ("found character '`' that cannot start any token", '"`" 不能放在值的开头，请给整个值加引号'),
    ("found undefined alias", '"*" 不能放在值的开头（YAML 会把它当成别名），请给整个值加引号'),
    ("found undefined tag handle", '"!" 不能放在值的开头（YAML 会把它当成标签），请给整个值加引号'),
    ("while scanning an anchor", '"&" 不能放在值的开头（YAML 会把它当成锚点），请给整个值加引号'),
    ("while scanning an alias", '"*" 不能放在值的开头（YAML 会把它当成别名），请给整个值加引号'),
]


def _check_structure(text: str) -> None:
    """Stop a file that nests too deep or holds too many values before libyaml composes it.

    Composing costs time for every value and recurses in C for every level (tens of thousands
    of "[" crash the process), so a file with enough structure marks to matter is first read as
    a stream of events, which stops at the first limit passed.
    """
    if sum(text.count(mark) for mark in _STRUCTURE_MARKS) <= 2000:
        return  # too little structure to reach either limit: skip the extra pass
    depth = values = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise _Stop(event.start_mark.line + 1, f"嵌套层次过深（超过 {MAX_DEPTH} 层）。")
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1
            continue
        elif not isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)):
            continue
        values += 1
        if values > MAX_NODES:
            raise _Stop(event.start_mark.line + 1, f"文件结构过于庞大（超过 {MAX_NODES} 个值），一条记录不需要这么多内容。")


def _parse(text: str) -> Document:
    try:
        _check_structure(text)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        # an unclosed quote or bracket is reported where it opened, not where the file ran out
        opened = e.context_mark and e.context and ("quoted scalar" in e.context or "flow" in e.context)
        mark = e.context_mark if opened else (e.problem_mark or e.context_mark)
        line = mark.line + 1 if mark else 1
        detail = f"{e.context or ''} {e.problem or ''}".strip()
        hint = next((h for key, h in _HINTS if key in detail), None)
        raise _Stop(line, f"YAML 格式错误：{hint or '无法解析这一行'}。（{detail}）") from None
    except yaml.YAMLError as e:
        raise _Stop(1, f"YAML 格式错误：{e}") from None
    if node is None:
        raise _Stop(1, "文件是空的。请参照同目录下的其他文件填写，或用 toolbook.py new 生成模板。")
    doc = Document(None)
    doc.value = _Converter(doc.lines).convert(node, (), 0)
    if "&" in text or "!" in text:
        _refuse_anchors_and_tags(text, doc)
    return doc


def _refuse_anchors_and_tags(text: str, doc: Document) -> None:
    """What composed nodes do not show: an anchor no alias uses, and the non-specific tag "!" (`! 12`), which
    composes like an untagged value. Both are found in the parser's events.

    Run only on a file that converted cleanly (aliases and every other tag are reported first) and that
    has an "&" or "!" at all: Chinese text seldom does, so the second pass is rare.
    """
    for event in yaml.parse(text, Loader=_Loader):
        anchor, tag = getattr(event, "anchor", None), getattr(event, "tag", None)
        if anchor is None and tag is None:
            continue
        line = event.start_mark.line + 1
        path = min((p for p, at in doc.lines.items() if at == line and p), key=len, default=())  # the field on that line
        if anchor is not None:
            raise _Stop(line, f'不支持 YAML 锚点和别名（& 和 *）："&{short(anchor)}" 是一个锚点。'
                              '请删掉它；如果 "&" 是内容的一部分，请给整个值加引号。', path)
        raise _Stop(line, f'不支持 YAML 标签 "{tag}"。请删除以 "!" 开头的标记；如果 "!" 是内容的一部分，请给整个值加引号。', path)


def _yaml11_number(text: str) -> bool:
    """Whether YAML 1.1 reads the unquoted `text` as another number than YAML 1.2 does (or as one where 1.2
    reads text): 010, 0o7, 0x1F, 0b101, 12:30, 1e3, .inf, 1_000. Each form is checked by splitting at its
    marks and testing the pieces with single character classes: linear in the length of `text`, where one
    regular expression for all of them backtracked quadratically on a long run of digits."""
    body = text[1:] if text[:1] in ("-", "+") else text
    if not body:
        return False
    if body in _YAML11_SPECIAL:
        return True
    if body[0] == "0" and len(body) > 1:  # 010 (octal), 0o17, 0x1F, 0b101
        rest, mark = body[2:], body[1]
        if mark == "o":
            return bool(rest) and set(rest) <= set("01234567")
        if mark == "x":
            return bool(rest) and set(rest) <= set("0123456789abcdefABCDEF_")
        if mark == "b":
            return bool(rest) and set(rest) <= set("01_")
        if set(body[1:]) <= set("01234567_"):
            return True
    if ":" in body:  # sexagesimal 12:30, 1:20:30.5
        first, *middle, last = body.split(":")
        last, _, fraction = last.partition(".")
        return (first[:1].isascii() and first[:1].isdigit() and bool(_DIGITS_.fullmatch(first))
                and all(_base60(part) for part in (*middle, last)) and bool(_DIGITS_.fullmatch(fraction)))
    exponent_at = max(body.find("e"), body.find("E"))
    if exponent_at > 0 and body.count("e") + body.count("E") == 1:  # 1e3, 1.5E-2, _1.0e+5
        mantissa, exponent = body[:exponent_at], body[exponent_at + 1:]
        if exponent[:1] in ("-", "+"):
            exponent = exponent[1:]
        whole, dot, fraction = mantissa.partition(".")
        digits_after = fraction if dot else whole
        return (bool(_DIGITS.fullmatch(exponent)) and bool(_DIGITS_.fullmatch(whole)) and bool(_DIGITS_.fullmatch(fraction))
                and "." not in fraction and bool(digits_after))
    # 1_000: digit groups joined by single underscores
    return "_" in body and all(_DIGITS.fullmatch(group) for group in body.split("_"))


def _base60(part: str) -> bool:
    return 1 <= len(part) <= 2 and part.isascii() and part.isdigit() and (len(part) == 1 or part[0] in "012345")


def _ambiguous(text: str, line: int, path: tuple):
    """An unquoted value that YAML 1.1 and YAML 1.2 read differently: ask the editor to say which."""
    shown = short(text)
    if text in _YAML11_BOOL:
        meaning = f"有的 YAML 工具把它读成 {'true' if text.lower() in ('yes', 'on') else 'false'}（是/否）"
        advice = f'要写文字请加引号："{text}"；要写是/否请写 true 或 false'
    else:
        meaning = "有的 YAML 工具把它读成另一个数（如 010 读成八进制的 8，12:30 读成 750，1e3 读成 1000）"
        plain = text.lstrip("0") if len(text) <= 40 and re.fullmatch(r"0[0-9]+", text) else None
        advice = f'要写数字请写成普通的十进制数{f"（{plain}）" if plain else ""}；要写文字请加引号："{shown}"'
    raise _Stop(line, f"不带引号的 {shown} 含义不明确：{meaning}。{advice}。", path)


class _Converter:
    """Turns composed nodes into dicts, lists and scalars, recording lines."""

    def __init__(self, lines: dict[tuple, int]):
        self.lines = lines
        self.seen: set[int] = set()

    def convert(self, node: yaml.Node, path: tuple, depth: int):
        line = node.start_mark.line + 1
        if id(node) in self.seen:  # an alias: the node is shared, so report where it is used (its field's line)
            raise _Stop(Document(None, self.lines).line_of(path), "不支持 YAML 锚点和别名（& 和 *）。请把内容直接写出来。", path)
        self.seen.add(id(node))  # (the number of values was bounded before composing: _check_structure)
        if depth > MAX_DEPTH:
            raise _Stop(line, f"嵌套层次过深（超过 {MAX_DEPTH} 层）。", path)
        if node.tag not in _STANDARD_TAGS:
            raise _Stop(line, f'不支持 YAML 标签 "{node.tag}"。请删除以 "!" 开头的标记。', path)
        self.lines.setdefault(path, line)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        return _scalar(node, line, path)

    def _mapping(self, node: yaml.MappingNode, path: tuple, depth: int) -> dict:
        out: dict = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge" or (key_node.value == "<<" and not key_node.style):
                raise _Stop(key_line, '不支持 YAML 合并键 "<<"。请把内容直接写出来。', path)
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Stop(key_line, "字段名必须是一段文字。", path)
            if key_node.tag not in _STANDARD_TAGS:
                raise _Stop(key_line, f'不支持 YAML 标签 "{key_node.tag}"。请删除以 "!" 开头的标记。', path)
            key = key_node.value
            if key in first_line:
                raise _Stop(key_line, f'字段 "{key}" 重复出现（第 {first_line[key]} 行和第 {key_line} 行），请删掉其中一个。', path + (key,))
            first_line[key] = key_line
            self.lines[path + (key,)] = key_line
            out[key] = self.convert(value_node, path + (key,), depth + 1)
        return out


def _scalar(node: yaml.ScalarNode, line: int, path: tuple):
    text = node.value
    if node.style:  # quoted or block scalar: always text
        return text
    if text in _YAML11_BOOL or _yaml11_number(text):
        _ambiguous(text, line, path)
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.fullmatch(text):
        try:
            return int(text)
        except ValueError:  # more digits than Python converts (4,300 by default): no field needs such a number
            raise _Stop(line, f"这个不带引号的数有 {len(text.lstrip('+-'))} 位，太长了，无法当作数来读。"
                              f'要写编号或文字请加引号："{short(text)}"。', path) from None
    if _FLOAT.fullmatch(text):
        number = float(text)
        if number in (float("inf"), float("-inf")):
            raise _Stop(line, f'这个不带引号的数 {short(text)} 太大了，无法当作数来读。要写文字请加引号。', path)
        return number
    return text
