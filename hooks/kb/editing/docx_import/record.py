"""The case record an import writes: its id, its YAML, and the files.

Its one job: choose the record's id (--id, an issue's untouched stub, the file's name, or the next free one),
write the guessed fields as the YAML of a draft case (a placeholder marked 待填写 where a field was not found),
check that YAML against the schema in memory, and only then write the images, the record and the issue's
`cases` list, in that order, each step refusing to overwrite (except an untouched stub made by `new issue` for
the issue given). It must never read the .docx or guess from it (reader.py, guess.py), and its messages name the
.docx and the paragraph, never a temporary file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kb.data.model import CASE, ISSUE
from kb.data.schema import validate
from kb.data.yamlio import MAX_BYTES, read_bytes, read_document
from kb.editing.docx_import.guard import MAX_BODY, Refused
from kb.editing.docx_import.guess import FIELD_LABELS, Draft, Fields
from kb.editing.docx_import.markdown import join_blocks
from kb.editing.docx_import.reader import Image
from kb.editing.scaffold import (BLANK_CASE_TITLE, ID, TODO, ScaffoldError, block, check_new_id, existing_ids, names, plain,
                                 q, record_path, schema_line, write_new)
from kb.platform import write_whole
from kb.settings import today
from kb.urls import RESERVED_IDS


@dataclass
class Result:
    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)


@dataclass
class Target:
    """Where an import writes: the record's id and file, its images' folder, and the issue it is for (whose
    untouched stub it replaces, else whose `cases` list it is added to)."""

    record_id: str
    path: Path
    assets: Path
    stub: Path | None
    issue: str | None
    issue_path: Path | None
    issue_doc: object  # the issue's record as read (kb.data.yamlio), or None


def read_issue(data: Path, month: str):
    """(path, record as read) of the issue of `month`, which must exist and have a `cases` list."""
    path = record_path(data, ISSUE, month)
    if not path.exists():  # a folder or FIFO of that name: the reader says what it is
        raise ScaffoldError(f"找不到 {month} 期专刊（{path.as_posix()}）。可先用 new issue {month} --theme 主题 创建。", 2)
    doc, problems = read_document(path)
    if doc is None or not isinstance(doc.value, dict) or not isinstance(doc.value.get("cases"), list):
        raise ScaffoldError("专刊文件有问题，请先改正：\n" + "\n".join(str(p) for p in problems))
    return path, doc


def choose_target(data: Path, source: Path, record_id: str | None, issue: str | None, issue_path: Path | None, issue_doc,
                  result: Result) -> Target:
    """The id: --id, a stub of the issue nobody filled in yet, the file's name, or the next free one."""
    stub = None
    if record_id is None and issue_doc is not None:
        stub = _blank_stub(data, issue_doc.value.get("cases", []))
    if record_id is not None:
        check_new_id(data, record_id)
    elif stub is not None:
        record_id = stub.stem
    elif _usable_id(source.stem.lower(), data):
        record_id = source.stem.lower()
    else:
        record_id = _free_id(data, issue)
        if ID.fullmatch(source.stem.lower()):  # a name that could have been an id, but is reserved, too long or taken
            result.notes.append(f"文件名 {source.stem} 不能用作案例编号（网站保留的名称、超过 64 个字符或已被使用），编号取为 {record_id}")
    assets = data / "assets" / record_id
    if assets.exists() and any(assets.iterdir()):
        raise ScaffoldError(f"图片文件夹 {assets.as_posix()} 已有文件，不会覆盖。请用 --id 换一个编号。")
    return Target(record_id, record_path(data, CASE, record_id), assets, stub, issue, issue_path, issue_doc)


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


def record_text(draft: Draft, fields: Fields, target: Target, tax: dict) -> str:
    """The YAML of the draft case; Refused if its body is longer than a case may be."""
    todo_comment = f"  # {TODO}"
    if fields.unit:
        unit_line = f"unit: {q(fields.unit)}\n"
    else:
        unit_line = (f"unit: {q(names(tax, 'units')[0])}{todo_comment}：没有识别出单位"
                     + (f"（原文：{fields.unit_text}）" if fields.unit_text else "") + "，请换成 taxonomy.yml 里的名称\n")
    branch_line = f"branch: {q(fields.branch)}\n" if fields.branch else f"branch: {q(f'（{TODO}）党组织全称')}\n"
    date_line = f"date: {q(fields.date)}\n" if fields.date else f"date: {q(today().isoformat())}{todo_comment}：文档里没有日期，暂填导入当天\n"
    if fields.theme is not None:
        theme_line = f"theme: {q(fields.theme)}\n"
    else:
        theme_line = f"theme: {q(names(tax, 'themes')[0])}{todo_comment}：请换成 taxonomy.yml 里的主题\n"
    title = draft.title or f"（{TODO}）案例标题"
    summary = fields.summary or f"（{TODO}）一两句话概括案例。"
    body = join_blocks([b for b in draft.body if b.strip()]) or f"（{TODO}）正文"
    if len(body) > MAX_BODY:  # (before it is quoted, or checked against the schema: both take time on megabytes)
        raise Refused(f"正文转换后有 {len(body)} 个字符，超过一篇案例的上限（{MAX_BODY} 个字符）。请把文档拆成几篇分别导入，或删去附件、附表后再试。")
    text = (schema_line(target.path, CASE) + f"id: {plain(target.record_id)}\ntitle: {q(title)}\n{unit_line}{branch_line}{date_line}"
            f"{theme_line}summary: {q(summary)}\nbody: {block(body)}")
    if draft.images:
        text += "images:\n" + "".join(
            f"  - file: image-{n}.{ext}\n    caption: {q(caption or f'{title} 配图 {n}')}\n"
            for n, (_, ext, caption) in enumerate(draft.images, start=1))
    return text + "draft: true\n"


def validate_record(text: str, path: Path, source: Path, origin: dict[str, int]) -> None:
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


def write(target: Target, text: str, images: list[Image], result: Result) -> None:
    """Images first, then the record, then the issue's list (each step refuses to overwrite; each file is written
    whole or not at all, kb.platform.write_whole)."""
    for n, (content, ext, _) in enumerate(images, start=1):
        target.assets.mkdir(parents=True, exist_ok=True)
        path = target.assets / f"image-{n}.{ext}"
        write_whole(path, content, create=True)
        result.written.append(path)
    if target.stub is not None:
        write_whole(target.stub, text)
        result.notes.append(f"导入的案例替换了 {target.issue} 期里尚未填写的模板 {target.stub.name}")
    else:
        write_new(target.path, text)
    result.written.append(target.path)
    if target.issue_path is not None and target.stub is None:
        _append_case(target.issue_path, target.issue_doc, target.record_id)
        result.notes.append(f"已把 {target.record_id} 加到 {target.issue} 期专刊的 cases 末尾")


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
    write_whole(path, "".join(lines))
