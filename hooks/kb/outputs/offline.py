"""The offline bundle: the whole site in a zip that works opened from disk (file://), search included.

The site is built as usual but with `use_directory_urls: false`, so every link names its file
(`standards/dangfei.html`, `standards/index.html`): a browser opening files from disk does not
look for index.html in a folder. Search needs nothing else: every file of the search index is a
script (kb/outputs/search.py), which a browser loads from file:// as from a server, so the bundle
searches with the same index and the same code, and finds the same results, as the site.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
from pathlib import Path


FOLDER = "toolbook"  # the folder inside the zip
# Not needed from disk: the theme's own search (the site does not use it), source maps.
LEFT_OUT = ("assets/javascripts/lunr/", "assets/javascripts/workers/")
# zlib's default: at 10,000 records 9.6 s for 96.7 MB, where level 9 took 15.9 s for 96.4 MB
COMPRESSION = 6


class BundleError(Exception):
    """What went wrong, in Chinese."""


class Bundle:
    """The offline bundle as an output of the build (kb.outputs.base.Output): once the site is written and its
    search index done (it comes after the search index among the outputs), the site is zipped into `out`,
    which is replaced only when the zip is complete."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.pages = 0  # the pages the bundle searches (every record's and hand-written page)
        self.files = 0
        self._site: Path | None = None
        self._partial = out.with_name(out.name + ".partial")

    def take(self, page) -> None:
        self.pages += 1

    def complete(self, site_dir: Path) -> None:
        self._site = site_dir

    def wait(self) -> None:
        site, out = self._site, self.out
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(self._partial, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESSION) as z:
            for path in sorted(site.rglob("*")):
                rel = path.relative_to(site).as_posix()
                if path.is_file() and not rel.startswith(LEFT_OUT) and not rel.endswith(".map"):
                    z.write(path, f"{FOLDER}/{rel}")
                    self.files += 1
        os.replace(self._partial, out)

    def close(self) -> None:
        self._partial.unlink(missing_ok=True)  # a zip not finished is not left behind


def build_bundle(settings, out: Path) -> dict:
    """Build the site for opening from disk and write it as a zip to `out` (replaced only when complete). The site is
    built into a folder of the build cache kept between bundles (kb.cache): the next bundle of the same data renders
    and writes only the pages that changed, as `build` does. A bundle made while another one of the same data is
    being made, or where the cache cannot be written, is built in a temporary folder."""
    from .. import cache
    from ..engine.build import BuildFailed, build
    from ..platform import FileLock

    bundle = Bundle(out)
    with contextlib.ExitStack() as stack:
        lock = FileLock(cache.folder(settings) / "bundle.lock")
        try:
            kept = lock.acquire()
        except OSError:
            kept = False
        if kept:
            stack.callback(lock.release)
            site = cache.folder(settings) / "bundle" / FOLDER
        else:
            site = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="toolbook-bundle-"))) / FOLDER
        try:
            built = build(settings.but(directory_urls=False, drafts=False), site, outputs=(bundle,), keep=kept)
        except BuildFailed as e:
            raise BundleError(f"生成网站失败，未生成离线版：\n{e}") from None
    return {"files": bundle.files, "pages": bundle.pages, "bytes": out.stat().st_size, "rendered": built.rendered,
            "kept": built.kept}
