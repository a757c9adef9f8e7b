"""The site's search index: overlapping character pairs with positions, written as static script files.

Chinese has no spaces, and a dictionary cuts a phrase differently from how the reader's browser
cuts the query (三会一课 → 三/会/一课 or 三会/一/课), so whether a record is found would depend on the
cut. Here nothing is cut by a dictionary: every run of letters and digits is indexed as its
overlapping pairs of characters (三会 会一 一课), each with its positions, the way CJK search engines
commonly do (Lucene's CJK analyzer, Elasticsearch's `cjk_bigram`). The query is cut the same way in
the browser (docs/javascripts/search.js), and a phrase matches a record only where its pairs stand
side by side: what is found is exactly the records whose text contains the phrase.

Where a phrase stands decides its rank: positions are counted from a fixed start for each field
(title, keywords and tags, summary, the rest of the page's text), so a position tells the field.
Ties are broken by kind (standards, methods, cases, issues, then the hand-written pages), then newer
before older. Pages are numbered from the oldest to the newest (_numbered), so that a new month's
records come last and the other pages keep their numbers: a build after a small change writes again
only the files that changed (_Folder), and a release shares the others with the last (kb.deploy.publish).

What is written, under <site>/search/ (docs/javascripts/search.js reads it, online and from disk
alike: every file is a script that hands its data to `window.__tbSearch`, since a browser loads
scripts from file:// but does not fetch there):
- index.js: the manifest: how many pages, the first and last pair of each chunk (a pair between two chunks
  is in none: the query knows without loading one), the facets and the title's length of every page, the
  synonyms and generic words (data/synonyms.yml), the first and last key of each chunk of spellings.
- <version>/c/N.js: chunk N of the postings, pairs in order; a reader loads only the chunks of the
  pairs the query has (the manifest gives each chunk's size: a query covers its characters with the
  cheapest pairs). A common pair (党员, 支部: postings of more than HEAVY bytes) has a chunk of its own with
  what ranks a page (how often, where in the title, keywords and summary) — that of the pages before the last
  LAST_PAGES in <version>/r/<name>-<page>.js, loaded with the chunk — and its positions in the text in
  <version>/t/<name>-<k>.js, blocks of a few hundred pages: a phrase loads the blocks of the pages its rarer
  pairs leave (Postings.split). <name> is a digest of the pair: a new month's records change the chunk and the
  last block, not the others.
- <version>/w/N.js: chunk N of the vocabulary (kb.outputs.vocabulary): pair -> the words that begin with
  it and those that end with it; small chunks, one for each pair of the query.
- <version>/y/N.js: chunk N of the spellings: pinyin and initials -> the words they spell.
- <version>/p/N.js: page N: address, title, kind, unit, date and text (for the snippet).
<version> is a digest of the index: every build's files have names of their own, so a browser never
mixes chunks of two builds and the server may cache them for good (scripts/nginx/toolbook.conf).

The index is made in a child process (python -m kb.outputs.search), on the second core: it is handed each page as
the build makes it and reads its text while MkDocs renders the next ones on the first core, then makes the index
while MkDocs writes the pages.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import itertools
import json
import operator
import os
import pickle
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import unicodedata
import zlib
from array import array
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

from ..data.model import KINDS
from ..paths import HOOKS
from .base import OutputError, OutputPage

FOLDER = "search"
MANIFEST = "index.js"
FACETS = ("kind", "category", "unit", "year")  # what results can be narrowed by (search.js names them)
# Positions where each field starts; a field longer than its room is cut (the page's text has it whole).
TITLE, KEYWORDS, SUMMARY, TEXT = 0, 1 << 8, 1 << 10, 1 << 12
CHUNK_BYTES = 16_000  # bytes of a chunk file (a pair whose postings are longer has a chunk of its own)
HEAVY = 12_000  # bytes of a pair's postings from which the positions in the text are kept apart (Postings.split)
BLOCK_BYTES = 4_000  # … in blocks of about this size
WORD_CHUNK_BYTES = 4_000  # … of a chunk of the vocabulary: a query loads one for each of its pairs
RUN = re.compile(r"[^\W_]+")  # letters and digits (search.js: /[\p{L}\p{N}]+/gu)


class SearchIndexError(OutputError):
    pass


# Quotation marks and title marks are left out: “三单”工作法 and 学习《条例》 read as 三单工作法 and 学习条例.
QUOTES = "“”‘’\"'「」『』《》〈〉"
_UNQUOTE = str.maketrans("", "", QUOTES)


def normalise(text: str) -> str:
    """What the index and the query compare: NFKC (full-width letters and digits as ASCII), lower case, without
    QUOTES. search.js applies the same (its normalise())."""
    if not unicodedata.is_normalized("NFKC", text):  # most text is: the check is far quicker
        text = unicodedata.normalize("NFKC", text)
    return text.lower().translate(_UNQUOTE)


class _Text(HTMLParser):
    VOID = {"br", "hr", "img", "input", "meta", "link", "wbr", "source"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.skipping = 0  # depth inside an ignored element

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        if self.skipping or any(name == "hidden" or name == "data-search-ignore" for name, _ in attrs):
            self.skipping += 1

    def handle_endtag(self, tag):
        if self.skipping and tag not in self.VOID:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.words.append(data)


def searchable_text(fragment: str) -> str:
    """A page's text as the index has it: no tags, nothing hidden or marked data-search-ignore."""
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    return " ".join(" ".join(parser.words).split())


# -- what the build hands over ----------------------------------------------------------------

RANK = {kind.name: i for i, kind in enumerate(KINDS)}
DOCUMENT_RANK = len(KINDS)


class SearchIndex:
    """The search index as an output of the build (kb.outputs.base.Output): each page is handed to a child process as
    it is taken, which reads its text (searchable_text) on the second core while the engine renders on the first;
    once the last page is in (complete) the child makes the index, while the engine writes the pages; wait() at the
    end of the build. The build keeps no page of it in memory."""

    BATCH = 64  # pages sent to the child at a time

    def __init__(self, words=None, texts: Path | None = None) -> None:
        self.words = words  # kb.data.model.SearchWords: data/synonyms.yml
        self.texts = texts  # the cache file of the pages' texts as the last index read them (kb.cache), or None
        self.count = 0  # pages indexed
        self._proc: subprocess.Popen | None = None
        self._batch: list[bytes] = []
        self._queue: queue.SimpleQueue | None = None  # batches for the feeder thread (None: the end)
        self._feeder: threading.Thread | None = None

    def take(self, page: OutputPage) -> None:
        """A page of the site: a record's, or a hand-written one (kb.outputs.base.Output)."""
        record = page.record
        if record is None:
            entry = {"rank": [DOCUMENT_RANK, "", page.url], "url": page.url, "title": page.title, "kind": "",
                     "unit": "", "date": "", "facets": [""] * len(FACETS), "keywords": "", "summary": "",
                     "html": page.html, "terms": []}
        else:
            unit = record.get("unit") or ""
            facet = record.get(record.kind.facet) if record.kind.facet else ""
            facets = {"kind": record.kind.label, "category": facet or "", "unit": unit,
                      "year": record.year if record.date else ""}
            words = list(record.get("keywords") or []) + list(record.tags)
            duties = [item.get("duty") for clause in record.get("clauses") or [] for item in clause.get("schedule") or []]
            entry = {
                "rank": [RANK[record.kind.name], _descending(record.date), record.title],
                "url": page.url, "title": record.title, "kind": record.kind.short, "unit": unit,
                "date": record.date or "", "facets": [facets[key] for key in FACETS],
                "keywords": "、".join(words), "summary": str(record.get("summary") or ""),
                "html": page.html,
                "terms": [t for t in [*words, unit, facet, *duties] if isinstance(t, str) and t],
            }
        self._send(entry)
        self.count += 1

    def complete(self, site_dir: Path) -> None:
        """Every page is in: the child makes the index into site_dir/search, without waiting."""
        self._send({"output": str(site_dir / FOLDER)}, last=True)

    def _send(self, message: dict, last: bool = False) -> None:
        if self._proc is None:
            self._start()
        self._batch.append(json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")
        if last or len(self._batch) >= self.BATCH:
            self._queue.put(b"".join(self._batch))
            self._batch = []
        if last:
            self._queue.put(None)

    def _start(self) -> None:
        from ..platform import child_env

        env = child_env()
        env["PYTHONPATH"] = str(HOOKS) + os.pathsep + env.get("PYTHONPATH", "")
        self._proc = subprocess.Popen([sys.executable, "-m", "kb.outputs.search"], env=env,
                                      stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._queue = queue.SimpleQueue()
        words = {"synonyms": [list(g) for g in self.words.synonyms], "generic": list(self.words.generic)} if self.words else {}
        start = {"words": words, "texts": os.fspath(self.texts) if self.texts else None}
        self._batch.append(json.dumps(start, ensure_ascii=False).encode("utf-8") + b"\n")
        self._feeder = threading.Thread(target=self._feed, args=(self._proc, self._queue), name="search-index-feed",
                                        daemon=True)
        self._feeder.start()

    @staticmethod
    def _feed(proc: subprocess.Popen, batches: queue.SimpleQueue) -> None:
        try:
            while (batch := batches.get()) is not None:
                proc.stdin.write(batch)
            proc.stdin.close()
        except OSError:
            pass  # the child ended early: wait() reports what it said

    def wait(self) -> None:
        """Block until the index is written; raise SearchIndexError if it failed (or was closed meanwhile)."""
        proc = self._proc
        if proc is None:
            return
        self._feeder.join()
        error = proc.stderr.read()
        code = proc.wait()
        self._proc = None
        message = error.decode("utf-8", "replace").strip().splitlines()
        if code == 0 and message:  # what it said on the way (its cache file damaged, say)
            print("\n".join(message), file=sys.stderr, flush=True)
        if code != 0:
            raise SearchIndexError("生成搜索索引失败：" + (message[-1] if message else f"建立索引的进程意外退出（退出码 {code}）"))

    def close(self) -> None:
        """End the child now if it still runs, from any thread (the preview's next rebuild gives this index up:
        the child would take the second core from it); a wait() under way then fails."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        if self._queue is not None:
            self._queue.put(None)  # the feeder ends (its writes fail on the dead child's pipe)


def _descending(date: str) -> str:
    """A key that sorts newer dates first (dates are ISO strings of digits and dashes)."""
    return "".join(chr(0x7F - ord(c)) for c in date) + "\x7f"


# -- the index ---------------------------------------------------------------------------------

def pairs(text: str, start: int, room: int, positions: defaultdict) -> None:
    """The pairs of `text` (normalised), each at its character's offset from `start` (cut at `room`), into
    token -> positions. The last character of a run is indexed alone too, so that a query of one
    character finds it. Runs are apart by at least the mark between them: no phrase runs across."""
    if len(text) > room:
        text = text[:room]
    add = operator.add
    for match in RUN.finditer(text):
        run, at = match.group(), start + match.start()
        n = len(run)
        if n > 1:
            for token, position in zip(map(add, run, run[1:]), range(at, at + n)):
                positions[token].append(position)
        positions[run[-1]].append(at + n - 1)


class _Varints(dict):
    """n -> n as a varint (7 bits a byte, low bits first), made once per number."""

    def __missing__(self, n: int) -> bytes:
        out, m = bytearray(), n
        while m >= 0x80:
            out.append((m & 0x7F) | 0x80)
            m >>= 7
        out.append(m)
        self[n] = value = bytes(out)
        return value


class Postings:
    """Every token's postings, pages in ascending order: per page the delta of its number, how many
    positions, the positions' deltas; encoded as varints at the end (encoded()). Held as arrays of 32-bit numbers
    (positions are below 2**31): a list would hold an object for each number, most of the index's memory."""

    def __init__(self) -> None:
        self.numbers: defaultdict[str, array] = defaultdict(_numbers)
        self._last: dict[str, int] = {}
        self.groups: list[tuple[int, dict, tuple]] = []  # (first page, group, its arrays) of _postings (split())
        self.tokens: list[str] = []  # … and the tokens' numbers there
        self.ids: dict[str, int] = {}
        self.base = 0  # the first page of the last pages (split(): a common pair's ranks before it are apart)

    def add(self, page: int, positions: dict) -> None:
        numbers, last = self.numbers, self._last
        for token, at in positions.items():
            into = numbers[token]
            into.extend((page - last.get(token, -1), len(at), at[0]))
            if len(at) > 1:
                into.extend(map(operator.sub, at[1:], at))
            last[token] = page

    def encoded(self, token: str) -> bytes:
        return b"".join(map(_VARINT, self.numbers[token]))

    def split(self, token: str) -> tuple[bytes, bytes, list[tuple[int, bytes]]]:
        """A common token's postings in two parts: what ranks a page (per page: the delta of its number, how many
        positions, how many of them are in the title, keywords or summary, and those positions' deltas), itself in
        two, the pages before `base` and the others, and the positions in the page's text, in blocks of about
        BLOCK_BYTES, each with the first page it has.
        A phrase needs the text's positions only on the pages its rarer pairs leave (search.js loads those blocks).
        Each group of pages (_postings) splits its own part (prepare()): a later index uses it again."""
        ranks, text, counts, starts, last, size, number = [], [], _numbers(), [], -1, 0, self.ids[token]
        cut = None  # where the pages from `base` start in `ranks`
        for start, own, _ in self.groups:
            if cut is None and start >= self.base:
                cut = len(ranks)
            blob = own["split"].get(number)
            if blob is None:  # the group has no page with the token
                continue
            end, first, rest, coded, many, ends, pages = pickle.loads(zlib.decompress(blob))
            ranks.append(_VARINT(first + start - 1 - last) + rest)  # the delta of the group's first page, from the
            last = start + end                                       # last page before the group
            starts.append((len(counts), start, pages, size, ends))
            text.append(coded)
            counts.frombytes(many)
            size += len(coded)
        text = b"".join(text)
        most = BLOCK_BYTES * 3 // 4  # numbers, a byte each at least; base64 makes them a third longer
        total, blocks, lo, base = list(itertools.accumulate(counts)), [], 0, 0
        firsts, at = [n for n, *_ in starts], 0
        while lo < len(total):  # a block ends with the page whose text makes it `most` numbers or more
            end = min(bisect.bisect_left(total, base + most, lo), len(total) - 1)
            n, start, pages, *_ = starts[bisect.bisect_right(firsts, lo) - 1]
            n_end, _, _, offset, ends = starts[bisect.bisect_right(firsts, end) - 1]
            upto = offset + _numbers(ends)[end - n_end]  # where the text of the block's last page ends
            blocks.append((start + _numbers(pages)[lo - n], text[at:upto]))
            lo, base, at = end + 1, total[end], upto
        cut = len(ranks) if cut is None else cut
        return b"".join(ranks[:cut]), b"".join(ranks[cut:]), blocks

    def prepare(self, common: list[str]) -> None:
        """Each group's parts of the common tokens (split()), where the group has not kept them from an earlier index
        (a token that was not common then, or a new group)."""
        wanted = [self.ids[token] for token in common]
        for _, own, (have, ends, offsets) in self.groups:
            missing = [n for n in wanted if n not in own["split"]]
            if not missing:
                continue
            data, where = memoryview(zlib.decompress(own["data"])), {n: i for i, n in enumerate(have)}
            for n in missing:
                i = where.get(n)
                own["split"][n] = None if i is None else _packed(ends[i], *_split(data[offsets[i]:offsets[i + 1]]))


def _numbers(coded: bytes = b"") -> array:
    numbers = array("L" if array("I").itemsize < 4 else "I")  # 32 bits at least
    numbers.frombytes(coded)
    return numbers


def _packed(*values) -> bytes:
    return zlib.compress(pickle.dumps(values, protocol=pickle.HIGHEST_PROTOCOL), 1)


def _split(coded) -> tuple:
    """A group's postings of a common token, as Postings.split joins them: what ranks each page (its number's delta,
    how many positions, how many in the title, keywords or summary, and those positions' deltas), the first number
    apart and the rest as varints; the positions in the text of the pages that have some (their deltas, from the last
    in the head or 0) as varints, how many each page has, where each page's end in them, and the pages' numbers."""
    numbers = _numbers(coded)
    ranks, text, counts, pages = [], [], _numbers(), _numbers()  # lists: quicker to add to a few at a time
    page, i, end = -1, 0, len(numbers)
    while i < end:  # one page at a time: its number's delta, how many positions, the positions' deltas
        delta, n = numbers[i], numbers[i + 1]
        page += delta
        at, i = i + 2, i + 2 + n
        head = 0
        if numbers[at] < TEXT:  # positions in the title, keywords or summary: their number
            head, p = 1, numbers[at]
            while head < n:
                p += numbers[at + head]
                if p >= TEXT:
                    break
                head += 1
            ranks += (delta, n, head)
            ranks += numbers[at:at + head]
        else:  # most pages of a common pair
            ranks += (delta, n, 0)
        if head < n:
            text += numbers[at + head:i]
            counts.append(n - head)
            pages.append(page)
    coded = list(map(_VARINT, text))
    sizes = list(itertools.accumulate(map(len, coded)))  # bytes up to each number
    ends = _numbers()
    ends.extend(sizes[k - 1] for k in itertools.accumulate(counts))
    return (ranks[0], b"".join(map(_VARINT, ranks[1:])), b"".join(coded), counts.tobytes(), ends.tobytes(),
            pages.tobytes())


_VARINT = _Varints().__getitem__


def _column(numbers: list[int]) -> dict:
    """A facet's value numbers for every page, as base64 varints; run-length coded where that is shorter
    (pages are in kind and date order, so kind and year come in long runs)."""
    runs: list[int] = []
    for n in numbers:
        if runs and runs[-2] == n:
            runs[-1] += 1
        else:
            runs += (n, 1)
    coded = runs if len(runs) < len(numbers) else numbers
    data = base64.b64encode(b"".join(map(_VARINT, coded))).decode("ascii")
    return {"data": data, "runs": coded is runs}


def _utf16(token: str) -> bytes:
    return token.encode("utf-16-be")  # the order of JavaScript's string comparison


def _script(call: str, *args) -> bytes:
    data = ",".join(json.dumps(a, ensure_ascii=False, separators=(",", ":")) for a in args)
    data = data.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")  # line ends to older JavaScript
    return f"window.__tbSearch.{call}({data});\n".encode("utf-8")


def make_index(pages: list[dict], output: Path, words: dict | None = None, known: dict | None = None) -> dict:
    """Write the index of `pages` (as SearchIndex collects them) into `output`, replacing what is there;
    `words`: the synonyms and generic words of data/synonyms.yml; `known`: what an earlier index made that this one
    may use again (its "made": the groups of pages' postings, _postings, the vocabulary's cuts, and the digest of
    each file it wrote, _Folder). The figures of the index, with what it made."""
    known = known or {}
    from .vocabulary import Vocabulary

    pages = sorted(pages, key=_numbered, reverse=True)
    output.mkdir(parents=True, exist_ok=True)
    work = _Folder(output, known.get("files"))
    digest = hashlib.sha1()

    def write(folder: str, n: int, body: bytes) -> None:
        digest.update(body)
        work.put(folder, f"{n}.js", body)

    try:
        vocabulary = Vocabulary()
        vocabulary.add_words(words)
        cuts = vocabulary.make(pages, known.get("cuts"))
        postings, grouped = _postings(pages, known.get("postings") or {})

        tokens = sorted(postings.numbers, key=_utf16)
        starts, ends = vocabulary.lexicon(postings.numbers.__contains__)
        spelled = vocabulary.pinyin()

        def chunked(entries, folder: str, call: str, most: int = CHUNK_BYTES) -> dict:
            """Entries [key, …] in key order, into files of about `most` bytes: each file's first and last key and
            size. An entry given as (entry, more) has a file of its own, whose size counts `more` bytes besides."""
            made = {"firsts": [], "lasts": [], "sizes": []}
            chunk, size, extra = [], 0, 0

            def flush() -> None:
                nonlocal chunk, size, extra
                if chunk:
                    made["lasts"].append(chunk[-1][0])
                    body = _script(call, len(made["firsts"]) - 1, chunk)
                    write(folder, len(made["firsts"]) - 1, body)
                    made["sizes"].append(len(body) + extra)
                chunk, size, extra = [], 0, 0

            for entry in entries:
                alone = isinstance(entry, tuple)
                if alone:
                    entry, more = entry
                cost = sum(len(str(e).encode("utf-8")) + 3 for e in entry) + 2  # as written: ["token","data"],
                if alone or not chunk or size + cost > most:
                    flush()
                    made["firsts"].append(entry[0])
                chunk.append(entry)
                size += cost
                if alone:
                    extra = more
                    flush()
            flush()
            return made

        blocks = 0

        def postings_of(token: str):
            """A pair's entry: [pair, postings]; a common pair's: ([pair, what ranks the last pages, its name, the
            first page of each block, and the name of what ranks the pages before, if any], bytes of its files), its
            blocks written into t/<name>-<k>.js, what ranks the pages before postings.base into r/<name>-<base>.js.
            A name is the pair's, not a count: a pair's files are the same as long as its postings are (most of
            them after a new month's records: those come last, and the pages before postings.base are apart)."""
            nonlocal blocks
            if token not in common:
                coded = postings.encoded(token)
                del postings.numbers[token]  # written: the memory is the next pairs'
                return [token, base64.b64encode(coded).decode("ascii")]
            del postings.numbers[token]
            before, head, parts = postings.split(token)
            name, more = hashlib.blake2b(token.encode("utf-8", "surrogatepass"), digest_size=6).hexdigest(), 0
            for k, (_, block) in enumerate(parts):
                body = _script("positions", f"{name}-{k}", base64.b64encode(block).decode("ascii"))
                write("t", f"{name}-{k}", body)
                more += len(body)
            blocks += len(parts)
            entry = [token, base64.b64encode(head).decode("ascii"), name, [page for page, _ in parts]]
            if before:
                entry.append(f"{name}-{postings.base}")
                body = _script("ranks", entry[-1], base64.b64encode(before).decode("ascii"))
                write("r", entry[-1], body)
                more += len(body)
            return entry, more

        # the pairs whose postings are more than HEAVY bytes (Postings.split): a number (32 bits) is 1 to 5 bytes, so
        # only a pair of more than HEAVY / 5 numbers is encoded to tell (postings_of encodes the others once)
        counts = {token: len(postings.numbers[token]) for token in tokens}
        common = [token for token in tokens if counts[token] > HEAVY
                  or counts[token] * 5 > HEAVY and len(postings.encoded(token)) > HEAVY]
        postings.prepare(common)
        common = set(common)
        pairs_made = chunked(map(postings_of, tokens), "c", "chunk")
        lexicon = sorted(set(starts) | set(ends), key=_utf16)  # a pair: the words it begins, those it ends
        words_made = chunked(([t, "|".join(starts.get(t, ())), "|".join(ends.get(t, ()))] for t in lexicon), "w", "words",
                             WORD_CHUNK_BYTES)
        spelling = chunked(([key, "|".join(spelled[key])] for key in sorted(spelled, key=_utf16)), "y", "pinyin")
        firsts = pairs_made["firsts"]
        for number, page in enumerate(pages):  # each page's file: what a result shows of it
            write("p", number, _script("page", number, {k: page[k] for k in ("url", "title", "kind", "unit", "date", "text")}))
        values = [sorted({p["facets"][i] for p in pages if p["facets"][i]}) for i in range(len(FACETS))]
        numbers = [{v: k + 1 for k, v in enumerate(vs)} for vs in values]
        facets = [{"name": name, "values": values[i], "of": _column([numbers[i].get(p["facets"][i], 0) for p in pages])}
                  for i, name in enumerate(FACETS)]
        version = digest.hexdigest()[:12]
        manifest = {"version": version, "pages": len(pages), "kinds": [kind.label for kind in KINDS], "chunks": firsts, "lasts": pairs_made["lasts"],
                    "sizes": pairs_made["sizes"], "blocks": blocks, "words": {k: words_made[k] for k in ("firsts", "lasts")},
                    "fields": [TITLE, KEYWORDS, SUMMARY, TEXT],
                    "facets": facets, "titles": _column([min(len(normalise(p["title"])), 255) for p in pages]), "pinyin": {k: spelling[k] for k in ("firsts", "lasts")},
                    "synonyms": vocabulary.synonyms, "generic": vocabulary.generic}
        work.finish(version)
        partial = output / (MANIFEST + ".partial")
        partial.write_bytes(_script("manifest", manifest))
        os.replace(partial, output / MANIFEST)
        work.forget()
    except BaseException:
        shutil.rmtree(work.path, ignore_errors=True)
        raise
    return {"pages": len(pages), "pairs": len(tokens), "chunks": len(firsts), "version": version,
            "made": {"postings": grouped, "cuts": cuts, "files": {"version": version, "digests": work.digests}}}


GROUP = 128  # pages of a group of postings, on average (_postings)
LAST_PAGES = 1024  # a common pair's ranks of the pages before the last multiple of this (by group) are a file apart


def _positions(page: dict) -> defaultdict:
    """A page's pairs of characters -> their positions (title, keywords and summary first, at their fields' starts)."""
    positions = defaultdict(list)
    text = normalise(page["text"])
    for field, start, room in (("title", TITLE, KEYWORDS - TITLE), ("keywords", KEYWORDS, SUMMARY - KEYWORDS),
                               ("summary", SUMMARY, TEXT - SUMMARY)):
        value = normalise(page[field])
        if field == "keywords":  # only what the page's text shows: a result always has the words
            value = "、".join(w for w in value.split("、") if w and w in text)
        elif value not in text:
            continue
        pairs(value, start, room, positions)
    pairs(text, TEXT, 1 << 30, positions)
    return positions


def _postings(pages: list[dict], known: dict) -> tuple["Postings", dict]:
    """The postings of `pages` (in their order), and what a later index may use again: {"tokens": the tokens by number,
    "groups": digest -> group}, a group {"ids": its tokens' numbers, "ends": each one's last page in the group,
    "offsets": where each one's postings (numbered within the group) are in "data" (zlib), "split": token number -> its
    parts for Postings.split, or None where the group lacks it}; all as bytes, so that the cache is a few objects a group.

    Reading a page's pairs is most of an index's time, and a build changes few pages. The pages are cut into groups
    where a page's address says so (one in GROUP, whatever is around it: a page added, changed or removed changes
    its own group only), each group's postings are made with its pages numbered from 0 and kept by a digest of its
    pages, and the index joins them: only a page's number across groups changes as pages come and go before it."""
    groups, group, digest = [], [], hashlib.blake2b(digest_size=16)
    for page in pages:
        if group and int.from_bytes(hashlib.blake2b(page["url"].encode("utf-8"), digest_size=4).digest(), "big") % GROUP == 0:
            groups.append((digest.digest(), group))
            group, digest = [], hashlib.blake2b(digest_size=16)
        group.append(page)
        digest.update(json.dumps([page[k] for k in ("title", "keywords", "summary", "text")], ensure_ascii=False)
                      .encode("utf-8", "surrogatepass"))
    if group:
        groups.append((digest.digest(), group))
    postings, made, start, kept = Postings(), {}, 0, known.get("groups", {})
    postings.tokens = tokens = list(known.get("tokens", ()))
    postings.ids = ids = {token: n for n, token in enumerate(tokens)}
    numbers, last = postings.numbers, postings._last
    for key, group in groups:
        own = made[key] = kept.get(key) or _group(group, ids, tokens)
        have, ends, offsets = (_numbers(own[k]) for k in ("ids", "ends", "offsets"))
        postings.groups.append((start, own, (have, ends, offsets)))
        data = memoryview(zlib.decompress(own["data"]))
        for i, n in enumerate(have):
            token = tokens[n]
            into = numbers[token]
            at = len(into)
            into.frombytes(data[offsets[i]:offsets[i + 1]])
            into[at] += start - 1 - last.get(token, -1)  # its first page's delta, from the last page before the group
            last[token] = start + ends[i]
        start += len(group)
    last_pages = len(pages) // LAST_PAGES * LAST_PAGES  # the first of the last pages: from the group it is in
    postings.base = max((first for first, _, _ in postings.groups if first <= last_pages), default=0) if last_pages else 0
    return postings, {"tokens": tokens, "groups": made}


def _group(pages: list[dict], ids: dict[str, int], tokens: list[str]) -> dict:
    """A group's postings, its pages numbered from 0 (_postings); a token not seen before gets the next number."""
    own = Postings()
    for number, page in enumerate(pages):
        own.add(number, _positions(page))
    have, ends, offsets, data = _numbers(), _numbers(), _numbers(), bytearray()
    offsets.append(0)
    for token, coded in own.numbers.items():
        n = ids.get(token)
        if n is None:
            n = ids[token] = len(tokens)
            tokens.append(token)
        have.append(n)
        ends.append(own._last[token])
        data += coded.tobytes()
        offsets.append(len(data))
    return {"ids": have.tobytes(), "ends": ends.tobytes(), "offsets": offsets.tobytes(), "data": zlib.compress(data, 1),
            "split": {}}


def _numbered(page: dict) -> tuple:
    """Where a page's number comes, in descending order: the hand-written pages first, then the records without a
    date, then the others from the oldest to the newest (a new month's records come last: the pages before them keep
    their numbers, and so their files and most postings); within a kind, a newer page has the larger number. The
    order results are given in (RANK: kind, newer first, title) is the kind's rank, then the number, descending."""
    rank = page["rank"]
    return ("\x7f\x7f" if rank[0] == DOCUMENT_RANK else rank[1], rank[2], page["url"])


class _Folder:
    """The folder a new version of the index is written into, beside the last version's (which stays whole, so that
    a page that loaded the last manifest still finds its files until the new one replaces it): a file the last
    version has with the same bytes is a hard link to it, not written again (a copy where the file system has no
    hard links). finish() gives the folder the version's name; once the manifest leads to it, forget() removes the
    earlier versions. Whether a file is the same is told by the digests of the files the last index wrote (`known`:
    its version and each file's digest, kept with what it made), without reading the last version's file; where
    they are not known (no cache), by reading it."""

    def __init__(self, output: Path, known: dict | None = None) -> None:
        self.output = output
        self.old = [p for p in output.iterdir() if p.is_dir()]  # earlier builds' (the preview makes it again and again)
        last = [p for p in self.old if not p.name.startswith(".")]
        self.last = last[0] if len(last) == 1 else None
        self.known = known["digests"] if known and self.last is not None and known["version"] == self.last.name else None
        self.digests: dict[str, bytes] = {}  # of the files written: for the next index
        self.path = Path(tempfile.mkdtemp(prefix=".partial-", dir=output))
        self.made: set[str] = set()

    def put(self, folder: str, name: str, body: bytes) -> None:
        if folder not in self.made:
            (self.path / folder).mkdir()
            self.made.add(folder)
        key = f"{folder}/{name}"
        digest = self.digests[key] = hashlib.blake2b(body, digest_size=16).digest()
        path = self.path / folder / name
        if self.last is not None:
            before = self.last / folder / name
            try:
                if (self.known.get(key) == digest if self.known is not None else
                        before.stat().st_size == len(body) and before.read_bytes() == body):
                    os.link(before, path)
                    return
            except OSError:  # not there, or no hard links here: written
                pass
        path.write_bytes(body)

    def finish(self, version: str) -> None:
        self.target = self.output / version
        if self.target.exists():  # the same index as the last: the last stays
            shutil.rmtree(self.path)
        else:
            os.replace(self.path, self.target)

    def forget(self) -> None:
        for folder in self.old:
            if folder != self.target:
                shutil.rmtree(folder, ignore_errors=True)


def problems(site_dir: Path) -> list[str]:
    """What is missing from the search index in a built site (in Chinese; empty: it is whole)."""
    manifest = site_dir / FOLDER / MANIFEST
    try:
        text = manifest.read_text(encoding="utf-8")
        prefix, suffix = "window.__tbSearch.manifest(", ");\n"
        if not (text.startswith(prefix) and text.endswith(suffix)):
            raise ValueError
        about = json.loads(text[len(prefix):-len(suffix)])
        folder = manifest.parent / about["version"]
        pages, chunks = about["pages"], len(about["chunks"])
        spelled, worded = len(about["pinyin"]["firsts"]), len(about["words"]["firsts"])
    except FileNotFoundError:
        return [f"缺少搜索索引 {FOLDER}/{MANIFEST}"]
    except (OSError, ValueError, KeyError, TypeError):
        return [f"搜索索引 {FOLDER}/{MANIFEST} 已损坏"]
    names = [f"{kind}/{n}.js" for kind, count in (("c", chunks), ("p", pages), ("y", spelled), ("w", worded))
             for n in range(count)]
    for n in range(chunks):  # a common pair's files, named in its entry (make_index's postings_of)
        try:
            text = (folder / "c" / f"{n}.js").read_text(encoding="utf-8")
            entries = json.loads(text[text.index(",") + 1:text.rindex(")")])
        except FileNotFoundError:
            continue
        except (OSError, ValueError):
            return [f"搜索索引的文件 {FOLDER}/{about['version']}/c/{n}.js 已损坏"]
        for entry in entries:
            if len(entry) > 2:
                names += [f"t/{entry[2]}-{k}.js" for k in range(len(entry[3]))] + [f"r/{r}.js" for r in entry[4:]]
    missing = [name for name in names if not (folder / name).is_file()]
    return [f"搜索索引缺少 {len(missing)} 个文件，如 {FOLDER}/{about['version']}/{missing[0]}"] if missing else []


def main(argv: list[str]) -> int:
    """The child process: on standard input a line of JSON with the words of data/synonyms.yml and the cache file of
    the pages' texts, then one for each page (its text read from its HTML here, unless the last index read the same
    HTML), then one naming the folder to write the index into. Beside the texts' cache file, what the index made
    (`search-index`: make_index's "made") is kept for the next."""
    output = None
    try:
        from .. import cache

        words, pages, kept, known, texts, read = None, [], None, {}, {}, 0
        for line in sys.stdin.buffer:
            message = json.loads(line)
            if "words" in message:
                words = message["words"]
                if message.get("texts"):
                    kept = cache.Kept.at(Path(message["texts"]))
                    known = kept.load(("search-texts", cache.program())) or {}
            elif "output" in message:
                output = message["output"]
                break
            else:
                html = message.pop("html")
                key = hashlib.blake2b(html.encode("utf-8", "surrogatepass"), digest_size=16).digest()
                text = known.get(key)
                if text is None:
                    text, read = searchable_text(html), read + 1
                message["text"] = texts[key] = text
                pages.append(message)
        if output is None:  # the build ended without its last page: nothing to write
            return 1
        texts_changed, known = read or len(texts) != len(known), None
        made = cache.Kept.at(kept.path.with_name("search-index.pickle")) if kept is not None else None
        index = make_index(pages, Path(output), words, made and made.load(("search-index", cache.program())))
        if kept is not None:
            if texts_changed:
                kept.save(("search-texts", cache.program()), texts)
            made.save(("search-index", cache.program()), index["made"])
    except OSError as e:
        print(f"写入搜索索引失败：{e.strerror or e}（{e.filename or output}）", file=sys.stderr)
        return 1
    except Exception as e:  # a bug of ours, said plainly
        print(f"建立搜索索引时发生内部错误：{type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
