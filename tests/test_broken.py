"""The corpus of broken data sets in tests/broken/: each is refused the way an editor needs.

tests/broken/<name>/ holds
  expected.txt  what `check` prints, one problem a line, in order: `FILE:LINE: [FIELD: ]message`, with
                FILE relative to the data directory and "..." standing for any text; `#` lines say
                what the data set is and which decision it pins down
  data/         files laid over a copy of tests/fixtures/minimal
  make.py       (optional) `make(data)` builds what cannot sensibly be committed: a 50 MB file, links

For every data set, as a user runs them: `toolbook.py check` exits 1 printing exactly the expected
problems (each in Chinese, with a line); `mkdocs build` fails printing the same problems and leaves
the previous output directory untouched; neither shows a traceback; each process runs under hard
limits of 10 s and (where `resource` exists) 1 GB of address space. The worst time and memory seen
are shown after the run (memory where os.wait4 exists).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import MINIMAL, Run, run_limited

BROKEN = Path(__file__).parent / "broken"
SETS = sorted(p.name for p in BROKEN.iterdir() if (p / "expected.txt").is_file())
TIME_LIMIT = 10  # seconds per process
MEMORY_LIMIT = 1 << 30  # bytes of address space per process
WORST: dict[str, tuple[float, str]] = {}  # "seconds" / "megabytes" -> (value, "data set: command"); see conftest
LOCATED = re.compile(r"[^:]+:[1-9][0-9]*: .*[\u4e00-\u9fff]")  # FILE:LINE: … with Chinese in it


def test_corpus_is_large():
    assert len(SETS) >= 40


def materialize(name: str, target: Path) -> Path:
    data = target / "data"
    shutil.copytree(MINIMAL, data)
    overlay = BROKEN / name / "data"
    if overlay.is_dir():
        shutil.copytree(overlay, data, dirs_exist_ok=True)
    recipe = BROKEN / name / "make.py"
    if recipe.is_file():
        spec = importlib.util.spec_from_file_location(f"broken_{name.replace('-', '_')}", recipe)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.make(data)
    return data


def expected_of(name: str) -> list[str]:
    lines = (BROKEN / name / "expected.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def matches(pattern: str, line: str) -> bool:
    """`line` starts with `pattern`, where "..." in the pattern stands for any text."""
    first, *rest = pattern.split("...")
    if not line.startswith(first):
        return False
    at = len(first)
    for piece in rest:
        at = line.find(piece, at)
        if at < 0:
            return False
        at += len(piece)
    return True


def _record(name: str, what: str, run: Run) -> None:
    for key, value in (("seconds", run.seconds), ("megabytes", run.peak_bytes / 2**20)):
        if value > WORST.get(key, (0, ""))[0]:
            WORST[key] = (value, f"{name}: {what}")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", SETS)
def test_broken_data_set_is_refused(name, tmp_path):
    expected = expected_of(name)
    assert expected and all(LOCATED.match(e) for e in expected), f"{name}/expected.txt: each line is FILE:LINE: message"
    data = materialize(name, tmp_path)
    site = tmp_path / "site"  # a site built earlier: a failed build must leave it as it was
    (site / "old").mkdir(parents=True)
    (site / "index.html").write_text("<p>上一次生成的网站</p>", encoding="utf-8")
    (site / "old/sentinel.txt").write_text("sentinel", encoding="utf-8")
    before = snapshot(site)

    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", TOOLBOOK_DATA=str(data))
    env.pop("TOOLBOOK_DEBUG", None)
    commands = {"check": [sys.executable, "scripts/toolbook.py", "check", "--data", str(data)],
                "mkdocs build": [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)]}
    with ThreadPoolExecutor(2) as pool:  # the two commands are independent: run them side by side
        runs = dict(zip(commands, pool.map(lambda cmd: run_limited(cmd, env, TIME_LIMIT, MEMORY_LIMIT), commands.values())))
    for what, run in runs.items():
        _record(name, what, run)
        output = run.out + run.err
        assert not run.killed, f"{what} ran over {TIME_LIMIT} s"
        assert "Traceback" not in output and "内部错误" not in output, output
        assert run.code == 1, f"{what} exited {run.code}:\n{output}"

    check = runs["check"]
    problems = [line for line in check.out.splitlines() if line.strip()]
    shown = [line.removeprefix(f"{data}/") for line in problems]
    assert len(shown) == len(expected) and all(matches(e, s) for e, s in zip(expected, shown)), "\n".join(shown)
    assert all(LOCATED.match(s) for s in shown), "\n".join(shown)

    build = runs["mkdocs build"]
    printed = set((build.out + build.err).splitlines())
    assert [p for p in problems if p not in printed] == [], build.err
    assert snapshot(site) == before
