"""Done when: following only the editor guide (docs/guide.md), a newcomer scaffolds next month's issue,
imports a case from Word, sees it as a draft in the preview, publishes it, and finds it in the built
site and its search.

The commands are read from the guide's code blocks, so the guide cannot drift from the CLI; only the
paths change (a copy of the sample data, a Word file made here, a free port, an output folder).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import ROOT, SAMPLE, free_port, indexed_pages, word_case

sys.path.insert(0, str(ROOT / "scripts"))
from kb import browser

GUIDE = ROOT / "docs" / "guide.md"
TITLE = "红色驿站暖人心"


def guide_commands() -> list[str]:
    """Every command line in the guide's code blocks, in order."""
    blocks = re.findall(r"```text\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    return [line.strip() for b in blocks for line in b.splitlines() if line.strip().startswith("python ")]


def the(commands: list[str], start: str, *, without: str = "") -> list[str]:
    """The guide's command beginning with `start` (one, exactly), as arguments."""
    found = [c for c in commands if c.startswith(start) and not (without and without in c)]
    assert len(found) == 1, (start, found)
    args = shlex.split(found[0])
    return [sys.executable, *args[1:]]


def run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


def fill_in(path: Path, **replacements: str) -> None:
    """What the editor does in VS Code: replace the placeholders, drop the hints."""
    lines = [line.split("  # 待填写")[0] for line in path.read_text(encoding="utf-8").splitlines()]
    text = "\n".join(lines) + "\n"
    for old, new in replacements.items():
        text = text.replace(old, new)
    text = re.sub(r"（待填写）", "", text)
    path.write_text(text, encoding="utf-8")


def fetch(url: str, timeout: float = 120) -> str:
    """The page at `url` once the preview serves it."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.read().decode("utf-8")
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_the_monthly_workflow_from_the_editor_guide(tmp_path):
    started = time.monotonic()
    commands = guide_commands()
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    env = dict(os.environ, TOOLBOOK_DATA=str(data), TOOLBOOK_TODAY="2026-11-25", NO_MKDOCS_2_WARNING="1")
    word = word_case(tmp_path / "红色驿站.docx", title=TITLE)

    # 1. scaffold next month's issue
    new = the(commands, "python scripts/toolbook.py new issue")
    run(new, env)
    month = new[new.index("issue") + 1]
    issue_file = data / "issues" / f"{month}.yml"
    stubs = sorted((data / "cases").glob(f"{month}-anli-*.yml"))
    assert issue_file.is_file() and len(stubs) == int(new[new.index("--cases") + 1])

    # 2. import the case written in Word
    imp = the(commands, "python scripts/toolbook.py import-docx", without="--id")
    imp[imp.index("import-docx") + 1] = str(word)
    run(imp, env)
    case_id = stubs[0].stem
    assert TITLE in stubs[0].read_text(encoding="utf-8")

    # 3. the editor writes the foreword and the other cases
    fill_in(issue_file, **{"本期标题": "把服务送到群众身边", "卷首语：本期主题的意义、收录了哪些案例、推荐读者关注什么。可用 Markdown。":
                           "本期选编几个为民服务的案例。"})
    for n, stub in enumerate(stubs[1:], start=2):
        fill_in(stub, 案例标题=f"服务案例第{n}篇", 党组织全称="市财政局预算处党支部", **{
            "一两句话概括案例。": "一句话概括。", "正文。可用 Markdown：## 小标题、- 列表、**加粗**、表格。": "正文。",
            "具体做法。": "做法。", "可供借鉴的亮点": "亮点", "取得的成效，尽量带数字": "成效"})

    # 4. check, drafts included
    run(the(commands, "python scripts/toolbook.py check --drafts"), env)

    # 5. preview: the imported case is there, marked as a draft
    port = free_port()
    serve = subprocess.Popen([*the(commands, "python scripts/toolbook.py serve"), "--addr", f"127.0.0.1:{port}"],
                             cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        page = fetch(f"http://127.0.0.1:{port}/cases/{case_id}/")
        assert TITLE in page and "tb-draft" in page and "只在本地预览中显示" in page
        assert "草稿" in fetch(f"http://127.0.0.1:{port}/issues/{month}/")
    finally:
        serve.terminate()  # serve owns its server: ending the command ends the server, on every platform
        serve.wait(timeout=30)

    # 6. publish (the command then checks what will be published)
    published = run(the(commands, "python scripts/toolbook.py finalize", without="--date"), env)
    assert "数据检查通过" in published.stderr

    # 7. build the site: the case is there, no longer a draft, and the search index has it
    site = tmp_path / "site"
    run([*the(commands, "python scripts/toolbook.py build"), "--out", str(site)], env)
    page = (site / "cases" / case_id / "index.html").read_text(encoding="utf-8")
    assert TITLE in page and "tb-draft" not in page
    assert f"issues/{month}/" in (site / "index.html").read_text(encoding="utf-8")  # the home page's current issue
    assert any(e["title"] == TITLE for e in indexed_pages(site))
    print(f"\n编辑流程（命令行部分，不含浏览器搜索）用时 {time.monotonic() - started:.1f} 秒")

    why = browser.available()
    if why and os.environ.get("CI"):
        pytest.fail(f"CI 中必须能用浏览器搜索：{why}")
    if why:
        pytest.skip(f"跳过浏览器搜索：{why}")
    from playwright.sync_api import sync_playwright

    with browser.serve(site) as base, sync_playwright() as p:
        chromium = browser.launch(p)
        try:
            found = browser.search(chromium.new_page(), base, TITLE)
        finally:
            chromium.close()
    assert found["results"] and found["results"][0]["href"].rstrip("/").endswith(f"cases/{case_id}")


def test_the_guides_single_record_commands_work(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    env = dict(os.environ, TOOLBOOK_DATA=str(data))
    singles = [c for c in guide_commands() if re.match(r"python scripts/toolbook.py new (case|method|standard) ", c)]
    assert len(singles) == 3
    for command in singles:
        args = shlex.split(command)
        run([sys.executable, *args[1:]], env)
        kind, record_id = args[3], args[4]
        assert (data / f"{kind}s" / f"{record_id}.yml").is_file()
    run([sys.executable, "scripts/toolbook.py", "check", "--drafts"], env)
