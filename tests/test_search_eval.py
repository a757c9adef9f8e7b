"""The search evaluation (kb.dev.searcheval, `toolbook.py bench --search`): truth from the data, results from the
real search box in Chromium, and the relevance goals of issue 14 on the sample and on 2,000 synthetic records.

No timing is asserted here (timings are bench's). The offline bundle's search (file://) must give the same first
10 results as the site's for every query.
"""

from __future__ import annotations

import re

import pytest
from helpers import SAMPLE

from kb.dev import searcheval
from kb.dev.search_queries import QUERIES, QUESTIONS
from kb.settings import Settings

@pytest.fixture(scope="module")
def sample_docs():
    return searcheval.corpus(Settings.read(SAMPLE))


def test_the_query_set_covers_the_vocabulary():
    groups = {}
    for query, group in QUERIES:
        groups.setdefault(group, []).append(query)
    assert len(QUERIES) >= 40 and len({q for q, _ in QUERIES}) == len(QUERIES)
    assert {len(q) for q, g in QUERIES if " " not in q and g != "无结果"} >= {2, 3, 4, 5, 6}
    assert set(groups) >= {"短词", "分词", "词组", "空格", "名称", "单位", "数字", "无结果"}
    assert all(" " in q for q in groups["空格"])
    assert any(re.fullmatch(r"\d+", q) for q in groups["数字"])
    assert {"党费怎么交", "发展党员流程", "支委会多久开一次"} <= set(QUESTIONS)


def test_the_truth_is_what_the_index_is_given(sample_docs):
    keys = {d.key for d in sample_docs}
    assert "standards/dangfei" in keys and "issues/2026-06" in keys
    assert not any(k.startswith(("guide", "about")) for k in keys)  # records only
    assert set(QUESTIONS.values()) <= keys  # every question's answer is a sample record
    found, titled = searcheval.truth(sample_docs, "谈心谈话")
    assert {"standards/tanxin-tanhua", "methods/sibi-tan"} <= titled <= found
    assert len(found) > len(titled)
    both, _ = searcheval.truth(sample_docs, "党费 基数")  # every term, anywhere in the text
    assert both and both <= searcheval.truth(sample_docs, "党费")[0] & searcheval.truth(sample_docs, "基数")[0]
    assert searcheval.truth(sample_docs, "QWERTYUIOP") == (set(), set())  # lower-cased like the index
    # the lists of other records stay out of the index, and out of the truth: 三会一课's title is on pages that
    # only list it, yet only records whose own text has it count
    sanhui, _ = searcheval.truth(sample_docs, "三会一课")
    assert "standards/sanhui-yike" in sanhui


def test_addresses_online_offline_and_source_are_one_key():
    assert {searcheval.key(u) for u in ("standards/dangfei/", "standards/dangfei.html", "standards/dangfei.md",
                                        "/standards/dangfei/#x")} == {"standards/dangfei"}


def test_scoring():
    docs = [searcheval.Doc("a", "谈心谈话", "谈心谈话 正文"), searcheval.Doc("b", "其他", "谈心谈话 正文"),
            searcheval.Doc("c", "其他", "无关")]
    seen = searcheval.Seen(3, ["b", "a", "guide"], 0.1, 10.0)
    row = searcheval.score("谈心谈话", "分词", docs, seen, {"a", "b", "c"})
    assert (row.truth, row.in_title, row.found, row.other, row.recall, row.precision) == (2, 1, 2, 1, 1.0, 1.0)
    assert row.title_first is False  # b (body only) ranks above a (title)
    seen = searcheval.Seen(2, ["a", "c"], 0.1, 10.0)
    row = searcheval.score("谈心谈话", "分词", docs, seen, {"a", "b", "c"})
    assert (row.recall, row.precision, row.title_first) == (0.5, 0.5, True)  # b missing: a recall failure only
    row = searcheval.score("谈心谈话", "分词", docs, searcheval.Seen(1, ["b"], 0.1, 10.0), {"a", "b", "c"})
    assert row.title_first is False  # the title match is missing
    assert searcheval.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21], 95) == 20


@pytest.mark.needs("chromium")
def test_the_evaluation_reads_the_real_search_box(sample_site, sample_docs):
    queries = [("党费", "短词"), ("谈心 谈话", "空格"), ("量子纠缠", "无结果"), ("qwertyuiop", "无结果")]
    report = searcheval.evaluate(Settings.read(SAMPLE), sample_site, queries=queries, questions={"党费怎么交": "standards/dangfei"},
                                 docs=sample_docs)
    rows = {r["query"]: r for r in report["rows"]}
    assert report["totals"]["shown_mismatch"] == 0  # the count on the results line is the list's length
    assert rows["党费"]["shown"] >= rows["党费"]["found"] > 0
    assert rows["qwertyuiop"]["shown"] == 0 and rows["qwertyuiop"]["recall"] == 1.0
    assert all(r["cold_s"] > 0 and r["warm_s"] > 0 and r["kb"] > 10 for r in report["rows"])
    assert rows["党费怎么交"]["target"] == "standards/dangfei" and rows["党费怎么交"]["target_rank"]
    table = searcheval.table(report)
    assert "召回率" in table and "| 党费 |" in table
    assert "召回率" in searcheval.summary(report)


def _assert_goals(report):
    missed = searcheval.relevance_failures(report)
    assert not missed, "\n".join(missed)


@pytest.mark.needs("chromium")
def test_the_sample_meets_the_relevance_goals_online_and_offline(sample_site, sample_docs, tmp_path):
    from kb.engine.build import build

    settings = Settings.read(SAMPLE)
    offline = tmp_path / "offline"
    build(settings.but(directory_urls=False, drafts=False), offline)
    report = searcheval.evaluate(settings, sample_site, offline, cold=False, docs=sample_docs)
    _assert_goals(report)
    t = report["totals"]
    assert t["offline_compared"] == len(report["rows"]) and t["offline_same"] == t["offline_compared"], [
        r["query"] for r in report["rows"] if not r["offline_same"]]


@pytest.fixture(scope="module")
def synthetic_2000(tmp_path_factory):
    from kb.dev.synth import synthesize
    from kb.engine.build import build

    work = tmp_path_factory.mktemp("search-2000")
    synthesize(2000, work / "data", 1)
    settings = Settings.read(work / "data")
    build(settings, work / "site")
    return settings, work / "site"


@pytest.mark.needs("chromium")
def test_2000_synthetic_records_meet_the_relevance_goals(synthetic_2000):
    settings, site = synthetic_2000
    _assert_goals(searcheval.evaluate(settings, site, cold=False))
