"""`toolbook.py new` and `finalize`: new records start as drafts; publishing removes the draft mark.

Every file written here starts with the yaml-language-server line that points at the
repository's schema, so VS Code's YAML extension completes and checks fields offline.
Placeholders carry the word 待填写; `finalize` refuses while any is left.
Nothing is ever overwritten. Messages are in Chinese; `ScaffoldError` carries the exit code.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from pathlib import Path

from kb.data.links import RESERVED_IDS, suggest
from kb.data.load import SUFFIXES, TAXONOMY_FILE
from kb.settings import today
from kb.data.model import CASE, ISSUE, KINDS, METHOD, STANDARD, Kind
from kb.data.problems import display_path
from kb.paths import SCHEMA_DIR
from kb.data.yamlio import read_bytes, read_document
from kb.platform import write_whole

TODO = "待填写"
ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
DRAFT_LINE = re.compile(r"^draft:[ \t]*true[ \t]*(#.*)?\n?", re.M)
PUBLISH_DATE_LINE = re.compile(r"^publish_date:.*\n?", re.M)
# a case stub nobody has filled in yet: import-docx may take its place
BLANK_CASE_TITLE = f"（{TODO}）案例标题"

KIND_BY_WORD = {"standard": STANDARD, "method": METHOD, "case": CASE, "issue": ISSUE}


class ScaffoldError(Exception):
    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def q(value: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def plain(value: str) -> str:
    """`value` unquoted where the strict reader reads it back as that text (sanhui-yike), else quoted
    (an id such as 52288, 1e3 or no would otherwise be a number, an error or a yes/no)."""
    doc, _ = read_bytes(f"v: {value}\n".encode("utf-8"), "")
    return value if doc is not None and doc.value == {"v": value} else q(value)


def block(text: str, indent: str = "  ") -> str:
    """A YAML literal block: `|` then the text indented (tabs as spaces, no trailing blanks)."""
    lines = [line.replace("\t", "    ").rstrip() for line in text.strip("\n").replace("\r\n", "\n").split("\n")]
    return "|\n" + "\n".join(indent + line if line else "" for line in lines) + "\n"


def schema_line(path: Path, kind: Kind) -> str:
    """`# yaml-language-server: $schema=…` with the schema's path relative to the record's folder.

    data/<kind>/x.yml -> ../schema/<kind>.json; a data folder elsewhere points back at the repository's schema.
    """
    if (path.parent.parent / "schema" / f"{kind.name}.json").is_file():
        return f"# yaml-language-server: $schema=../schema/{kind.name}.json\n"
    target = SCHEMA_DIR / f"{kind.name}.json"
    try:
        rel = Path(os.path.relpath(target, path.parent.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        rel = target.as_uri()
    return f"# yaml-language-server: $schema={rel}\n"


def record_path(data: Path, kind: Kind, record_id: str) -> Path:
    return data / kind.folder / f"{record_id}.yml"


def existing_ids(data: Path) -> dict[str, Path]:
    """Every record id in use (by file name), whichever kind: ids are unique across the library."""
    out = {}
    for kind in KINDS:
        folder = data / kind.folder
        if folder.is_dir():
            for p in folder.iterdir():
                if p.suffix in SUFFIXES:
                    out.setdefault(p.stem, p)
    return out


def taxonomy(data: Path) -> dict:
    doc, problems = read_document(data / TAXONOMY_FILE)
    if doc is None or not isinstance(doc.value, dict):
        raise ScaffoldError("无法读取分类词表 taxonomy.yml：" + "；".join(str(p) for p in problems))
    return doc.value


def names(tax: dict, which: str) -> list[str]:
    items = tax.get("categories", {}).get(which) if which in ("standards", "methods") else tax.get(which)
    return [t["name"] for t in items or [] if isinstance(t, dict) and "name" in t]


def check_term(value: str, choices: list[str], label: str) -> None:
    if value in choices:
        return
    near = suggest(value, choices)
    hint = f'是否指 "{near}"？' if near else f"可选：{'、'.join(choices)}。"
    raise ScaffoldError(f'{label} "{value}" 不在分类词表 taxonomy.yml 中，{hint}', 2)


def check_new_id(data: Path, record_id: str) -> None:
    if not ID.fullmatch(record_id) or len(record_id) > 64:
        raise ScaffoldError(f'编号 "{record_id}" 格式不对：只能用小写英文字母、数字和连字符，如 sanhui-yike。', 2)
    if record_id in RESERVED_IDS:
        raise ScaffoldError(f'"{record_id}" 是网站保留的名称，请换一个编号。', 2)
    used = existing_ids(data)
    if record_id in used:
        raise ScaffoldError(f"编号 {record_id} 已被 {display_path(used[record_id])} 使用，不会覆盖已有文件。请换一个编号。")


def write_new(path: Path, text: str) -> None:
    """Create `path`, refusing to replace anything."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        write_whole(path, text, create=True)
    except FileExistsError:
        raise ScaffoldError(f"文件 {display_path(path)} 已存在，不会覆盖。请换一个编号，或直接编辑这个文件。") from None


# -- stubs ------------------------------------------------------------------------------


def todo(what: str) -> str:
    return f"（{TODO}）{what}"


def stub(kind: Kind, record_id: str, path: Path, tax: dict, *, theme: str | None = None, month: str = "",
         number: int = 1, serial: int = 1, cases: list[str] = ()) -> str:
    now = today()
    head = schema_line(path, kind)
    first = {w: (names(tax, w) or [""])[0] for w in ("units", "themes", "standards", "methods")}
    pick = f"  # {TODO}：换成 taxonomy.yml 里的名称"
    if kind is ISSUE:
        listed = "".join(f"  - {c}\n" for c in cases)
        return (f"{head}month: {q(month)}\nnumber: {number}\nserial: {serial}\ntheme: {q(theme)}\n"
                f"title: {q(todo('本期标题'))}\n"
                f"foreword: {block(todo('卷首语：本期主题的意义、收录了哪些案例、推荐读者关注什么。可用 Markdown。'))}"
                f"cases:\n{listed}draft: true\n"
                f"# publish_date: \"{month}-01\"  # 定时发布：删掉行首的 # 并写上日期，这一天起网站里才有本期\n")
    if kind is CASE:
        theme_line = f"theme: {q(theme)}\n" if theme else f"theme: {q(first['themes'])}{pick}\n"
        body = todo("正文。可用 Markdown：## 小标题、- 列表、**加粗**、表格。") + "\n\n## 基本做法\n\n" + todo("具体做法。")
        return (f"{head}id: {plain(record_id)}\ntitle: {q(BLANK_CASE_TITLE)}\nunit: {q(first['units'])}{pick}\n"
                f"branch: {q(todo('党组织全称'))}\ndate: {q(now.isoformat())}\n{theme_line}"
                f"summary: {q(todo('一两句话概括案例。'))}\n"
                f"body: {block(body)}"
                f"highlights:\n  - {q(todo('可供借鉴的亮点'))}\nresults:\n  - {q(todo('取得的成效，尽量带数字'))}\n"
                f"related: []\ntags: []\ndraft: true\n")
    if kind is METHOD:
        return (f"{head}id: {plain(record_id)}\nname: {q(todo('工作法名称'))}\nunit: {q(first['units'])}{pick}\n"
                f"branch: {q(todo('党支部全称'))}\ncategory: {q(first['methods'])}{pick}\nyear: {now.year}\n"
                f"summary: {q(todo('一两句话说明这个工作法是什么。'))}\n"
                f"practices:\n  - title: {q(todo('做法小标题'))}\n    detail: {q(todo('具体怎么做'))}\n"
                f"results: []\nrelated: []\ntags: []\ndraft: true\n")
    return (f"{head}id: {plain(record_id)}\ntitle: {q(todo('标准名称'))}\ncategory: {q(first['standards'])}{pick}\n"
            f"basis:\n  - document: {q(todo('法规全称，不带书名号'))}\n    articles: {q(todo('第几条'))}\n"
            f"summary: {q(todo('一两句话说明这项标准管什么。'))}\n"
            f"clauses:\n  - requirement: {q(todo('这一条的具体要求'))}\n    frequency: {q(todo('频次，如每月 1 次'))}\n"
            "    # 依据类别：法规（出处写文件简称和第几条）、上级要求（出处写哪一级党组织、什么文件）或通行做法：\n"
            f"    basis_kind: 法规\n    source: {q(todo('文件简称和第几条，如 支部工作条例第十九条'))}\n"
            "    # 有固定周期时去掉下面两行开头的 #（一月一清单和日历文件用，写法见编辑指南）：\n"
            "    # schedule:\n    #   - {duty: 支委会, every: month, usually: true}\n"
            f"checklist: []\nrelated: []\ntags: []\nupdated: {q(now.isoformat())}\ndraft: true\n")


def issue_numbers(data: Path, month: str) -> tuple[int, int]:
    """(number within the year, serial) for a new issue: one more than the latest ones.

    An issue file that cannot be read at all (a FIFO, a folder, broken YAML) could be the latest: refused."""
    numbers, serials = [0], [0]
    folder = data / ISSUE.folder
    for p in sorted(folder.iterdir()) if folder.is_dir() else []:
        doc, problems = read_document(p) if p.suffix in SUFFIXES and not p.name.startswith((".", "~")) else (None, [])
        if problems:
            raise ScaffoldError("无法确定新一期的期号和总期号，请先改正：\n" + "\n".join(str(x) for x in problems))
        value = doc.value if doc is not None else None
        if isinstance(value, dict):
            if isinstance(value.get("serial"), int):
                serials.append(value["serial"])
            if str(value.get("month", ""))[:4] == month[:4] and isinstance(value.get("number"), int):
                numbers.append(value["number"])
    return max(numbers) + 1, max(serials) + 1


def new_record(data: Path, word: str, record_id: str) -> list[Path]:
    kind = KIND_BY_WORD[word]
    check_new_id(data, record_id)
    path = record_path(data, kind, record_id)
    write_new(path, stub(kind, record_id, path, taxonomy(data)))
    return [path]


def new_issue(data: Path, month: str, theme: str, count: int) -> list[Path]:
    if not MONTH.fullmatch(month):
        raise ScaffoldError(f'月份 "{month}" 格式不对，应为 YYYY-MM，如 2026-12。', 2)
    if not 1 <= count <= 20:
        raise ScaffoldError(f"--cases 应在 1 到 20 之间（每期通常 3–5 篇），收到 {count}。", 2)
    tax = taxonomy(data)
    check_term(theme, names(tax, "themes"), "主题")
    path = record_path(data, ISSUE, month)
    if path.exists():
        raise ScaffoldError(f"{display_path(path)} 已存在，不会覆盖。要修改这一期，请直接编辑这个文件。")
    case_ids = [f"{month}-anli-{n}" for n in range(1, count + 1)]
    for case_id in case_ids:
        check_new_id(data, case_id)
    number, serial = issue_numbers(data, month)
    written = []
    for case_id in case_ids:
        case_path = record_path(data, CASE, case_id)
        write_new(case_path, stub(CASE, case_id, case_path, tax, theme=theme))
        written.append(case_path)
    write_new(path, stub(ISSUE, month, path, tax, theme=theme, month=month, number=number, serial=serial, cases=case_ids))
    return [path, *written]


# -- publishing -------------------------------------------------------------------------


def find_record(data: Path, record_id: str) -> Path:
    used = existing_ids(data)
    if record_id not in used:
        near = suggest(record_id, list(used))
        raise ScaffoldError(f'找不到记录 "{record_id}"' + (f'，是否指 "{near}"？' if near else "。"), 2)
    return used[record_id]


def finalize(data: Path, record_id: str, date: str | None = None) -> list[Path]:
    """Remove `draft: true` from a record (an issue: and from each case it lists); refuse while 待填写 is left.

    With `date` (an issue only), set its publish_date: it then appears on the site built on or after that day.
    """
    path = find_record(data, record_id)
    files = [path]
    if path.parent.name == ISSUE.folder:
        doc, problems = read_document(path)
        if doc is None or not isinstance(doc.value, dict):
            raise ScaffoldError("专刊文件有问题，请先改正：\n" + "\n".join(str(p) for p in problems))
        files += [find_record(data, c) for c in doc.value.get("cases") or [] if isinstance(c, str)]
    elif date:
        raise ScaffoldError("--date 只用于月度专刊（定时发布）。", 2)
    if date:
        try:
            datetime.date.fromisoformat(date)
        except ValueError:
            raise ScaffoldError(f'日期 "{date}" 格式不对，应为 YYYY-MM-DD，如 2026-12-01。', 2) from None
    texts = {}
    for f in files:
        doc, problems = read_document(f)  # the strict reader explains encodings, tabs, … in Chinese
        if doc is None:
            raise ScaffoldError("文件有问题，请先改正：\n" + "\n".join(str(p) for p in problems))
        texts[f] = f.read_text(encoding="utf-8-sig")
    left = []
    for f in files:
        for n, line in enumerate(texts[f].splitlines(), start=1):
            if TODO in line:
                left.append(f"{display_path(f)}:{n}: 还有“{TODO}”的内容：{line.strip()}")
    if left:
        raise ScaffoldError("下列位置还是模板里的占位内容，请填写后删掉“待填写”字样：\n" + "\n".join(left))
    changed = []
    for f in files:
        text = texts[f]
        new = DRAFT_LINE.sub("", text)
        if f == path and date:
            new = PUBLISH_DATE_LINE.sub("", new)
            new = new.rstrip("\n") + f"\npublish_date: {q(date)}\n"
        if new != text:
            write_whole(f, new)
            changed.append(f)
    return changed
