"""One monthly issue as a PDF booklet: cover, contents, foreword and every case in full.

The booklet is an HTML page (templates/booklet.html) made from the data, printed to PDF by
headless Chromium (Playwright, scripts/browser.py) with page numbers in the footer. It is not a
page of the site, so the site stays the same size whatever the issues hold.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

import jinja2
from markupsafe import Markup

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates"
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
FOOTER = ('<div style="width:100%;text-align:center;font-size:9px;color:#555;">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')


class PdfError(Exception):
    """What went wrong, in Chinese, and the exit code it deserves."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def _site_setting(name: str) -> str:
    """A plain `name: value` line of mkdocs.yml (the file has tags a safe YAML loader refuses)."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    found = re.search(rf"^{name}:\s*(.+?)\s*$", text, re.M)
    return found.group(1) if found else ""


def booklet_html(kb, month: str) -> str:
    """The booklet of issue `month` (YYYY-MM) as one HTML document."""
    from kb.model import ISSUE
    from kb.render import markdown_to_html

    issues = kb.of(ISSUE)
    if not MONTH.fullmatch(month):
        raise PdfError(f"用法错误：期号应写成 年-月，如 2026-06；收到 {month!r}", 2)
    issue = next((i for i in issues if i.data["month"] == month), None)
    if issue is None:
        have = "、".join(sorted(i.data["month"] for i in issues)) or "（没有）"
        raise PdfError(f"找不到 {month} 的月度专刊。现有的期号：{have}", 2)

    def shifted(md: str) -> str:  # editors' headings sit below the case title (h2)
        return re.sub(r"<(/?)h([1-5])\b", lambda m: f"<{m[1]}h{int(m[2]) + 1}", markdown_to_html(md))

    cases = [kb.records[c] for c in issue.data["cases"]]
    featured = [(kb.records[r], "推荐工作法") for r in issue.data.get("featured_methods", [])]
    featured += [(kb.records[r], "对照标准") for r in issue.data.get("featured_standards", [])]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    return env.get_template("booklet.html").render(
        site_name=_site_setting("site_name"), imprint=_site_setting("copyright"), issue=issue, cases=cases,
        featured=featured, foreword_html=Markup(shifted(issue.data.get("foreword", ""))),
        bodies=[Markup(shifted(c.data.get("body", ""))) for c in cases],
        images={c.id: [(kb.root / "assets" / c.id / img["file"]).resolve().as_uri() for img in c.data.get("images", [])]
                for c in cases},
    )


def write_pdf(month: str, out: Path, data: Path) -> int:
    """Write the PDF of issue `month` to `out` (replaced only when complete); returns its number of bytes."""
    sys.path.insert(0, str(ROOT / "hooks"))
    import browser
    from kb.load import load_knowledge_base

    kb, problems = load_knowledge_base(data)
    if problems:
        raise PdfError("\n".join(str(p) for p in problems) + f"\n数据检查发现 {len(problems)} 个问题，未生成 PDF。")
    html = booklet_html(kb, month)
    why = browser.available()
    if why:
        raise PdfError(f"生成 PDF 需要浏览器：{why}。Debian/Ubuntu 上可运行 apt-get install chromium。")
    from playwright.sync_api import sync_playwright

    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="toolbook-pdf-") as tmp:
        page_file = Path(tmp) / "booklet.html"
        page_file.write_text(html, encoding="utf-8")
        with sync_playwright() as p:
            b = browser.launch(p)
            try:
                page = b.new_page()
                page.goto(page_file.as_uri(), wait_until="load")
                page.pdf(path=str(partial), format="A4", print_background=True, prefer_css_page_size=True,
                         display_header_footer=True, header_template="<span></span>", footer_template=FOOTER,
                         outline=True, tagged=True)
            finally:
                b.close()
    os.replace(partial, out)
    return out.stat().st_size
