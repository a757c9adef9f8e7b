"""The offline bundle: the whole site in a zip that works opened from disk (file://), search included.

The site is built as usual but with `use_directory_urls: false`, so every link names its file
(`standards/dangfei.html`, `standards/index.html`): a browser opening files from disk does not
look for index.html in a folder. Pagefind fetches its index, which a browser refuses from file://,
so the bundle carries its own search data instead: javascripts/offline-index.js, a script (loaded
with a <script> tag, which file:// allows) holding the title, address, kind, unit, date, facets
and plain text of every searchable page. docs/javascripts/search.js uses it when the page comes
from file://. The normal site has neither.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = "toolbook"  # the folder inside the zip
INDEX = "javascripts/offline-index.js"
# Not needed from disk: Pagefind's index (file:// cannot read it; offline-index.js replaces it), the
# theme's own search (the site does not use it), source maps.
LEFT_OUT = ("pagefind/", "assets/javascripts/lunr/", "assets/javascripts/workers/")

# MkDocs' own build, with the configuration of mkdocs.yml changed in two settings only.
_BUILD = """
import logging, sys
from mkdocs.config import load_config
from mkdocs.commands.build import build
from mkdocs.exceptions import Abort, ConfigurationError, PluginError
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
try:
    config = load_config("mkdocs.yml", site_dir=sys.argv[1], use_directory_urls=False, strict=True)
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()
except (Abort, ConfigurationError, PluginError) as e:
    print(e, file=sys.stderr)
    sys.exit(1)
"""


class BundleError(Exception):
    """What went wrong, in Chinese."""


def build_bundle(out: Path, data: Path | None = None) -> dict:
    """Write the zip to `out` (replaced only when complete); returns figures for the message."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    if data is not None:
        env["TOOLBOOK_DATA"] = str(data)
    with tempfile.TemporaryDirectory(prefix="toolbook-bundle-") as tmp:
        site = Path(tmp) / FOLDER
        result = subprocess.run([sys.executable, "-c", _BUILD, str(site)], cwd=ROOT, env=env, capture_output=True,
                                text=True, encoding="utf-8", errors="replace")
        if result.returncode != 0:
            raise BundleError(f"生成网站失败，未生成离线版：\n{(result.stderr + result.stdout).strip()}")
        entries = offline_index(Path(env.get("TOOLBOOK_DATA") or ROOT / "data"))
        (site / INDEX).write_text("window.__tbOfflineIndex = " + json.dumps(entries, ensure_ascii=False, separators=(",", ":"))
                                  + ";\n", encoding="utf-8")
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
    return {"files": files, "pages": len(entries), "bytes": out.stat().st_size}


def offline_index(data: Path) -> list[dict]:
    """What offline search knows of each searchable page (the pages Pagefind indexes: records, hand-written pages)."""
    sys.path.insert(0, str(ROOT / "hooks"))
    from kb.load import load_knowledge_base
    from kb.render import markdown_to_html, search_document
    from kb.site import stream_site
    from kb.urls import Urls

    kb, problems = load_knowledge_base(data)
    if problems:  # the build has already reported them
        raise BundleError("数据有问题，未生成离线版。")
    urls = Urls(directory_urls=False)
    entries = []
    records = {f"{r.kind.folder}/{r.id}.md": r for r in kb.records.values()}

    def add(page) -> None:
        record = records.get(page.src_uri)
        if page.source is None or record is None:
            return
        d = record.data
        entries.append({
            "url": urls.url(page.src_uri), "title": record.title, "kind": record.kind.short, "unit": d.get("unit", ""),
            "date": record.date or "", "text": plain_text(search_document(page.markdown, page.blocks)),
            "facets": {"kind": record.kind.label, "category": d.get("category") or d.get("theme") or "",
                       "unit": d.get("unit", ""), "year": record.year if record.date else ""},
        })

    stream_site(kb, add, directory_urls=False)
    docs = ROOT / "docs"
    for md in sorted(docs.rglob("*.md")):
        rel = md.relative_to(docs).as_posix()
        if rel.startswith("overrides/"):
            continue
        text = md.read_text(encoding="utf-8")
        title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), rel)
        entries.append({"url": urls.url(rel), "title": title, "kind": "", "unit": "", "date": "",
                        "text": plain_text(markdown_to_html(text)), "facets": {}})
    return entries


def plain_text(fragment: str) -> str:
    text = re.sub(r"<[^>]+>", " ", fragment)
    return " ".join(html.unescape(text).split())
