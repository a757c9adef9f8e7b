"""Word documents nobody here wrote: the test documents of four projects (tests/fixtures/docx, licences in
LICENSES.md there), Chinese case documents in the shapes Chinese offices produce (tests/docx_make.py, and
the same saved again by LibreOffice when it is installed) and hostile or broken files.

Each is imported as a user runs `toolbook.py import-docx`: it ends with exit 0 and a draft that passes
`check --drafts`, keeping at least 98 % of the visible characters of the document's own XML, or with exit 1
or 2 and a Chinese refusal naming the file; never an internal error, a traceback or a temporary path.
Documents known to be refused are listed with the reason expected, so that a document that starts being
refused (or accepted) is noticed.

The bounds of 10 s and 500 MB per document are guards, not measurements (timings belong in the benchmark):
typical documents take a few hundredths of a second and under 100 MB, and only a hang or a blow-up can
trip them. Two worker processes (one per core) import the documents one after another
(tests/docx_corpus.py), each under a hard address-space limit and a timeout; the counts, characters kept
and the worst time and memory are shown after the run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import docx_make
import pytest
from helpers import ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "docx"
WORKER = Path(__file__).parent / "docx_corpus.py"
SECONDS = 10  # per document (guard)
MEGABYTES = 500  # peak resident memory per document (guard)
ADDRESS_SPACE = 2 << 30  # hard limit for a worker process: a blow-up fails with MemoryError instead of taking the machine
KEPT = 0.98
CHINESE = re.compile(r"[\u4e00-\u9fff]")
TEMPORARY = re.compile(r"/tmp\w*/[^\s：]*\.yml|\\Temp\\")  # a record file in a temporary folder, Linux or Windows
# fixtures refused, and a word the reason must contain; every other fixture is imported
REFUSED = {
    "poi/bug53475-password-is-pass.docx": "密码", "poi/protected_agile.docx": "密码",
    "poi/truncated62886.docx": "损坏", "poi/crash-517626e815e0afa9decd0ebb6d1dee63fb9907dd.docx": "损坏",
    "poi/clusterfuzz-testcase-minimized-POIFuzzer-6709287337197568.docx": "损坏",
    "poi/clusterfuzz-testcase-minimized-POIXWPFFuzzer-5313273089884160.docx": "损坏",
    "poi/clusterfuzz-testcase-minimized-POIXWPFFuzzer-6442791109263360.docx": "损坏",
    "poi/clusterfuzz-testcase-minimized-POIXWPFFuzzer-5569740188549120.docx": "损坏",
    "poi/ExternalEntityInText.docx": "DTD", "poi/bug65649.docx": "超过一篇案例的上限", "poi/stress025.docx": "不是 Word 文档",
}
SUMMARY: list[str] = []  # shown after the run (conftest.pytest_terminal_summary)


def fixture_documents() -> list[Path]:
    return sorted(FIXTURES.rglob("*.docx"))


def test_fixtures_name_their_projects_and_licences():
    listed = (FIXTURES / "LICENSES.md").read_text(encoding="utf-8")
    projects = {p.parent.name for p in fixture_documents()}
    assert len(projects) >= 3
    assert all(f"`{p.parent.name}/{p.name}`" in listed for p in fixture_documents())
    assert sum(p.stat().st_size for p in fixture_documents()) < 5_000_000
    for known in REFUSED:
        assert (FIXTURES / known).is_file(), known


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[Path, str | None]:
    """The documents made here: document -> a word its refusal must contain (None: it must be imported)."""
    folder = tmp_path_factory.mktemp("made")
    out: dict[Path, str | None] = {}
    for name, make in docx_make.CHINESE.items():
        out[make(folder / name)] = None
    for name, (make, reason) in docx_make.HOSTILE.items():
        out[make(folder / name)] = reason
    soffice = shutil.which("soffice")
    if soffice:  # the Chinese documents as LibreOffice saves them again (it writes its own styles, numbering, sdt)
        saved = folder / "libreoffice"
        sources = [folder / name for name in docx_make.CHINESE]
        subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{folder}/lo-profile",
                        "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(saved), *map(str, sources)],
                       check=True, capture_output=True, timeout=300)
        for source in sources:
            target = folder / f"lo-{source.name}"
            (saved / source.name).rename(target)
            out[target] = None
    elif os.environ.get("CI"):
        pytest.fail("CI 中必须有 LibreOffice（Debian 软件包 libreoffice-writer）")
    return out


def _limit() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run_workers(documents: list[Path], folder: Path) -> dict[str, dict]:
    """Import the documents in two worker processes; document -> its report (or {"killed": …})."""
    halves = [documents[0::2], documents[1::2]]
    env = dict(os.environ, TOOLBOOK_TODAY="2026-12-01", NO_MKDOCS_2_WARNING="1")
    env.pop("TOOLBOOK_DEBUG", None)
    procs = []
    for n, half in enumerate(halves):
        out = folder / f"worker-{n}.jsonl"
        procs.append((out, half, subprocess.Popen([sys.executable, str(WORKER), str(out), *map(str, half)], cwd=ROOT, env=env,
                                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                                  preexec_fn=_limit if os.name == "posix" else None)))
    reports: dict[str, dict] = {}
    for out, half, proc in procs:
        try:
            printed, _ = proc.communicate(timeout=SECONDS * len(half) + 60)
        except subprocess.TimeoutExpired:
            proc.kill()
            printed, _ = proc.communicate()
        started = None
        for line in out.read_text(encoding="utf-8").splitlines() if out.exists() else []:
            row = json.loads(line)
            if "start" in row:
                started = row["start"]
            else:
                reports[row["doc"]] = row
                started = None
        if started is not None:
            reports[started] = {"doc": started, "killed": printed.decode("utf-8", "replace")[-2000:]}
        for doc in half:
            reports.setdefault(str(doc), {"doc": str(doc), "killed": "not reached"})
    return reports


def problems_of(report: dict, expected: str | None) -> list[str]:
    """What is wrong with one document's outcome (empty: all is well)."""
    name = Path(report["doc"]).name
    if "killed" in report:
        return [f"stopped or killed: {report['killed']}"]
    output = report["out"] + report["err"] + report.get("check", "")
    wrong = []
    if "Traceback" in output or "内部错误" in output:
        wrong.append(f"internal error: {output[-1500:]}")
    if TEMPORARY.search(report["err"]):
        wrong.append(f"a temporary path in the message: {report['err']}")
    if report["seconds"] > SECONDS or report["megabytes"] > MEGABYTES:
        wrong.append(f"{report['seconds']:.1f} s, {report['megabytes']:.0f} MB")
    if expected is None:
        if report["code"] != 0:
            wrong.append(f"refused (exit {report['code']}): {report['err']}")
        elif report.get("check_code") != 0:
            wrong.append(f"the draft fails check --drafts: {report.get('check')}")
        elif report.get("chars") and report["kept"] / report["chars"] < KEPT:
            wrong.append(f"kept {report['kept']} of {report['chars']} visible characters")
        elif "reference_error" in report:
            wrong.append(report["reference_error"])
    else:
        refusal = report["err"]
        if report["code"] not in (1, 2):
            wrong.append(f"exit {report['code']}, expected a refusal mentioning {expected}")
        elif name not in refusal or not CHINESE.search(refusal) or expected not in refusal:
            wrong.append(f"the refusal does not name the file or say {expected!r}: {refusal}")
    return wrong


def test_every_document_is_imported_or_refused_in_chinese(made, tmp_path):
    expected = {str(p): REFUSED.get(p.relative_to(FIXTURES).as_posix()) for p in fixture_documents()}
    expected.update({str(p): reason for p, reason in made.items()})
    reports = run_workers(list(map(Path, expected)), tmp_path)

    failures = [f"{doc}: {problem}" for doc in expected for problem in problems_of(reports[doc], expected[doc])]
    assert not failures, "\n".join(failures)

    def source(doc: str) -> str:
        path = Path(doc)
        return path.parent.name if path.is_relative_to(FIXTURES) else "made here" if not path.name.startswith("lo-") else "LibreOffice"

    rows = Counter()
    for doc, report in reports.items():
        kind = source(doc)
        rows[kind, "files"] += 1
        rows[kind, "accepted" if report["code"] == 0 else "refused"] += 1
        rows[kind, "chars"] += report.get("chars", 0)
        rows[kind, "kept"] += report.get("kept", 0)
    SUMMARY.clear()
    for kind in sorted({k for k, _ in rows}):
        share = rows[kind, "kept"] / rows[kind, "chars"] if rows[kind, "chars"] else 1
        SUMMARY.append(f"{kind}: {rows[kind, 'files']} files, {rows[kind, 'accepted']} imported, {rows[kind, 'refused']} refused, "
                       f"{rows[kind, 'kept']:,} of {rows[kind, 'chars']:,} visible characters kept ({share:.2%})")
    slowest = max(reports.values(), key=lambda r: r["seconds"])
    biggest = max(reports.values(), key=lambda r: r["megabytes"])
    SUMMARY.append(f"slowest {slowest['seconds']:.2f} s ({Path(slowest['doc']).name}); "
                   f"most memory {biggest['megabytes']:.0f} MB ({Path(biggest['doc']).name})")
