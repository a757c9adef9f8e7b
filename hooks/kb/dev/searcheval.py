"""`toolbook.py bench --search`: the site's search measured against the data itself.

For each query of kb.dev.search_queries the truth is the set of published records whose searchable
text contains it: the text the search index is given (`page.search` of each record's page, from the
same stream of pages the build feeds it, kb.site.plan.stream_site), without tags and without the parts
marked data-search-ignore (kb.outputs.search.searchable_text), normalised as the index normalises it
(kb.outputs.search.normalise: NFKC, lower case); for a query with spaces, every term. Hand-written pages (guide, about) are outside
the truth: results that lead to them are counted apart ("other") and left out of recall and precision.

The search is then used as a reader uses it, in headless Chromium (kb.outputs.browser), through the
search box and nothing else: each query typed into a fresh page of a fresh browser context (cold:
no cache), the time from the keystroke to the first results shown, the bytes downloaded for it, the
count the results line shows ("共找到 N 条结果") and every result, by pressing "显示更多结果" until
the list is complete; then a second query in the same page (warm). What the evaluation relies on is
the search box's markup: `.md-search-result__meta`, `.md-search-result__link`, `.tb-more button`
and `.tb-empty`.

Per query: truth size, results shown, recall (truth records among all results), precision of the
first 10, title first (every truth record with the query in its title ranks above every truth record
that has it only in the body), cold and warm seconds, KB downloaded; the questions (QUESTIONS) report
the rank of the record that answers them. Optionally the offline bundle's site (file://): its first
10 results against the online ones, and its time to first results.
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

from kb.dev.search_queries import QUERIES, QUESTIONS

FIRST = 10  # the first page of results
TOP = 3  # where a question's answer must be
GOALS = {"recall": 0.98, "precision": 1.0, "cold_p95": 1.0, "cold_max": 1.5, "kb_max": 500, "warm_max": 0.3,
         "offline_first_max": 1.5, "build_s": 45, "build_tree_mb": 2048}
RESULTS_LINE = re.compile(r"共找到\s*(\d+)\s*条结果")


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
            docs.append(Doc(key(page.src_uri), normalise(page.record.title), normalise(searchable_text(page.search))))

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


def key(url: str) -> str:
    """A page's address, online (standards/dangfei/), offline (standards/dangfei.html) or as a source
    (standards/dangfei.md), as one key: standards/dangfei."""
    url = url.split("#", 1)[0].split("?", 1)[0]
    for suffix in ("index.html", ".html", ".md"):
        if url.endswith(suffix):
            url = url[: -len(suffix)]
    return url.strip("/")


# -- the browser ------------------------------------------------------------------------------

_EXPAND = """async () => {
  const list = document.querySelector('.md-search-result__list');
  const links = () => list.querySelectorAll('a.md-search-result__link').length;
  for (let guard = 0; guard < 100000; guard++) {
    const more = list.querySelector('.tb-more button');
    if (!more) break;
    const before = links();
    more.click();
    const start = Date.now();
    while (links() === before && Date.now() - start < 30000) await new Promise(r => setTimeout(r, 2));
    if (links() === before) throw new Error('显示更多结果 did not add results');
  }
  return Array.from(list.querySelectorAll('a.md-search-result__link'), a => a.href);
}"""


def _type(page, query: str, clear: bool, timeout: float = 30000) -> float:
    """Type `query` into the search box; seconds from the keystroke until results (or "nothing found") show."""
    if clear:  # a second query in the same page: empty the box and the list first (as kb.outputs.browser.search)
        page.evaluate("document.querySelector('.md-search__input').value = '';"
                      "document.querySelector('.md-search-result__list').textContent = ''")
        page.keyboard.press("Escape")
    page.keyboard.press("/")
    start = time.perf_counter()
    page.keyboard.insert_text(query)
    page.wait_for_selector(".md-search-result__list li, .tb-empty", timeout=timeout)
    return time.perf_counter() - start


def _shown(page) -> int:
    """The count the results line shows the reader (0 when the page says nothing was found)."""
    if page.locator(".tb-empty").count():
        return 0
    line = page.locator(".md-search-result__meta").inner_text()
    match = RESULTS_LINE.search(line)
    if not match:
        raise RuntimeError(f"搜索结果行无法识别：{line!r}")
    return int(match.group(1))


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


def search_online(site: Path, queries: list[str], cold: bool = True, progress=None) -> dict[str, Seen]:
    """Every query in the served site's search box. cold: a new browser context (empty cache) per query,
    and the next query typed into the same page for the warm time; else one page for all (no timings
    worth quoting: for the relevance tests)."""
    from playwright.sync_api import sync_playwright

    from kb.outputs import browser

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
                    fresh = True
                else:
                    fresh = False
                requests = []
                def listener(r, requests=requests):
                    requests.append(r)
                page.on("requestfinished", listener)
                seconds = _type(page, query, clear=not fresh)
                page.wait_for_load_state("networkidle")
                page.remove_listener("requestfinished", listener)
                size = sum(r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"] for r in requests)
                shown = _shown(page)
                hrefs = page.evaluate(_EXPAND) if shown else []
                seen = Seen(shown, [key(_relative(h, url)) for h in hrefs], seconds, size / 1024)
                if cold:  # the next query (another word) in the same page
                    seen.warm_s = _type(page, queries[(i + 1) % len(queries)], clear=True)
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

    from kb.outputs import browser

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
                seconds = _type(page, query, clear=not fresh)
                shown = _shown(page)
                hrefs = page.eval_on_selector_all("a.md-search-result__link", "els => els.map(a => a.href)")
                out[query] = SeenOffline(shown, [key(_relative(h, home)) for h in hrefs[:FIRST]], seconds)
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
    shown: int
    listed: int  # results collected from the list (should equal shown)
    other: int  # results that are not records (hand-written pages)
    found: int  # truth records among the results
    recall: float | None
    precision: float | None  # of the first 10 record results
    title_first: bool | None  # None: no record has the query in its title, or none only in its body
    cold_s: float
    warm_s: float | None
    kb: float
    target: str | None = None  # questions: the record that answers
    target_rank: int | None = None  # 1-based; None: not found
    offline_shown: int | None = None
    offline_same: bool | None = None  # offline first 10 == online first 10
    offline_s: float | None = None
    missing: list[str] = field(default_factory=list)  # some truth records not found
    wrong: list[str] = field(default_factory=list)  # first-10 results outside the truth


def score(query: str, group: str, docs: list[Doc], seen: Seen, records: set[str]) -> Row:
    found_set, titled = truth(docs, query)
    ranked = [r for r in seen.results if r in records]
    position = {r: i for i, r in reversed(list(enumerate(ranked)))}
    hits = found_set & set(ranked)
    head = ranked[:FIRST]
    if group == "问题":
        recall = precision = None
    else:
        recall = len(hits) / len(found_set) if found_set else (1.0 if not ranked else None)
        precision = (sum(r in found_set for r in head) / len(head)) if head else (1.0 if not found_set else 0.0)
    body_only = found_set - titled
    title_first = None
    if titled and body_only and group != "问题":
        if not titled <= hits:
            title_first = False
        else:
            body_positions = [position[r] for r in body_only if r in position]
            title_first = not body_positions or max(position[r] for r in titled) < min(body_positions)
    row = Row(query, group, len(found_set), len(titled), seen.shown, len(seen.results), len(seen.results) - len(ranked),
              len(hits), recall, precision, title_first, seen.cold_s, seen.warm_s, seen.kb)
    if group != "问题":
        row.missing = sorted(found_set - hits)[:5]
        row.wrong = [r for r in head if r not in found_set][:5]
    return row


def evaluate(settings, site: Path, offline_site: Path | None = None, cold: bool = True, queries=None,
             questions=None, docs: list[Doc] | None = None, progress=None) -> dict:
    """The evaluation of the site built into `site` from `settings` (and of its offline build, if given)."""
    start = time.perf_counter()
    queries = list(QUERIES if queries is None else queries)
    questions = dict(QUESTIONS if questions is None else questions)
    docs = corpus(settings) if docs is None else docs
    records = {d.key for d in docs}
    asked = [(q, g) for q, g in queries] + [(q, "问题") for q in questions]
    words = [q for q, _ in asked]
    seen = search_online(site, words, cold=cold, progress=progress)
    offline = search_offline(offline_site, words, cold=cold) if offline_site else {}
    rows = []
    for query, group in asked:
        row = score(query, group, docs, seen[query], records)
        if group == "问题" and questions[query] in records:
            row.target = questions[query]
            ranked = [r for r in seen[query].results if r in records]
            row.target_rank = ranked.index(row.target) + 1 if row.target in ranked else None
        if query in offline:
            o = offline[query]
            row.offline_shown, row.offline_s = o.shown, o.first_s
            row.offline_same = o.first == seen[query].results[:FIRST]
        rows.append(row)
    return {"records": len(docs), "cold": cold, "rows": [asdict(r) for r in rows], "totals": totals(rows),
            "seconds": time.perf_counter() - start}


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    return values[max(0, math.ceil(p / 100 * len(values)) - 1)]


def totals(rows: list[Row]) -> dict:
    plain = [r for r in rows if r.group != "问题"]
    truth = sum(r.truth for r in plain)
    found = sum(r.found for r in plain)
    precisions = [r.precision for r in plain if r.precision is not None]
    cold = [r.cold_s for r in rows]
    warm = [r.warm_s for r in rows if r.warm_s is not None]
    sizes = [r.kb for r in rows]
    judged = [r for r in plain if r.title_first is not None]
    asked = [r for r in rows if r.target]
    offline = [r for r in rows if r.offline_same is not None]
    return {
        "queries": len(plain), "questions": len([r for r in rows if r.group == "问题"]),
        "truth": truth, "found": found, "recall": found / truth if truth else None,
        "recall_min": min((r.recall for r in plain if r.recall is not None), default=None),
        "no_match_wrong": sum(1 for r in plain if r.truth == 0 and r.shown - r.other > 0),
        "precision_mean": sum(precisions) / len(precisions) if precisions else None,
        "precision_min": min(precisions, default=None),
        "precision_perfect": sum(1 for p in precisions if p == 1.0),
        "title_first": sum(1 for r in judged if r.title_first), "title_judged": len(judged),
        "questions_top": sum(1 for r in asked if r.target_rank and r.target_rank <= TOP), "questions_asked": len(asked),
        "cold_p95": percentile(cold, 95), "cold_max": max(cold, default=None),
        "warm_p95": percentile(warm, 95), "warm_max": max(warm, default=None),
        "kb_p95": percentile(sizes, 95), "kb_max": max(sizes, default=None),
        "shown_mismatch": sum(1 for r in rows if r.shown != r.listed),
        "offline_same": sum(1 for r in offline if r.offline_same), "offline_compared": len(offline),
        "offline_p95": percentile([r.offline_s for r in offline], 95),
        "offline_max": max((r.offline_s for r in offline), default=None),
    }


def relevance_failures(report: dict) -> list[str]:
    """The relevance goals of issue 14 that the report misses, in Chinese (empty: all met)."""
    t, rows = report["totals"], report["rows"]
    out = []
    if t["recall"] is not None and t["recall"] < GOALS["recall"]:
        out.append(f"召回率 {t['recall']:.3f} < {GOALS['recall']}（真值 {t['truth']} 条，找到 {t['found']} 条）")
    for r in rows:
        if r["group"] == "问题":
            if r["target"] and not (r["target_rank"] and r["target_rank"] <= TOP):
                out.append(f"“{r['query']}”：{r['target']} 排在第 {r['target_rank'] or '—'} 位，应在前 {TOP}")
            continue
        if r["recall"] is None:
            out.append(f"“{r['query']}”：数据里没有，却显示 {r['shown']} 条结果")
        elif r["precision"] is not None and r["precision"] < GOALS["precision"]:
            out.append(f"“{r['query']}”：前 10 条准确率 {r['precision']:.2f}（如 {'、'.join(r['wrong'][:3])}）")
        if r["title_first"] is False:
            out.append(f"“{r['query']}”：标题含查询词的记录没有全部排在只有正文含它的记录之前")
    if t["shown_mismatch"]:
        out.append(f"{t['shown_mismatch']} 个查询显示的条数与列出的结果数不同")
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


def _f(v, fmt: str) -> str:
    return "—" if v is None else format(v, fmt)


def _yes(v) -> str:
    return "—" if v is None else ("是" if v else "否")


def table(report: dict) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for r in report["rows"]:
        recall = _f(r["recall"], ".2f")
        if r["group"] == "问题":
            recall = f"答案第 {r['target_rank']} 位" if r["target_rank"] else ("答案未找到" if r["target"] else "—")
        lines.append("| " + " | ".join([
            r["query"], r["group"], str(r["truth"]), str(r["in_title"]), str(r["shown"]), recall,
            _f(r["precision"], ".2f"), _yes(r["title_first"]), _f(r["cold_s"], ".2f"), _f(r["warm_s"], ".2f"),
            _f(r["kb"], ".0f"), _yes(r["offline_same"])]) + " |")
    return "\n".join(lines)


def summary(report: dict) -> str:
    t = report["totals"]
    lines = [
        f"记录 {report['records']} 条；查询 {t['queries']} 个、问句 {t['questions']} 个；评测用时 {report['seconds']:.0f} 秒"
        + ("" if report["cold"] else "（同一页面连续查询，用时不可比）"),
        f"召回率（全部查询合计）{_f(t['recall'], '.3f')}（真值 {t['truth']} 条，找到 {t['found']} 条；单个查询最低 {_f(t['recall_min'], '.2f')}）；"
        f"数据里没有却显示结果的查询 {t['no_match_wrong']} 个",
        f"前 10 条准确率：平均 {_f(t['precision_mean'], '.3f')}，最低 {_f(t['precision_min'], '.2f')}，为 1 的查询 {t['precision_perfect']}/{t['queries']}",
        f"标题优先：{t['title_first']}/{t['title_judged']} 个查询做到（其余查询没有同时含于标题和只含于正文的记录）",
        f"问句的答案在前 {TOP}：{t['questions_top']}/{t['questions_asked']}",
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
    lines.append("未达到的目标（issue 14）：" + ("无" if not missed else ""))
    lines += [f"  - {m}" for m in missed]
    return "\n".join(lines)


# -- the command ------------------------------------------------------------------------------

def run(records: int = 0, seed: int = 1, offline: bool = True, keep: Path | None = None, data: Path | None = None) -> dict:
    """Build the sample (records 0; or `data`) or `records` synthetic records, and evaluate its search."""
    import shutil

    from kb.dev.bench import build as measured_build
    from kb.engine.build import build
    from kb.settings import Settings

    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="toolbook-searcheval-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if records:
            from kb.dev.synth import synthesize

            data = work / f"data-{records}"
            if not data.exists():
                print(f"[{records} 条记录] 正在合成数据……", file=sys.stderr, flush=True)
                synthesize(records, data, seed)
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
                      data=str(settings.data) if not records else f"synth --records {records} --seed {seed}")
        return report
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def cli(args) -> int:
    """`toolbook.py bench --search [--records N] [--seed S] [--json F] [--keep DIR]`."""
    from kb.outputs import browser

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
