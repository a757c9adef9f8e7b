"""The URL table: where every page of the site lives, and how pages link to each other.

Every path rule is here and nowhere else. A page is named by its Markdown source path (src_uri, as
MkDocs names it). Its URL follows MkDocs' rule: with directory URLs `standards/foo.md` is served at
`standards/foo/`, without them at `standards/foo.html`. Links are always relative (the way back to
the site root, then the target's path), so the site works under any sub-path.

    index.md                              home               stats/index.md       statistics
    <kind>/index.md                       section            guide/fields.md      field reference
    <kind>/<id>.md                        record             units/<slug>.md      a unit's records
    <kind>/<id>/mentions.md               all that cite it   tags/<tag>.md        a tag's records
    <kind>/<facet>/index.md, <slug>.md    a facet and its terms (category, unit, theme, year)
    <listing>/page/<n>.md                 page n of a long listing
    calendar/index.md, calendar/<mm>.md   一月一清单 and each month's checklist; calendar/toolbook.ics
    calendar/q<n>.md                      一季一督查: quarter n's supervision list; calendar/q<n>/duchaqingdan.docx
    standards/<id>/taizhang-<n>.docx      a standard's ledger forms (kb/outputs/ledger.py)
    cases/<id>/<file>                     a case's pictures
    mine.md                               the reader's favourites and records viewed lately (hand-written, docs/)
"""

from __future__ import annotations

import posixpath
from urllib.parse import quote

from .data.model import CASE, Kind, Record

HOME = "index.md"
STATS = "stats/index.md"
FIELDS = "guide/fields.md"
MINE = "mine.md"
UNITS = "units/index.md"
TAGS = "tags/index.md"
CALENDAR = "calendar/index.md"
ICS = "calendar/toolbook.ics"
PAGE = "page"  # folder of a listing's further pages
FACETS = ("category", "unit", "theme", "year")  # facet folders below a section
# Names a record may not take: they are folders of the site's own pages beside the records (and the
# theme's `assets/` and `search/`, kept free below the sections too).
RESERVED_IDS = frozenset({"index", PAGE, *FACETS, "assets", "search"})


def section(kind: Kind) -> str:
    return f"{kind.folder}/index.md"


def record_uri(record: Record) -> str:
    return f"{record.kind.folder}/{record.id}.md"


def mentions_uri(record: Record) -> str:
    return f"{record.kind.folder}/{record.id}/mentions.md"


def facet_uri(kind: Kind, facet: str, slug: str = "index") -> str:
    return f"{kind.folder}/{facet}/{slug}.md"


def term_uri(kind: Kind, field: str, slug: str) -> str:
    """Where a record's taxonomy value links: a unit to the unit's page (all kinds), a theme to the cases of that
    theme, a category to its kind's category listing."""
    if field == "unit":
        return unit_uri(slug)
    return facet_uri(CASE, field, slug) if field == "theme" else facet_uri(kind, field, slug)


def form_uri(record: Record, n: int) -> str:
    """A standard's n-th ledger form (from 1)."""
    return f"{record.kind.folder}/{record.id}/taizhang-{n}.docx"


def month_uri(month: int) -> str:
    return f"calendar/{month:02d}.md"


def quarter_uri(quarter: int) -> str:
    """Quarter `quarter`'s (1-4) supervision list."""
    return f"calendar/q{quarter}.md"


def supervision_form_uri(quarter: int) -> str:
    """Quarter `quarter`'s supervision list as a Word form (kb/outputs/supervision.py)."""
    return f"calendar/q{quarter}/duchaqingdan.docx"


def unit_uri(slug: str) -> str:
    return f"units/{slug}.md"


def tag_uri(tag: str) -> str:
    return f"tags/{tag}.md"


def image_uri(record: Record, file: str) -> str:
    return f"{record.kind.folder}/{record.id}/{file}"


def page_uris(uri: str, count: int) -> list[str]:
    """Page 1 keeps the listing's own URI; page n lives at <base>/page/n/."""
    base = uri[: -len("/index.md")] if uri.endswith("/index.md") else uri[: -len(".md")]
    return [uri] + [f"{base}/{PAGE}/{n}.md" for n in range(2, count + 1)]


def in_nav(uri: str) -> bool:
    """The home page and the section pages are in the navigation; every other page is reached by links."""
    return uri == HOME or (uri.endswith("/index.md") and uri.count("/") == 1)


# -- from an address back to the file of the built site, and to the page -------------------------

INDEX_HTML = "index.html"


def file_of(url: str) -> str:
    """The file of the built site that answers a URL path (from the site root, unquoted): a folder's index.html."""
    return url + INDEX_HTML if url == "" or url.endswith("/") else url


def url_of(file: str) -> str:
    """The URL path of a file of the built site (from the site root, "/"-separated): index.html is its folder's."""
    return file[: -len(INDEX_HTML)] if file == INDEX_HTML or file.endswith("/" + INDEX_HTML) else file


def page_key(address: str) -> str:
    """A page's address served (standards/dangfei/), opened from disk (standards/dangfei.html) or as its source
    (standards/dangfei.md), as one key: standards/dangfei."""
    address = address.split("#", 1)[0].split("?", 1)[0]
    for suffix in (INDEX_HTML, ".html", ".md"):
        if address.endswith(suffix):
            address = address[: -len(suffix)]
    return address.strip("/")


class Urls:
    def __init__(self, directory_urls: bool = True):
        self.directory_urls = directory_urls

    def url(self, src_uri: str) -> str:
        """The page's URL relative to the site root, as MkDocs computes it."""
        stem = src_uri[: -len(".md")]
        if stem == "index" or stem.endswith("/index"):
            folder = stem[: -len("index")]
            return folder if self.directory_urls else folder + "index.html"
        return stem + "/" if self.directory_urls else stem + ".html"

    def href(self, target: str) -> str:
        """`target` (src_uri or asset path) as a URL path from the site root, quoted for an href."""
        return quote(self.url(target) if target.endswith(".md") else target)

    def prefix(self, here: str) -> str:
        """What leads from page `here` back to the site root: "", "../", "../../", …"""
        folder = posixpath.dirname(self.url(here) + "x")
        return "../" * (folder.count("/") + 1) if folder else ""
