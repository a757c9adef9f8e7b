"""`toolbook.py bench --search`: the site's search measured as readers use it, in two ways.

Judged (kb.dev.search_judged): queries typed the way party workers type them (a topic plus 制度, a synonym,
a short or long name, a question, pinyin, two words, a typo), each with the records that answer it, judged
by reading the records, graded (2 answers it, 1 is relevant). Per query: the rank of the first answer, top 3
or not, reciprocal rank, nDCG of the first 10, no result at all. This is the part that can see a query no
record contains verbatim.

Exact phrases: for each query of kb.dev.search_queries the truth is the set of published records whose searchable
text contains it: the text the search index is given (`page.search` of each record's page, from the
same stream of pages the build feeds it, kb.site.plan.stream_site), without tags and without the parts
marked data-search-ignore (kb.outputs.search.searchable_text), normalised as the index normalises it
(kb.outputs.search.normalise: NFKC, lower case); for a query with spaces, every term. Hand-written pages (guide, about) are outside
the truth: results that lead to them are counted apart ("other") and left out of recall and precision.

The search is then used as a reader uses it, in headless Chromium (kb.browser), through the
search box and nothing else: each query typed into a fresh page of a fresh browser context (cold:
no cache), the time from the keystroke to the first results shown, the bytes downloaded for it, the
count the results line shows ("共找到 N 条结果") and every result, by pressing "显示更多结果" until
the list is complete; then a second query in the same page (warm). What the evaluation relies on is
the search box's markup: `.md-search-result__meta`, `.md-search-result__link`, `.tb-more button`
and `.tb-empty`.

Per query: truth size, results shown, recall (truth records among the results the page marks as
containing the query as typed, `data-tb-match="exact"`: the results with only its words follow them and
say so), precision of the first 10 of those, title first (every truth record with the query in its title
ranks above every truth record that has it only in the body), cold and warm seconds, KB downloaded.
Optionally the offline bundle's site (file://): its first 10 results against the online ones, and its
time to first results.
"""

from __future__ import annotations

import json
import math
import re
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kb.dev.search_judged import JUDGED, Judged, grades_for
from kb.dev.search_queries import QUERIES
from kb.urls import page_key

FIRST = 10  # the first page of results
TOP = 3  # where an answer must be
GOALS = {"recall": 1.0, "precision": 1.0, "top3": 0.95, "zero_results": 0.0, "cold_p95": 1.0, "cold_max": 1.5,
         "kb_max": 500, "warm_max": 0.3, "offline_first_max": 1.5, "build_s": 45, "build_tree_mb": 2048}
RESULTS_LINE = re.compile(r"共找到\s*(\d+)\s*条结果")
EXACT_PART = re.compile(r"其中\s*(\d+)\s*条包含")  # some of them contain the query as typed
NO_EXACT = "没有完全包含"  # none does


# -- truth --------------------------------------------------------------------------------------

@dataclass
class Doc:
    key: str  # the record's page without suffix: standards/dangfei
    title: str  # normalised, as is text
    text: str


def corpus(settings) -> list[Doc]:
    """The published records as the search index gets them (settings as for the build: no drafts)."""
    from kb.data.load import load
    from kb.outputs.search import normalise, searchable_text
    from kb.site.plan import stream_site

    kb, problems = load(settings)
    if kb is None:
        raise RuntimeError("数据有问题，无法评测搜索：\n" + "\n".join(str(p) for p in problems[:10]))
    docs: list[Doc] = []

    def keep(page) -> None:
        if page.record is not None:  # what the build hands the index (kb.engine.session)
            docs.append(Doc(page_key(page.src_uri), normalise(page.record.title), normalise(searchable_text(page.search))))

    stream_site(kb, keep, settings.directory_urls)
    return docs


def terms(query: str) -> list[str]:
    from kb.outputs.search import normalise

    return normalise(query).split()


def truth(docs: list[Doc], query: str) -> tuple[set[str], set[str]]:
    """(records whose text has every term of the query, those of them whose title has every term)."""
    words = terms(query)
    found = {d.key for d in docs if all(w in d.text for w in words)}
    titled = {d.key for d in docs if d.key in found and all(w in d.title for w in words)}
    return found, titled


# -- the browser ------------------------------------------------------------------------------

_EXPAND = """async (exact) => {
  const list = document.querySelector('.md-search-result__list');
  const links = () => list.querySelectorAll('a.md-search-result__link').length;
  for (let guard = 0; guard < 100000; guard++) {
    const more = list.querySelector('.tb-more button');
    if (!more || list.querySelectorAll('li[data-tb-match="exact"]').length >= exact) break;
    const before = links();
    more.click();
    const start = Date.now();
    while (links() === before && Date.now() - start < 30000) await new Promise(r => setTimeout(r, 2));
    if (links() === before) throw new Error('显示更多结果 did not add results');
  }
  return Array.from(list.querySelectorAll('a.md-search-result__link'),
                    a => [a.href, a.closest('li').getAttribute('data-tb-match')]);
}"""


def _shown(page) -> tuple[int, int]:
    """The counts the results line shows the reader: (all results, those containing the query as typed); (0, 0)
    when the page says nothing was found."""
    if page.locator(".tb-empty").count():
        return 0, 0
    line = page.locator(".md-search-result__meta").inner_text()
    match = RESULTS_LINE.search(line)
    if not match:
        raise RuntimeError(f"搜索结果行无法识别：{line!r}")
    shown = int(match.group(1))
    part = EXACT_PART.search(line)
    return shown, int(part.group(1)) if part else 0 if NO_EXACT in line else shown


def _relative(href: str, base: str) -> str:
    return href[len(base):] if href.startswith(base) else href


@dataclass
class Seen:
    """What the reader's browser showed for one query."""

    shown: int  # the count on the results line
    results: list[str]  # every result, in order (keys)
    cold_s: float
    kb: float
    warm_s: float | None = None
    exact: list[str] | None = None  # the results marked as containing the query as typed (None: all are)
    exact_shown: int | None = None  # how many the results line says contain it

    def exact_results(self) -> list[str]:
        return self.results if self.exact is None else self.exact


def search_online(site: Path, queries: list[str], cold: bool = True, progress=None, whole: set | None = None
                  ) -> dict[str, Seen]:
    """Every query in the served site's search box. cold: a new browser context (empty cache) per query,
    and the next query typed into the same page for the warm time; else one page for all (no timings
    worth quoting: for the relevance tests). For the queries in `whole` (default: all) the list is shown
    until every result containing the query as typed is listed; for the others, the first page."""
    from playwright.sync_api import sync_playwright

    from kb import browser

    out: dict[str, Seen] = {}
    with browser.serve(site) as url, sync_playwright() as p:
        chromium = browser.launch(p)
        context = page = None
        try:
            for i, query in enumerate(queries):
                if cold or page is None:
                    if context is not None:
                        context.close()
                    context = chromium.new_context()
                    page = context.new_page()
                    page.goto(url)  # the index is fetched only once the search box is used
                requests = []
                def listener(r, requests=requests):
                    requests.append(r)
                page.on("requestfinished", listener)
                seconds = browser.type_query(page, query)
                page.wait_for_load_state("networkidle")
                page.remove_listener("requestfinished", listener)
                size = sum(r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"] for r in requests)
                shown, exact = _shown(page)
                if whole is not None and query not in whole:
                    exact = 0
                hrefs = page.evaluate(_EXPAND, exact) if shown else []
                seen = Seen(shown, [page_key(_relative(h, url)) for h, _ in hrefs], seconds, size / 1024,
                            exact=[page_key(_relative(h, url)) for h, match in hrefs if match == "exact"], exact_shown=exact)
                if cold:  # the next query (another word) in the same page
                    seen.warm_s = browser.type_query(page, queries[(i + 1) % len(queries)])
                out[query] = seen
                if progress:
                    progress(i + 1, len(queries), query)
        finally:
            chromium.close()
    return out


@dataclass
class SeenOffline:
    shown: int
    first: list[str]  # the first 10 results (keys)
    first_s: float


def search_offline(site: Path, queries: list[str], cold: bool = True) -> dict[str, SeenOffline]:
    """Every query in the search box of the offline build (use_directory_urls false) opened from file://."""
    from playwright.sync_api import sync_playwright

    from kb import browser

    home = site.resolve().as_uri() + "/"
    out: dict[str, SeenOffline] = {}
    with sync_playwright() as p:
        chromium = browser.launch(p)
        context = page = None
        try:
            for query in queries:
                fresh = cold or page is None
                if fresh:
                    if context is not None:
                        context.close()
                    context = chromium.new_context()
                    page = context.new_page()
                    page.goto(home + "index.html")
                    page.wait_for_load_state("load")
                seconds = browser.type_query(page, query)
                shown, _ = _shown(page)
                hrefs = page.eval_on_selector_all("a.md-search-result__link", "els => els.map(a => a.href)")
                out[query] = SeenOffline(shown, [page_key(_relative(h, home)) for h in hrefs[:FIRST]], seconds)
        finally:
            chromium.close()
    return out


# -- the evaluation ---------------------------------------------------------------------------

@dataclass
class Row:
    query: str
    group: str
    truth: int
    in_title: int
    shown: int  # the results the results line says contain the query as typed
    listed: int  # results collected from the list marked so (should equal shown)
    other: int  # exact results that are not records (hand-written pages)
    found: int  # truth records among the results
    recall: float | None
    precision: float | None  # of the first 10 record results
    title_first: bool | None  # None: no record has the query in its title, or none only in its body
    cold_s: float
    warm_s: float | None
    kb: float
    offline_shown: int | None = None
    offline_same: bool | None = None  # offline first 10 == online first 10
    offline_s: float | None = None
    missing: list[str] = field(default_factory=list)  # some truth records not found
    wrong: list[str] = field(default_factory=list)  # first-10 results outside the truth


def score(query: str, group: str, docs: list[Doc], seen: Seen, records: set[str]) -> Row:
    found_set, titled = truth(docs, query)
    ranked = [r for r in seen.exact_results() if r in records]
    position = {r: i for i, r in reversed(list(enumerate(ranked)))}
    hits = found_set & set(ranked)
    head = ranked[:FIRST]
    recall = len(hits) / len(found_set) if found_set else (1.0 if not ranked else None)
    precision = (sum(r in found_set for r in head) / len(head)) if head else (1.0 if not found_set else 0.0)
    body_only = found_set - titled
    title_first = None
    if titled and body_only:
        if not titled <= hits:
            title_first = False
        else:
            body_positions = [position[r] for r in body_only if r in position]
            title_first = not body_positions or max(position[r] for r in titled) < min(body_positions)
    exact = seen.exact_results()
    said = seen.shown if seen.exact_shown is None else seen.exact_shown
    row = Row(query, group, len(found_set), len(titled), said, len(exact), len(exact) - len(ranked),
              len(hits), recall, precision, title_first, seen.cold_s, seen.warm_s, seen.kb)
    row.missing = sorted(found_set - hits)[:5]
    row.wrong = [r for r in head if r not in found_set][:5]
    return row


@dataclass
class JudgedRow:
    """One judged query: where its answers (grade 2) and the relevant records (grade 1) came."""

    query: str
    group: str
    shown: int
    first: int | None  # rank of the first answer among the record results (1-based); None: not shown
    ndcg: float  # of the first 10 record results, graded
    answers: list[str]  # the grade-2 records (at most 3 listed)
    got: list[str]  # the first 3 record results
    cold_s: float
    warm_s: float | None
    kb: float
    offline_same: bool | None = None
    offline_s: float | None = None


def judge(j: Judged, seen: Seen, grades: dict, records: set[str]) -> JudgedRow:
    ranked = [r for r in seen.results if r in records]
    answers = [k for k, g in grades.items() if g == 2]
    first = next((i + 1 for i, r in enumerate(ranked) if grades.get(r) == 2), None)
    gains = [2 ** grades.get(r, 0) - 1 for r in ranked[:FIRST]]
    ideal = sorted((2 ** g - 1 for g in grades.values()), reverse=True)[:FIRST]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    best = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return JudgedRow(j.query, j.group, seen.shown, first, dcg / best if best else 0.0, sorted(answers)[:3],
                     ranked[:TOP], seen.cold_s, seen.warm_s, seen.kb)


def evaluate(settings, site: Path, offline_site: Path | None = None, cold: bool = True, queries=None,
             judged: list[Judged] | None = None, docs: list[Doc] | None = None, progress=None) -> dict:
    """The evaluation of the site built into `site` from `settings` (and of its offline build, if given): the
    exact-phrase queries (`queries`, kb.dev.search_queries) and the judged ones (`judged`, kb.dev.search_judged)."""
    start = time.perf_counter()
    queries = list(QUERIES if queries is None else queries)
    judged = list(JUDGED if judged is None else judged)
    docs = corpus(settings) if docs is None else docs
    records = {d.key for d in docs}
    titles = {d.key: d.title for d in docs}
    words = list(dict.fromkeys([q for q, _ in queries] + [j.query for j in judged]))
    seen = search_online(site, words, cold=cold, progress=progress, whole={q for q, _ in queries})
    offline = search_offline(offline_site, words, cold=cold) if offline_site else {}
    rows, judged_rows = [], []
    for query, group in queries:
        row = score(query, group, docs, seen[query], records)
        if query in offline:
            o = offline[query]
            row.offline_shown, row.offline_s = o.shown, o.first_s
            row.offline_same = o.first == seen[query].results[:FIRST]
        rows.append(row)
    for j in judged:
        grades = {k: g for k, g in grades_for(j, titles).items() if k in records}
        row = judge(j, seen[j.query], grades, records)
        if j.query in offline:
            o = offline[j.query]
            row.offline_s, row.offline_same = o.first_s, o.first == seen[j.query].results[:FIRST]
        judged_rows.append(row)
    return {"records": len(docs), "cold": cold, "rows": [asdict(r) for r in rows],
            "judged": [asdict(r) for r in judged_rows], "totals": totals(rows, judged_rows),
            "seconds": time.perf_counter() - start}


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    return values[max(0, math.ceil(p / 100 * len(values)) - 1)]


def totals(rows: list[Row], judged: list[JudgedRow] = ()) -> dict:
    truth = sum(r.truth for r in rows)
    found = sum(r.found for r in rows)
    precisions = [r.precision for r in rows if r.precision is not None]
    timed = list(rows) + list(judged)
    cold = [r.cold_s for r in timed]
    warm = [r.warm_s for r in timed if r.warm_s is not None]
    sizes = [r.kb for r in timed]
    judged_titles = [r for r in rows if r.title_first is not None]
    offline = [r for r in timed if r.offline_same is not None]
    n = len(judged)
    return {
        "queries": len(rows), "judged": n,
        "truth": truth, "found": found, "recall": found / truth if truth else None,
        "recall_min": min((r.recall for r in rows if r.recall is not None), default=None),
        "no_match_wrong": sum(1 for r in rows if r.recall is None),  # no record has it, yet results are marked exact
        "precision_mean": sum(precisions) / len(precisions) if precisions else None,
        "precision_min": min(precisions, default=None),
        "precision_perfect": sum(1 for p in precisions if p == 1.0),
        "title_first": sum(1 for r in judged_titles if r.title_first), "title_judged": len(judged_titles),
        "top3": sum(1 for r in judged if r.first and r.first <= TOP) / n if n else None,
        "top1": sum(1 for r in judged if r.first == 1) / n if n else None,
        "mrr": sum(1 / r.first for r in judged if r.first) / n if n else None,
        "ndcg": sum(r.ndcg for r in judged) / n if n else None,
        "zero_results": sum(1 for r in judged if r.shown == 0) / n if n else None,
        "cold_p95": percentile(cold, 95), "cold_max": max(cold, default=None),
        "warm_p95": percentile(warm, 95), "warm_max": max(warm, default=None),
        "kb_p95": percentile(sizes, 95), "kb_max": max(sizes, default=None),
        "shown_mismatch": sum(1 for r in rows if r.shown != r.listed),
        "offline_same": sum(1 for r in offline if r.offline_same), "offline_compared": len(offline),
        "offline_p95": percentile([r.offline_s for r in offline], 95),
        "offline_max": max((r.offline_s for r in offline), default=None),
    }


def relevance_failures(report: dict) -> list[str]:
    """The relevance goals (issues 14 and 24) that the report misses, in Chinese (empty: all met)."""
    t, rows = report["totals"], report["rows"]
    out = []
    if t["recall"] is not None and t["recall"] < GOALS["recall"]:
        out.append(f"完全包含查询词的召回率 {t['recall']:.3f} < {GOALS['recall']}（真值 {t['truth']} 条，找到 {t['found']} 条）")
    for r in rows:
        if r["recall"] is None:
            out.append(f"“{r['query']}”：数据里没有，却有 {r['found'] + r['other']} 条结果标为完全包含")
        elif r["precision"] is not None and r["precision"] < GOALS["precision"]:
            out.append(f"“{r['query']}”：标为完全包含的前 10 条准确率 {r['precision']:.2f}（如 {'、'.join(r['wrong'][:3])}）")
        if r["title_first"] is False:
            out.append(f"“{r['query']}”：标题含查询词的记录没有全部排在只有正文含它的记录之前")
    if t["shown_mismatch"]:
        out.append(f"{t['shown_mismatch']} 个查询结果行所说完全包含的条数与列出的条数不同")
    if t["top3"] is not None and t["top3"] < GOALS["top3"]:
        missed = [f"“{r['query']}”（第 {r['first'] or '—'} 位）" for r in report["judged"] if not (r["first"] and r["first"] <= TOP)]
        out.append(f"答案在前 3 的比例 {t['top3']:.3f} < {GOALS['top3']}：" + "、".join(missed))
    if t["zero_results"]:
        empty = [f"“{r['query']}”" for r in report["judged"] if r["shown"] == 0]
        out.append(f"{len(empty)} 个有答案的查询没有结果：" + "、".join(empty))
    return out


def speed_failures(report: dict) -> list[str]:
    t, out = report["totals"], []
    checks = [("cold_p95", "冷启动用时 95 百分位", "秒"), ("cold_max", "冷启动最长用时", "秒"),
              ("kb_max", "单次查询最大下载", "KB"), ("warm_max", "同页第二次查询最长用时", "秒"),
              ("offline_max", "离线版首批结果最长用时", "秒")]
    for name, label, unit in checks:
        goal = GOALS["offline_first_max" if name == "offline_max" else name]
        if t.get(name) is not None and t[name] > goal:
            out.append(f"{label} {t[name]:.2f} {unit} > {goal} {unit}")
    if t["offline_compared"] and t["offline_same"] < t["offline_compared"]:
        out.append(f"离线版前 10 条与在线版相同的查询 {t['offline_same']}/{t['offline_compared']}")
    if report.get("build_seconds", 0) > GOALS["build_s"]:
        out.append(f"生成网站 {report['build_seconds']:.1f} 秒 > {GOALS['build_s']} 秒")
    if (report.get("build_tree_mb") or 0) > GOALS["build_tree_mb"]:
        out.append(f"生成网站时进程树峰值 {report['build_tree_mb']:.0f} MB > {GOALS['build_tree_mb']} MB")
    return out


# -- report ----------------------------------------------------------------------------------

HEADER = ("查询", "类别", "真值", "标题含", "显示", "召回率", "前10准确率", "标题优先", "冷启动(秒)", "同页再查(秒)",
          "下载(KB)", "离线前10同")
JUDGED_HEADER = ("查询", "类别", "显示", "第一个答案", "nDCG@10", "前 3 条", "答案", "冷启动(秒)", "下载(KB)", "离线前10同")


def _f(v, fmt: str) -> str:
    return "—" if v is None else format(v, fmt)


def _yes(v) -> str:
    return "—" if v is None else ("是" if v else "否")


def table(report: dict) -> str:
    lines = ["完全包含查询词（真值：文字含查询词的记录）", "",
             "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for r in report["rows"]:
        lines.append("| " + " | ".join([
            r["query"], r["group"], str(r["truth"]), str(r["in_title"]), str(r["shown"]), _f(r["recall"], ".2f"),
            _f(r["precision"], ".2f"), _yes(r["title_first"]), _f(r["cold_s"], ".2f"), _f(r["warm_s"], ".2f"),
            _f(r["kb"], ".0f"), _yes(r["offline_same"])]) + " |")
    lines += ["", "按人工判定评测（kb/dev/search_judged.py：读记录判定的答案）", "",
              "| " + " | ".join(JUDGED_HEADER) + " |", "|" + "---|" * len(JUDGED_HEADER)]
    for r in report["judged"]:
        lines.append("| " + " | ".join([
            r["query"], r["group"], str(r["shown"]), _f(r["first"], "d"), _f(r["ndcg"], ".2f"), "、".join(r["got"]) or "—",
            "、".join(r["answers"]), _f(r["cold_s"], ".2f"), _f(r["kb"], ".0f"), _yes(r["offline_same"])]) + " |")
    return "\n".join(lines)


def summary(report: dict) -> str:
    t = report["totals"]
    groups: dict[str, list] = {}
    for r in report["judged"]:
        groups.setdefault(r["group"], []).append(r)
    by_group = "；".join(f"{g} {sum(1 for r in rs if r['first'] and r['first'] <= TOP)}/{len(rs)}" for g, rs in groups.items())
    lines = [
        f"记录 {report['records']} 条；完全包含类查询 {t['queries']} 个、人工判定查询 {t['judged']} 个；评测用时 {report['seconds']:.0f} 秒"
        + ("" if report["cold"] else "（同一页面连续查询，用时不可比）"),
        f"人工判定：答案在前 3 {_f(t['top3'], '.3f')}，第 1 位 {_f(t['top1'], '.3f')}，MRR {_f(t['mrr'], '.3f')}，"
        f"nDCG@10 {_f(t['ndcg'], '.3f')}，无结果 {_f(t['zero_results'], '.3f')}",
        f"  各类答案在前 3：{by_group}",
        f"完全包含：召回率（全部查询合计）{_f(t['recall'], '.3f')}（真值 {t['truth']} 条，找到 {t['found']} 条；单个查询最低 {_f(t['recall_min'], '.2f')}）",
        f"完全包含：前 10 条准确率平均 {_f(t['precision_mean'], '.3f')}，最低 {_f(t['precision_min'], '.2f')}，为 1 的查询 {t['precision_perfect']}/{t['queries']}",
        f"标题优先：{t['title_first']}/{t['title_judged']} 个查询做到（其余查询没有同时含于标题和只含于正文的记录）",
        f"冷启动用时：95 百分位 {_f(t['cold_p95'], '.2f')} 秒，最长 {_f(t['cold_max'], '.2f')} 秒；"
        f"同页再查：95 百分位 {_f(t['warm_p95'], '.2f')} 秒，最长 {_f(t['warm_max'], '.2f')} 秒",
        f"下载：95 百分位 {_f(t['kb_p95'], '.0f')} KB，最大 {_f(t['kb_max'], '.0f')} KB",
    ]
    if t["offline_compared"]:
        lines.append(f"离线版：前 10 条与在线版相同 {t['offline_same']}/{t['offline_compared']}；首批结果 95 百分位 "
                     f"{_f(t['offline_p95'], '.2f')} 秒，最长 {_f(t['offline_max'], '.2f')} 秒")
    if "build_seconds" in report:
        tree = f"（进程树峰值 {report['build_tree_mb']:.0f} MB）" if report.get("build_tree_mb") else ""
        lines.append(f"生成网站 {report['build_seconds']:.1f} 秒{tree}" + (
            f"，离线版 {report['offline_build_seconds']:.1f} 秒" if report.get("offline_build_seconds") else ""))
    missed = relevance_failures(report) + speed_failures(report)
    lines.append("未达到的目标（issues 14、24）：" + ("无" if not missed else ""))
    lines += [f"  - {m}" for m in missed]
    return "\n".join(lines)


# -- the command ------------------------------------------------------------------------------

def run(records: int = 0, seed: int = 1, offline: bool = True, keep: Path | None = None, data: Path | None = None) -> dict:
    """Build the sample (records 0; or `data`) or `records` synthetic records with the sample's among them (the judged
    queries' answers), and evaluate its search."""
    import shutil

    from kb.dev.bench import build as measured_build
    from kb.engine.build import build
    from kb.settings import Settings

    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="toolbook-searcheval-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if records:
            from kb.dev.synth import add_sample, synthesize
            from kb.paths import PROJECT

            data = work / f"data-{records}"
            if not data.exists():
                print(f"[{records} 条记录] 正在合成数据，并放入示例数据的记录……", file=sys.stderr, flush=True)
                synthesize(records, data, seed)
                add_sample(data, PROJECT / "data")
        settings = Settings.read(data)
        site = work / "site"
        print("正在生成网站……", file=sys.stderr, flush=True)
        measured = measured_build(settings.data, site)  # `toolbook.py build`, its time and its process tree's memory
        offline_site, offline_built = None, None
        if offline:
            print("正在生成离线版网站……", file=sys.stderr, flush=True)
            offline_site = work / "offline"
            start = time.perf_counter()
            build(settings.but(directory_urls=False, drafts=False), offline_site)
            offline_built = time.perf_counter() - start

        def progress(i, n, query):
            print(f"\r在线搜索 {i}/{n}：{query}        ", end="", file=sys.stderr, flush=True)

        report = evaluate(settings, site, offline_site, progress=progress)
        print(file=sys.stderr)
        report.update(build_seconds=measured["seconds"], build_tree_mb=measured["peak_tree_rss_mb"],
                      offline_build_seconds=offline_built, seed=seed if records else None,
                      data=str(settings.data) if not records else f"synth --records {records} --seed {seed} + 示例数据")
        return report
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def cli(args) -> int:
    """`toolbook.py bench --search [--records N] [--seed S] [--json F] [--keep DIR]`."""
    from kb import browser

    why = browser.available()
    if why:
        print(f"无法评测搜索：{why}", file=sys.stderr)
        return 1
    records = args.records or 0
    if records and records < 10:
        print(f"用法错误：--records 应为 0（示例数据）或不少于 10 的记录数；收到 {records}", file=sys.stderr)
        return 2
    report = run(records, args.seed, keep=Path(args.keep) if args.keep else None)
    print(table(report))
    print()
    print(summary(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"结果已写入 {args.json}", file=sys.stderr)
    return 0
