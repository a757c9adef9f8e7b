"""Checks across records, and references resolved into links and backlinks.

Runs after every file passed its schema. All work here is O(records + links).
"""

from __future__ import annotations

import difflib
import re

from ..urls import RESERVED_IDS
from .model import ISSUE, KIND_NAMED, KINDS, STANDARD, KnowledgeBase, Link, Record, Term
from .problems import Problem, display_path, field_path, inside_data, short

IMAGE_DIR = "assets"
IMAGE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")  # as data/schema/case.json: a name, never a path
# A regulation basis names its article (第十九条) or, in a text not divided into articles (the 准则), its part.
# The rule itself is described in data/schema/standard.json ($defs.source): JSON Schema could say it with if/then,
# but the desk's form editor turns an if/then into a switch between two forms, so it is checked here.
ARTICLE = re.compile(r"第[一二三四五六七八九十百零〇两0-9]+(条|部分)")
STEP_KEY = re.compile(r"[a-z0-9-]{1,40}")  # as data/schema/standard.json: process[].key and timing[].after


def suggest(value: str, candidates) -> str | None:
    """The closest candidate to a mistyped value, if any is close."""
    if len(value) > 64:  # longer than any id or term: nothing is close, and difflib would be slow
        return None
    candidates = list(candidates)
    near = difflib.get_close_matches(value, candidates, n=1, cutoff=0.75)
    if near:
        return near[0]
    contained = [c for c in candidates if value and (value in c or c in value)]
    return min(contained, key=len) if contained else None


def link(kb: KnowledgeBase, records: list[Record], partial: list[Record] = (), unchecked: set[str] = frozenset(),
         unpublished: dict[str, str] | None = None, id_pattern: re.Pattern = re.compile(".")) -> list[Problem]:
    """Register `records` in `kb`, check what spans records, and compute links both ways.

    `partial` records failed their schema: they are not registered, but their taxonomy
    values and references are still checked, so an editor sees every problem in one pass.
    `unchecked` holds ids of records that exist but failed their own checks: references to
    them are not reported again (their file's problems already are).
    `unpublished` holds ids (and why) of drafts left out of `records`: a reference to one is a
    problem, since on the published site it would be a dead link.
    """
    problems: list[Problem] = []
    unchecked = set(unchecked)

    def problem(record: Record, path: tuple, message: str) -> None:
        problems.append(Problem(display_path(record.path), record.line(*path), field_path(path), message))

    for record in records:
        stem = record.path.stem
        if record.id != stem:
            problem(record, (record.kind.key,), f'"{record.id}" 与文件名 "{record.path.name}" 不一致：{record.kind.key} 必须等于文件名（不含扩展名）。')
            unchecked.update((stem, record.id))
        elif record.id in RESERVED_IDS:
            problem(record, (record.kind.key,), f'"{record.id}" 是网站保留的名称，请换一个编号。')
            unchecked.add(record.id)
        elif record.id in kb.records:
            other = kb.records[record.id]
            problem(record, (record.kind.key,), f'编号 "{record.id}" 已被 {display_path(other.path)} 使用，编号必须全库唯一。')
        else:
            kb.records[record.id] = record

    checked = [*kb.records.values(), *partial]
    names = {which: [t.name for t in _terms(kb, which)] for kind in KINDS for _, which in kind.terms}
    known = {which: set(terms) for which, terms in names.items()}
    for record in checked:
        _check_terms(record, names, known, problem)
        if record.data.get("images"):
            _check_images(kb, record, problem)
        if record.kind is STANDARD:
            _check_bases(record, problem)
            _check_steps(record, problem)
    _check_issues(kb, problem)
    for record in checked:
        _resolve(kb, record, problem, unchecked, unpublished or {}, id_pattern)
    return problems


def _terms(kb: KnowledgeBase, which: str) -> list[Term]:
    if which.startswith("categories."):
        return kb.taxonomy.categories[which.split(".", 1)[1]]
    return getattr(kb.taxonomy, which)


def _check_terms(record: Record, all_names: dict[str, list[str]], known: dict[str, set[str]], problem) -> None:
    """Each taxonomy value of `record` is a term of its list (`all_names`, as sets in `known`)."""
    data = record.data
    for name, which in record.kind.terms:
        value = data.get(name)
        if not isinstance(value, str) or value in known[which]:
            continue
        names = all_names[which]
        near = suggest(value, names)
        hint = f'，是否指 "{near}"？' if near else f"。可选：{'、'.join(names[:20])}{' 等' if len(names) > 20 else ''}。"
        problem(record, (name,), f'"{short(value)}" 不在分类词表 taxonomy.yml 的 {which} 中{hint}如确需新增，请先在 taxonomy.yml 里添加。')


def _check_bases(record: Record, problem) -> None:
    """Each clause (and each schedule item with a kind of its own) names what it rests on: a regulation by its
    article, a higher-level requirement by its body (data/schema/standard.json, basis_kind and source)."""
    clauses = record.data.get("clauses")
    for i, clause in enumerate(clauses if isinstance(clauses, list) else []):
        if not isinstance(clause, dict):
            continue
        _check_basis(record, ("clauses", i), clause, problem)
        schedule = clause.get("schedule")
        for j, item in enumerate(schedule if isinstance(schedule, list) else []):
            if isinstance(item, dict) and ("basis_kind" in item or "source" in item):
                _check_basis(record, ("clauses", i, "schedule", j), item, problem)


def _check_basis(record: Record, path: tuple, item: dict, problem) -> None:
    kind, source = item.get("basis_kind"), item.get("source")
    if "source" in item and "basis_kind" not in item and len(path) > 2:
        problem(record, path + ("source",), "这项周期另写了出处，也要写它的依据类别 basis_kind（法规、上级要求或通行做法）；与本条相同时两项都不写。")
    elif kind == "法规" and not isinstance(source, str):
        problem(record, path + ("basis_kind",), '依据类别是“法规”，但没有写出处 source：请写明文件简称和第几条，如“支部工作条例第十九条”；'
                "说不出第几条的，依据类别应是“上级要求”或“通行做法”。")
    elif kind == "法规" and not ARTICLE.search(source):
        problem(record, path + ("source",), f'依据类别是“法规”，但出处“{short(source)}”没有写明第几条：请写明文件简称和第几条，如“支部工作条例第十九条”'
                "（不分条的文件写第几部分）；说不出第几条的，依据类别应是“上级要求”或“通行做法”。")
    elif kind == "上级要求" and not isinstance(source, str):
        problem(record, path + ("basis_kind",), '依据类别是“上级要求”，但没有写出处 source：请写明哪一级党组织、什么文件，如“上级党组织要求（组织生活会年度通知）”；本地机关工委或本单位的规定写“本地做法（……）”。')


def _check_steps(record: Record, problem) -> None:
    """A standard's time rules (data/schema/standard.json, process[].timing): each counts from an earlier step named
    by its key; a timed step has a key of its own; no two steps share a key; each rule names what it rests on, as
    a clause does (_check_basis). JSON Schema cannot say "an earlier step's key", so it is checked here."""
    steps = record.data.get("process")
    if not isinstance(steps, list):
        return
    steps = [step if isinstance(step, dict) else {} for step in steps]
    first: dict[str, int] = {}  # each key -> the position of the first step that has it
    for i, step in enumerate(steps):
        if isinstance(step.get("key"), str):
            first.setdefault(step["key"], i)

    def named(i: int) -> str:
        name = steps[i].get("step")
        return f"第 {i + 1} 步“{short(name)}”" if isinstance(name, str) else f"第 {i + 1} 步"

    for i, step in enumerate(steps):
        key, timing = step.get("key"), step.get("timing")
        if isinstance(key, str) and first[key] != i:
            problem(record, ("process", i, "key"), f'步骤代号 "{short(key)}" 已是{named(first[key])}的代号，同一标准里每一步的代号不能重复。')
        if not isinstance(timing, list) or not timing:
            continue
        if key is None:
            problem(record, ("process", i), "这一步写了时限 timing，也要写它的代号 key（小写字母、数字和连字符，如 tanhua）：时间推算用它标记这一步。")
        for j, rule in enumerate(timing):
            if not isinstance(rule, dict):
                continue
            after = rule.get("after")
            if isinstance(after, str) and STEP_KEY.fullmatch(after):  # otherwise the schema reports it
                at = ("process", i, "timing", j, "after")
                if after == key:
                    problem(record, at, "时限不能从这一步自己算起：after 要写排在它前面的某一步的代号。")
                elif after in first and first[after] > i:
                    problem(record, at, f'"{after}" 是{named(first[after])}的代号，排在这一步之后：时限只能从前面的步骤算起。')
                elif after not in first:
                    earlier = [k for k, n in first.items() if n < i]
                    near = suggest(after, earlier)
                    hint = (f'，是否指 "{near}"？' if near else f"。前面的步骤有这些代号：{'、'.join(earlier[:20])}{' 等' if len(earlier) > 20 else ''}。" if earlier
                            else "：前面的步骤都没有写代号 key。")
                    problem(record, at, f'找不到代号为 "{after}" 的步骤{hint}')
            if "basis_kind" in rule:  # a rule without its kind: the schema reports it
                _check_basis(record, ("process", i, "timing", j), rule, problem)


def _check_images(kb: KnowledgeBase, record: Record, problem) -> None:
    images = record.get("images")
    if not images or not isinstance(images, list):
        return
    real_root = kb.root.resolve()
    for i, image in enumerate(images):
        if not isinstance(image, dict) or not isinstance(image.get("file"), str) or not IMAGE_NAME.fullmatch(image["file"]):
            continue  # not a plain file name: the schema reports it
        shown = f'{IMAGE_DIR}/{record.id}/{image["file"]}'
        path = kb.root / IMAGE_DIR / record.id / image["file"]
        if not inside_data(path, real_root):
            problem(record, ("images", i, "file"), f"图片 {shown} 是指向数据目录以外的链接（或循环链接），出于安全考虑不予使用。请把图片文件本身放进 {IMAGE_DIR}/{record.id}/ 文件夹。")
        elif not path.is_file():
            problem(record, ("images", i, "file"), f"找不到图片 {shown}：请把图片放进数据目录下的 {IMAGE_DIR}/{record.id}/ 文件夹。")


def _check_issues(kb: KnowledgeBase, problem) -> None:
    serials: dict[int, Record] = {}
    numbers: dict[tuple[str, int], Record] = {}
    for issue in sorted((r for r in kb.records.values() if r.kind is ISSUE), key=lambda r: r.id):
        serial, number = issue.data["serial"], issue.data["number"]
        if serial in serials:
            problem(issue, ("serial",), f"总第 {serial} 期已是 {serials[serial].id} 期专刊的期号。")
        serials.setdefault(serial, issue)
        if (issue.year, number) in numbers:
            problem(issue, ("number",), f"{issue.year}年第 {number} 期已是 {numbers[issue.year, number].id} 期专刊的期号。")
        numbers.setdefault((issue.year, number), issue)


def _draft_message(name: str, target_id: str, reason: str) -> str:
    what = "收录的案例" if name == "cases" else "引用的记录"
    how = "（删掉它文件里的 draft: true）" if "draft" in reason else ""
    return f'{what} "{target_id}" {reason}，不会出现在正式网站上，发布后这里会是死链接。请先发布它{how}，或删掉这一项。'


def _resolve(kb: KnowledgeBase, record: Record, problem, unchecked: set[str], unpublished: dict[str, str],
             id_pattern: re.Pattern) -> None:
    records, incoming, issue_of_case, match, outgoing = kb.records, kb.incoming, kb.issue_of_case, id_pattern.match, None
    for name, kinds in record.kind.references:  # kinds: the names of the kinds the field may name
        refs = record.data.get(name)
        if not refs or not isinstance(refs, list):
            continue
        cases = name == "cases"
        seen: set[str] = set()
        for i, target_id in enumerate(refs):
            if not isinstance(target_id, str) or not match(target_id) or len(target_id) > 64:
                continue  # not an id at all: the schema reports it
            target = records.get(target_id)
            if target_id in seen:
                problem(record, (name, i), f'"{short(target_id)}" 重复列出。')
                continue
            seen.add(target_id)
            if target is not None and target.kind.name in kinds and target_id != record.id and not (
                    cases and target_id in issue_of_case):  # the common case: a link
                link = Link(record, name, target)
                if outgoing is None:
                    outgoing = kb.outgoing.setdefault(record.id, [])
                outgoing.append(link)
                incoming.setdefault(target_id, []).append(link)
                if cases:
                    issue_of_case[target_id] = record
                continue
            path = (name, i)
            allowed = tuple(KIND_NAMED[k] for k in kinds)
            if target_id == record.id:
                problem(record, path, "记录不能引用它自己。")
            elif target is None and target_id in unchecked:
                continue
            elif target is None and target_id in unpublished:
                problem(record, path, _draft_message(name, target_id, unpublished[target_id]))
            elif target is None:
                pool = [r.id for r in kb.records.values() if r.kind in allowed]
                near = suggest(target_id, pool)
                problem(record, path, f'找不到记录 "{short(target_id)}"' + (f'，是否指 "{near}"？' if near else "。"))
            elif target.kind not in allowed:
                wanted = "或".join(k.short for k in allowed)
                problem(record, path, f'"{target_id}" 是{target.kind.short}，这里只能填{wanted}。')
            else:  # a case already in an issue
                problem(record, path, f'案例 "{target_id}" 已收录在 {kb.issue_of_case[target_id].id} 期专刊中，一个案例只能收录在一期。')

