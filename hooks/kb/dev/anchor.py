"""`toolbook.py bench --anchor`: the project's cold build next to Hugo + Pagefind on the same records.

Issue 27 asks for a cold build ≤ 0.8 × (Hugo + Pagefind) on the same records in the same run. This module
synthesizes N records once, converts the records the project publishes into a Hugo site with comparable pages
(`write_hugo_site`), and then runs, alternating and `rounds` times each (a, b, a, b: the machine is noisy and
only ratios taken in one run are worth comparing), the project's own build into an empty folder
(`kb.dev.bench.build`: `toolbook.py build`, wall seconds, largest process and process-tree peak) and Hugo
(Debian's `hugo`) followed by Pagefind (PyPI's `pagefind[extended]`, pinned in requirements-anchor.txt) on
the Hugo output, each timed and measured the same way.

The Hugo site, per record the project publishes: one page (content/<kind folder>/<id>.md) with the record's
fields as Markdown (the Markdown fields as written, lists as lists, nested entries under headings) and links to
the records it refers to; JSON front matter with its title, date and terms. Hugo makes, as the project does
(kb/site/plan.py), a listing per section and per taxonomy term (unit, category, theme, case year, tag; 50 per
page, as PAGE_SIZE) and a page listing each taxonomy's terms. The layouts are minimal and written by the
converter (no theme, nothing downloaded: Hugo runs offline). Only the record pages carry `data-pagefind-body`,
so Pagefind indexes what the project's search indexes (records, not listings). The project does more per
record than this site (backlinks and "mentions" pages, the calendar, statistics, ledger forms, the .ics file,
the search vocabulary); the table shows both page counts so the comparison stays honest.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kb import cache
from kb.data.model import CASE, ISSUE, KINDS, KnowledgeBase, Record
from kb.dev.bench import build, measure_output, measured
from kb.dev.synth import synthesize
from kb.settings import Settings

REQUIREMENTS = "requirements-anchor.txt"  # Pagefind, pinned; installed by `bench --anchor` on first use
PAGE_SIZE = 50  # records per listing page, as kb.site.plan.PAGE_SIZE
SITE_TITLE = "党建知识库（Hugo 对照）"
HUGO_INSTALL = ("没有找到 hugo。请先安装 Debian 的 hugo 软件包：\n"
                "  sudo apt-get update && sudo apt-get install -y hugo\n"
                "（Windows 和 macOS 可从 Hugo 官网下载 extended 版，放到 PATH 里的文件夹。）然后重新运行这条命令。")
# Taxonomies of the Hugo site: front matter key (plural) -> singular, as Hugo's [taxonomies] table wants it
TAXONOMIES = {"units": "unit", "categories": "category", "themes": "theme", "years": "year", "tags": "tag"}


class AnchorUnavailable(RuntimeError):
    """Hugo or Pagefind cannot run here; the message says in Chinese what to install."""


def hugo_missing() -> str | None:
    """Why Hugo cannot be used here (a Chinese sentence with how to install it), or None."""
    return None if shutil.which("hugo") else HUGO_INSTALL


def hugo_version() -> str:
    out = subprocess.run(["hugo", "version"], capture_output=True, text=True, encoding="utf-8", errors="replace")
    return out.stdout.strip()


def pagefind_version() -> str | None:
    from importlib import metadata

    try:
        return metadata.version("pagefind")
    except metadata.PackageNotFoundError:
        return None


# -- the Hugo site ---------------------------------------------------------------------------------------------

CONFIG = f"""\
baseURL = "/"
title = "{SITE_TITLE}"
languageCode = "zh-CN"
defaultContentLanguage = "zh"
hasCJKLanguage = true
disableKinds = ["RSS"]
enableRobotsTXT = false
paginate = {PAGE_SIZE}

[taxonomies]
""" + "".join(f'{singular} = "{plural}"\n' for plural, singular in TAXONOMIES.items())

BASEOF = """\
<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if .IsHome }}{{ .Site.Title }}{{ else }}{{ .Title }} - {{ .Site.Title }}{{ end }}</title>
</head>
<body>
<header>
<a href="{{ "/" | relURL }}">{{ .Site.Title }}</a>
<nav>{{ range .Site.Home.Sections }}<a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ end }}\
<a href="{{ "/units/" | relURL }}">单位</a> <a href="{{ "/tags/" | relURL }}">标签</a></nav>
</header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
"""

TERMS_OF_PAGE = """\
{{ range $plural := slice "units" "categories" "themes" "years" "tags" }}\
{{ range $.GetTerms $plural }} <a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ end }}{{ end }}"""

SINGLE = """\
{{ define "main" }}<article data-pagefind-body>
<h1>{{ .Title }}</h1>
<p>{{ .Params.kindlabel }} · {{ .Params.recorddate }}""" + TERMS_OF_PAGE + """</p>
{{ .TableOfContents }}
{{ .Content }}
</article>{{ end }}
"""

LIST = """\
{{ define "main" }}<h1>{{ .Title }}</h1>
{{ .Content }}
{{ $pager := .Paginate .Pages }}
<p>共 {{ len .Pages }} 条</p>
<ul>
{{ range $pager.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Params.kindlabel }} · {{ .Params.recorddate }}\
{{ with .Params.units }} · {{ index . 0 }}{{ end }}{{ with .Description }}<br>{{ . }}{{ end }}</li>
{{ end }}</ul>
{{ template "_internal/pagination.html" . }}
{{ end }}
"""

TERMS = """\
{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>
{{ range .Data.Terms.ByCount }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.LinkTitle }}</a> {{ .Count }}</li>
{{ end }}</ul>
{{ end }}
"""

HOME = """\
{{ define "main" }}<h1>{{ .Site.Title }}</h1>
<ul>
{{ range .Sections }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ len .Pages }}</li>
{{ end }}</ul>
<h2>最新案例</h2>
<ul>
{{ range first 6 (where .Site.RegularPages "Section" "cases") }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{ end }}</ul>
{{ end }}
"""

LAYOUTS = {
    "_default/baseof.html": BASEOF,
    "_default/single.html": SINGLE,
    "_default/list.html": LIST,  # sections and term pages (a unit, a category, a tag…)
    "_default/terms.html": TERMS,  # a taxonomy's terms (/units/, /tags/…)
    "index.html": HOME,
}


def front_matter(record: Record) -> dict:
    """What Hugo needs to know of a record: title, date (for the newest-first order), kind, terms."""
    data = record.data
    matter = {"title": record.title, "date": _hugo_date(record.date), "id": record.id, "recordkind": record.kind.name,
              "kindlabel": record.kind.label, "recorddate": record.date}
    if isinstance(data.get("summary"), str):
        matter["description"] = data["summary"]
    if "unit" in data:
        matter["units"] = [data["unit"]]
    if "category" in data:
        matter["categories"] = [data["category"]]
    if "theme" in data:
        matter["themes"] = [data["theme"]]
    if record.kind is CASE and record.year:  # the project's year facet is the cases'
        matter["years"] = [record.year]
    if record.tags:
        matter["tags"] = list(record.tags)
    return matter


def _hugo_date(date: str) -> str:
    """A record's date (YYYY-MM-DD, YYYY-MM, YYYY or "") as a full date Hugo sorts by."""
    if not date:
        return "2000-01-01"
    parts = (date.split("-") + ["01", "01"])[:3]
    try:
        return datetime.date(*map(int, parts)).isoformat()
    except ValueError:
        return "2000-01-01"


def field_labels(schema_dir: Path) -> dict[str, dict[str, str]]:
    """The Chinese title of every field (kb.data.schema.field_reference), by kind name and field path
    (`clauses[].requirement`), so that a page shows the headings the project's page shows."""
    from kb.data.schema import field_reference

    return {Path(s["name"]).stem: {f["path"]: f["title"] for f in s["fields"] if f.get("title")}
            for s in field_reference(schema_dir)}


def body_markdown(kb: KnowledgeBase, record: Record, labels: dict[str, dict[str, str]] | None = None) -> str:
    """The record's fields as Markdown, in the order written, under their Chinese titles; references as links
    to the records they name."""
    kind = record.kind
    mine = (labels or {}).get(kind.name, {})
    skip = {kind.key, kind.title_field, "id", *(name for name, _ in kind.references)}
    lines: list[str] = []
    for name, value in record.data.items():
        if name in skip:
            continue
        lines += [f"## {mine.get(name, name)}", ""] + _markdown(value, 3, name, mine)
    links = kb.outgoing.get(record.id, [])
    if links:
        lines += ["## 相关记录", ""]
        lines += [f"- {mine.get(link.field, link.field)}：[{_inline(link.target.title)}]"
                  f"(/{link.target.kind.folder}/{link.target.id}/)" for link in links]
        lines.append("")
    return "\n".join(lines)


def _markdown(value, depth: int, path: str, labels: dict[str, str]) -> list[str]:
    if isinstance(value, str):
        return [value.strip(), ""]  # Markdown fields (case bodies, forewords) as written
    if isinstance(value, dict):
        lines: list[str] = []
        for key, item in value.items():
            inner = f"{path}.{key}"
            label = labels.get(inner, key)
            if isinstance(item, (dict, list)):
                lines += [f"{'#' * min(depth, 6)} {label}", ""] + _markdown(item, depth + 1, inner, labels)
            else:
                lines += [f"**{label}**：{_inline(item)}", ""]
        return lines
    if isinstance(value, list):
        if all(not isinstance(item, (dict, list)) for item in value):
            return [f"- {_inline(item)}" for item in value] + [""]
        lines = []
        label = labels.get(path, path)
        for n, item in enumerate(value, start=1):
            lines += [f"{'#' * min(depth, 6)} {label} {n}", ""] + _markdown(item, depth + 1, f"{path}[]", labels)
        return lines
    return [_inline(value), ""]


def _inline(value) -> str:
    return " ".join(str(value).split())


def write_hugo_site(kb: KnowledgeBase, site: Path) -> dict:
    """Write the Hugo site of `kb`'s records into the empty or missing folder `site`; how many pages it wrote."""
    site.mkdir(parents=True, exist_ok=True)
    (site / "hugo.toml").write_text(CONFIG, encoding="utf-8")
    for path, text in LAYOUTS.items():
        target = site / "layouts" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    content = site / "content"
    content.mkdir(exist_ok=True)
    (content / "_index.md").write_text(_page({"title": SITE_TITLE}, ""), encoding="utf-8")
    for kind in KINDS:
        (content / kind.folder).mkdir(exist_ok=True)
        intro = "一月一个主题、一期数个典型。" if kind is ISSUE else ""
        (content / kind.folder / "_index.md").write_text(_page({"title": kind.label}, intro), encoding="utf-8")
    labels = field_labels(kb.schema_dir)
    count = 0
    for record in kb.records.values():
        if record.id in kb.drafts:
            continue
        path = content / record.kind.folder / f"{record.id}.md"
        path.write_text(_page(front_matter(record), body_markdown(kb, record, labels)), encoding="utf-8")
        count += 1
    return {"records": count}


def _page(matter: dict, body: str) -> str:
    return json.dumps(matter, ensure_ascii=False, indent=1) + "\n\n" + body


def read_front_matter(path: Path) -> dict:
    """The JSON front matter of a page written by write_hugo_site (tests)."""
    text = path.read_text(encoding="utf-8")
    return json.JSONDecoder().raw_decode(text)[0]


def load(data: Path) -> KnowledgeBase:
    """The knowledge base of `data` as the project's build reads it (published records only)."""
    from kb.data.load import load_knowledge_base

    kb, problems = load_knowledge_base(data)
    if kb is None:
        raise RuntimeError("数据有问题，无法转换：\n" + "\n".join(str(p) for p in problems[:20]))
    return kb


# -- measuring ---------------------------------------------------------------------------------------------------

def hugo(source: Path, public: Path, cache: Path) -> dict:
    """`hugo` on the converted site into the empty folder `public`, measured."""
    cmd = ["hugo", "--source", str(source), "--destination", str(public), "--cacheDir", str(cache), "--quiet"]
    return measured(cmd, "Hugo 生成网站")


def pagefind(public: Path) -> dict:
    """Pagefind (PyPI, `python -m pagefind`) indexing the site Hugo wrote, measured."""
    return measured([sys.executable, "-m", "pagefind", "--site", str(public), "--quiet"], "Pagefind 建索引")


def _sync() -> None:
    if hasattr(os, "sync"):  # what the last step wrote goes to disk now, not while the next one is timed
        os.sync()


def run(records: int, seed: int, keep: Path | None = None, rounds: int = 2, say=None) -> dict:
    """Synthesize `records` records once, then time the project's cold build and Hugo + Pagefind on them,
    alternating, `rounds` times each. AnchorUnavailable if Hugo is not installed."""
    why = hugo_missing()
    if why:
        raise AnchorUnavailable(why)
    if pagefind_version() is None:
        raise AnchorUnavailable(f"没有安装 Pagefind。请运行：\n  \"{sys.executable}\" -m pip install -r {REQUIREMENTS}")
    say = say or (lambda text: print(text, file=sys.stderr, flush=True))
    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="toolbook-anchor-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        data, source = work / "data", work / "hugo"
        if not data.exists():
            say(f"正在合成 {records} 条记录（种子 {seed}）……")
            synthesize(records, data, seed)
        if not source.exists():
            say("正在把记录转换成 Hugo 网站……")
            kb = load(data)
            converted = write_hugo_site(kb, source)
            del kb
        else:
            converted = {"records": sum(1 for _ in (source / "content").glob("*/*.md")) - len(KINDS)}
        rows, sites = [], []
        # every build writes into a new folder (a kept folder of an earlier run stays): deleting many files just
        # before a timed build slows this machine's file creation for minutes (ARCHITECTURE.md, 测量时注意)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for n in range(1, rounds + 1):
            project_site, public = work / f"project-{stamp}-{n}", work / f"public-{stamp}-{n}"
            sites.append((project_site, public))
            shutil.rmtree(cache.folder(Settings.read(data)), ignore_errors=True)  # cold: nothing of the last round
            _sync()
            say(f"[第 {n} 轮] 本项目生成网站（无缓存）……")
            row = {"round": n, "project": build(data, project_site)}
            _sync()
            say(f"[第 {n} 轮] Hugo 生成网站……")
            row["hugo"] = hugo(source, public, work / f"hugo-cache-{stamp}-{n}")
            _sync()
            say(f"[第 {n} 轮] Pagefind 建索引……")
            row["pagefind"] = pagefind(public)
            row["peer_seconds"] = row["hugo"]["seconds"] + row["pagefind"]["seconds"]
            row["ratio"] = row["project"]["seconds"] / row["peer_seconds"]
            rows.append(row)
            say(format_row(row))
        project_site, public = sites[0]
        project_out, peer_out = measure_output(project_site), measure_output(public)
        peer_out["pagefind_mb"] = _size(public / "pagefind") / 2**20
        result = {
            "records": converted["records"], "seed": seed, "rounds": rows,
            "ratio_of_sums": sum(r["project"]["seconds"] for r in rows) / sum(r["peer_seconds"] for r in rows),
            "project_output": project_out, "peer_output": peer_out,
            "hugo_version": hugo_version(), "pagefind_version": pagefind_version(),
        }
        return result
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# -- the report ----------------------------------------------------------------------------------------------------

HEADER = ("轮", "本项目(秒)", "本项目最大进程/进程树(MB)", "Hugo(秒)", "Hugo(MB)", "Pagefind(秒)",
          "Pagefind最大进程/进程树(MB)", "Hugo+Pagefind(秒)", "比值 本项目/(Hugo+Pagefind)")


def _mb(measure: dict) -> str:
    def f(v):
        return "—" if v is None else f"{v:.0f}"
    return f"{f(measure['peak_rss_mb'])} / {f(measure['peak_tree_rss_mb'])}"


def format_row(r: dict) -> str:
    p, h, g = r["project"], r["hugo"], r["pagefind"]
    return " | ".join([str(r["round"]), f"{p['seconds']:.1f}", _mb(p), f"{h['seconds']:.1f}", _mb(h).split(" / ")[0],
                       f"{g['seconds']:.1f}", _mb(g), f"{r['peer_seconds']:.1f}", f"{r['ratio']:.2f}"])


def table(result: dict) -> str:
    """The figures of run() as a Markdown table with a few lines around it, in Chinese."""
    po, qo = result["project_output"], result["peer_output"]
    lines = [f"对照：同一批 {result['records']} 条记录（种子 {result['seed']}），本项目的无缓存生成与 Hugo + Pagefind 交替各 "
             f"{len(result['rounds'])} 次。{result['hugo_version']}；Pagefind {result['pagefind_version']}（PyPI，extended）。", "",
             "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + format_row(r) + " |" for r in result["rounds"]]
    lines += ["",
              f"两轮合计的比值：{result['ratio_of_sums']:.2f}（目标 ≤ 0.8）。",
              f"本项目：{po['html_pages']} 个 HTML 页面，输出 {po['output_mb']:.1f} MB；"
              f"Hugo + Pagefind：{qo['html_pages']} 个 HTML 页面，输出 {qo['output_mb']:.1f} MB（其中 Pagefind 索引 {qo['pagefind_mb']:.1f} MB）。",
              "内存是最大进程 / 进程树峰值（Hugo 只有一个进程）；Hugo 与 Pagefind 先后运行，两者的峰值不相加。"
              "Hugo 的页数含它为每个列表的 page/1/ 写的跳转页。"]
    return "\n".join(lines)
