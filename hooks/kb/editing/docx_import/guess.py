"""The record's metadata, guessed from the blocks the reader found.

Its one job: tell apart, among the blocks, the title (the Title style, the first heading, or the first short
line), the head lines (单位：… / 日期：…, several on one line too, a date alone on a line), a 公文's signature and
date at the end (二〇二六年三月五日 too), image captions (图1 …) and the body, whose headings it places under the
page title (公文's short 一、/（一） lines too); and from these guess the unit (matched against taxonomy.yml),
branch, date, theme and summary, saying what it could not find. It must never read the .docx (reader.py), never
write YAML or files (record.py), and never decide how Markdown is written (markdown.py).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from kb.data.links import suggest
from kb.editing.docx_import.markdown import block_markdown, heading
from kb.editing.docx_import.reader import Block, Document, Image
from kb.editing.scaffold import names

BRANCH_END = ("党支部", "党总支", "党委", "党组", "支部委员会", "党工委")
# where each field of the record came from, by the labels of the document's head lines
FIELD_LABELS = {"unit": ("单位", "报送单位", "供稿单位", "所属单位", "单位名称"), "branch": ("党组织", "党支部", "支部", "落款"),
                "date": ("报送日期", "日期", "时间"), "summary": ("摘要", "内容摘要"), "theme": ("主题",),
                "title": ("title",), "body": ("body",)}
FIELD_LABEL = re.compile(r"(单位名称|报送单位|供稿单位|所属单位|单位|党组织|党支部|支部|报送日期|日期|时间|内容摘要|摘要|主题)\s*[:：]")
DATE = re.compile(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?")
CHINESE_DATE = re.compile(r"([〇○零一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日")
CHINESE_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0}
# 公文 headings as plain paragraphs: "一、基本情况" (level 1), "（一）主要做法" (level 2)
OFFICIAL_HEADINGS = [(re.compile(r"^[一二三四五六七八九十]{1,3}、"), 1), (re.compile(r"^[（(][一二三四五六七八九十]{1,3}[）)]"), 2)]
HEADING_MAX = 40
TITLE_MAX = 60


@dataclass
class Draft:
    """The case as told apart from the document's blocks."""

    title: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    body: list[str] = field(default_factory=list)  # Markdown blocks
    images: list[Image] = field(default_factory=list)  # with the captions found under them
    unmapped: list[str] = field(default_factory=list)
    origin: dict[str, int] = field(default_factory=dict)  # "title", "body" or a head label -> paragraph number
    first_paragraph: str = ""  # the body's first plain paragraph, as text


@dataclass
class Fields:
    """The record's fields as guessed: None, or "" for the branch, where the document gave nothing usable."""

    unit_text: str  # the unit as the document wrote it
    unit: str | None
    branch: str
    date: str | None  # YYYY-MM-DD
    theme: str | None
    summary: str | None
    notes: list[str]  # what the editor should check
    unmapped: list[str]  # what the document did not give


def assemble(document: Document) -> Draft:
    """Title, head fields (单位：…, a date alone on a line), body and image captions; a 公文's signature and date
    at the end too."""
    out = Draft(images=document.images, unmapped=document.unmapped)
    blocks = document.blocks
    tail = _take_tail(blocks)
    head_done = False  # the title and the 单位/日期 lines come before the body
    shift = 1  # body heading levels move down under the page title (##), one less if the title was a Heading 1
    for b in blocks:
        if b.kind == "table":
            out.body.append(block_markdown(b))
            head_done = True
            continue
        if not head_done:
            if not out.title and _title_like(b):
                out.title = b.text
                out.origin["title"] = b.number
                shift = 0 if b.kind == "heading" and b.level == 1 else 1
                continue
            if _head_line(b, out):
                continue
        head_done = True
        _body_block(b, shift, out)
    for b in tail:  # the signature and the date: fields, unless the head gave them (then they stay in the body)
        label = "日期" if _date_only(b.text) else "落款"
        if label == "日期" and any(k in out.fields for k in FIELD_LABELS["date"]):
            out.body.append(block_markdown(b))
        else:
            out.fields[label] = b.text
            out.origin[label] = b.number
    return out


def _take_tail(blocks: list[Block]) -> list[Block]:
    """The end of a 公文, taken off `blocks`: a date alone on the last line, and the signature (a unit or branch)
    above it."""
    tail: list[Block] = []
    if blocks and blocks[-1].kind == "p" and _date_only(blocks[-1].text):
        tail.append(blocks.pop())
        signature = blocks[-1] if blocks and blocks[-1].kind == "p" else None
        if signature is not None and len(signature.text) <= 40 and signature.text.endswith(BRANCH_END + ("局", "委员会", "办公室", "中心")):
            tail.insert(0, blocks.pop())
    return tail


def _title_like(b: Block) -> bool:
    """The Title style, a Heading 1, or a short line that is not a sentence, a head line or a date."""
    return b.kind == "title" or (b.kind == "heading" and b.level == 1) or (
        b.kind == "p" and len(b.text) <= TITLE_MAX and not b.text.endswith("。") and not _fields(b.text) and not _date_only(b.text))


def _head_line(b: Block, out: Draft) -> bool:
    """Whether `b` is a line of the head, 单位：… and the like (each label once) or a date alone, taken into `out`."""
    if b.kind != "p":
        return False
    fields = _fields(b.text)
    if fields and all(label not in out.fields for label, _ in fields):
        for label, value in fields:
            out.fields[label] = value
            out.origin[label] = b.number
        return True
    if _date_only(b.text) and "日期" not in out.fields:
        out.fields["日期"] = b.text
        out.origin["日期"] = b.number
        return True
    return False


def _body_block(b: Block, shift: int, out: Draft) -> None:
    """A block of the body: a heading (by style, or a 公文's short 一、/（一） line), the caption of the image above
    it (图1 …), or a paragraph."""
    text = b.text
    out.origin.setdefault("body", b.number)
    level = b.level if b.kind == "heading" else None
    if b.kind == "p" and len(text) <= HEADING_MAX and not text.endswith(("。", "；", "，", "：", ":", "！", "？")):
        level = next((n for pattern, n in OFFICIAL_HEADINGS if pattern.match(text)), None)
    if level is not None:
        out.body.append(heading(text, level + shift))
        return
    image = b.images - 1  # the caption under an image: "图1 …"
    if b.kind == "p" and text.startswith("图") and len(text) <= 80 and 0 <= image < len(out.images) and not out.images[image][2]:
        content, ext, _ = out.images[image]
        out.images[image] = (content, ext, text)
        return
    if b.kind == "p" and not out.first_paragraph:
        out.first_paragraph = text
    out.body.append(block_markdown(b))


def guess_fields(draft: Draft, tax: dict, issue_doc) -> Fields:
    """The unit (as taxonomy.yml names it), branch, date, theme (the document's, else the issue's) and summary (the
    摘要 line, else the start of the first paragraph), with a note or an unmapped entry for each guess or gap."""
    f = draft.fields
    notes: list[str] = []
    unmapped: list[str] = []
    unit_text, unit = _unit(draft, names(tax, "units"))
    if unit and unit_text and unit != unit_text:
        notes.append(f'单位 "{unit_text}" 按词表记为 "{unit}"')
    if not unit:
        unmapped.append("单位" + (f"：“{unit_text}”不在 taxonomy.yml 的单位中" if unit_text else "：文档里没有找到"))

    branch = f.get("党组织") or f.get("党支部") or f.get("支部") or next(
        (line for line in [f.get("落款", ""), draft.title, *draft.body[:3]] if line.endswith(BRANCH_END) and len(line) <= 60), "")
    if not branch:
        unmapped.append("党组织：文档里没有找到（如“党组织：……党支部”）")

    date = next((d for d in (_date(f.get(key, "")) for key in ("报送日期", "日期", "时间")) if d), None)
    if not date:
        unmapped.append("日期：文档里没有找到（如“日期：2026年12月3日”）")

    themes = names(tax, "themes")
    theme = issue_doc.value.get("theme") if issue_doc is not None else None
    theme_text = f.get("主题", "")
    if theme_text:
        theme = theme_text if theme_text in themes else suggest(theme_text, themes) or theme
    if theme not in themes:
        theme = None
        unmapped.append("主题：文档里没有（如“主题：……”），也没有用 --issue 指定专刊")

    if not draft.title:
        unmapped.append("标题：文档里没有找到")
    summary = f.get("摘要") or f.get("内容摘要")
    if not summary:
        first = draft.first_paragraph
        summary = first[:120] + ("…" if len(first) > 120 else "") if first else None
        notes.append("摘要取自正文第一段，请核对" if first else "文档里没有正文段落可作摘要")
    if any(not caption for _, _, caption in draft.images):
        notes.append("有的图片没有说明（图片下方以“图”开头的一行），已暂用标题代替，请修改 images 里的 caption")
    return Fields(unit_text, unit, branch, date, theme, summary, notes, unmapped)


def _unit(draft: Draft, units: list[str]) -> tuple[str, str | None]:
    """(the unit as written on its 单位 line, the unit of taxonomy.yml it is, or one named near the top)."""
    f = draft.fields
    unit_text = f.get("单位") or f.get("报送单位") or f.get("供稿单位") or f.get("所属单位") or ""
    unit = unit_text if unit_text in units else (suggest(unit_text, units) if unit_text else None)
    if unit is None:  # no 单位 line: a unit named near the top
        unit = next((u for u in units for line in [draft.title, *f.values(), *draft.body[:3]] if u in line), None)
    return unit_text, unit


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
