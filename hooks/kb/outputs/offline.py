"""The offline bundle: the whole site in a zip that works opened from disk (file://), search included.

The site is built as usual but with `use_directory_urls: false`, so every link names its file
(`standards/dangfei.html`, `standards/index.html`): a browser opening files from disk does not
look for index.html in a folder. Search needs nothing else: every file of the search index is a
script (kb/outputs/search.py), which a browser loads from file:// as from a server, so the bundle
searches with the same index and the same code, and finds the same results, as the site.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

from .search import SearchIndex

FOLDER = "toolbook"  # the folder inside the zip
# Not needed from disk: the theme's own search (the site does not use it), source maps.
LEFT_OUT = ("assets/javascripts/lunr/", "assets/javascripts/workers/")


class BundleError(Exception):
    """What went wrong, in Chinese."""


def build_bundle(settings, out: Path) -> dict:
    """Build the site for opening from disk and write it as a zip to `out` (replaced only when complete)."""
    from ..engine.build import BuildFailed, build

    with tempfile.TemporaryDirectory(prefix="toolbook-bundle-") as tmp:
        site = Path(tmp) / FOLDER
        try:
            outputs = build(settings.but(directory_urls=False, drafts=False), site)
        except BuildFailed as e:
            raise BundleError(f"生成网站失败，未生成离线版：\n{e}") from None
        pages = next(o for o in outputs if isinstance(o, SearchIndex)).count
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
