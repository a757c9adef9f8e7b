"""Drafts and scheduled issues: in the preview with a banner, never in the published site."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import LINE, check, output_texts, run_mkdocs_build

from kb.data.load import load_knowledge_base

TODAY = "2026-11-22"

# Text that only drafts carry: none of it may appear anywhere in the published output.
SECRETS = ["caogao-anli", "caogao-fa", "dingshi-anli", "issues/2027-03", "草稿案例甲乙丙", "草稿标签丁",
           "zqxwvtdraft", "草稿工作法戊己", "定时案例庚辛", "定时卷首语壬癸", "mnbvcsched"]


def add_drafts(data: Path) -> None:
    (data / "cases" / "caogao-anli.yml").write_text(
        "id: caogao-anli\ntitle: 草稿案例甲乙丙\nunit: 市教育局\nbranch: 市教育局某党支部\ndate: 2026-11-01\n"
        "theme: 过硬支部建设\nsummary: 草稿摘要。\nbody: 草稿正文 zqxwvtdraft 只在草稿里出现。\ntags: [草稿标签丁]\n"
        "related: [sanhui-yike]\ndraft: true\n", encoding="utf-8")
    (data / "methods" / "caogao-fa.yml").write_text(
        "id: caogao-fa\nname: 草稿工作法戊己\nunit: 市财政局\nbranch: 市财政局某党支部\ncategory: 党建业务融合\nyear: 2026\n"
        "summary: 草稿工作法概述。\npractices:\n  - {title: 做法, detail: 说明}\ndraft: true\n", encoding="utf-8")
    (data / "cases" / "dingshi-anli.yml").write_text(
        "id: dingshi-anli\ntitle: 定时案例庚辛\nunit: 市教育局\nbranch: 市教育局某党支部\ndate: 2026-11-20\n"
        "theme: 过硬支部建设\nsummary: 随专刊发布。\nbody: 定时正文 mnbvcsched。\n", encoding="utf-8")
    (data / "issues" / "2027-03.yml").write_text(
        "month: 2027-03\nnumber: 3\nserial: 19\ntheme: 党建业务融合\nforeword: 定时卷首语壬癸。\n"
        "cases: [dingshi-anli]\npublish_date: 2027-03-01\n", encoding="utf-8")


@pytest.fixture
def draft_data(data, monkeypatch):
    add_drafts(data)
    monkeypatch.setenv("TOOLBOOK_TODAY", TODAY)
    return data


def test_no_draft_text_anywhere_in_the_built_site(draft_data, tmp_path):
    site = tmp_path / "site"
    result = run_mkdocs_build(site, draft_data)
    assert result.returncode == 0, result.stderr
    files = dict(output_texts(site))
    assert any("/search/" in p.as_posix() for p in files) and (site / "sitemap.xml").is_file()
    # the check can see into the search index: published text is found there
    assert any("教育局支部规范化" in t for p, t in files.items() if "/search/" in p.as_posix())
    leaks = [(p.relative_to(site).as_posix(), s) for p, t in files.items() for s in SECRETS if s in t]
    assert leaks == []
    stats = (site / "stats" / "index.html").read_text(encoding="utf-8")
    assert "典型案例 2 篇" in stats and "月度专刊 1 期" in stats  # drafts are not counted


def test_a_scheduled_issue_appears_from_its_publish_date(draft_data, tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLBOOK_TODAY", "2027-03-01")
    site = tmp_path / "site"
    result = run_mkdocs_build(site, draft_data)
    assert result.returncode == 0, result.stderr
    issue = (site / "issues" / "2027-03" / "index.html").read_text(encoding="utf-8")
    assert "定时卷首语壬癸" in issue and "草稿" not in issue
    assert "定时案例庚辛" in (site / "cases" / "dingshi-anli" / "index.html").read_text(encoding="utf-8")
    assert not (site / "cases" / "caogao-anli").exists()  # still a draft


def test_the_preview_set_holds_drafts_and_says_why(draft_data):
    kb, problems = load_knowledge_base(draft_data, include_drafts=True)
    assert problems == []
    assert kb.drafts == {"caogao-anli": "是草稿（draft: true）", "caogao-fa": "是草稿（draft: true）",
                         "2027-03": "定于 2027-03-01 发布", "dingshi-anli": "所在的 2027-03 期专刊尚未发布"}
    published, problems = load_knowledge_base(draft_data)
    assert problems == [] and not set(kb.drafts) & set(published.records)


def test_a_published_record_that_refers_to_a_draft_is_a_located_error(draft_data, tmp_path):
    issue = draft_data / "issues" / "2026-06.yml"
    issue.write_text(issue.read_text(encoding="utf-8").replace("  - jiaoyu-zhibu\n", "  - jiaoyu-zhibu\n  - caogao-anli\n"), encoding="utf-8")
    method = draft_data / "methods" / "sandan.yml"
    method.write_text(method.read_text(encoding="utf-8").replace("related: [sanhui-yike]", "related: [sanhui-yike, dingshi-anli]"), encoding="utf-8")
    result = check("--data", str(draft_data), env={"TOOLBOOK_TODAY": TODAY})
    assert result.returncode == 1
    lines = [LINE.match(line).groupdict() for line in result.stdout.splitlines()]
    by_field = {(Path(p["file"]).name, p["field"]): p for p in lines}
    draft = by_field["2026-06.yml", "cases[3]"]
    assert draft["line"] == "10" and '收录的案例 "caogao-anli" 是草稿' in draft["message"] and "死链接" in draft["message"]
    sched = by_field["sandan.yml", "related[2]"]
    assert '"dingshi-anli" 所在的 2027-03 期专刊尚未发布' in sched["message"]
    assert len(lines) == 2
    # the preview is fine with it, and says so when checked with --drafts
    assert check("--data", str(draft_data), "--drafts", env={"TOOLBOOK_TODAY": TODAY}).returncode == 0
    # and the build refuses, leaving the output untouched
    site = tmp_path / "site"
    built = run_mkdocs_build(site, draft_data)
    assert built.returncode != 0 and "caogao-anli" in built.stderr and not site.exists()


def test_check_counts_the_drafts_it_left_out(draft_data):
    result = check("--data", str(draft_data), env={"TOOLBOOK_TODAY": TODAY})
    assert result.returncode == 0 and "另有 4 条草稿或未到发布日期的记录不发布" in result.stderr


def test_a_malformed_today_is_explained(data):
    result = check("--data", str(data), env={"TOOLBOOK_TODAY": "12/01/2026"})
    assert result.returncode == 1 and "TOOLBOOK_TODAY 应为 YYYY-MM-DD" in result.stdout
