"""load → validate → link: the one entry point that turns a data directory into a knowledge base.

    kb, problems = load_knowledge_base(Path("data"))

Every problem in the data is collected in one pass; `kb` is None when any was found,
so nothing downstream ever sees invalid data.
"""

from __future__ import annotations

from pathlib import Path

from . import links, schema
from .model import KINDS, KnowledgeBase, Record, Taxonomy, Term
from .problems import Problem, display_path, inside_data
from .yamlio import Document, read_document

TAXONOMY_FILE = "taxonomy.yml"
SUFFIXES = (".yml", ".yaml")


def load_knowledge_base(root: Path) -> tuple[KnowledgeBase | None, list[Problem]]:
    root = Path(root)
    problems: list[Problem] = []
    taxonomy = _load_taxonomy(root, problems)
    records: list[Record] = []
    partial: list[Record] = []  # records with problems of their own, still checked against others
    unchecked: set[str] = set()  # ids of records whose own file has problems
    for kind in KINDS:
        folder = root / kind.folder
        for path, refused in _record_files(folder, root):
            if refused:  # a link that leads outside: not read, and not blamed again where it is referenced
                problems.append(refused)
                unchecked.add(path.stem)
                continue
            doc, found = read_document(path)
            if doc is not None:
                found = _check_shape(kind.name, doc, path)
            problems.extend(found)
            if not found:
                records.append(Record(kind, str(doc.value[kind.key]), path, doc))
                continue
            unchecked.add(path.stem)  # the id a valid file here would have
            if doc is not None and isinstance(doc.value, dict):
                partial.append(Record(kind, path.stem, path, doc))
    if taxonomy is None:
        return None, sorted(problems)
    kb = KnowledgeBase(root=root, taxonomy=taxonomy)
    problems.extend(links.link(kb, records, partial, unchecked))
    if problems:
        return None, sorted(set(problems))
    return kb, []


def _check_shape(name: str, doc: Document, path: Path) -> list[Problem]:
    shown = display_path(path)
    if not isinstance(doc.value, dict):
        return [Problem(shown, 1, "", '文件内容应是一组 "字段: 值"，这里却是一个列表或一段文字。请参照同目录下的其他文件。')]
    return schema.validate(name, doc, shown)


def _record_files(folder: Path, root: Path) -> list[tuple[Path, Problem | None]]:
    """The record files of one folder, each with the reason it is refused (a link leading outside the data directory)."""
    if not folder.is_dir():
        return []
    real_root = root.resolve()
    folder_escapes = not inside_data(folder, real_root)
    out = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "~")) or path.suffix not in SUFFIXES:
            continue
        # only a link (or a linked folder) can lead outside the data directory
        if (folder_escapes or path.is_symlink()) and not inside_data(path, real_root):
            out.append((path, Problem(display_path(path), 1, "", "这是一个指向数据目录以外的链接（或循环链接），出于安全考虑不予读取。请把文件本身放进数据目录。")))
        elif path.is_symlink() and not path.exists():
            out.append((path, Problem(display_path(path), 1, "", "这是一个链接，但它指向的文件不存在。请删除这个链接，或把文件本身放进数据目录。")))
        elif path.is_file():
            out.append((path, None))
    return out


def _load_taxonomy(root: Path, problems: list[Problem]) -> Taxonomy | None:
    path = root / TAXONOMY_FILE
    shown = display_path(path)
    if not path.is_file():
        problems.append(Problem(shown, 0, "", "找不到分类词表文件。数据目录里必须有 taxonomy.yml，列出单位、主题和类别。"))
        return None
    doc, found = read_document(path)
    problems.extend(found)
    if doc is None:
        return None
    found = _check_shape("taxonomy", doc, path)
    problems.extend(found)
    if found:
        return None
    data = doc.value

    def terms(path: tuple, items: list[dict]) -> list[Term]:
        names: dict[str, int] = {}
        slugs: dict[str, int] = {}
        out = []
        for i, item in enumerate(items):
            for key, seen in (("name", names), ("slug", slugs)):
                if item[key] in seen:
                    problems.append(Problem(shown, doc.line_of(path + (i, key)), f"{'.'.join(path)}[{i + 1}].{key}",
                                            f'"{item[key]}" 与第 {seen[item[key]] + 1} 项重复。'))
                seen.setdefault(item[key], i)
            out.append(Term(item["name"], item["slug"]))
        return out

    return Taxonomy(
        units=terms(("units",), data["units"]),
        themes=terms(("themes",), data["themes"]),
        categories={k: terms(("categories", k), v) for k, v in data["categories"].items()},
    )
