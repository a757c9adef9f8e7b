"""The engine is replaceable: ProperDocs builds the sample site that MkDocs 1.6.1 builds, page by page.

ProperDocs (PyPI `properdocs`, pinned in requirements-properdocs.txt) is a continuation of MkDocs 1.x that
reads the same mkdocs.yml and runs the same `hooks:`. It shares the virtual environment with MkDocs: its
package is `properdocs`, and only inside a ProperDocs process does it send `import mkdocs.*` (ours in
hooks/mkdocs_hooks.py, and Material's) to `properdocs.*`. Material itself still requires `mkdocs`.

The sample data are built twice per variant, as a user runs each engine from the project folder:

  python -m mkdocs build --strict -d A
  python -m properdocs build --strict -f mkdocs.yml -d B

(`-f mkdocs.yml`: ProperDocs looks for properdocs.yml first and says so when it falls back to mkdocs.yml.)
Both run with the same "today" (TOOLBOOK_TODAY, and SOURCE_DATE_EPOCH for the sitemap's dates), once with
relative links only and once with TOOLBOOK_SITE_URL (so that the sitemap and the 404 page have absolute
addresses). Every output file is then compared: byte for byte, except for the differences listed in
DIFFERENCES, each normalised below. The generator tag is required to differ (a stale entry fails). The search
index (kb/outputs/search.py) is written in a fixed order, so it is compared byte for byte too, its versioned
folder's name included.

Outside CI a missing ProperDocs skips these tests; in CI (CI=true) it fails.
"""

from __future__ import annotations

import datetime
import importlib.util
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from helpers import MINIMAL, ROOT, outside_tool

BROKEN = Path(__file__).parent / "broken"

# Every way the two outputs may differ, and why. Anything else is a failure.
DIFFERENCES = {
    "generator": (
        "Material writes <meta name=\"generator\" content=\"mkdocs-{{ mkdocs_version }}, mkdocs-material-9.8.1\"> "
        "into every page; MkDocs sets mkdocs_version to \"1.6.1\", ProperDocs to \"ProperDocs 1.6.7\" "
        "(properdocs/commands/build.py). Normalised in every .html file."),
}

VARIANTS = {"relative": None, "site_url": "http://oa.example/toolbook/"}




def _need_properdocs():
    if importlib.util.find_spec("properdocs") is None:
        outside_tool("未安装 ProperDocs（requirements-properdocs.txt，包含在 requirements-dev.txt 中）")


def run_engine_build(engine: str, site_dir: Path, env_extra: dict[str, str], data_dir: Path | None = None
                     ) -> subprocess.CompletedProcess:
    """`<engine> build --strict` as a user runs it, from the project folder (engine: mkdocs or properdocs)."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", DISABLE_MKDOCS_2_WARNING="true", **env_extra)
    for name in ("TOOLBOOK_DATA", "TOOLBOOK_SITE_URL"):
        if name not in env_extra:
            env.pop(name, None)
    if data_dir is not None:
        env["TOOLBOOK_DATA"] = str(data_dir)
    config = ["-f", "mkdocs.yml"] if engine == "properdocs" else []
    cmd = [sys.executable, "-m", engine, "build", "--strict", *config, "-d", str(site_dir)]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8", timeout=300)


def _same_day() -> dict[str, str]:
    today = datetime.date.today()
    midnight = datetime.datetime.combine(today, datetime.time(), datetime.timezone.utc)
    return {"TOOLBOOK_TODAY": today.isoformat(), "SOURCE_DATE_EPOCH": str(int(midnight.timestamp()))}


@pytest.fixture(scope="module", params=list(VARIANTS))
def sites(request, tmp_path_factory) -> tuple[Path, Path]:
    """The sample site built by MkDocs (A) and by ProperDocs (B)."""
    _need_properdocs()
    env = _same_day()
    if VARIANTS[request.param]:
        env["TOOLBOOK_SITE_URL"] = VARIANTS[request.param]
    folder = tmp_path_factory.mktemp(f"engines-{request.param}")
    built = []
    for engine, name in (("mkdocs", "A"), ("properdocs", "B")):
        result = run_engine_build(engine, folder / name, env)
        assert result.returncode == 0, f"{engine}:\n{result.stdout}{result.stderr}"
        built.append(folder / name)
    return built[0], built[1]


# --- one site as a comparable whole ------------------------------------------------------------------------

def _generator(engine: str) -> bytes:
    """What the engine hands Material as mkdocs_version (the pinned versions, as installed)."""
    if engine == "mkdocs":
        return metadata.version("mkdocs").encode()
    return f"ProperDocs {metadata.version('properdocs')}".encode()


def canonical(site: Path, engine: str) -> dict[str, bytes]:
    """Every file of a built site that has a stable name, by path, with the generator tag normalised."""
    tag = b'<meta name="generator" content="mkdocs-%s, mkdocs-material-' % _generator(engine)
    files = {}
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site).as_posix()
        if not path.is_file():
            continue
        content = path.read_bytes()
        if rel.endswith(".html") and tag in content:
            content = content.replace(tag, b'<meta name="generator" content="mkdocs-ENGINE, mkdocs-material-')
        files[rel] = content
    return files


def _first_difference(a: bytes, b: bytes) -> str:
    at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"first difference at byte {at}:\n  A: {a[max(0, at - 80):at + 80]!r}\n  B: {b[max(0, at - 80):at + 80]!r}"


# --- the tests -----------------------------------------------------------------------------------------------

def test_both_engines_write_the_same_files(sites):
    a, b = sites
    names = [{p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()} for site in (a, b)]
    assert names[0] == names[1], f"only in A: {sorted(names[0] - names[1])}\nonly in B: {sorted(names[1] - names[0])}"
    assert sum(n.endswith(".html") for n in names[0]) > 150  # the whole site, not a stub
    assert sum(n.startswith("search/") for n in names[0]) > 40  # and its search index


def test_every_page_is_the_same_but_for_the_listed_differences(sites):
    a, b = sites
    files_a, files_b = canonical(a, "mkdocs"), canonical(b, "properdocs")
    differing = [rel for rel in files_a if rel in files_b and files_a[rel] != files_b[rel]]
    assert not differing, (f"{len(differing)} of {len(files_a)} files differ beyond {list(DIFFERENCES)}: {differing[:20]}\n"
                           f"{differing[0]}: {_first_difference(files_a[differing[0]], files_b[differing[0]])}")
    # every page had its engine's own tag (so B is ProperDocs' work, and the listed difference is still one)
    html = [rel for rel in files_a if rel.endswith(".html")]
    assert all(b"mkdocs-ENGINE, " in files_a[rel] for rel in html), "a page without its engine's generator tag"


def test_broken_data_is_refused_the_same_way(tmp_path):
    """A data error stops both engines the same way: exit 1, the same message, no traceback, no site."""
    _need_properdocs()
    data = tmp_path / "data"
    shutil.copytree(MINIMAL, data)
    shutil.copytree(BROKEN / "bad-date" / "data", data, dirs_exist_ok=True)
    outputs = []
    for engine in ("mkdocs", "properdocs"):
        result = run_engine_build(engine, tmp_path / engine, _same_day(), data_dir=data)
        assert result.returncode == 1, f"{engine}:\n{result.stdout}{result.stderr}"
        assert "Traceback" not in result.stderr and "日期" in result.stderr, result.stderr
        assert not (tmp_path / engine / "index.html").exists()
        outputs.append(result.stdout + result.stderr)
    assert outputs[0] == outputs[1]
