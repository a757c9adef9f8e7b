"""The JSON Schema in data/schema/ applied to parsed records, with Chinese messages.

The schema is the one description of every field: editors' tools read it for
autocompletion, this module validates with it, and the field reference is drawn from it.
"""

from __future__ import annotations

import copy
import datetime
import difflib
import json
import re
from pathlib import Path

import fastjsonschema
import jsonschema
from referencing import Registry, Resource

from .problems import Problem, display_path, field_path, short
from .yamlio import Document
from ..paths import SCHEMA_DIR


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TYPES = {"string": "文字", "integer": "整数", "number": "数字", "array": "列表", "object": "一组字段", "boolean": "true 或 false", "null": "空"}


def _is_date(value) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.fullmatch(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


_FORMATS = jsonschema.FormatChecker(formats=())
_FORMATS.checks("date")(_is_date)


class Schemas:
    """The schema files of one folder as they are now: each read and compiled when first used.

    Whoever keeps one keeps it only while the files stay the same: kb.data.load.ReadCache makes a new one when a
    schema file changes (so a preview sees a schema edit as `check` does); a load without a cache makes its own."""

    def __init__(self, folder: Path = SCHEMA_DIR) -> None:
        self.folder = Path(folder)
        self._loaded: dict[str, dict] = {}
        self._strict: dict[str, jsonschema.Draft202012Validator] = {}
        self._fast: dict[str, object] = {}
        self._id: re.Pattern | None = None

    def load(self, name: str) -> dict:
        if name not in self._loaded:
            with open(self.folder / f"{name}.json", encoding="utf-8") as f:
                self._loaded[name] = json.load(f)
        return self._loaded[name]

    def has(self, name: str) -> bool:
        return (self.folder / f"{name}.json").is_file()

    def id_pattern(self) -> re.Pattern:
        """What the schema allows as a record id."""
        if self._id is None:
            self._id = re.compile(self.load("common")["$defs"]["id"]["pattern"])
        return self._id

    def validate(self, name: str, doc: Document, path: Path) -> list[Problem]:
        """All schema problems of `doc` against <folder>/<name>.json, one per field.

        fastjsonschema decides whether the record is valid; only an invalid record is walked
        again with jsonschema, which reports every error with its path.
        """
        try:
            self._fast_check(name)(doc.value)
            return []
        except fastjsonschema.JsonSchemaValueException:
            pass
        problems: list[Problem] = []
        shown = display_path(path)
        for error in self._validator(name).iter_errors(doc.value):
            problems.extend(_explain(error, doc, shown))
        return sorted(set(problems), key=lambda p: (p.line, p.field, p.message))

    def _validator(self, name: str) -> jsonschema.Draft202012Validator:
        if name not in self._strict:
            registry = Registry().with_resources(
                (p.name, Resource.from_contents(json.loads(p.read_text(encoding="utf-8")))) for p in self.folder.glob("*.json"))
            self._strict[name] = jsonschema.Draft202012Validator(self.load(name), registry=registry, format_checker=_FORMATS)
        return self._strict[name]

    def resolved(self, name: str) -> dict:
        """<name>.json with every `$ref` to it or to common.json replaced by a copy of what it points at (a new dict)."""
        return _inline(self.load(name), self.load(name), {"common.json": self.load("common")})

    def _fast_check(self, name: str):
        """The same schema compiled to Python by fastjsonschema: ~60x faster, for the common case of a valid record."""
        if name not in self._fast:
            schema = self.resolved(name)
            schema.pop("$schema", None)
            self._fast[name] = fastjsonschema.compile(schema, formats={"date": _is_date})
        return self._fast[name]


def validate(name: str, doc: Document, path: Path, folder: Path = SCHEMA_DIR) -> list[Problem]:
    """One document checked against the schema as it is now (for a single file; a load keeps its Schemas)."""
    return Schemas(folder).validate(name, doc, path)


def _inline(node, base: dict, others: dict[str, dict]):
    """Replace each `$ref` ("#/$defs/x" or "common.json#/$defs/x") by a copy of what it points at."""
    if isinstance(node, list):
        return [_inline(v, base, others) for v in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        file, _, pointer = node["$ref"].partition("#")
        source = others[file] if file else base
        target = source
        for part in pointer.strip("/").split("/"):
            target = target[part]
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        return {**_inline(copy.deepcopy(target), source, others), **_inline(siblings, base, others)}
    return {k: _inline(v, base, others) for k, v in node.items() if k != "$defs"}


def _label(schema: dict) -> str:
    title = schema.get("title")
    return f"（{title}）" if title else ""


def _explain(error: jsonschema.ValidationError, doc: Document, shown: str) -> list[Problem]:
    path = tuple(error.absolute_path)
    kind, schema, value = error.validator, error.schema, error.instance

    def at(p: tuple, message: str) -> Problem:
        return Problem(shown, doc.line_of(p), field_path(p), message)

    if kind == "required":
        props = schema.get("properties", {})
        # a misspelt field is reported once, as unknown with a suggestion, not also as missing
        meant = {_meant_field(k, props) for k in value if k not in props}
        missing = [k for k in error.validator_value if k not in value and k not in meant]
        return [at(path, f'缺少必填字段 "{k}"{_label(props.get(k, {}))}。') for k in missing]
    if kind == "additionalProperties":
        props = schema.get("properties", {})
        out = []
        for key in (k for k in value if k not in props):
            near = _meant_field(key, props)
            if near and props[near].get("title") == key:
                hint = f'请用英文字段名 "{near}"。'
            elif near:
                hint = f'是否指 "{near}"？'
            else:
                hint = f"可用的字段有：{'、'.join(props)}。"
            out.append(at(path + (key,), f'未知字段 "{short(key)}"，{hint}'))
        return out
    if kind == "type":
        want = error.validator_value
        wants = "或".join(_TYPES.get(t, t) for t in (want if isinstance(want, list) else [want]))
        message = f"应为{' ' if wants[:1].isascii() else ''}{wants}，这里是{_describe(value)}。"
        if want == "string" and isinstance(value, (int, float, bool)):
            message += f"如果要当作文字，请加引号：\"{_plain(value)}\"。"
        if want == "string" and value is None:
            message = "不能为空。请填写内容，或删掉这个字段。"
        if want == "boolean" and isinstance(value, str) and value.lower() in {"yes", "no", "on", "off", "y", "n", "是", "否"}:
            message += "请写 true 或 false。"
        return [at(path, message)]
    if kind == "format" and error.validator_value == "date":
        return [at(path, f'日期 "{value}" 无效：格式应为 YYYY-MM-DD（如 2026-03-15），且须是真实存在的日期。')]
    if kind == "pattern":
        return [at(path, f'"{short(value)}" 格式不对。{_pattern_hint(value, schema, path)}{schema.get("description", "")}'.rstrip())]
    if kind == "enum":
        allowed = [str(v) for v in error.validator_value]
        near = difflib.get_close_matches(str(value), allowed, n=1, cutoff=0.6) if isinstance(value, str) else []
        hint = f'是否指 "{near[0]}"？' if near else ""
        return [at(path, f"{_describe(value)} 不是可选的值。{hint}可选的值：{schema.get('description') or '、'.join(allowed)}")]
    if kind == "minItems":
        return [at(path, f"至少要有 {error.validator_value} 项。")]
    if kind == "minLength":
        return [at(path, "不能为空。")]
    if kind == "maxLength":
        return [at(path, f"太长了（{len(value)} 字），不能超过 {error.validator_value} 字。")]
    if kind in ("minimum", "maximum"):
        low, high = schema.get("minimum"), schema.get("maximum")
        span = f"{low} 到 {high} 之间" if low is not None and high is not None else (f"不小于 {low}" if low is not None else f"不大于 {high}")
        return [at(path, f"数值 {value} 超出范围，应在{span}。")]
    return [at(path, f"不符合要求：{error.message}")]


def _pattern_hint(value: str, schema: dict, path: tuple) -> str:
    """What exactly is wrong with an id or an image file name, before the field's description."""
    if path and path[-1] == "file" and any(c in value for c in "/\\:"):
        return "这里只写文件名，不能写路径（不能含 /、\\、.. 或盘符）：图片放在数据目录的 assets/<案例编号>/ 文件夹里。"
    if schema.get("title") != "编号":
        return ""
    if re.search(r"[\u3400-\u9fff]", value):
        return "编号用于网址和文件名，不能用汉字，请用拼音或英文（如 sanhui-yike）。"
    if value != value.lower() and re.fullmatch(schema["pattern"], value.lower()):
        return f'编号不能用大写字母，请改成 "{value.lower()}"（文件名也一样）：Windows 不区分大小写，大小写不同的编号会成为同一个文件。'
    return ""


def _meant_field(key, props: dict) -> str | None:
    """The field an unknown key most likely meant: by its Chinese title, or by spelling."""
    key = str(key)
    if len(key) > 64:
        return None
    for name, sub in props.items():
        if sub.get("title") == key:
            return name
    near = difflib.get_close_matches(key, list(props), n=1, cutoff=0.6)
    return near[0] if near else None


def _plain(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _describe(value) -> str:
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return f"布尔值 {_plain(value)}"
    if isinstance(value, (int, float)):
        return f"数字 {value}"
    if isinstance(value, str):
        short = value if len(value) <= 20 else value[:20] + "…"
        return f'文字 "{short}"'
    if isinstance(value, list):
        return "一个列表"
    return "一组字段"


# -- the field reference (the site's 字段说明 page) -------------------------------------

REFERENCE_ORDER = ("case", "issue", "method", "standard", "taxonomy", "synonyms")


def field_reference(folder: Path = SCHEMA_DIR) -> list[dict]:
    """Every field of every schema, for editors: path, Chinese title, required, how to write it, description."""
    schemas = Schemas(folder)
    common = schemas.load("common")
    out = []
    for name in REFERENCE_ORDER:
        if not schemas.has(name):  # a data folder's own schema, older than synonyms.json
            continue
        schema = schemas.load(name)
        rows: list[dict] = []
        _fields(schema, schema, common, "", rows)
        out.append({"name": f"data/schema/{name}.json", "title": schema.get("title", name),
                    "description": schema.get("description", ""), "fields": rows})
    return out


def _deref(node: dict, base: dict, common: dict) -> tuple[dict, str, dict]:
    """(`node` merged with what its $ref points at, that definition's name or "", the schema its own refs are in)."""
    ref = node.get("$ref")
    if not ref:
        return node, "", base
    file, _, pointer = ref.partition("#")
    source = common if file else base
    target = source
    for part in pointer.strip("/").split("/"):
        target = target[part]
    merged, _, inner = _deref(target, source, common)
    return {**merged, **{k: v for k, v in node.items() if k != "$ref"}}, pointer.rsplit("/", 1)[-1], inner


def _fields(schema: dict, base: dict, common: dict, prefix: str, rows: list[dict]) -> None:
    required = set(schema.get("required", []))
    for key, raw in schema.get("properties", {}).items():
        node, ref, source = _deref(raw, base, common)
        path = f"{prefix}{key}"
        rows.append({"path": path, "title": node.get("title", ""), "required": key in required,
                     "type": _how(node, ref, source, common), "description": node.get("description", "")})
        items, _, item_source = _deref(node.get("items", {}), source, common)
        if node.get("type") == "array" and items.get("type") == "object":
            _fields(items, item_source, common, f"{path}[].", rows)
        elif node.get("type") == "object" and "properties" in node:
            _fields(node, source, common, f"{path}.", rows)


def _how(node: dict, ref: str, base: dict, common: dict) -> str:
    kind = node.get("type")
    if ref == "markdown":
        return "文字，可用 Markdown（多行时写 | 后换行缩进）"
    if ref == "id":
        return "编号（小写字母、数字、连字符）"
    if node.get("format") == "date":
        return "日期 YYYY-MM-DD"
    if kind == "boolean":
        return "true 或 false"
    if "enum" in node:
        return "下列之一：" + "、".join(str(v) for v in node["enum"])
    if kind == "integer":
        low, high = node.get("minimum"), node.get("maximum")
        return "整数" + (f"（{low}–{high}）" if low is not None and high is not None else f"（≥ {low}）" if low is not None else "")
    if kind == "array":
        items, item_ref, _ = _deref(node.get("items", {}), base, common)
        what = "编号" if item_ref == "id" else "文字" if items.get("type") == "string" else "一组字段（见下）" if items.get("type") == "object" else "值"
        least = f"，至少 {node['minItems']} 项" if node.get("minItems") else ""
        return f"列表，每项是{what}{least}"
    if kind == "object":
        return "一组字段（见下）"
    if node.get("pattern") and "YYYY-MM" in node.get("description", ""):
        return "月份 YYYY-MM"
    return "文字"
