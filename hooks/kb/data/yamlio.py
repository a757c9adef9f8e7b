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
* duplicate keys, anchors/aliases, merge keys and any non-standard tag are errors;
* encoding problems (GBK, UTF-16), tab indentation, control characters and a BOM anywhere
  but at the very start get their own messages, with the line where they occur;
* size, nesting and the number of values are bounded before composing (libyaml's composer
  recurses in C: tens of thousands of "[" crash the process).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .problems import Problem, display_path, field_path



class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml's parser, without PyYAML's YAML 1.1 tag resolution: scalars are resolved by `_scalar`."""

    _TAGS = {yaml.ScalarNode: "tag:yaml.org,2002:str", yaml.SequenceNode: "tag:yaml.org,2002:seq",
             yaml.MappingNode: "tag:yaml.org,2002:map"}

    def resolve(self, kind, value, implicit):
        return self._TAGS[kind]

MAX_BYTES = 1_000_000
MAX_NODES = 20_000
MAX_DEPTH = 30

_STANDARD_TAGS = {
    "tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
}
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff\ufffe\uffff]")
# unquoted values that YAML 1.1 reads as something else than YAML 1.2 does (see the module doc)
_YAML11_BOOL = {v for w in ("yes", "no", "on", "off") for v in (w, w.capitalize(), w.upper())}
_YAML11_NUMBER = re.compile(r"[-+]?(0[0-7_]+|0o[0-7]+|0x[0-9a-fA-F_]+|0b[01_]+|[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?"
                            r"|[0-9_]*\.?[0-9_]+[eE][-+]?[0-9]+|\.(inf|Inf|INF|nan|NaN|NAN)|[0-9]+(_[0-9]+)+)")
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
        size = path.stat().st_size
        if size > MAX_BYTES:
            return None, [Problem(display_path(path), 1, "", f"文件太大（{size / 1_000_000:.1f} MB），一条记录不能超过 1 MB。请检查是否误粘贴了图片或整篇文档。")]
        raw = path.read_bytes()
    except OSError as e:
        return None, [Problem(display_path(path), 0, "", f"无法读取文件：{e.strerror or e}")]
    try:
        text = _decode(raw)
        doc = _parse(text)
    except _Stop as stop:
        return None, [Problem(display_path(path), stop.line, field_path(stop.path), stop.message)]
    return doc, []


def _decode(raw: bytes) -> str:
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
    return doc


def _ambiguous(text: str, line: int, path: tuple):
    """An unquoted value that YAML 1.1 and YAML 1.2 read differently: ask the editor to say which."""
    if text in _YAML11_BOOL:
        meaning = f"有的 YAML 工具把它读成 {'true' if text.lower() in ('yes', 'on') else 'false'}（是/否）"
        advice = f'要写文字请加引号："{text}"；要写是/否请写 true 或 false'
    else:
        meaning = "有的 YAML 工具把它读成另一个数（如 010 读成八进制的 8，12:30 读成 750，1e3 读成 1000）"
        plain = text.lstrip("0") if re.fullmatch(r"0[0-9]+", text) else None
        advice = f'要写数字请写成普通的十进制数{f"（{plain}）" if plain else ""}；要写文字请加引号："{text}"'
    raise _Stop(line, f"不带引号的 {text} 含义不明确：{meaning}。{advice}。", path)


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
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Stop(key_line, '不支持 YAML 合并键 "<<"。请把内容直接写出来。', path)
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Stop(key_line, "字段名必须是一段文字。", path)
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
    if text in _YAML11_BOOL or _YAML11_NUMBER.fullmatch(text):
        _ambiguous(text, line, path)
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    return text
