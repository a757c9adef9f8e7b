"""The strict YAML reader's guarantee: for any file under data/ (any bytes, any size up to the limit, any
file type), `check` answers with located Chinese problems or with success: never an exception, never a
hang, never a folder or FIFO skipped in silence, and in time linear in the size of the file.

The time and memory bounds here are guards, not measurements (timings belong in the benchmark): the
target is 2 s per MB, and each guard allows several times that, so that only a hang or a quadratic
blow-up (a 990,000-digit value once took hours) can trip it on a loaded CI machine.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import CHINESE, MINIMAL, RECORDS, ROOT, SETTINGS, with_file, word_case
from hypothesis import given
from hypothesis import strategies as st

from kb.data.load import load_knowledge_base
from kb.data.yamlio import MAX_BYTES, read_bytes

GUARD_SECONDS = 10  # per `check` of one file of up to 1 MB: five times the 2 s/MB target
MEMORY_LIMIT = 1 << 30  # bytes of address space for that process, as in tests/test_broken.py
LOCATED = re.compile(r"^[^:\n]+:[1-9][0-9]*: .*[\u4e00-\u9fff]", re.M)
POSIX = os.name == "posix"


def run_check(data: Path, *extra: str, timeout: float = GUARD_SECONDS) -> subprocess.CompletedProcess:
    """`toolbook.py check` as a user runs it, killed past `timeout` (a hang fails the test, it does not stall it)."""
    env = dict(os.environ, TOOLBOOK_DATA=str(data), NO_MKDOCS_2_WARNING="1")
    env.pop("TOOLBOOK_DEBUG", None)
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "toolbook.py"), *extra], capture_output=True, text=True,
                          encoding="utf-8", env=env, cwd=ROOT, timeout=timeout, preexec_fn=_limit_memory if POSIX else None)


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def assert_answered(result: subprocess.CompletedProcess) -> None:
    """Success, or located Chinese problems: nothing else, ever."""
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "内部错误" not in output, output
    if result.returncode == 0:
        assert "数据检查通过" in result.stderr
    else:
        assert result.returncode == 1, output
        problems = [line for line in result.stdout.splitlines() if line.strip()]
        assert problems and all(LOCATED.match(p) for p in problems), output


def copy_minimal(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(MINIMAL, data)
    return data


# -- long numbers and digit runs, in-process (hypothesis) ------------------------------------------------

NUMBER_CHARS = st.sampled_from(list("0123456789") * 4 + list("_.:eE+-"))


@SETTINGS
@given(rel=st.sampled_from(RECORDS), sign=st.sampled_from(["", "-", "+"]), digits=st.integers(1, 12_000),
       digit=st.sampled_from("0123456789"))
def test_long_unquoted_numbers(rel, sign, digits, digit):
    """A number of any length in any field: the integer-conversion limit (4,300 digits) is a located problem."""
    field = {"taxonomy.yml": "extra"}.get(rel, "summary")
    with_file(rel, f"{field}: {sign}{digit * digits}\n".encode())


@SETTINGS
@given(rel=st.sampled_from(RECORDS), run=st.lists(NUMBER_CHARS, min_size=1, max_size=3000).map("".join),
       repeat=st.integers(1, 40))
def test_long_digit_runs(rel, run, repeat):
    """Runs of digits and number marks (1_000, 12:30, 1e3, 0x1F, …) repeated up to 120,000 characters."""
    with_file(rel, f"summary: {run * repeat}\n".encode())


@SETTINGS
@given(value=st.lists(NUMBER_CHARS, min_size=1, max_size=60).map("".join))
def test_number_like_values_are_read_the_same_as_by_a_regular_expression(value):
    """The hand-written YAML 1.1 number check (linear) says what the regular expression it replaced said."""
    old = re.compile(r"[-+]?(0[0-7_]+|0o[0-7]+|0x[0-9a-fA-F_]+|0b[01_]+|[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?"
                     r"|[0-9_]*\.?[0-9_]+[eE][-+]?[0-9]+|\.(inf|Inf|INF|nan|NaN|NAN)|[0-9]+(_[0-9]+)+)")
    doc, problems = read_bytes(f"a: {value}\n".encode(), "x.yml")
    ambiguous = any("含义不明确" in p.message for p in problems)
    assert ambiguous == bool(old.fullmatch(value)), (value, problems)


def test_every_tag_and_anchor_is_refused():
    """README: YAML tags and anchors are not supported, so none may change or be dropped from a value in silence."""
    for text, what in [("a: !!str 12", "标签"), ('a: !!int "3"', "标签"), ("a: ! 12", "标签"), ("a: ! [1]", "标签"),
                       ("!!str k: v", "标签"), ("a: &x value", "锚点"), ("a:\n  - &x 1\n", "锚点"), ("a: &x [1]", "锚点")]:
        doc, problems = read_bytes(text.encode(), "x.yml")
        assert doc is None and len(problems) == 1 and what in problems[0].message, (text, problems)
    for text in ("a: R&D", "a: x!", "a: |\n  !!! note\n  正文\n", 'a: "&x"', "a: '!!str 12'"):  # content, not syntax
        doc, problems = read_bytes(text.encode(), "x.yml")
        assert problems == [], (text, problems)


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x85"])
@pytest.mark.parametrize("where", ["a: |\n  一\n  二{c}三\n", "a: 一{c}二\n", 'a: "一{c}二"\n'])
def test_line_separators_are_named(char, where):
    doc, problems = read_bytes(where.format(c=char).encode(), "x.yml")
    assert doc is None and len(problems) == 1
    assert f"U+{ord(char):04X}" in problems[0].message and "冒号" not in problems[0].message


def test_utf32_is_called_utf32():
    for codec in ("utf-32", "utf-32-be"):
        raw = (b"\x00\x00\xfe\xff" if codec == "utf-32-be" else b"") + "a: 党建\n".encode(codec)
        doc, problems = read_bytes(raw, "x.yml")
        assert "UTF-32" in problems[0].message, problems


# -- special files: folders, FIFOs, sockets, links ----------------------------------------------------------

def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _folder(path: Path) -> None:
    path.mkdir()
    (path / "a.yml").write_text("id: a\n", encoding="utf-8")


def _socket(path: Path) -> None:
    here = os.getcwd()
    os.chdir(path.parent)  # a socket's path may not be longer than about 100 bytes: bind a relative one
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(path.name)
    finally:
        os.chdir(here)


def _link_to_fifo(path: Path) -> None:
    os.mkfifo(path.with_name("target.fifo"))
    path.symlink_to("target.fifo")


SPECIAL = {"fifo": (_fifo, "命名管道"), "folder": (_folder, "文件夹"), "socket": (_socket, "套接字"),
           "link-to-fifo": (_link_to_fifo, "命名管道")}


@pytest.mark.skipif(not POSIX, reason="FIFOs, sockets and links as Linux has them")
@pytest.mark.parametrize("kind", sorted(SPECIAL))
@pytest.mark.parametrize("rel", ["taxonomy.yml", "cases/teshu.yml", "issues/2026-07.yml", "methods/sandan.yml"])
def test_special_files_are_refused_by_type(tmp_path, rel, kind):
    data = copy_minimal(tmp_path)
    make, word = SPECIAL[kind]
    if (data / rel).exists():
        (data / rel).unlink()
    make(data / rel)
    result = run_check(data, "check", "--drafts")
    assert_answered(result)
    assert result.returncode == 1 and f"{rel}:1: " in result.stdout and word in result.stdout, result.stdout + result.stderr


@pytest.mark.skipif(not POSIX, reason="FIFOs as Linux has them")
@pytest.mark.parametrize("rel", ["taxonomy.yml", "issues/2026-06.yml"])
def test_no_command_waits_on_a_fifo(tmp_path, rel):
    """new, import-docx and finalize read taxonomy.yml and issue files too: each answers, none waits;
    one that needs the file says what it is."""
    data = copy_minimal(tmp_path)
    (data / rel).unlink()
    os.mkfifo(data / rel)
    source = word_case(tmp_path / "anli.docx")
    for command, needs_it in ((["new", "case", "xin-anli"], rel == "taxonomy.yml"),
                              (["new", "issue", "2026-08", "--theme", "过硬支部建设"], True),
                              (["import-docx", str(source), "--issue", "2026-06"], True),
                              (["finalize", "2026-06"], True)):
        result = run_check(data, *command)
        output = result.stdout + result.stderr
        assert "Traceback" not in output and "内部错误" not in output, (command, output)
        if needs_it:
            assert result.returncode in (1, 2) and "命名管道" in output, (command, output)


# -- any file up to the limit answers in linear time (guards, see the module doc) ---------------------------

def _worst_cases() -> dict[str, bytes]:
    near = MAX_BYTES - 100
    head = b"id: jiaoyu-zhibu\nsummary: "
    return {
        "digits": head + b"1" * (near - len(head)),
        "underscored-digits": head + b"1_" * ((near - len(head)) // 2) + b"1",
        "digits-then-letter": head + b"9" * (near - len(head) - 1) + b"x",
        "exponent-like": head + b"1" * (near - len(head) - 3) + b"e+x",
        "colons": head + b"1:" * ((near - len(head)) // 2) + b"5",
        "dots": head + b"1." * ((near - len(head)) // 2),
        "brackets": b"a: " + b"[" * (near - 3),
        "dashes": b"- " * (near // 2),
        "anchors": b"a:\n" + b"  - &a x\n" * (near // 9),
        "bangs": b"a: |\n" + b"  !!! note\n" * (near // 11),
        "keys": b"".join(b"k%d: v\n" % i for i in range(near // 10)),
        "line-separators": b"a: " + "\u2028".encode() * (near // 3 - 1),
        "one-long-key": b"k" * (near - 3) + b": v",
        "comments": b"# " + b"#" * (near - 2),
        "random-bytes": bytes((i * 1103515245 + 12345) >> 16 & 0xFF for i in range(near)),
    }


@pytest.mark.parametrize("name", sorted(_worst_cases()))
def test_check_answers_in_linear_time_on_a_file_near_the_limit(tmp_path, name):
    data = copy_minimal(tmp_path)
    (data / "cases/jiaoyu-zhibu.yml").write_bytes(_worst_cases()[name])
    assert_answered(run_check(data, "check"))


def test_in_process_problems_are_located_for_every_worst_case(tmp_path):
    data = copy_minimal(tmp_path)
    for name, content in _worst_cases().items():
        (data / "cases/jiaoyu-zhibu.yml").write_bytes(content)
        kb, problems = load_knowledge_base(data)
        assert kb is None and problems, name
        assert all(p.line >= 1 and CHINESE.search(p.message) for p in problems), (name, problems)
