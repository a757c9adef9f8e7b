"""`toolbook.py synth`: a valid synthetic knowledge base of N records in realistic proportions.

Few standards with many clauses, many methods and cases, one issue a month bundling 3–5
cases, hundreds of units, tags with a long tail, and cross-references at a realistic
density. Deterministic per seed. Used by `bench` and by tests.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import yaml
from kb.dev import wordbank as wb



class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """Writes multi-line text as a literal block, the way editors write it."""


_Dumper.add_representer(str, lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", s, style="|" if "\n" in s else None))

LAST_MONTH = (2026, 11)


def plan(records: int) -> dict[str, int]:
    """How many records of each kind make `records` in all."""
    issues = max(1, round(records * 0.012))
    standards = max(9, round(records * 0.004))
    rest = max(0, records - issues - standards)
    cases = max(issues * 5, round(rest * 0.6))
    methods = max(1, rest - cases)
    return {"standards": standards, "methods": methods, "cases": cases, "issues": issues}


class Synth:
    def __init__(self, records: int, seed: int):
        self.rng = random.Random(seed)
        self.counts = plan(records)
        n_units = min(len(wb.PLACES) * len(wb.DEPARTMENTS), max(10, records // 30))
        pairs = [(p, d) for p in wb.PLACES for d in wb.DEPARTMENTS]
        self.rng.shuffle(pairs)
        pairs.sort(key=lambda pd: pd[0][1] != "shi")  # city-level organs first
        self.units = [(f"{p[0]}{d[0]}", f"{p[1]}-{d[1]}") for p, d in pairs[:n_units]]
        self.unit_weights = [1 / (i + 1) ** 0.6 for i in range(n_units)]
        self.tag_weights = [1 / (i + 1) ** 0.8 for i in range(len(wb.TAGS))]
        self.ids = {kind: [f"{kind[:-1]}-{i:05d}" for i in range(1, n + 1)] for kind, n in self.counts.items() if kind != "issues"}

    # -- text ---------------------------------------------------------------------------

    def pick(self, items):
        return self.rng.choice(items)

    def sentence(self) -> str:
        r = self.pick
        n = self.rng.randint(3, 260)
        return f"{r(wb.SUBJECTS)}{r(wb.VERBS)}{r(wb.GOALS)}，{r(wb.ACTIONS)}，累计办理{r(wb.NUMBERS)}{n}个，{r(wb.EFFECTS)}。"

    def paragraph(self, sentences: int) -> str:
        return "".join(self.sentence() for _ in range(sentences))

    def unit(self) -> str:
        return self.rng.choices(self.units, weights=self.unit_weights)[0][0]

    def tags(self) -> list[str]:
        chosen = set(self.rng.choices(wb.TAGS, weights=self.tag_weights, k=self.rng.randint(2, 5)))
        return sorted(chosen, key=wb.TAGS.index)

    def refs(self, own: str, pools: list[str], low: int, high: int) -> list[str]:
        candidates = [i for kind in pools for i in self.rng.sample(self.ids[kind], min(len(self.ids[kind]), high + 1))]
        out = []
        for i in candidates:
            if i != own and i not in out:
                out.append(i)
        self.rng.shuffle(out)
        return out[: self.rng.randint(low, high)]

    def title(self) -> str:
        r = self.pick
        return f"{r(wb.VERBS)}{r(wb.GOALS)}{r(wb.ACTIONS)}"

    # -- records ------------------------------------------------------------------------

    def standard(self, id_: str) -> dict:
        r = self.pick
        activity = r(wb.ACTIVITIES)
        return {
            "id": id_,
            "title": f"{activity}工作规范（{id_[-3:]}）",
            "category": r(wb.STANDARD_CATEGORIES)[0],
            "basis": [{"document": doc, "articles": f"第{r(wb.ARTICLE_NUMBERS)}{r(wb.ARTICLE_NUMBERS)}条"}
                      for doc in self.rng.sample(wb.REGULATIONS, self.rng.randint(1, 3))],
            "summary": f"规范{activity}的组织实施、频次要求和台账材料。{self.sentence()}",
            "clauses": [self.clause(activity) for _ in range(self.rng.randint(8, 20))],
            "process": [{"step": r(wb.ACTIONS), "detail": self.sentence()} for _ in range(self.rng.randint(4, 8))],
            "checklist": [f"{r(wb.ACTIVITIES)}{r(wb.REQUIREMENTS)}" for _ in range(self.rng.randint(6, 12))],
            "forms": _forms(id_, activity),
            "related": self.refs(id_, ["standards", "methods"], 1, 4),
            "tags": self.tags(),
            "updated": f"2026-{self.rng.randint(1, 10):02d}-{self.rng.randint(1, 28):02d}",
        }

    def clause(self, activity: str) -> dict:
        r = self.pick
        clause = {"requirement": f"{activity}{r(wb.REQUIREMENTS)}。{self.sentence()}"}
        clause["frequency"], schedule = r(wb.FREQUENCIES)
        if schedule:
            clause["schedule"] = [{"duty": activity, **schedule}]
        clause["evidence"] = self.rng.sample(wb.EVIDENCE, self.rng.randint(1, 4))
        clause["basis_kind"] = "法规"  # required since issue 29; the article below makes it a valid regulation basis
        clause["source"] = f"{r(wb.REGULATIONS)}第{r(wb.ARTICLE_NUMBERS)}条"
        return clause

    def method(self, id_: str) -> dict:
        r = self.pick
        unit = self.unit()
        return {
            "id": id_,
            "name": f"“{r(wb.ACTIONS)[:4]}”工作法（{id_[-4:]}）",
            "unit": unit,
            "branch": f"{unit}{r(wb.OFFICES)}{r(wb.BRANCH_KINDS)}",
            "category": r(wb.METHOD_CATEGORIES)[0],
            "year": self.rng.randint(2017, 2026),
            "summary": self.sentence(),
            "background": self.paragraph(3),
            "practices": [{"title": r(wb.ACTIONS), "detail": self.paragraph(2)} for _ in range(self.rng.randint(3, 5))],
            "results": [self.sentence() for _ in range(self.rng.randint(2, 4))],
            "applies_to": f"适用于{r(wb.GOALS)}任务较重的机关党支部。",
            "related": self.refs(id_, ["standards", "methods"], 1, 3),
            "tags": self.tags(),
        }

    def case(self, id_: str, date: str, theme: str) -> dict:
        r = self.pick
        unit = self.unit()
        body = (f"## 背景\n\n{self.paragraph(2)}\n\n## 主要做法\n\n"
                + "".join(f"**{r(wb.ACTIONS)}。**{self.paragraph(2)}\n\n" for _ in range(3))
                + f"## 工作体会\n\n{self.paragraph(2)}\n")
        return {
            "id": id_,
            "title": f"{self.title()}：{unit}{r(wb.OFFICES)}党支部{r(wb.ACTIVITIES)}见实效",
            "unit": unit,
            "branch": f"{unit}{r(wb.OFFICES)}{r(wb.BRANCH_KINDS)}",
            "date": date,
            "theme": theme,
            "summary": self.sentence(),
            "body": body,
            "highlights": [self.sentence() for _ in range(self.rng.randint(2, 3))],
            "results": [self.sentence() for _ in range(self.rng.randint(2, 3))],
            "related": self.refs(id_, ["standards", "methods"], 1, 3),
            "tags": self.tags(),
        }

    # -- the whole set ------------------------------------------------------------------

    def months(self) -> list[tuple[int, int]]:
        y, m = LAST_MONTH
        out = []
        for _ in range(self.counts["issues"]):
            out.append((y, m))
            y, m = (y, m - 1) if m > 1 else (y - 1, 12)
        return out[::-1]

    def write(self, out: Path) -> dict[str, int]:
        for folder in ("standards", "methods", "cases", "issues"):
            (out / folder).mkdir(parents=True, exist_ok=True)
        taxonomy = {
            "units": [{"name": n, "slug": s} for n, s in self.units],
            "themes": [{"name": n, "slug": s} for n, s in wb.THEMES],
            "categories": {"standards": [{"name": n, "slug": s} for n, s in wb.STANDARD_CATEGORIES],
                           "methods": [{"name": n, "slug": s} for n, s in wb.METHOD_CATEGORIES]},
        }
        _dump(out / "taxonomy.yml", taxonomy)
        for id_ in self.ids["standards"]:
            _dump(out / "standards" / f"{id_}.yml", self.standard(id_))
        for id_ in self.ids["methods"]:
            _dump(out / "methods" / f"{id_}.yml", self.method(id_))

        months = self.months()
        case_ids = list(self.ids["cases"])
        cursor = 0
        for serial, (y, m) in enumerate(months, start=1):
            theme = self.pick(wb.THEMES)[0]
            take = self.rng.randint(3, 5)
            issue_cases = case_ids[cursor: cursor + take]
            cursor += len(issue_cases)
            for cid in issue_cases:
                _dump(out / "cases" / f"{cid}.yml", self.case(cid, f"{y}-{m:02d}-{self.rng.randint(1, 28):02d}", theme))
            _dump(out / "issues" / f"{y}-{m:02d}.yml", {
                "month": f"{y}-{m:02d}", "number": m, "serial": serial, "theme": theme,
                "title": self.title(), "foreword": self.paragraph(3), "cases": issue_cases,
                "featured_methods": self.rng.sample(self.ids["methods"], min(2, len(self.ids["methods"]))),
                "featured_standards": self.rng.sample(self.ids["standards"], 1),
            })
        first_year = months[0][0]
        for cid in case_ids[cursor:]:
            y, m = self.rng.randint(first_year, LAST_MONTH[0]), self.rng.randint(1, 12)
            if (y, m) > LAST_MONTH:
                y -= 1
            _dump(out / "cases" / f"{cid}.yml", self.case(cid, f"{y}-{m:02d}-{self.rng.randint(1, 28):02d}", self.pick(wb.THEMES)[0]))
        return self.counts


def _forms(id_: str, activity: str) -> list[dict]:
    """A standard's one or two ledger forms, drawn apart from the main sequence (the rest of the data is as it was)."""
    rng = random.Random(id_)
    return [{"name": f"{activity}{name}", "fields": fields, **({"sections": sections} if sections else {}),
             **({"columns": columns, "rows": 20} if columns else {}),
             "source": f"{rng.choice(wb.REGULATIONS)}第{rng.choice(wb.ARTICLE_NUMBERS)}条"}
            for name, fields, sections, columns in rng.sample(wb.FORMS, rng.randint(1, 2))]


def _dump(path: Path, data: dict) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        yaml.dump(data, f, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)


def synthesize(records: int, out: Path, seed: int = 1) -> dict[str, int]:
    """Write a synthetic data set of about `records` records into `out` (which must be empty or absent)."""
    return Synth(records, seed).write(Path(out))


def add_issue(data: Path, seed: int = 1, cases: int = 4) -> list[Path]:
    """Next month's issue of a synthetic data folder, with `cases` new cases dated in that month, as an editor's month
    adds them (`bench --release`); the files written."""
    taxonomy = yaml.safe_load((data / "taxonomy.yml").read_text(encoding="utf-8"))
    last = max((data / "issues").glob("*.yml"), key=lambda p: p.stem)
    previous = yaml.safe_load(last.read_text(encoding="utf-8"))
    y, m = map(int, last.stem.split("-"))
    y, m = (y, m + 1) if m < 12 else (y + 1, 1)
    synth = Synth(10, seed)  # its text; the units and records it refers to are the folder's
    synth.units = [(u["name"], u["slug"]) for u in taxonomy["units"]]
    synth.unit_weights = [1 / (i + 1) ** 0.6 for i in range(len(synth.units))]
    synth.ids = {kind: sorted(p.stem for p in (data / kind).glob("*.yml")) for kind in ("standards", "methods")}
    theme = synth.pick(wb.THEMES)[0]
    start = 1 + max(int(p.stem.split("-")[-1]) for p in (data / "cases").glob("case-*.yml"))
    written, ids = [], [f"case-{n:05d}" for n in range(start, start + cases)]
    for id_ in ids:
        written.append(data / "cases" / f"{id_}.yml")
        _dump(written[-1], synth.case(id_, f"{y}-{m:02d}-{synth.rng.randint(1, 28):02d}", theme))
    written.append(data / "issues" / f"{y}-{m:02d}.yml")
    _dump(written[-1], {
        "month": f"{y}-{m:02d}", "number": m, "serial": previous["serial"] + 1, "theme": theme, "title": synth.title(),
        "foreword": synth.paragraph(3), "cases": ids,
        "featured_methods": synth.rng.sample(synth.ids["methods"], min(2, len(synth.ids["methods"]))),
        "featured_standards": synth.rng.sample(synth.ids["standards"], 1),
    })
    return written


def add_sample(out: Path, sample: Path) -> None:
    """Put the sample's records (`sample`: a data folder) among synthetic ones in `out`: the evaluation of the search
    asks of N records what it asks of the sample (kb.dev.search_judged), its answers then among N others. The
    taxonomies are merged (the sample's entry wins a name or slug both have), a sample issue takes the place of the
    synthetic issue of its month (whose cases stay, in no issue), and the sample's search words are kept."""
    import shutil

    taxonomy = yaml.safe_load((out / "taxonomy.yml").read_text(encoding="utf-8"))
    theirs = yaml.safe_load((sample / "taxonomy.yml").read_text(encoding="utf-8"))

    def merge(mine: list[dict], given: list[dict]) -> list[dict]:
        names, slugs = {t["name"] for t in given}, {t["slug"] for t in given}
        return given + [t for t in mine if t["name"] not in names and t["slug"] not in slugs]

    taxonomy["units"] = merge(taxonomy["units"], theirs["units"])
    taxonomy["themes"] = merge(taxonomy["themes"], theirs["themes"])
    for kind in taxonomy["categories"]:
        taxonomy["categories"][kind] = merge(taxonomy["categories"][kind], theirs["categories"][kind])
    _dump(out / "taxonomy.yml", taxonomy)
    for folder in ("standards", "methods", "cases"):
        for path in sorted((sample / folder).glob("*.yml")):
            shutil.copyfile(path, out / folder / path.name)
    for path in sorted((sample / "issues").glob("*.yml")):  # numbered as the synthetic issue of its month was
        text = path.read_text(encoding="utf-8")
        replaced = out / "issues" / path.name
        if replaced.is_file():
            serial = yaml.safe_load(replaced.read_text(encoding="utf-8"))["serial"]
            text = re.sub(r"(?m)^serial:.*$", f"serial: {serial}", text)
        replaced.write_text(text, encoding="utf-8")
    if (sample / "synonyms.yml").is_file():
        shutil.copyfile(sample / "synonyms.yml", out / "synonyms.yml")
