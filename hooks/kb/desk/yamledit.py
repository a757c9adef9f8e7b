"""Round-trip editing of one record file: `edit(text, values)` returns the file's new text with the record's
values replaced by `values`, and changes nothing else.

    new_text = edit(old_text, {"id": "x", "title": "新标题", …}, order=schema_property_names)

What stays: every comment (the first line's `# yaml-language-server: $schema=…` included), key order, blank
lines, and the exact text of every top-level field whose value did not change; inside a changed field, the
unchanged items keep their text and comments as far as ruamel.yaml's round trip allows (one clause of a list
changed: the other clauses keep their comments). New keys go where `order` (the schema's order of fields)
puts them, else at the end; removed keys disappear with their own lines (the comment lines right above them
included). Strings are written so that the strict reader (kb.data.yamlio) reads them back as the same
strings: quoted where it would refuse them or read something else (yes, 010, 12:30, `: `, ` #`, leading
spaces, …), multi-line text as a literal block `|` (an existing block or quoted style is kept). Lines are never
wrapped, and the indentation is guessed from the file, so that untouched lines keep theirs.

How: ruamel.yaml loads the text with the strict reader's YAML 1.2 core schema (dates are text, only
true/false are booleans), the changed fields are merged into what it loaded and it dumps the whole. Then the
result is checked, not hoped for: each top-level field is a segment of lines (the comment lines directly above
its key, its key line and what follows up to the next such segment), found with the strict reader's line
numbers; where ruamel altered the segment of a field whose value did not change (it normalises spacing, flow
lists, indentation), the original segments are spliced together with ruamel's segments of the changed fields.
Finally the text is read back with the strict reader and compared with `values`. Should ruamel have got a changed
field wrong (it can misplace a comment when a value changes its kind), each changed field is written afresh on
its own between the original lines of the others, and that is read back in turn; any difference, or a text
the strict reader cannot read, raises EditRefused with a Chinese reason naming the field.

One thing more goes: the scaffold's 待填写 reminder at the end of a key line whose field now holds a value
without 待填写 (_drop_reminders): the form does not show comments, and `finalize` would refuse the file for it.

Never: write a file (the caller does, kb.desk.records), return a text that reads back otherwise than `values`,
or touch a line of an unchanged top-level field (but for such a reminder).
"""

from __future__ import annotations

import difflib
import io
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import CommentMark
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tokens import CommentToken
from ruamel.yaml.scalarstring import (DoubleQuotedScalarString, FoldedScalarString, LiteralScalarString,
                                      ScalarString, SingleQuotedScalarString)
from ruamel.yaml.util import RegExp, load_yaml_guess_indent

from ..data.problems import field_path, short
from ..data.yamlio import read_bytes
from ..editing.scaffold import TODO

WIDTH = 1_000_000_000  # never wrap a line
SCHEMA_LINE = re.compile(r"# yaml-language-server:")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")  # YAML's line breaks, each line with its break
# characters the strict reader refuses in a file's text (as yamlio._CONTROL and U+0085/U+2028/U+2029) and a
# carriage return: written only as escapes in a double-quoted string
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\ufffe\uffff\u2028\u2029]")
_TAB_INDENT = re.compile(r"^ *\t", re.M)  # the strict reader refuses such a line, block scalars included
_KEY_ONLY = re.compile(r"[^\s#\-?][^#]*:[ \t]*(#.*)?")
_PLAIN_CHECK_UP_TO = 2000  # characters of a one-line string checked by reading it back (longer ones are text)


class EditRefused(ValueError):
    """The new values cannot be written faithfully: `field` (as `check` names fields) and a Chinese reason."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message, self.field = message, field


# -- ruamel.yaml set up as the strict reader reads -------------------------------------------------------------

def _core_table() -> dict:
    """first character -> [(tag, regexp)]: the YAML 1.2 core schema as kb.data.yamlio reads it (no timestamps,
    no 0o/0x numbers, no yes/no); what it refuses (yes, 010, 12:30) stays text here and is quoted on output."""
    table: dict = {}
    for tag, pattern, first in (
            ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
            ("int", r"^[-+]?[0-9]+$", "-+0123456789"),
            ("float", r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$", "-+0123456789."),
            ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""])):
        for ch in first:
            table.setdefault(ch, []).append((f"tag:yaml.org,2002:{tag}", RegExp(pattern)))
    return table


_CORE = _core_table()


class _Resolver(VersionedResolver):
    @property
    def versioned_resolver(self):
        return _CORE


_NOT_TEXT = {f"tag:yaml.org,2002:{t}" for t in ("bool", "int", "float", "null")}


class _Constructor(RoundTripConstructor):
    """Keys as the strict reader reads them: always the key's text (`0:` is the key "0", not the number 0)."""

    def construct_document(self, node):
        stack, seen = [node], set()
        while stack:
            n = stack.pop()
            if id(n) in seen:
                continue
            seen.add(id(n))
            if isinstance(n, MappingNode):
                for key, value in n.value:
                    if isinstance(key, ScalarNode) and not key.style and key.tag in _NOT_TEXT:
                        key.tag = "tag:yaml.org,2002:str"
                    stack += (key, value)
            elif isinstance(n, SequenceNode):
                stack += n.value
        return super().construct_document(node)


def _style(text: str) -> str | None:
    """How to write a plain string: None (ruamel decides: plain, or quoted where YAML needs it), '"' or '|'."""
    if _UNSAFE.search(text) or text == "<<":  # (a plain << key is a merge key, which the strict reader refuses)
        return '"'
    if "\n" in text:
        return '"' if _TAB_INDENT.search(text) else "|"
    if len(text) <= _PLAIN_CHECK_UP_TO:
        doc, _ = read_bytes(f"v: {text}\n".encode("utf-8"), "")
        if doc is None or doc.value != {"v": text}:
            return '"'
    return None


class _Representer(RoundTripRepresenter):
    def represent_str(self, data):
        return self.represent_scalar("tag:yaml.org,2002:str", data, style=_style(data))

    def represent_float(self, data):
        """Positional, never 1e+20: the strict reader refuses an exponent (YAML 1.1 reads it otherwise)."""
        text = format(Decimal(repr(data)), "f")
        return self.represent_scalar("tag:yaml.org,2002:float", text if "." in text else text + ".0")


class _Text(ScalarString):
    """A new plain string. ruamel turns a plain `str` set in place of a quoted or block string into that string's
    type (CommentedMap.__setitem__); a ScalarString is left alone, and this one is written as `_style` says."""

    __slots__ = ()


_Representer.add_representer(str, _Representer.represent_str)
_Representer.add_representer(float, _Representer.represent_float)
_Representer.add_representer(_Text, _Representer.represent_str)


def _yaml() -> YAML:
    y = YAML()  # round trip
    y.Resolver = _Resolver
    y.Constructor = _Constructor
    y.Representer = _Representer
    y.preserve_quotes = True
    y.allow_unicode = True
    y.width = WIDTH
    y.indent(mapping=2, sequence=4, offset=2)  # the project's style (kb.editing.scaffold), unless guessed
    return y


def _load(text: str) -> tuple[CommentedMap | None, YAML]:
    """What ruamel reads from `text` (None if it cannot, or it is not a mapping), and a YAML object that dumps
    with the file's own indentation."""
    y = _yaml()
    try:
        try:
            data, indent, offset = load_yaml_guess_indent(text, yaml=y)
        except IndexError:  # the guess trips over an odd line: read without it
            data, indent, offset = _yaml().load(text), None, None
    except Exception:  # noqa: BLE001 - any text may come in; the strict reader says what is wrong with it
        return None, y
    if not isinstance(data, CommentedMap):
        return None, y
    mapping = _mapping_indent(text)
    if offset is None or indent is None:
        y.indent(mapping=mapping, sequence=mapping + 2, offset=mapping)
    else:
        y.indent(mapping=mapping, sequence=max(indent, offset + 2), offset=offset)
    return data, y


def _mapping_indent(text: str) -> int:
    """How far a mapping nested under a top-level key is indented in `text` (2 if none is)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not _KEY_ONLY.fullmatch(line):
            continue
        for following in lines[i + 1:]:
            stripped = following.strip()
            if not stripped or stripped.startswith("#"):
                continue
            lead = len(following) - len(following.lstrip(" "))
            if lead and not stripped.startswith("-"):
                return lead
            break
    return 2


def _dump(y: YAML, data) -> str:
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()


# -- plain values ------------------------------------------------------------------------------------------------

def _plain(node):
    """What ruamel loaded, as the plain values the strict reader gives."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def _key(value) -> str:
    """A comparable form: true, 1 and 1.0 differ; the order of a mapping's keys does not matter."""
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _same(a, b) -> bool:
    return _key(a) == _key(b)


def _check_values(value, path: tuple = ()) -> None:
    """Only what a form sends (JSON): text, numbers, true/false, empty, lists and groups of fields."""
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise EditRefused(f"字段名 {short(k)} 不是文字，无法写入。", field_path(path))
            _check_values(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_values(v, path + (i,))
    elif isinstance(value, float) and not math.isfinite(value):
        raise EditRefused(f"字段 {field_path(path)}：数值 {value} 无法写入，请填写普通的数。", field_path(path))
    elif value is not None and not isinstance(value, (str, int, float, bool)):
        raise EditRefused(f"字段 {field_path(path)}：不支持这种值，只能填文字、数、true/false、列表或一组字段。",
                          field_path(path))


def _first_difference(got, want, path: tuple = ()) -> tuple | None:
    """The path of the first place where `got` (read back) differs from `want`, or None."""
    if isinstance(want, dict) and isinstance(got, dict):
        for k in [*want, *(k for k in got if k not in want)]:
            if k not in got or k not in want:
                return path + (k,)
            found = _first_difference(got[k], want[k], path + (k,))
            if found is not None:
                return found
        return None
    if isinstance(want, list) and isinstance(got, list):
        for i, (g, w) in enumerate(zip(got, want)):
            found = _first_difference(g, w, path + (i,))
            if found is not None:
                return found
        return None if len(got) == len(want) else path
    return None if _same(got, want) else path


# -- merging new values into what ruamel loaded ----------------------------------------------------------------------

def _fresh(value):
    if isinstance(value, dict):
        out = CommentedMap()
        for k, v in value.items():
            out[k] = _fresh(v)
        return out
    if isinstance(value, list):
        return CommentedSeq(_fresh(v) for v in value)
    return value


def _restyle(old, text: str):
    """The new text in the old value's style where that style can hold it (a block stays a block, quotes stay)."""
    if isinstance(old, (LiteralScalarString, FoldedScalarString)) and not _UNSAFE.search(text) \
            and not _TAB_INDENT.search(text):
        new = type(old)(text)
        if getattr(old, "comment", None) is not None:  # a comment after the | or >
            new.comment = old.comment
        return new
    if isinstance(old, DoubleQuotedScalarString) and "\n" not in text:
        return DoubleQuotedScalarString(text)
    if isinstance(old, SingleQuotedScalarString) and "\n" not in text and not _UNSAFE.search(text):
        return SingleQuotedScalarString(text)
    return _Text(text)


def _merge(node, new):
    """`node` (what ruamel loaded) changed into `new`, keeping every unchanged part of it (and its comments)."""
    if isinstance(new, dict):
        if not isinstance(node, CommentedMap):
            return _fresh(new)
        _merge_map(node, new, list(new))
        return node
    if isinstance(new, list):
        if not isinstance(node, CommentedSeq):
            return _fresh(new)
        _merge_seq(node, new)
        return node
    if _same(_plain(node), new):
        return node
    return _restyle(node, new) if isinstance(new, str) else new


def _merge_map(node: CommentedMap, new: dict, order: Sequence[str], unchanged: set[str] = frozenset()) -> None:
    for k in [k for k in node if k not in new]:
        del node[k]
    for k, v in new.items():
        if k in unchanged:
            continue
        if k in node:
            if not _same(_plain(node[k]), v):
                _replace(node, k, v)
        else:
            node.insert(_position(list(node), k, order), k, _fresh(v))


def _position(existing: list, key: str, order: Sequence[str]) -> int:
    """Where a new key goes: after the last existing key that `order` puts before it (none: before the first
    that it puts after it); a key `order` does not name goes at the end."""
    rank = {k: i for i, k in enumerate(order)}
    if key not in rank:
        return len(existing)
    before = [i for i, k in enumerate(existing) if rank.get(k, len(rank)) < rank[key]]
    if before:
        return before[-1] + 1
    after = [i for i, k in enumerate(existing) if k in rank]
    return after[0] if after else len(existing)


def _merge_seq(seq: CommentedSeq, new: list) -> None:
    """Items kept where they are unchanged (with their comments); a changed item merged with the one it replaces."""
    old = [_key(_plain(x)) for x in seq]
    want = [_key(v) for v in new]
    ops = difflib.SequenceMatcher(None, old, want, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in reversed(ops):  # from the end: earlier positions stay valid
        if tag == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for i in range(i2 - 1, i1 + pairs - 1, -1):
            _delete_item(seq, i)
        for t in range(j1 + pairs, j2):
            _insert_item(seq, i1 + (t - j1), new[t])
        for t in range(pairs):
            _replace(seq, i1 + t, new[j1 + t])


# ruamel keeps the comment lines above an item of a list with the item before it (after its last value): an item
# deleted or inserted hands those lines on, so that each comment stays above the item it was written for

def _replace(container, key, value) -> None:
    """container[key] changed into `value`; the comment lines below it stay below it (they are the next item's)."""
    before = _tail(container, key)
    rest = _rest(before) if before is not None else ""
    container[key] = _merge(container[key], value)
    after = _tail(container, key)
    if rest and after is not None and _rest(after) != rest:
        if before == after or before[0] is container:
            _set_rest(before, "")
        _set_rest(after, rest)


def _delete_item(seq: CommentedSeq, i: int) -> None:
    if i >= 1:
        before, here = _tail(seq, i - 1), _tail(seq, i)
        if before is not None and here is not None:
            _set_rest(before, _rest(here))
    del seq[i]


def _insert_item(seq: CommentedSeq, i: int, value) -> None:
    seq.insert(i, _fresh(value))
    if i >= 1:
        before, here = _tail(seq, i - 1), _tail(seq, i)
        rest = _rest(before) if before is not None else ""
        if rest and here is not None:
            _set_rest(here, rest)
            _set_rest(before, "")


def _tail(container, key) -> tuple | None:
    """(collection, key) whose comment slot follows the last line of `container[key]`; None where that is not a
    plain value at the end of block collections (an empty or flow collection keeps its comments elsewhere)."""
    value = container[key]
    if isinstance(value, (CommentedMap, CommentedSeq)):
        if not len(value) or value.fa.flow_style():
            return None
        return _tail(value, list(value)[-1] if isinstance(value, CommentedMap) else len(value) - 1)
    if isinstance(container, (CommentedMap, CommentedSeq)) and not container.fa.flow_style():
        return container, key
    return None


def _slot(where: tuple) -> tuple[list | None, int]:
    container, key = where
    return container.ca.items.get(key), 2 if isinstance(container, CommentedMap) else 0


def _rest(where: tuple) -> str:
    """The comment lines after the value's own line (not its end-of-line comment)."""
    entry, i = _slot(where)
    token = entry[i] if entry is not None and len(entry) > i else None
    if token is None:
        return ""
    text = token.value
    return text[text.index("\n") + 1:] if "\n" in text else ""


def _set_rest(where: tuple, rest: str) -> None:
    container, key = where
    entry, i = _slot(where)
    token = entry[i] if entry is not None and len(entry) > i else None
    if token is None:
        if not rest:
            return
        if entry is None:
            entry = container.ca.items[key] = [None, None, None, None] if i == 2 else [None, None]
        entry[i] = CommentToken("\n" + rest, CommentMark(0), None)
        return
    text = token.value
    token.value = (text[:text.index("\n") + 1] if "\n" in text else text + "\n") + rest


# -- the text as segments of lines, one per top-level field ------------------------------------------------------------

@dataclass
class _Layout:
    """A record file's lines: the header (what comes before the first field's comments), each top-level field's
    lead (the comment lines directly above its key) and body (its key line up to the next field's lead), and
    the footer (comment lines after the last field)."""

    header: list[str]
    keys: list[str]
    indent: int = 0  # the column of the top-level keys (0 but in a file indented as a whole)
    lead: dict[str, list[str]] = field(default_factory=dict)
    body: dict[str, list[str]] = field(default_factory=dict)
    footer: list[str] = field(default_factory=list)

    def segment(self, key: str) -> list[str]:
        return self.lead[key] + self.body[key]


def _lines(text: str) -> list[str]:
    return _LINE.findall(text)


def _line_based(text: str, doc) -> bool:
    """Whether each top-level field starts a line of its own, after the one before it (not a flow mapping
    `{id: x, title: y}`, not a complex `? key`): only then is a field a segment of lines."""
    lines = _lines(text)
    starts = [doc.lines.get((k,), 0) - 1 for k in doc.value]
    return all(a < b for a, b in zip([-1, *starts], starts)) and all(
        b < len(lines) and not lines[b].lstrip(" ").startswith(("{", "?", "---")) for b in starts) and \
        len({_column(lines[b]) for b in starts}) <= 1


def _column(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _comment(line: str, column: int) -> bool:
    """A comment line at most as indented as the top-level keys."""
    return line.lstrip(" ").startswith("#") and _column(line) <= column


def _layout(text: str, doc) -> _Layout:
    lines = _lines(text)
    keys = list(doc.value)
    if not keys:
        return _Layout(lines, [])
    starts = [doc.lines[(k,)] - 1 for k in keys]
    column = _column(lines[starts[0]])
    leads = []
    for start in starts:
        begin = start
        while begin > 0 and _comment(lines[begin - 1], column) and not (begin == 1 and SCHEMA_LINE.match(lines[0])):
            begin -= 1
        leads.append(begin)
    end = len(lines)
    tail = end
    while tail > starts[-1] + 1 and (not lines[tail - 1].strip() or _comment(lines[tail - 1], column)):
        tail -= 1
    footer = next((i for i in range(tail, end) if _comment(lines[i], column)), end)
    layout = _Layout(lines[:leads[0]], keys, column, footer=lines[footer:])
    for n, key in enumerate(keys):
        layout.lead[key] = lines[leads[n]:starts[n]]
        layout.body[key] = lines[starts[n]:leads[n + 1] if n + 1 < len(keys) else footer]
    return layout


def _join(pieces: list[list[str]]) -> str:
    """The pieces' lines as one text, each piece ending with a line break (but the very last, as it was)."""
    out: list[str] = []
    for piece in filter(None, pieces):
        if out and not out[-1].endswith(("\n", "\r")):
            out[-1] += "\n"
        out.extend(piece)
    return "".join(out)


def _splice(original: _Layout, keys: list[str], unchanged: set[str], bodies: dict[str, list[str]]) -> str:
    """The original header and footer, each field's original lead, the original body of an unchanged field and
    the new body (`bodies`) of a changed or new one, in the order of `keys`."""
    pieces = [original.header]
    shift = " " * original.indent  # ruamel writes the top level at column 0
    for key in keys:
        pieces.append(original.lead.get(key, []))
        pieces.append(original.body[key] if key in unchanged else
                      [shift + line if line.strip() else line for line in bodies[key]])
    pieces.append(original.footer)
    return _join(pieces)


def _with_header(original: str, dumped: str) -> str:
    """`dumped` under the comment lines the original starts with (ruamel drops them above a flow mapping)."""
    def head(text: str) -> int:
        lines = _lines(text)
        n = next((i for i, line in enumerate(lines) if line.strip() and not line.startswith("#")), len(lines))
        return sum(map(len, lines[:n]))
    return _join([_lines(original[:head(original)]), _lines(dumped[head(dumped):])])


def _newline(text: str) -> str:
    first = _LINE.match(text)
    return "\r\n" if first and first.group().endswith("\r\n") else "\n"


# -- edit -----------------------------------------------------------------------------------------------------------

@dataclass
class Result:
    """What `edit_with_report` did: the new text, and the fields whose original lines were spliced back because
    ruamel's output had altered them (empty when ruamel kept every unchanged field as it was)."""

    text: str
    spliced: list[str]


def edit(text: str, values: dict, order: Sequence[str] = ()) -> str:
    """The file `text` with its record's values replaced by `values` (plain JSON-like values). `order`: the
    schema's order of top-level fields, for placing new ones. EditRefused if the result would not read back
    as exactly `values` with the strict reader."""
    return edit_with_report(text, values, order).text


def edit_with_report(text: str, values: dict, order: Sequence[str] = ()) -> Result:
    if not isinstance(values, dict):
        raise EditRefused("记录应是一组“字段: 值”。")
    _check_values(values)
    result = _edit(text, values, tuple(order))
    refused = _refusal(result.text, values)
    if refused is None:
        done = _drop_reminders(result.text, values)
        return Result(done, result.spliced) if _refusal(done, values) is None else result
    # ruamel's round trip went wrong inside a changed field (it can misplace a comment when a value changes its
    # kind): each changed field written afresh on its own, every other line kept, if that reads back right
    old_doc, _ = read_bytes(text.encode("utf-8"), "记录")
    if old_doc is not None and isinstance(old_doc.value, dict) and old_doc.value and _line_based(text, old_doc):
        fallback = _splice_per_field(text, old_doc, values, tuple(order), _newline(text))
        if _refusal(fallback.text, values) is None:
            return fallback
    raise refused


_REMINDER = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(.*?)[ \t]+#[ \t]*" + TODO + r"[^\r\n]*(\r\n|\r|\n|)")


def _drop_reminders(text: str, values: dict) -> str:
    """The text without the scaffold's reminders on fields the form has filled: an end-of-line comment starting with
    待填写 (`unit: "市财政局"  # 待填写：换成 taxonomy.yml 里的名称`) on the key line of a top-level field whose value
    is text or a number without 待填写. The form does not show comments; saving it is where the editor chose the
    value, and `finalize` refuses a file with 待填写 left anywhere, comments included."""
    out = []
    for line in _lines(text):
        m = _REMINDER.fullmatch(line)
        value = values.get(m.group(1)) if m else None
        if m and isinstance(value, (str, int, float)) and not isinstance(value, bool) and TODO not in str(value):
            line = f"{m.group(1)}:{m.group(2)}{m.group(3)}"
        out.append(line)
    return "".join(out)


def _refusal(text: str, values: dict) -> EditRefused | None:
    """Why `text` may not be written for `values` (it does not read back as exactly them), or None."""
    doc, problems = read_bytes(text.encode("utf-8"), "记录")
    if doc is None:
        p = problems[0]
        where = f"字段 {p.field}：" if p.field else ""
        return EditRefused(f"{where}改动后的文件无法按原样读回，没有保存：{p.message}", p.field)
    diff = _first_difference(doc.value, values)
    if diff is not None:
        name = field_path(diff)
        return EditRefused(f"字段 {name or '（整条记录）'}：写进文件后读回的值与填写的不一致，没有保存。"
                           "请换一种写法（如去掉特殊字符）再保存。", name)
    return None


def _edit(text: str, values: dict, order: tuple) -> Result:
    old_doc, _ = read_bytes(text.encode("utf-8"), "记录")
    if old_doc is not None and not (isinstance(old_doc.value, dict) and _line_based(text, old_doc)):
        old_doc = None  # no segments of lines to keep: ruamel's text, read back below
    data, y = _load(text)
    newline = _newline(text)
    if not values:  # no field at all: only "{}" says so
        return Result(_with_header(text, "{}" + newline), [])
    if data is None:
        if old_doc is None:
            return Result(_from_scratch(text, values, order, y), [])
        return _splice_per_field(text, old_doc, values, order, newline)
    old = old_doc.value if old_doc is not None else None
    unchanged = {k for k in values if old is not None and k in old and k in data and _same(old[k], values[k])}
    _merge_map(data, values, order, unchanged)
    dumped = _dump(y, data)
    if newline != "\n":
        dumped = dumped.replace("\n", newline)
    if old_doc is None:  # no line numbers to check against: ruamel's text, read back below
        return Result(_with_header(text, dumped), [])
    new_doc, _ = read_bytes(dumped.encode("utf-8"), "记录")
    if new_doc is None or not isinstance(new_doc.value, dict) or list(new_doc.value) != list(data) \
            or not _line_based(dumped, new_doc):
        return _splice_per_field(text, old_doc, values, order, newline)
    original, produced = _layout(text, old_doc), _layout(dumped, new_doc)
    altered = [k for k in unchanged if original.segment(k) != produced.segment(k)]
    if not altered and original.header == produced.header and original.footer == produced.footer \
            and all(produced.lead[k] == original.lead.get(k, []) for k in produced.keys):
        return Result(dumped, [])
    return Result(_splice(original, produced.keys, unchanged, produced.body), sorted(altered))


def _splice_per_field(text: str, old_doc, values: dict, order: tuple, newline: str) -> Result:
    """ruamel could not load or dump the file whole: each changed field is written on its own, the rest spliced."""
    original = _layout(text, old_doc)
    old = old_doc.value
    unchanged = {k for k in values if k in old and _same(old[k], values[k])}
    keys = [k for k in original.keys if k in values]
    for k in values:
        if k not in keys:
            keys.insert(_position(keys, k, order), k)
    bodies = {}
    for k in keys:
        if k not in unchanged:
            piece = _dump(_yaml(), CommentedMap([(k, _fresh(values[k]))]))
            bodies[k] = _lines(piece.replace("\n", newline) if newline != "\n" else piece)
    return Result(_splice(original, keys, unchanged, bodies), [k for k in keys if k in unchanged])


def _from_scratch(text: str, values: dict, order: tuple, y: YAML) -> str:
    """Neither reader can read the file: the values written afresh, under its schema line if it has one."""
    first = _LINE.match(text)
    header = first.group() if first and SCHEMA_LINE.match(first.group()) else ""
    if header and not header.endswith("\n"):
        header += "\n"
    rank = {k: i for i, k in enumerate(order)}
    keys = sorted(values, key=lambda k: rank.get(k, len(rank)))
    return header + _dump(y, CommentedMap((k, _fresh(values[k])) for k in keys))
