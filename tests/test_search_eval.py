"""The search evaluation (kb.dev.searcheval, `toolbook.py bench --search`): results from the real search box in
Chromium, judged two ways, and the relevance goals of issues 14 and 24 on the sample and on 2,000 synthetic records
with the sample's among them.

- Judged (kb.dev.search_judged): queries typed as people type them, whose answers were judged by reading the
  records: the answer in the first 3 for at least 95 % of them, and no query without results.
- Exact phrases (kb.dev.search_queries): the truth is the records whose text contains the query; every one of them
  is found and marked as containing it, and no other result is so marked.

No timing is asserted here (timings are bench's). The offline bundle's search (file://) must give the same first
10 results as the site's for every query.

The relevance tests type a few hundred queries one after another into one page (cold=False). They do it in two
browsers at once (`in_parallel`), each with its share of the queries in their order: the same queries through the
same search box, every query's results read as before, on both cores. Online and offline get the same shares.
"""

from __future__ import annotations

import math
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from helpers import SAMPLE

from kb.dev import searcheval
from kb.dev.search_judged import JUDGED, Judged, grades_for
from kb.dev.search_queries import QUERIES
from kb.settings import Settings
from kb.urls import page_key


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


def test_the_judged_set_covers_what_people_type(sample_docs):
    keys = {d.key for d in sample_docs}
    groups = {}
    for j in JUDGED:
        groups.setdefault(j.group, []).append(j)
    assert len(JUDGED) >= 80 and len({j.query for j in JUDGED}) == len(JUDGED)
    assert set(groups) == {"主题+泛称", "同义词", "简称", "全称", "问句", "拼音", "两词", "错字", "名称"}
    assert all(len(js) >= 8 for js in groups.values()), {g: len(js) for g, js in groups.items()}
    for j in JUDGED:
        assert 2 in j.grades.values() and set(j.grades.values()) <= {1, 2}, j
        assert set(j.grades) <= keys, (j.query, set(j.grades) - keys)  # every judged record is a sample record
    assert all(re.fullmatch("[a-z]+", j.query) for j in groups["拼音"])
    # most are typed as no record has them: a truth of "records that contain the query" would see nothing there
    verbatim = sum(1 for j in JUDGED if searcheval.truth(sample_docs, j.query)[0])
    assert verbatim < len(JUDGED) / 2, verbatim


def test_synthetic_standards_on_the_judged_topic_answer_it_too():
    j = Judged("组织生活会制度", "主题+泛称", {"standards/zuzhi-shenghuohui": 2}, topic="组织生活会")
    titles = {"standards/standard-00001": "组织生活会工作规范（001）", "standards/standard-00002": "主题党日工作规范（002）",
              "cases/case-00001": "组织生活会工作规范（001）"}
    assert grades_for(j, titles) == {"standards/zuzhi-shenghuohui": 2, "standards/standard-00001": 2}


def test_the_truth_is_what_the_index_is_given(sample_docs):
    keys = {d.key for d in sample_docs}
    assert "standards/dangfei" in keys and "issues/2026-06" in keys
    assert not any(k.startswith(("guide", "about")) for k in keys)  # records only
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
    assert {page_key(u) for u in ("standards/dangfei/", "standards/dangfei.html", "standards/dangfei.md",
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
    # only the results marked as containing the query count for the exact-phrase truth
    seen = searcheval.Seen(3, ["c", "a", "b"], 0.1, 10.0, exact=["a", "b"], exact_shown=2)
    row = searcheval.score("谈心谈话", "分词", docs, seen, {"a", "b", "c"})
    assert (row.recall, row.precision, row.title_first, row.shown, row.listed) == (1.0, 1.0, True, 2, 2)
    seen = searcheval.Seen(2, ["c", "a"], 0.1, 10.0, exact=["c", "a"], exact_shown=2)
    assert searcheval.score("谈心谈话", "分词", docs, seen, {"a", "b", "c"}).precision == 0.5  # c is marked, wrongly


def test_judging():
    j = Judged("q", "问句", {"a": 2, "b": 1})
    row = searcheval.judge(j, searcheval.Seen(4, ["x", "guide", "b", "a"], 0.1, 10.0), j.grades, {"a", "b", "x"})
    assert (row.first, row.got) == (3, ["x", "b", "a"])  # hand-written pages are not counted
    ideal = 3 + 1 / math.log2(3)
    assert abs(row.ndcg - (1 / math.log2(3) + 3 / math.log2(4)) / ideal) < 1e-9
    row = searcheval.judge(j, searcheval.Seen(0, [], 0.1, 10.0), j.grades, {"a", "b"})
    assert row.first is None and row.ndcg == 0 and row.shown == 0
    rows = [searcheval.judge(j, searcheval.Seen(2, r, 0.1, 10.0), j.grades, {"a", "b", "x"}) for r in (["a"], ["x", "b", "a", "a"], [])]
    t = searcheval.totals([], rows)
    assert t["top3"] == 2 / 3 and t["mrr"] == (1 + 1 / 3) / 3 and t["zero_results"] == 0  # shown 2: not empty


@pytest.mark.needs("chromium")
def test_the_evaluation_reads_the_real_search_box(sample_site, sample_docs):
    queries = [("党费", "短词"), ("谈心 谈话", "空格"), ("缴纳", "词组"), ("量子纠缠", "无结果"), ("qwertyuiop", "无结果"),
               ("党费 火星", "无结果")]
    judged = [Judged("党费怎么交", "问句", {"standards/dangfei": 2})]
    report = searcheval.evaluate(Settings.read(SAMPLE), sample_site, queries=queries, judged=judged, docs=sample_docs)
    rows = {r["query"]: r for r in report["rows"]}
    assert report["totals"]["shown_mismatch"] == 0  # the count the results line gives is the list's
    assert rows["党费"]["shown"] >= rows["党费"]["found"] > 0
    assert rows["qwertyuiop"]["shown"] == 0 and rows["qwertyuiop"]["recall"] == 1.0
    # the records with 交纳 are found, but not marked as containing 缴纳 (the guide, not a record, does contain it)
    assert rows["缴纳"]["truth"] == rows["缴纳"]["found"] == rows["缴纳"]["shown"] - rows["缴纳"]["other"] >= 1
    assert rows["党费 火星"]["shown"] == 0 and rows["党费 火星"]["recall"] == 1.0  # results with 党费 only: none marked
    assert all(r["cold_s"] > 0 and r["warm_s"] > 0 and r["kb"] > 10 for r in report["rows"])
    assert report["judged"][0]["first"] == 1 and report["totals"]["top3"] == 1.0
    table = searcheval.table(report)
    assert "召回率" in table and "| 党费 |" in table and "| 党费怎么交 |" in table
    assert "答案在前 3" in searcheval.summary(report)


WORKERS = 2  # browsers at once for the relevance tests: the machines that run them (CI) have two cores


def shares(queries: list[str], cost) -> list[list[str]]:
    """`queries` in WORKERS shares of about equal `cost` (the costliest first, each to the least loaded share), each
    share in the queries' own order. The same queries always give the same shares."""
    costs = {query: cost(query) for query in queries}
    which, loads = {}, [0.0] * WORKERS
    for query in sorted(queries, key=costs.get, reverse=True):  # stable: ties keep the queries' order
        which[query] = least = loads.index(min(loads))
        loads[least] += costs[query]
    return [s for s in ([q for q in queries if which[q] == k] for k in range(WORKERS)) if s]


def in_parallel(search, cost=lambda query: 1.0):
    """`search` (searcheval.search_online or search_offline: site, queries, … -> {query: what was seen}) run in WORKERS
    browsers at once, each from a thread of its own (Playwright's sync API: one instance per thread), on its share of
    the queries (`shares`); the answers merged."""
    def run(site, queries, *args, **kwargs):
        assert kwargs.get("cold") is False, "only the relevance runs (one page for all the queries) are split"
        with ThreadPoolExecutor(WORKERS) as pool:
            parts = list(pool.map(lambda share: search(site, share, *args, **kwargs), shares(list(queries), cost)))
        seen = {query: one for part in parts for query, one in part.items()}
        assert set(seen) == set(queries)
        return seen

    return run


def split_browsers(monkeypatch, docs) -> None:
    """The evaluation's searches online and offline in WORKERS browsers (in_parallel). Online, an exact-phrase query
    costs a press of "显示更多结果" per 10 records that contain it (its truth), a judged one its first page only.
    Offline is split by the same costs, so its pages get the same queries in the same order as the online ones: a
    page's search keeps what it has loaded, and the first 10 results online and offline are compared as they were
    when one page of each took every query."""
    exact = {q for q, _ in QUERIES}

    def cost(query: str) -> float:
        return 1 + (len(searcheval.truth(docs, query)[0]) / 10 if query in exact else 0)

    monkeypatch.setattr(searcheval, "search_online", in_parallel(searcheval.search_online, cost))
    monkeypatch.setattr(searcheval, "search_offline", in_parallel(searcheval.search_offline, cost))


def _assert_goals(report):
    missed = searcheval.relevance_failures(report)
    assert not missed, "\n".join(missed)


@pytest.mark.needs("chromium")
def test_the_sample_meets_the_relevance_goals_online_and_offline(sample_site, sample_docs, tmp_path, monkeypatch):
    from kb.engine.build import build

    settings = Settings.read(SAMPLE)
    offline = tmp_path / "offline"
    build(settings.but(directory_urls=False, drafts=False), offline)
    split_browsers(monkeypatch, sample_docs)
    report = searcheval.evaluate(settings, sample_site, offline, cold=False, docs=sample_docs)
    _assert_goals(report)
    t = report["totals"]
    every = report["rows"] + report["judged"]
    assert t["offline_compared"] == len(every) and t["offline_same"] == t["offline_compared"], [
        r["query"] for r in every if not r["offline_same"]]


@pytest.fixture(scope="module")
def synthetic_2000(tmp_path_factory):
    """2,000 synthetic records (seed 1) with the sample's among them, built once for the two tests below.

    The scale is what both tests are about, so it stays 2,000: the relevance goals are asked of the sample's queries
    with their answers among 2,000 others (issues 14 and 24), and 党员 stands on so many pages that its positions in
    the text fill 7 blocks of their own (at 1,000 records only 4, too few to show a phrase loading some of them; at
    500 it is no common pair at all). Most of the relevance test's time is the evaluation listing in full, for the
    recall, the 1,400-1,650 results each of the everyday words (青年, 台账, 帮扶, 党小组, 积分, 先锋岗)."""
    from kb.dev.synth import add_sample, synthesize
    from kb.engine.build import build

    work = tmp_path_factory.mktemp("search-2000")
    synthesize(2000, work / "data", 1)
    add_sample(work / "data", SAMPLE)
    settings = Settings.read(work / "data")
    build(settings, work / "site")
    return settings, work / "site"


@pytest.mark.needs("chromium")
def test_2000_synthetic_records_meet_the_relevance_goals(synthetic_2000, monkeypatch):
    settings, site = synthetic_2000
    docs = searcheval.corpus(settings)  # what evaluate would read itself; here the shares are balanced by it too
    split_browsers(monkeypatch, docs)
    report = searcheval.evaluate(settings, site, cold=False, docs=docs)
    _assert_goals(report)
    assert report["records"] > 2000


@pytest.mark.needs("chromium")
def test_a_phrase_with_a_pair_on_most_pages_loads_its_positions_only_where_it_may_stand(synthetic_2000, page):
    """党员 stands on nearly every one of the 2,000 pages, many times: its positions in the pages' text are kept in
    blocks apart, and a phrase that has it loads only the blocks of the pages its rarer pairs leave; what is found
    is still exactly the pages with the phrase."""
    import json

    from helpers import indexed_pages

    from kb import browser
    from kb.outputs.search import normalise

    settings, site = synthetic_2000
    manifest = (site / "search" / "index.js").read_text(encoding="utf-8")
    about = json.loads(manifest[manifest.index("(") + 1:-3])
    common = next(i for i, (first, last) in enumerate(zip(about["chunks"], about["lasts"])) if first == last == "党员")
    chunk = (site / "search" / about["version"] / "c" / f"{common}.js").read_text(encoding="utf-8")
    own_blocks = json.loads(chunk[chunk.index(",") + 1:-3])[0][3]
    assert len(own_blocks) > 5  # the case this is about
    texts = [(normalise(p["text"]), p["url"]) for p in indexed_pages(site)]
    phrase = "预备党员转正"
    truth = {url.strip("/") for text, url in texts if phrase in text}
    assert 0 < len(truth) < len(texts) / 10

    fetched = []
    page.on("requestfinished", lambda r: fetched.append((r.url, r.sizes()["responseBodySize"])))
    with browser.serve(site) as url:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        page.keyboard.press("/")
        page.keyboard.insert_text(phrase)
        page.wait_for_selector(".md-search-result__list li", timeout=30000)
        page.wait_for_load_state("networkidle")
        exact = page.eval_on_selector_all('li[data-tb-match="exact"] a.md-search-result__link', "els => els.map(a => a.href)")
        _, counted = searcheval._shown(page)
    blocks = [size for address, size in fetched if f"/{about['version']}/t/" in address]
    common_bytes = about["sizes"][common]
    assert sum(blocks) < common_bytes / 4, (len(blocks), sum(blocks), common_bytes)
    # every page with the phrase is counted as containing it, and those shown first are among them
    assert counted == len(truth)
    assert exact and all(page_key(h[len(url):]) in truth for h in exact), exact


def test_the_relevance_runs_give_every_query_to_one_browser_and_balance_the_shares():
    calls = []

    def search(site, queries, cold=True, whole=None):
        calls.append((site, list(queries), cold, whole))
        return {q: f"{site}:{q}" for q in queries}

    costs = {"e": 1, "b": 5, "a": 9, "d": 1, "c": 4}
    seen = in_parallel(search, costs.get)("site", list(costs), cold=False, whole={"a"})
    assert seen == {q: f"site:{q}" for q in costs}  # each query's own answer, from the search it was given to
    assert sorted(share for _, share, _, _ in calls) == [["b", "d", "c"], ["e", "a"]]  # in their order, 10 and 10
    assert all(site == "site" and cold is False and whole == {"a"} for site, _, cold, whole in calls)
    with pytest.raises(AssertionError):  # cold runs (a fresh context per query, timed) are not split
        in_parallel(search)("site", ["a"], cold=True)
