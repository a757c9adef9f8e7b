"""`toolbook.py synth` makes valid data in realistic proportions; `bench` reports every figure it promises."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

from helpers import ROOT

from kb.data.load import load_knowledge_base
from kb.data.model import CASE, ISSUE, METHOD, STANDARD

TOOLBOOK = [sys.executable, str(ROOT / "scripts" / "toolbook.py")]


def synth(tmp_path, records: int, seed: int, name: str):
    out = tmp_path / name
    result = subprocess.run([*TOOLBOOK, "synth", "--records", str(records), "--out", str(out), "--seed", str(seed)],
                            capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert result.returncode == 0, result.stderr
    return out


def test_synth_is_valid_realistic_and_deterministic(tmp_path):
    data = synth(tmp_path, 600, 7, "a")
    kb, problems = load_knowledge_base(data)
    assert problems == []
    counts = Counter(r.kind for r in kb.records.values())
    assert sum(counts.values()) == 600
    assert counts[STANDARD] >= 9 and counts[CASE] > counts[METHOD] > counts[STANDARD] > counts[ISSUE] > 0
    assert all(len(s.data["clauses"]) >= 8 for s in kb.of(STANDARD))  # few standards, many clauses
    assert all(3 <= len(i.data["cases"]) <= 5 for i in kb.of(ISSUE))
    months = sorted(i.id for i in kb.of(ISSUE))
    assert len(set(months)) == len(months)  # one issue per month
    assert len(kb.taxonomy.units) >= 20
    assert sum(len(v) for v in kb.outgoing.values()) > 600  # cross-references at a realistic density
    assert all(r.tags for r in kb.records.values() if r.kind is not ISSUE)
    # the same seed gives the same files; another seed gives others
    again = synth(tmp_path, 600, 7, "b")
    other = synth(tmp_path, 600, 8, "c")
    first = (data / "cases" / "case-00001.yml").read_text(encoding="utf-8")
    assert first == (again / "cases" / "case-00001.yml").read_text(encoding="utf-8")
    assert first != (other / "cases" / "case-00001.yml").read_text(encoding="utf-8")


def test_synth_refuses_a_folder_with_data(tmp_path):
    (tmp_path / "keep.yml").write_text("id: x\n", encoding="utf-8")
    result = subprocess.run([*TOOLBOOK, "synth", "--records", "50", "--out", str(tmp_path)],
                            capture_output=True, text=True, encoding="utf-8")
    assert result.returncode == 2 and "不是空的" in result.stderr
    assert (tmp_path / "keep.yml").read_text(encoding="utf-8") == "id: x\n"


def test_bench_reports_every_figure(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run([*TOOLBOOK, "bench", "--sizes", "60,120", "--json", str(out)],
                            capture_output=True, text=True, encoding="utf-8", timeout=600)
    assert result.returncode == 0, result.stderr
    table = result.stdout.splitlines()
    assert table[0].startswith("| 记录数 | 用时(秒) | 毫秒/条 | 内存峰值(MB)") and len(table) == 4
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["machine"]["cpus"] >= 1
    rows = report["rows"]
    assert [r["records"] for r in rows] == [60, 120]
    for r in rows:
        assert r["seconds"] > 0 and r["ms_per_record"] == r["seconds"] * 1000 / r["records"]
        assert r["output_mb"] > 0 and r["html_pages"] > r["records"]
        assert 0 < r["largest_html_kb"] < 200 and r["largest_html"].endswith(".html")
        assert r["peak_rss_mb"] is None or r["peak_rss_mb"] > 10
        assert "search_kb" in r and "search_seconds" in r  # measured in Chromium where it is installed
        if r["search_kb"] is not None:
            assert r["search_kb"] > 0 and r["search_seconds"] > 0 and r["search_results"]
    assert rows[1]["time_ratio_to_first"] > 0 and rows[1]["size_ratio_to_first"] == 2


def test_next_months_issue_is_valid_and_dated_in_that_month(tmp_path):
    from kb.dev.synth import add_issue

    data = synth(tmp_path, 200, 3, "a")
    before, _ = load_knowledge_base(data)
    written = add_issue(data, seed=5)
    kb, problems = load_knowledge_base(data)
    assert problems == []
    last = max(i.id for i in before.of(ISSUE))
    issue = max(kb.of(ISSUE), key=lambda i: i.id)
    year, month = map(int, last.split("-"))
    assert issue.id == (f"{year}-{month + 1:02d}" if month < 12 else f"{year + 1}-01")
    cases = [kb.records[c] for c in issue.data["cases"]]
    assert len(cases) == 4 and all(c.id not in before.records and c.date.startswith(issue.id) for c in cases)
    assert {p.stem for p in written} == {issue.id, *(c.id for c in cases)}


def test_bench_release_measures_a_month_of_builds_and_publishes(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run([*TOOLBOOK, "bench", "--release", "--records", "60", "--json", str(out)],
                            capture_output=True, text=True, encoding="utf-8", timeout=600)
    assert result.returncode == 0, result.stderr
    assert "| 新增专刊后发布 |" in result.stdout and "（目标 ≤ 5%）" in result.stdout
    report = json.loads(out.read_text(encoding="utf-8"))["release"]
    assert set(report["steps"]) == {"cold", "again", "publish_first", "build_added", "publish_added"}
    assert all(step["seconds"] > 0 for step in report["steps"].values())
    # the release after the month shares most files with the one before it
    assert 0 < report["added_files"] < report["release_files"] / 2
    assert 0 < report["added_bytes"] < report["release_bytes"] and report["added_share"] < 0.5
    assert report["added_disk_bytes"] >= report["added_bytes"] and report["release_folders"] > report["records"]


def test_bench_preview_refuses_a_data_set_too_small_to_measure():
    result = subprocess.run([*TOOLBOOK, "bench", "--preview", "--records", "5"],
                            capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert result.returncode == 2
    assert "用法错误：--records 应为 0（示例数据）或不少于 10 的记录数；收到 5" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_large_data_set_read_by_two_processes_loads_as_by_one(tmp_path, monkeypatch):
    """From kb.data.load.PARALLEL_FROM files on, a second process reads half of them (where it can fork): the
    records and the problems, each naming its file and line, are the same as when one process reads all."""
    import kb.data.load

    pools = []

    class Pool(kb.data.load.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(kb.data.load, "ProcessPoolExecutor", Pool)
    data = synth(tmp_path, 2200, 3, "big")
    assert len(list(data.rglob("*.yml"))) >= kb.data.load.PARALLEL_FROM
    kb2, problems2 = load_knowledge_base(data)
    assert problems2 == [] and len(kb2.records) == 2200
    last = sorted((data / "cases").glob("*.yml"))[-1]  # read by the second process
    last.write_text(last.read_text(encoding="utf-8").replace("theme:", "theme: 不存在的主题\nthemes:", 1), encoding="utf-8")
    kb2, problems2 = load_knowledge_base(data)
    if sys.platform == "linux":
        assert len(pools) == 2
    monkeypatch.setattr(kb.data.load, "PARALLEL_FROM", 10**9)
    kb1, problems1 = load_knowledge_base(data)
    assert problems2 == problems1 and kb1 is None and kb2 is None
    assert any(p.file.endswith(last.name) and p.field == "themes" and p.line > 1 for p in problems1), problems1
