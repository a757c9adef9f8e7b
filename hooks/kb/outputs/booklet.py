"""One monthly issue as a PDF booklet: cover, contents, foreword and every case in full.

The booklet is an HTML page (templates/booklet.html) made from the data, printed to PDF by
headless Chromium (Playwright, kb/browser.py) with page numbers in the footer. It is not a
page of the site, so the site stays the same size whatever the issues hold.

Chromium cannot number the contents itself (no CSS target-counter()), so the booklet is printed
twice: the first PDF tells on which page each part starts (its named destinations, the targets of
the contents' links: page_numbers()), the second prints those numbers in the contents. The numbers
take the same room in both prints, so the pages do not move.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import jinja2
from markupsafe import Markup

from ..data.links import IMAGE_DIR
from ..data.load import load
from ..data.model import ISSUE
from ..site.markup import EditorMarkdown

TEMPLATES = Path(__file__).resolve().parent / "templates"
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
FOOTER = ('<div style="width:100%;text-align:center;font-size:9px;color:#555;">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')


class PdfError(Exception):
    """What went wrong, in Chinese, and the exit code it deserves."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def booklet_html(kb, settings, month: str, pages: dict[str, int] | None = None) -> str:
    """The booklet of issue `month` (YYYY-MM) as one HTML document. Editors' Markdown goes through the site's own
    converter (kb/site/markup.py), so nothing the site would refuse (scripts, outside images, javascript: links)
    reaches the page that Chromium prints. `pages`: the page each part starts on (by its id), for the contents."""
    issues = kb.of(ISSUE)
    if not MONTH.fullmatch(month):
        raise PdfError(f"用法错误：期号应写成 年-月，如 2026-06；收到 {month!r}", 2)
    issue = next((i for i in issues if i.data["month"] == month), None)
    if issue is None:
        have = "、".join(sorted(i.data["month"] for i in issues)) or "（没有）"
        raise PdfError(f"找不到 {month} 的月度专刊。现有的期号：{have}", 2)

    markdown = EditorMarkdown()
    cases = [kb.records[c] for c in issue.data["cases"]]
    featured = [(kb.records[r], "推荐工作法") for r in issue.data.get("featured_methods", [])]
    featured += [(kb.records[r], "对照标准") for r in issue.data.get("featured_standards", [])]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    return env.get_template("booklet.html").render(
        site_name=settings.site_name, imprint=settings.imprint, issue=issue, cases=cases, featured=featured,
        pages=pages or {},
        # editors' headings sit below the case title (h2)
        foreword_html=Markup(markdown.document(issue.data.get("foreword", ""), shift=1)),
        bodies=[Markup(markdown.document(c.data.get("body", ""), shift=1)) for c in cases],
        images={c.id: [(kb.root / IMAGE_DIR / c.id / img["file"]).resolve().as_uri() for img in c.data.get("images", [])]
                for c in cases},
    )


def write_pdf(settings, month: str, out: Path) -> int:
    """Write the PDF of issue `month` to `out` (replaced only when complete); returns its number of bytes."""
    from .. import browser

    kb, problems = load(settings.but(drafts=False))
    if problems:
        raise PdfError("\n".join(str(p) for p in problems) + f"\n数据检查发现 {len(problems)} 个问题，未生成 PDF。")
    booklet_html(kb, settings, month)  # a wrong month is told before the browser starts
    why = browser.available()
    if why:
        raise PdfError(f"生成 PDF 需要浏览器：{why}。")
    from playwright.sync_api import sync_playwright

    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="toolbook-pdf-") as tmp:
        page_file = Path(tmp) / "booklet.html"
        with sync_playwright() as p:
            b = browser.launch(p)
            try:
                page = b.new_page()
                # the booklet needs nothing but its own file and the case pictures: no request leaves the machine
                page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                           else route.abort())
                pages: dict[str, int] = {}
                for _ in range(3):  # twice, unless the numbers moved a page (then once more)
                    page_file.write_text(booklet_html(kb, settings, month, pages), encoding="utf-8")
                    page.goto(page_file.as_uri(), wait_until="load")
                    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True,
                                   display_header_footer=True, header_template="<span></span>", footer_template=FOOTER,
                                   outline=True, tagged=True)
                    try:
                        found = page_numbers(pdf)
                    except ValueError as e:
                        raise PdfError(f"无法从浏览器生成的 PDF 中读出各部分的页码（{e}），未生成 PDF。"
                                       "请使用新版的 Chromium、Google Chrome 或 Microsoft Edge。") from None
                    if found == pages:
                        break
                    pages = found
            finally:
                b.close()
        partial.write_bytes(pdf)
    os.replace(partial, out)
    return out.stat().st_size


_OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)(?:stream|endobj)", re.S)


def page_numbers(pdf: bytes) -> dict[str, int]:
    """The page (from 1) of each named destination of a PDF as Chromium writes it (Skia: a classic cross-reference
    table, the catalog's /Dests dictionary); the booklet's are the ids its contents link to. ValueError if the
    PDF is not built that way."""
    tail = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", pdf)
    if not tail or not pdf.startswith(b"xref", int(tail.group(1))):
        raise ValueError("没有交叉引用表")
    xref = int(tail.group(1))
    table = re.match(rb"xref\s+0\s+(\d+)\s+", pdf[xref:])
    if not table:
        raise ValueError("交叉引用表格式不对")
    offsets = {}
    for n, line in enumerate(pdf[xref + table.end():].split(b"\n")[: int(table.group(1))]):
        if line.strip().endswith(b"n"):
            offsets[n] = int(line[:10])

    def obj(n: int) -> bytes:
        found = _OBJECT.match(pdf, offsets[n]) if n in offsets else None
        if not found or int(found.group(1)) != n:
            raise ValueError(f"找不到对象 {n}")
        return found.group(2)

    def ref(body: bytes, key: bytes) -> int:
        found = re.search(rb"/" + key + rb"\s+(\d+) 0 R", body)
        if not found:
            raise ValueError(f"没有 /{key.decode()}")
        return int(found.group(1))

    catalog = obj(ref(pdf[xref:], b"Root"))  # the trailer follows the table
    order: list[int] = []

    def walk(n: int) -> None:
        body = obj(n)
        kids = re.search(rb"/Kids\s*\[([^\]]*)\]", body)
        if kids:
            for kid in re.findall(rb"(\d+) 0 R", kids.group(1)):
                walk(int(kid))
        else:
            order.append(n)

    walk(ref(catalog, b"Pages"))
    dests = obj(ref(catalog, b"Dests"))
    return {name.decode("ascii"): order.index(int(page)) + 1
            for name, page in re.findall(rb"/([^\s/\[\]<>()]+)\s*\[\s*(\d+) 0 R", dests) if int(page) in order}
