"""The sample content against the regulations it cites (issue 19).

Every clause of every standard names its source; what is local or common practice rather than
a central regulation says so; and the about page says which content is illustrative.

Label convention (stated for readers on docs/about.md, 内容说明):

- 通行做法: common practice among 机关党支部 that no central regulation sets;
- 本地做法: set by the local 机关工委 or the unit's own rules;
- 上级党组织要求: set by a higher party organisation's yearly notice or deployment.

A clause's `source` is a list of parts separated by "；". Each part either names a central
document (by the short names below) or carries one of the labels. A label written into a
clause's requirement or frequency, e.g. "……（通行做法）", must appear in its source too (only a label in
full-width brackets counts there: "按上级党组织要求安排" is plain wording, not a label), and the
source must carry one of the labels when the requirement hedges with words such as 各地普遍.

The records are read with PyYAML straight from data/, so this file depends on nothing else in
the project but the data and docs/about.md.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
ABOUT = ROOT / "docs" / "about.md"

LABELS = ("通行做法", "本地做法", "上级党组织要求")
HEDGES = ("各地普遍", "不少地方", "实践中", "机关普遍", "常规做法")

# Short names used in clause sources -> the full name a standard's basis must list.
DOCUMENTS = {
    "党章": "中国共产党章程",
    "支部工作条例": "中国共产党支部工作条例（试行）",
    "机关条例": "中国共产党党和国家机关基层组织工作条例",
    "党员教育管理工作条例": "中国共产党党员教育管理工作条例",
    "发展党员工作细则": "中国共产党发展党员工作细则",
    "党费规定": "关于中国共产党党费收缴、使用和管理的规定",
    "选举工作条例": "中国共产党基层组织选举工作条例",
    "组织处置办法": "中国共产党不合格党员组织处置办法",
    "党员权利保障条例": "中国共产党党员权利保障条例",
    "党内政治生活若干准则": "关于新形势下党内政治生活的若干准则",
    "中央八项规定": "中共中央政治局关于改进工作作风、密切联系群众的八项规定",
    "全国党员教育培训工作规划": "2019—2023年全国党员教育培训工作规划",
    "主体责任规定": "党委（党组）落实全面从严治党主体责任规定",
    "党旗党徽制作和使用的若干规定": "中国共产党党旗党徽制作和使用的若干规定",
}


def load(folder: str) -> dict[str, dict]:
    records = {}
    for path in sorted((DATA / folder).glob("*.y*ml")):
        records[path.stem] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return records


STANDARDS = load("standards")
CLAUSES = [(sid, n, clause) for sid, s in STANDARDS.items() for n, clause in enumerate(s["clauses"], 1)]


def cited(text: str) -> list[str]:
    return [short for short in DOCUMENTS if short in text]


def labels_in(text: str) -> set[str]:
    return {label for label in LABELS if label in text}


def marked(text: str) -> set[str]:
    """Labels a requirement marks in brackets, as in "……（通行做法）"."""
    return {label for inside in re.findall(r"（([^（）]*)）", text) for label in labels_in(inside)}


def texts(value) -> list[str]:
    """Every string inside a record, however nested."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in texts(v)]
    return []


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"[。；\n]", text) if s.strip()]


def test_the_sample_has_the_standards_the_seed_reports_rely_on():
    titles = {s["title"] for s in STANDARDS.values()}
    for name in ("党支部标准化规范化建设", "党建工作责任清单", "党员教育培训", "党员组织关系转接", "一支部一特色"):
        assert any(name in t for t in titles), name


@pytest.mark.parametrize("sid, n, clause", CLAUSES, ids=[f"{sid}#{n}" for sid, n, _ in CLAUSES])
def test_every_clause_names_its_source(sid, n, clause):
    source = clause.get("source", "").strip()
    assert source, f"{sid} 第{n}条没有出处"
    for part in source.split("；"):
        assert cited(part) or labels_in(part), f"{sid} 第{n}条的出处“{part}”既没有写明文件，也没有标注{'、'.join(LABELS)}"


@pytest.mark.parametrize("sid, n, clause", CLAUSES, ids=[f"{sid}#{n}" for sid, n, _ in CLAUSES])
def test_local_practice_carries_its_label(sid, n, clause):
    said = clause["requirement"] + clause.get("frequency", "")
    source = clause["source"]
    missing = marked(said) - labels_in(source)
    assert not missing, f"{sid} 第{n}条的要求标了{'、'.join(sorted(missing))}，出处里没有"
    hedged = [h for h in HEDGES if h in said]
    if hedged:
        assert labels_in(source), f"{sid} 第{n}条写了“{hedged[0]}”，出处要标注{'、'.join(LABELS)}之一"


def test_every_document_a_clause_cites_is_in_its_basis():
    for sid, s in STANDARDS.items():
        basis = {b["document"] for b in s["basis"]}
        for n, clause in enumerate(s["clauses"], 1):
            for short in cited(clause["source"]):
                assert DOCUMENTS[short] in basis, f"{sid} 第{n}条引用了{short}，依据里没有《{DOCUMENTS[short]}》"


def test_every_basis_document_is_named_in_full():
    known = set(DOCUMENTS.values())
    for sid, s in STANDARDS.items():
        for b in s["basis"]:
            assert b["document"] in known, f"{sid} 的依据《{b['document']}》不在已核对的文件名单中（全称、不带书名号）"


def test_every_standard_is_usable_and_linked_both_ways():
    referenced = {ref for folder in ("standards", "methods", "cases") for r in load(folder).values() for ref in r.get("related", [])}
    others = set(load("methods")) | set(load("cases"))
    for sid, s in STANDARDS.items():
        assert s.get("keywords") and s.get("process") and s.get("checklist"), sid
        assert all(c.get("evidence") for c in s["clauses"]), f"{sid} 有条款没有台账材料"
        assert set(s.get("related", [])) & others, f"{sid} 没有链接到任何工作法或案例"
        assert sid in referenced, f"没有记录链接到 {sid}"


def test_the_branch_construction_standard_is_six_items_of_numbered_clauses():
    clauses = STANDARDS["zhibu-biaozhunhua"]["clauses"]
    items = [re.match(r"【(.+?)】", c["requirement"]).group(1) for c in clauses]
    assert len(dict.fromkeys(items)) == 6 and len(clauses) == 28
    assert "6项28条" in STANDARDS["zhibu-biaozhunhua"]["summary"]


# The audit's findings, kept from coming back.

def clause_with(sid: str, words: str) -> dict:
    found = [c for c in STANDARDS[sid]["clauses"] if words in c["requirement"]]
    assert len(found) == 1, (sid, words, len(found))
    return found[0]


def test_no_source_is_a_chapter_where_the_article_is_known():
    for sid, n, clause in CLAUSES:
        assert "支部工作条例第五章" not in clause["source"], f"{sid} 第{n}条：写到条（第十六条至第十九条）"


def test_party_lecture_frequencies_are_not_attributed_to_the_regulation():
    for folder in ("standards", "methods", "cases", "issues"):
        for rid, record in load(folder).items():
            for text in texts(record):
                for s in sentences(text):
                    if "党课" in s and ("每季度" in s or "每年至少讲" in s) and "条例" in s:
                        assert "没有规定" in s or "未规定" in s or "党委（党组）书记" in s, (folder, rid, s)
    lecture = clause_with("sanhui-yike", "党课应当针对党员思想和工作实际")
    assert "通行做法" in lecture["source"]


def test_the_share_of_excellent_ratings_is_a_higher_level_requirement():
    assert "上级党组织要求" in clause_with("minzhu-pingyi", "三分之一")["source"]
    for sid, s in STANDARDS.items():
        assert not [i for i in s["checklist"] if "三分之一" in i], sid


def test_holding_meetings_within_the_theme_day_is_labelled_practice():
    assert "通行做法" in clause_with("zhuti-dangri", "统筹安排在主题党日")["source"]


def test_warning_talks_cite_the_education_regulation():
    assert "党员教育管理工作条例第二十八条" in clause_with("tanxin-tanhua", "苗头性倾向性问题")["source"]


def test_party_development_articles_follow_the_2014_text():
    assert "发展党员工作细则第十八条" in clause_with("fazhan-dangyuan", "短期集中培训")["source"]
    assert "第十七条" in clause_with("fazhan-dangyuan", "结论性材料")["source"]
    assert "发展党员工作细则第二十条" in clause_with("fazhan-dangyuan", "有表决权的到会人数必须超过")["source"]
    assert "第十五条" in clause_with("fazhan-dangyuan", "入党介绍人要向发展对象")["source"]


def test_correction_periods_are_at_most_a_year():
    assert "党员教育管理工作条例第三十条" in clause_with("minzhu-pingyi", "限期改正时间不超过 1 年")["source"]


# The about page.

def disclaimer() -> str:
    paragraphs = [p for p in ABOUT.read_text(encoding="utf-8").split("\n") if "示例" in p or "示意" in p]
    assert paragraphs, "about.md 没有示例内容声明"
    return "\n".join(paragraphs)


def test_the_about_page_says_every_illustrative_kind_is_illustrative():
    said = disclaimer()
    kinds = [json.loads((DATA / "schema" / f"{d.name[:-1]}.json").read_text(encoding="utf-8"))["title"]
             for d in sorted(DATA.iterdir()) if d.is_dir() and d.name not in ("schema", "standards", "assets")]
    assert kinds, "data/ 下没有示例内容的文件夹"
    for kind in kinds:
        assert kind in said, f"about.md 的声明没有提到{kind}"
    for part in ("卷首语", "数字"):
        assert part in said, f"about.md 的声明没有提到月度专刊的{part}"


def test_the_about_page_explains_the_labels():
    text = ABOUT.read_text(encoding="utf-8")
    for label in LABELS:
        assert label in text, label
