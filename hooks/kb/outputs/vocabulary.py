"""The search's vocabulary: the words a query is cut into in the browser, made at build time.

A query such as 党费缴纳办法 appears in no record; the words 党费, 缴纳 (a synonym of 交纳) and 办法 (a
generic word) do. The browser (docs/javascripts/search.js) cuts a query into words with this vocabulary,
longest words first, and leaves what it does not know to its own segmenter (`Intl.Segmenter`). Where the
words come from:

- the site's own terms: titles (cut by jieba, and each title's runs of up to 8 characters whole), keywords,
  tags, units, categories and themes, the duties of schedules;
- frequent words: jieba's words in the pages' text (the whole text on a small site; the first part of
  each page's text on a large one, so that cutting stays a few seconds), found on at least two pages;
- data/synonyms.yml: its synonyms and generic words (kb.data.model.SearchWords), whatever the text has.

What is written (kb.outputs.search puts it beside the postings, so a query loads it with them):
- `starts`: pair -> the words that begin with that pair of characters (a query's pairs find its words);
- `ends`: pair -> the words of three or more characters that end with it (a typo in a word's first
  characters still finds the word by its end);
- `pinyin`: full pinyin and initials (dangfei, df) -> the site's terms they spell, most used first.
"""

from __future__ import annotations

import logging
import re
import sys
import unicodedata
from collections import Counter, defaultdict

WORD = re.compile(r"[^\W_]{2,}")  # runs of two or more letters and digits
LONGEST = 12  # characters of a word
WHOLE_TITLE_RUN = 8  # a title's run up to this length is a term as it stands (三会一课, 组织生活会)
TEXT_BUDGET = 3_000_000  # characters of page text cut by jieba in all
TEXT_PER_PAGE = 300  # … and at least this much of each page
MOST_WORDS = 40_000


def _plain(text: str) -> str:
    """NFKC and lower case, as kb.outputs.search.normalise, but with the quotation marks kept: they part words
    here (“四必谈”谈心谈话法 → 四必谈, 谈心谈话法) where the index reads through them."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.lower()


def _cjk(word: str) -> bool:
    return any("\u3400" <= c <= "\u9fff" for c in word)


class _Cuts(dict):
    """jieba's words of a run of letters and digits (those WORD matches whole), each run
    cut once: pages repeat their phrases (their clauses, a unit's name), and cutting is most of the vocabulary's time.

    The cuts of the last index are used again (`known`): a run's cut depends only on the dictionary's words inside it,
    since the dictionary's total is held at jieba's own (adding the site's terms does not change it), so only the runs
    that have a term added or removed since are cut again. jieba is loaded on the first run to cut."""

    MOST = 500_000  # runs remembered (a few tens of MB); beyond, each is cut again
    MOST_CHANGED = 5_000  # terms added or removed beyond which every run is cut again

    def __init__(self, terms: list[str], known: dict | None) -> None:
        super().__init__()
        self.terms = terms
        self.tokenizer = None
        self._chinese: dict[str, tuple[str, ...]] = {}
        self._frequent: dict[str, tuple[str, ...]] = {}
        known = known or {}
        changed = set(terms).symmetric_difference(known.get("terms", ()))
        cuts = known.get("cuts", {})
        if cuts and len(changed) <= self.MOST_CHANGED:
            inside = re.compile("|".join(map(re.escape, sorted(changed, key=len, reverse=True)))) if changed else None
            self.update(cuts if inside is None else {run: words for run, words in cuts.items() if not inside.search(run)})

    def __missing__(self, run: str) -> tuple[str, ...]:
        if self.tokenizer is None:
            self.tokenizer = _tokenizer(self.terms)
        words = tuple(sys.intern(w) for w in self.tokenizer.lcut(run, HMM=False) if WORD.fullmatch(w))
        if len(self) < self.MOST:
            self[run] = words
        return words

    __call__ = dict.__getitem__

    def chinese(self, run: str) -> tuple[str, ...]:
        """The words of a run with a Chinese character."""
        words = self._chinese.get(run)
        if words is None:
            words = self._chinese[run] = tuple(w for w in self(run) if _cjk(w))
        return words

    def frequent(self, run: str) -> tuple[str, ...]:
        """The words of a run that may be frequent words: Chinese, of 2 to LONGEST characters."""
        words = self._frequent.get(run)
        if words is None:
            words = self._frequent[run] = tuple(w for w in self.chinese(run) if 2 <= len(w) <= LONGEST)
        return words

    def kept(self) -> dict:
        """What a later index uses again."""
        return {"terms": self.terms, "cuts": dict(self)}


def _tokenizer(terms: list[str]):
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    total = tokenizer.total
    for term in terms:  # the site's terms are words to jieba too: titles are cut at them
        tokenizer.add_word(term, freq=1000)
    tokenizer.total = total  # a run's cut depends on the words inside it only (_Cuts)
    return tokenizer


class Vocabulary:
    def __init__(self) -> None:
        self.terms: Counter[str] = Counter()  # the site's terms, by how many pages name them
        self.frequent: Counter[str] = Counter()  # jieba's words in the text, by pages
        self.synonyms: list[list[str]] = []
        self.generic: list[str] = []

    # -- collecting -------------------------------------------------------------------------

    def add_words(self, words: dict | None) -> None:
        """data/synonyms.yml's words, as kb.outputs.search.SearchIndex hands them over: {"synonyms", "generic"}."""
        words = words or {}
        self.synonyms = [[_plain(w) for w in group] for group in words.get("synonyms", [])]
        self.generic = [_plain(w) for w in words.get("generic", [])]

    def make(self, pages: list[dict], known: dict | None = None) -> dict:
        """Terms and frequent words from the pages (as kb.outputs.search.SearchIndex collects them); `known`: the
        cuts an earlier index made (what this returns)."""
        terms: Counter[str] = Counter()
        for page in pages:
            seen = set()
            for term in page.get("terms", ()):
                seen.update(w for w in WORD.findall(_plain(term)) if len(w) <= LONGEST)
            for run in WORD.findall(_plain(page["title"])):
                if len(run) <= WHOLE_TITLE_RUN:
                    seen.add(run)
            terms.update(seen)
        share = max(TEXT_PER_PAGE, TEXT_BUDGET // max(1, len(pages)))
        frequent: Counter[str] = Counter()
        cut = _Cuts(sorted(term for term in terms if _cjk(term)), known)
        for page in pages:
            title = set()
            for run in WORD.findall(_plain(page["title"])):
                title.update(cut.chinese(run))
            terms.update(title)
            words = set()
            for run in WORD.findall(_plain(page["summary"] + " " + page["text"][:share])):
                words.update(cut.frequent(run))
            frequent.update(words)
        self.terms = terms
        self.frequent = Counter({w: n for w, n in frequent.items() if n >= 2 and w not in terms})
        return cut.kept()

    # -- what is written ----------------------------------------------------------------------

    def words(self) -> list[str]:
        """Every word, the site's terms first, then frequent words by pages (at most MOST_WORDS)."""
        out = dict.fromkeys(sorted(self.terms, key=lambda w: (-self.terms[w], w)))
        for group in self.synonyms:
            out.update(dict.fromkeys(group))
        out.update(dict.fromkeys(self.generic))
        out.update(dict.fromkeys(sorted(self.frequent, key=lambda w: (-self.frequent[w], w))))
        return [w for w in out if 2 <= len(w) <= LONGEST][:MOST_WORDS]

    def lexicon(self, has_pair) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """(starts, ends): pair -> words, for the pairs the index has (`has_pair`)."""
        starts: dict[str, list[str]] = defaultdict(list)
        ends: dict[str, list[str]] = defaultdict(list)
        for word in self.words():
            if has_pair(word[:2]):
                starts[word[:2]].append(word)
            if len(word) >= 3 and has_pair(word[-2:]):
                ends[word[-2:]].append(word)
        for table in (starts, ends):
            for words in table.values():
                words.sort(key=lambda w: (-len(w), w))
        return starts, ends

    def pinyin(self) -> dict[str, list[str]]:
        """Full pinyin and initials of the site's terms and the synonyms -> the words, most used first."""
        from pypinyin import lazy_pinyin

        spelled: dict[str, list[str]] = defaultdict(list)
        named = Counter(self.terms)
        for group in self.synonyms:
            for w in group:
                named[w] += 1
        for word in sorted(named, key=lambda w: (-named[w], len(w), w)):
            if not _cjk(word) or not all("\u3400" <= c <= "\u9fff" for c in word):
                continue
            full = lazy_pinyin(word, errors="ignore")
            if len(full) != len(word):
                continue
            keys = {"".join(full)}
            if len(word) >= 2:
                keys.add("".join(s[0] for s in full))
            for key in keys:
                if len(spelled[key]) < 8:
                    spelled[key].append(word)
        return dict(spelled)
