"""Shared fixtures: a small valid data set to break one rule at a time, and one full build of the sample site."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = Path(__file__).parent / "fixtures" / "minimal"
SAMPLE = ROOT / "data"

# One page of every kind in the sample site (paths from the site root), for tests that visit them all.
TOUR = ["", "standards/", "methods/", "cases/", "issues/", "units/", "tags/", "about/",
        "standards/sanhui-yike/", "standards/sanhui-yike/mentions/", "methods/sibi-tan/", "cases/jiaodi-ji-jiaozheng/",
        "issues/2026-06/", "standards/category/zhendi/", "methods/category/", "methods/unit/caizheng/",
        "cases/theme/", "cases/theme/lilun/", "cases/year/2026/", "cases/unit/caizheng/",
        "tags/党费/", "units/caizheng/", "404.html"]


def run_mkdocs_build(site_dir: Path, data_dir: Path | None = None, strict: bool = True) -> subprocess.CompletedProcess:
    """`mkdocs build` as a user runs it, from the project folder."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    env.pop("TOOLBOOK_DATA", None)
    if data_dir is not None:
        env["TOOLBOOK_DATA"] = str(data_dir)
    cmd = [sys.executable, "-m", "mkdocs", "build", "-d", str(site_dir)] + (["--strict"] if strict else [])
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8", timeout=300)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A fresh copy of the minimal valid data set, to be broken by the test."""
    target = tmp_path / "data"
    shutil.copytree(MINIMAL, target)
    return target


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory) -> Path:
    """The sample data built once with `mkdocs build --strict`."""
    site = tmp_path_factory.mktemp("site") / "site"
    result = run_mkdocs_build(site)
    assert result.returncode == 0, result.stdout + result.stderr
    return site


def pytest_terminal_summary(terminalreporter):
    """The worst time and memory of one process on a broken data set (tests/test_broken.py); the Word corpus's
    counts (tests/test_docx_corpus.py)."""
    for line in getattr(sys.modules.get("test_docx_corpus"), "SUMMARY", []):
        terminalreporter.write_line(f"Word corpus: {line}")
    worst = getattr(sys.modules.get("test_broken"), "WORST", None)
    if worst:
        (seconds, where_s), (megabytes, where_m) = worst["seconds"], worst["megabytes"]
        terminalreporter.write_line(f"broken data sets: slowest {seconds:.2f} s ({where_s}); "
                                    f"most memory {megabytes:.0f} MB ({where_m})")
