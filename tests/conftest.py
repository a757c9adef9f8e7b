"""Shared fixtures: a small valid data set to break one rule at a time, and one full build of the sample site.

Shared functions are in helpers.py. `@pytest.mark.needs("chromium", …)` marks a test that needs an outside
tool (helpers.TOOLS): it is skipped where the tool is missing, and fails in CI.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from helpers import MINIMAL, missing, outside_tool, run_mkdocs_build


def pytest_configure(config):
    config.addinivalue_line("markers", "needs(*tools): needs outside tools (helpers.TOOLS): skipped where missing, fails in CI")
    config.addinivalue_line("markers", "slow: takes minutes (tests/test_first_run.py installs into empty venvs); "
                                       "CI runs it, `-m 'not slow'` leaves it out locally")


def pytest_runtest_setup(item):
    for mark in item.iter_markers("needs"):
        outside_tool(missing(*mark.args))


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


@pytest.fixture(scope="session")
def december_site(tmp_path_factory) -> Path:
    """The sample data built as on 2026-12-15 (TOOLBOOK_TODAY): what "this month" shows is known."""
    site = tmp_path_factory.mktemp("december") / "site"
    result = run_mkdocs_build(site, today="2026-12-15")
    assert result.returncode == 0, result.stdout + result.stderr
    return site


@pytest.fixture(scope="module")
def chromium():
    """Headless Chromium (kb.browser.launch) for a module's browser tests."""
    from playwright.sync_api import sync_playwright

    from kb import browser

    with sync_playwright() as p:
        b = browser.launch(p)
        yield b
        b.close()


@pytest.fixture(scope="module")
def site_url(sample_site):
    """The sample site served over HTTP (kb.browser.serve), for a module's browser tests."""
    from kb import browser

    with browser.serve(sample_site) as url:
        yield url


@pytest.fixture
def page(chromium):
    """A page in a fresh browser context (empty cache and storage)."""
    context = chromium.new_context()
    page = context.new_page()
    yield page
    context.close()


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
