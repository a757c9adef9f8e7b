"""The command-line contract: `toolbook.py check` exit codes, and `mkdocs build` on good and bad data."""

from __future__ import annotations

import os
import shutil
import re
import subprocess
import sys
from pathlib import Path

from helpers import LINE, MINIMAL, ROOT, check, run_mkdocs_build, toolbook
from kb.deploy.sitecrawl import read_site, resolve

def break_data(data: Path) -> None:
    case = data / "cases" / "yusuan-gongjian.yml"
    case.write_text(case.read_text(encoding="utf-8").replace("  - sanhui-yike\n", "  - sanhui-yiek\n"), encoding="utf-8")
    method = data / "methods" / "sandan.yml"
    method.write_text(method.read_text(encoding="utf-8").replace("unit: 市财政局", "unit: 财政局"), encoding="utf-8")


def test_check_passes_on_the_sample_data():
    result = check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "数据检查通过" in result.stderr and result.stdout == ""


def test_check_lists_every_problem_and_exits_1(data):
    break_data(data)
    result = check("--data", str(data))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all(LINE.match(line) for line in lines), lines
    first = LINE.match(lines[0])
    assert first["file"].endswith("data/cases/yusuan-gongjian.yml") and first["line"] == "13" and first["field"] == "related[1]"
    assert first["message"] == '找不到记录 "sanhui-yiek"，是否指 "sanhui-yike"？'
    assert "共发现 2 个问题" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_check_reads_toolbook_data(data):
    break_data(data)
    assert check(env={"TOOLBOOK_DATA": str(data)}).returncode == 1


def test_check_usage_errors_exit_2():
    for args in (["--bogus"], ["--data", "/no/such/folder"], ["--data"]):
        result = check(*args)
        assert result.returncode == 2, args
        assert "用法错误" in result.stderr and "Traceback" not in result.stderr
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "toolbook.py")], capture_output=True, text=True, encoding="utf-8")
    assert result.returncode == 2 and "用法错误" in result.stderr


def test_every_command_helps_and_corrects_in_chinese(capsys):
    """`-h` of the tool and of each command, and each kind of usage error, without argparse's English words."""
    import pytest

    from kb.cli import main

    english = re.compile(r"usage|options|positional|show this|argument|invalid|required|choose|expected")
    commands = ["check", "build", "new", "import-docx", "finalize", "synth", "bench", "serve", "publish", "bundle", "pdf"]
    for args in [["-h"], *([name, "-h"] for name in commands)]:
        with pytest.raises(SystemExit) as stop:
            main(args)
        out = capsys.readouterr().out
        assert stop.value.code == 0 and out.startswith("用法：") and "显示本帮助并退出" in out, args
        assert not english.search(out), (args, english.search(out))
    for args, says in ((["nope"], "无效的取值"), (["new", "book", "x"], "无效的取值"), (["synth", "--records", "x", "--out", "y"], "不是整数"),
                       (["new"], "缺少参数"), (["check", "--data"], "需要一个参数值"), (["check", "--bogus"], "无法识别的参数")):
        with pytest.raises(SystemExit) as stop:
            main(args)
        err = capsys.readouterr().err
        assert stop.value.code == 2 and says in err and err.startswith("用法："), (args, err)
        assert not english.search(err), (args, err)


def test_build_fails_with_the_same_messages_and_leaves_the_output_alone(data, tmp_path):
    break_data(data)
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("上一次发布的网站", encoding="utf-8")
    before = {p: p.stat().st_mtime_ns for p in site.rglob("*")}
    result = run_mkdocs_build(site, data)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Traceback" not in out
    for line in check("--data", str(data)).stdout.splitlines():
        assert line in out
    assert "数据检查发现 2 个问题，未生成网站" in out
    assert {p: p.stat().st_mtime_ns for p in site.rglob("*")} == before
    assert (site / "index.html").read_text(encoding="utf-8") == "上一次发布的网站"


def test_a_build_that_fails_while_writing_says_the_output_is_incomplete(data, tmp_path, monkeypatch, capsys):
    """The data is fine, but the engine fails once it has begun writing (here: a warning in strict mode): the output
    folder is not what it was, and the command says so instead of claiming it untouched."""
    import logging

    from kb.cli import main
    from kb.engine.session import BuildSession

    def warned(self, config):
        logging.getLogger("mkdocs.plugins").warning("某个手写页面链接到不存在的页面")

    monkeypatch.setattr(BuildSession, "on_post_build", warned)
    monkeypatch.setenv("TOOLBOOK_DATA", str(data))
    site = tmp_path / "site"
    assert main(["build", "--out", str(site)]) == 1
    said = capsys.readouterr()
    assert "某个手写页面链接到不存在的页面" in said.out
    assert "输出目录里已写入一部分，内容不完整；改正后重新生成即可。" in said.err and "保持原样" not in said.err


def test_the_build_command_shows_the_problems_alone_in_chinese(data, tmp_path):
    """`toolbook.py build`: the problem list first and alone (no banner, no English), exit 1, output left alone;
    on valid data exit 0 and the site is there."""
    break_data(data)
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("上一次发布的网站", encoding="utf-8")
    result = toolbook("build", "--out", str(site), data=data)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith("数据检查发现 2 个问题，未生成网站")
    for line in check("--data", str(data)).stdout.splitlines():
        assert line in result.stdout
    out = result.stdout + result.stderr
    assert not re.search(r"[A-Za-z]{4,} [a-z]{3,}", out.replace(str(data), "").replace(str(site), "")), out  # no English prose
    assert (site / "index.html").read_text(encoding="utf-8") == "上一次发布的网站"
    fine = toolbook("build", "--out", str(tmp_path / "fine"), data=MINIMAL)
    assert fine.returncode == 0, fine.stdout + fine.stderr
    assert (tmp_path / "fine" / "cases" / "yusuan-gongjian" / "index.html").is_file()
    assert (tmp_path / "fine" / "search" / "index.js").is_file()


def test_build_reads_toolbook_data(tmp_path):
    site = tmp_path / "site"
    result = run_mkdocs_build(site, MINIMAL)
    assert result.returncode == 0, result.stdout + result.stderr
    pages = read_site(site)
    assert pages["cases/yusuan-gongjian/"].h1 == "预算评审攻坚"
    assert "standards/dangfei/" not in pages  # the sample data was not read
    assert any(resolve("cases/jiaoyu-zhibu/", h) == ("cases/yusuan-gongjian", "") and a.get("rel") == "prev"
               for h, a in pages["cases/jiaoyu-zhibu/"].links)


def test_a_hand_written_page_in_the_place_of_a_generated_one_is_named(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", project)
    shutil.copytree(ROOT / "docs", project / "docs")
    (project / "hooks").symlink_to(ROOT / "hooks")
    (project / "docs" / "cases").mkdir()
    (project / "docs" / "cases" / "jiaoyu-zhibu.md").write_text("# 手写的一页\n", encoding="utf-8")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", TOOLBOOK_DATA=str(MINIMAL))
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-d", str(tmp_path / "site")], cwd=project,
                            env=env, capture_output=True, text=True, encoding="utf-8", timeout=300)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "docs/cases/jiaoyu-zhibu.md 与自动生成的页面重名" in out
    assert "Traceback" not in out and "内部错误" not in out
    assert not (tmp_path / "site" / "index.html").exists()


def test_only_the_engine_adapter_imports_mkdocs():
    """Every module of the library but kb.engine loads, and the site is planned and rendered, without MkDocs."""
    modules = sorted(".".join(p.relative_to(ROOT / "hooks").with_suffix("").parts) for p in (ROOT / "hooks" / "kb").rglob("*.py")
                     if "engine" not in p.parts and p.name != "__init__.py")
    code = ("import sys, importlib; sys.path.insert(0, 'hooks'); from pathlib import Path; "
            f"[importlib.import_module(m) for m in {modules!r}]; "
            "from kb.data.load import load_knowledge_base; from kb.site.plan import build_site; "
            "kb, p = load_knowledge_base(Path('data')); build_site(kb); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mkdocs', 'material')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, encoding="utf-8")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
