"""The offline bundle: the whole site in a zip that works opened from disk (file://), search included.

The site is built as usual but with `use_directory_urls: false`, so every link names its file
(`standards/dangfei.html`, `standards/index.html`): a browser opening files from disk does not
look for index.html in a folder. Pagefind fetches its index, which a browser refuses from file://,
so the bundle carries its own search data instead: javascripts/offline-index.js, a script (loaded
with a <script> tag, which file:// allows) holding the title, address, kind, unit, date, facets
and text of every searchable page. It is one more output of the same build (OfflineIndex, fed from
the same stream of pages as the Pagefind index, with the same text and facets).
docs/javascripts/search.js uses it when the page comes from file://. The normal site has neither.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from html.parser import HTMLParser
from pathlib import Path

from ..site.searchmeta import filters, meta

FOLDER = "toolbook"  # the folder inside the zip
INDEX = "javascripts/offline-index.js"
# Not needed from disk: Pagefind's index (file:// cannot read it; offline-index.js replaces it), the
# theme's own search (the site does not use it), source maps.
LEFT_OUT = ("pagefind/", "assets/javascripts/lunr/", "assets/javascripts/workers/")
FACETS = ("kind", "category", "unit", "year")


class BundleError(Exception):
    """What went wrong, in Chinese."""


class OfflineIndex:
    """What offline search knows of each searchable page: the pages Pagefind indexes, with the text it indexes."""

    def __init__(self) -> None:
        self.entries: list[dict] = []
        self._site: Path | None = None

    def add_record(self, page, url: str) -> None:
        shown, facets = meta(page.record), filters(page.record)  # what Pagefind shows and filters by, too
        self.entries.append({
            "url": url, "title": shown["title"], "kind": shown["kind"], "unit": shown.get("unit", ""),
            "date": shown.get("date", ""), "text": searchable_text(page.search),
            "facets": {key: facets.get(key, "") for key in FACETS},
        })

    def add_document(self, url: str, title: str, content: str) -> None:
        self.entries.append({"url": url, "title": title, "kind": "", "unit": "", "date": "",
                             "text": searchable_text(content), "facets": {}})

    def complete(self, site_dir: Path) -> None:
        self._site = site_dir

    def wait(self) -> None:
        """Write the index (once the site's folder exists, at the end of the build)."""
        target = self._site / INDEX
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("window.__tbOfflineIndex = " + json.dumps(self.entries, ensure_ascii=False, separators=(",", ":"))
                          + ";\n", encoding="utf-8")

    def close(self) -> None:
        pass


class _Text(HTMLParser):
    """The text of a page as Pagefind indexes it: no hidden elements, nothing marked data-pagefind-ignore."""

    VOID = {"br", "hr", "img", "input", "meta", "link", "wbr", "source"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self._skipping = 0  # depth inside an ignored element

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        names = {name for name, _ in attrs}
        if self._skipping or "hidden" in names or "data-pagefind-ignore" in names:
            self._skipping += 1

    def handle_endtag(self, tag):
        if self._skipping and tag not in self.VOID:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping:
            self.words.append(data)


def searchable_text(fragment: str) -> str:
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    return " ".join(" ".join(parser.words).split())


def build_bundle(settings, out: Path) -> dict:
    """Build the site for opening from disk and write it as a zip to `out` (replaced only when complete)."""
    from ..engine.build import BuildFailed, build

    with tempfile.TemporaryDirectory(prefix="toolbook-bundle-") as tmp:
        site = Path(tmp) / FOLDER
        try:
            outputs = build(settings.but(directory_urls=False, drafts=False), site, offline=True)
        except BuildFailed as e:
            raise BundleError(f"生成网站失败，未生成离线版：\n{e}") from None
        pages = len(next(o for o in outputs if isinstance(o, OfflineIndex)).entries)
        partial = out.with_name(out.name + ".partial")
        out.parent.mkdir(parents=True, exist_ok=True)
        files = 0
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
            for path in sorted(site.rglob("*")):
                rel = path.relative_to(site).as_posix()
                if path.is_file() and not rel.startswith(LEFT_OUT) and not rel.endswith(".map"):
                    z.write(path, f"{FOLDER}/{rel}")
                    files += 1
        os.replace(partial, out)
    return {"files": files, "pages": pages, "bytes": out.stat().st_size}
