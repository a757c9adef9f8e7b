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
    "主体责任规定": "党委（党组）落实全面从严治党主体责任规定",
    "党旗党徽制作和使用的若干规定": "中国共产党党旗党徽制作和使用的若干规定",
}


# Documents no longer in force: a source may say the rule once came from one ("已到期"), never rest on it.
LAPSED = {"全国党员教育培训工作规划": "2019—2023年全国党员教育培训工作规划"}

# What each requirement rests on (data/schema/standard.json, basis_kind; issue 29).
KINDS = ("法规", "上级要求", "通行做法")
ARTICLE = re.compile(r"第[一二三四五六七八九十百零〇0-9]+(条|部分)")


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
            for short in cited(clause["source"].replace(LAPSED["全国党员教育培训工作规划"], "")):
                assert DOCUMENTS[short] in basis, f"{sid} 第{n}条引用了{short}，依据里没有《{DOCUMENTS[short]}》"


# A standard's time rules (issue 28): process[].timing, each with the kind and source of its basis.
TIME_RULES = [(sid, i, step, rule) for sid, s in STANDARDS.items() for i, step in enumerate(s.get("process", []), 1)
              for rule in step.get("timing", [])]

BASES = [(f"{sid}#{n}", clause) for sid, n, clause in CLAUSES] + [
    (f"{sid}#{n}.schedule[{i}]", item) for sid, n, clause in CLAUSES for i, item in enumerate(clause.get("schedule", []), 1)
    if "basis_kind" in item] + [
    (f"{sid}.process[{i}]({rule['after']})", rule) for sid, i, _, rule in TIME_RULES]


@pytest.mark.parametrize("where, item", BASES, ids=[w for w, _ in BASES])
def test_every_requirement_says_what_it_rests_on(where, item):
    """Issue 29: every clause (and each schedule item with a basis of its own) has a kind; a regulation names
    its article; a higher-level requirement or a practice carries its label in the source."""
    kind, source = item.get("basis_kind"), item.get("source", "")
    assert kind in KINDS, f"{where} 没有依据类别（basis_kind）"
    if kind == "法规":
        assert ARTICLE.search(source), f"{where} 依据类别是法规，出处“{source}”没有写明第几条"
        assert cited(source), f"{where} 依据类别是法规，出处没有写明文件"
    elif kind == "上级要求":
        assert {"上级党组织要求", "本地做法"} & labels_in(source), f"{where} 依据类别是上级要求，出处要写明哪一级组织：{source}"
    elif ":" not in where and "schedule" not in where:
        assert labels_in(source), f"{where} 依据类别是通行做法，出处要标注：{source}"


def test_every_document_a_time_rule_cites_is_in_its_basis():
    for sid, i, _, rule in TIME_RULES:
        basis = {b["document"] for b in STANDARDS[sid]["basis"]}
        for short in cited(rule.get("source", "")):
            assert DOCUMENTS[short] in basis, f"{sid} 工作流程第{i}步的时限引用了{short}，依据里没有《{DOCUMENTS[short]}》"


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


def test_no_rule_rests_on_the_lapsed_training_plan():
    """Issue 29, point 1: the 2019—2023 plan has lapsed; its 56 学时, half-year 任职培训 and new-member training
    are the higher-level body's yearly arrangement now, each source saying the plan has lapsed."""
    for sid, s in STANDARDS.items():
        assert not set(LAPSED.values()) & {b["document"] for b in s["basis"]}, sid
    for sid, n, clause in CLAUSES:
        if "规划" in clause["source"]:
            assert "已到期" in clause["source"] and "上级党组织要求" in clause["source"], (sid, n)
        if "56学时" in clause["requirement"] or "半年内" in clause["requirement"]:
            assert clause["basis_kind"] == "上级要求" and "已到期" in clause["requirement"], (sid, n)
    hours = clause_with("dangyuan-jiaoyu-peixun", "书记和班子成员（含支部委员）参加上级党组织安排的集中培训")
    assert hours["basis_kind"] == "上级要求" and "不作为现行依据" in hours["requirement"]
    assert clause_with("dangyuan-jiaoyu-peixun", "预备党员和新转正的党员")["basis_kind"] == "上级要求"
    assert "56" not in clause_with("zhibu-biaozhunhua", "定期组织机关基层党组织负责人轮训")["requirement"]


def test_talks_cite_what_each_article_says():
    """Point 2: 党员教育管理工作条例第十九条 says 党组织负责人应当经常同党员谈心谈话; the sentence on 领导班子成员之间…
    is the 准则's; 支部工作条例第十七条 says only that talks come before the meeting, so who talks to whom is practice;
    the monthly figure is the 党小组会's, not the talks'."""
    assert clause_with("tanxin-tanhua", "党组织负责人应当经常同党员谈心谈话")["source"] == "党员教育管理工作条例第十九条"
    leaders = clause_with("tanxin-tanhua", "领导班子成员之间")
    assert "党员教育管理工作条例" not in leaders["source"] and leaders["source"].startswith("党内政治生活若干准则")
    assert leaders["basis_kind"] != "法规"  # the 准则's part is not vouched for here
    for sid, words in (("tanxin-tanhua", "书记与每名支部委员谈"), ("zuzhi-shenghuohui", "书记与支部委员")):
        clause = clause_with(sid, words)
        assert "第十七条" in clause["source"] and "谈话对象的安排" in clause["source"] and "通行做法" in clause["source"], sid
        assert "（" in clause["requirement"] and "通行做法" in clause["requirement"], sid
    group = clause_with("tanxin-tanhua", "党小组会可以组织党员开展谈心谈话")
    assert "党小组会的频次，不是谈心谈话的次数" in group["frequency"]


def test_meeting_by_groups_first_is_labelled_practice():
    """Point 3: 支部工作条例第十七条 names the three forms of the meeting, not holding it by groups first."""
    clause = clause_with("zuzhi-shenghuohui", "先分党小组召开")
    assert "再由支部汇总情况（通行做法）" in clause["requirement"] and "先分党小组召开、再由支部汇总为通行做法" in clause["source"]


def test_election_approval_names_the_body_the_regulation_names():
    """Point 4: 机关条例第三十七条 says 党的机关工作委员会; the city's 市直机关工委 is that body locally."""
    clause = clause_with("huanjie-xuanju", "任期届满应当按期进行换届选举")
    assert "报党的机关工作委员会审批（本地为市直机关工委，本地做法）" in clause["requirement"]
    assert "本地做法" in clause["source"] and "第三十七条" in clause["source"]
    for text in texts(STANDARDS["huanjie-xuanju"]):
        assert "报市直机关工委审批" not in text


def test_frequencies_the_articles_do_not_set_are_labelled():
    """Point 5: each frequency below is not in the article cited beside it."""
    for sid, words, label in (("zhibu-biaozhunhua", "每年核对 1 次（通行做法）", "每年核对的频次为通行做法"),
                              ("zhibu-biaozhunhua", "每季度通报进展（通行做法）", "频次为通行做法"),
                              ("zhibu-biaozhunhua", "承诺事项每年公开（通行做法）", "承诺事项每年公开为通行做法"),
                              ("dangjian-zeren-qingdan", "每季度检查（本地做法）", "每季度检查的频次为本地做法")):
        found = [c for c in STANDARDS[sid]["clauses"] if words in c.get("frequency", "")]
        assert len(found) == 1 and label in found[0]["source"], (sid, words)
    step = [p["detail"] for p in STANDARDS["dangjian-zeren-qingdan"]["process"] if "每半年检查" in p["detail"]]
    assert step and all("本地做法" in d for d in step)


def test_disposal_of_unqualified_members_says_what_is_sourced():
    """Point 6: the 办法's articles are not vouched for here (each mention says so); 劝退 and 除名 are decided
    by the branch meeting and approved above (党章第九条); whether 限期改正 is filed above is the body's rule."""
    for sid, n, clause in CLAUSES:
        if "组织处置办法" in clause["source"]:
            assert "尚未核对" in clause["source"] and ARTICLE.search(clause["source"]), (sid, n)
    procedure = clause_with("minzhu-pingyi", "组织处置按程序办理")
    assert "报批或备案" not in procedure["requirement"]
    assert "劝其退党、除名经支部大会讨论决定后报上级党组织批准" in procedure["requirement"]
    assert "第九条（劝退和除名经支部大会讨论决定、报上级党组织批准）" in procedure["source"]
    assert "限期改正的报备为上级党组织要求" in procedure["source"]


def test_a_branchs_own_choices_are_not_told_as_rules():
    """Point 7: 支部工作条例 asks for a fixed day each month (not the first Friday); 党费规定第十二条 allows
    quarterly payment, payment by another and late payment with the branch's consent."""
    method = load("methods")["shuzi-taizhang"]
    detail = next(p["detail"] for p in method["practices"] if "星期五" in p["detail"])
    friday = next(s for s in re.split(r"[。；]", detail) if "星期五" in s)
    assert "支部自己的安排" in friday and "每月相对固定1天" in friday
    case = load("cases")["dangfei-mingbaizhang-guifan"]["body"]
    assert "不搞代交和集中补交" not in case
    assert "支部自己的做法" in case and "第十二条" in case and "补交一般不超过 6 个月" in case


FIVE = ("zhibu-biaozhunhua", "dangjian-zeren-qingdan", "dangyuan-jiaoyu-peixun", "zuzhi-guanxi-zhuanjie", "yizhibu-yitese")
MEET = {("zhibu-biaozhunhua", x) for x in FIVE[1:]} | {("dangjian-zeren-qingdan", "dangyuan-jiaoyu-peixun"),
        ("dangjian-zeren-qingdan", "zuzhi-guanxi-zhuanjie"), ("dangjian-zeren-qingdan", "yizhibu-yitese"),
        ("dangyuan-jiaoyu-peixun", "zuzhi-guanxi-zhuanjie"), ("dangyuan-jiaoyu-peixun", "yizhibu-yitese")}


def test_the_five_newer_standards_link_both_ways_where_their_subjects_meet():
    """Point 8. 组织关系转接 and 一支部一特色 share no subject and are not linked."""
    for a, b in MEET:
        assert b in STANDARDS[a]["related"] and a in STANDARDS[b]["related"], (a, b)
    for a in FIVE:
        for b in FIVE:
            if a != b and b in STANDARDS[a]["related"]:
                assert a in STANDARDS[b]["related"], f"{a} → {b} 是单向链接"


# Issue 28: the time rules of the sample's procedures, each with the article it rests on (the closing note of the
# issue lists them). The article of the 党委's 3 (at most 6) months to approve a new member was not found in a text
# that could be checked here: its source says so.
SAMPLE_TIME_RULES = {
    # (standard, step, counted from the step, rule, amount, unit): what its source must name
    ("fazhan-dangyuan", "党组织派人谈话", "递交入党申请书", "不超过", 1, "月"): "发展党员工作细则第七条",
    ("fazhan-dangyuan", "确定发展对象", "推荐和确定入党积极分子", "不少于", 1, "年"): "发展党员工作细则第十三条",
    ("fazhan-dangyuan", "上级党委审批", "支部大会讨论接收预备党员", "以内", 3, "月"): "具体条款本库尚未核对",
    ("fazhan-dangyuan", "上级党委审批", "支部大会讨论接收预备党员", "不超过", 6, "月"): "具体条款本库尚未核对",
    ("fazhan-dangyuan", "预备期满", "支部大会讨论接收预备党员", "恰好", 1, "年"): "党章第七条；发展党员工作细则第三十二条",
    ("fazhan-dangyuan", "上级党委审批转正", "支部大会讨论转正", "不超过", 3, "月"): "发展党员工作细则第三十四条",
    ("fazhan-dangyuan", "延长的预备期满", "预备期满", "不少于", 6, "月"): "发展党员工作细则第三十二条",
    ("fazhan-dangyuan", "延长的预备期满", "预备期满", "不超过", 1, "年"): "党章第七条；发展党员工作细则第三十二条",
    ("huanjie-xuanju", "召开党员大会选举", "本届委员会选举产生", "以内", 3, "年"): "支部工作条例第二十一条；选举工作条例第三条",
    ("zuzhi-guanxi-zhuanjie", "作出停止党籍决定", "与党组织失去联系", "不少于", 6, "月"): "党员教育管理工作条例第二十四条",
    ("zuzhi-guanxi-zhuanjie", "按自行脱党除名", "作出停止党籍决定", "不少于", 2, "年"): "党员教育管理工作条例第二十四条",
    ("dangfei", "补交党费", "按月收缴登记", "以内", 6, "月"): "党费规定第十二条",
}


def test_the_procedures_carry_the_time_rules_the_regulations_set_each_with_its_article():
    found = {}
    for sid, _, step, rule in TIME_RULES:
        after = next(s["step"] for s in STANDARDS[sid]["process"] if s.get("key") == rule["after"])
        found[(sid, step["step"], after, rule["rule"], rule["amount"], rule["unit"])] = rule
    assert set(found) == set(SAMPLE_TIME_RULES)
    for where, article in SAMPLE_TIME_RULES.items():
        assert article in found[where]["source"] and found[where]["basis_kind"] == "法规", where


def test_the_party_development_procedure_is_the_25_steps_with_its_two_dates():
    """The official 25 steps in order (5 stages), and the two dates that are no step: the end of the probation
    and of its extension."""
    steps = STANDARDS["fazhan-dangyuan"]["process"]
    official = [s["step"] for s in steps if not s["detail"].startswith("时间节点")]
    assert official == ["递交入党申请书", "党组织派人谈话", "推荐和确定入党积极分子", "上级党委备案", "指定培养联系人",
                        "培养教育考察", "确定发展对象", "报上级党委备案", "确定入党介绍人", "进行政治审查", "开展集中培训",
                        "支部委员会审查", "上级党委预审", "填写入党志愿书", "支部大会讨论接收预备党员", "上级党委派人谈话",
                        "上级党委审批", "再上一级党委组织部门备案", "编入党支部和党小组", "入党宣誓", "继续教育考察",
                        "提出转正申请", "支部大会讨论转正", "上级党委审批转正", "材料归档"]
    assert [s["step"] for s in steps if s["detail"].startswith("时间节点")] == ["预备期满", "延长的预备期满"]
    stages = [s["detail"][1:s["detail"].index("）")] for s in steps if s["detail"].startswith("（第")]
    assert stages == ["第一阶段 申请入党", "第二阶段 入党积极分子的确定和培养教育", "第三阶段 发展对象的确定和考察",
                      "第四阶段 预备党员的接收", "第五阶段 预备党员的教育考察和转正"]


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
