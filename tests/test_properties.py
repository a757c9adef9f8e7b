"""Property-based tests (hypothesis): whatever an editor saves, the loader answers with either a
valid knowledge base (that renders) or problems that each name a file, a line and say in Chinese
what is wrong. Never an exception. Deterministic (derandomize) and modest in size, for CI.
"""

from __future__ import annotations

from functools import cache

import yaml
from helpers import MINIMAL, RECORDS, SETTINGS, with_file
from hypothesis import given, settings
from hypothesis import strategies as st


# text that looks like YAML: its syntax characters, indentation, Chinese, digits and the YAML 1.1 words
YAML_CHARS = st.sampled_from(list(":-[]{},#&*!|>'\"%@`?~\n\t  .0123456789eE+_") + list("abcdnoyst") + list("党建支部：，"))
YAML_WORDS = st.sampled_from(["yes", "no", "on", "off", "010", "1e3", "12:30", "2026-06-20", "<<", "!!python/object:os.system",
                              "&a", "*a", "---", "...", "\ufeff", "\x07", "null", "~", "\u2028", "\U0001F600"])
YAML_TEXT = st.lists(st.one_of(YAML_CHARS, YAML_WORDS), max_size=120).map("".join)
FIELDS = ["id", "title", "name", "unit", "branch", "date", "theme", "summary", "body", "year", "month", "number",
          "serial", "cases", "related", "tags", "images", "file", "caption", "practices", "detail", "clauses",
          "requirement", "basis", "document", "units", "themes", "categories", "slug", "standards", "methods"]
PRINTABLE = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=8)
TOKENS = st.one_of(YAML_WORDS.filter(lambda w: w not in ("\x07", "\ufeff")), PRINTABLE,
                   st.sampled_from(["sandan", "市财政局", "2026-06", "[a, b]", "{a: 1}", "|", ">-", "'x", '"y"',
                                    "[sandan, sandan]", "2025", "-1", "0", "", "[]", "{}"]))
YAML_LINE = st.tuples(st.sampled_from(["", "", "", "  ", "    ", " "]), st.sampled_from(["", "", "", "- ", "? ", "- - "]),
                      st.one_of(st.sampled_from(FIELDS), PRINTABLE), st.sampled_from([": ", ": ", ":", " "]),
                      TOKENS).map("".join)
YAML_LINES = st.lists(YAML_LINE, max_size=25).map("\n".join)

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                    st.text(max_size=30), st.sampled_from(["sandan", "sanhui-yike", "市财政局", "2026-06", "2026-13-40", ""]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=12)


@SETTINGS
@given(rel=st.sampled_from(RECORDS + ["cases/new.yml"]), text=YAML_TEXT)
def test_random_yaml_text(rel, text):
    with_file(rel, text.encode("utf-8", "replace"))


@SETTINGS
@given(rel=st.sampled_from(RECORDS + ["cases/new.yml"]), text=YAML_LINES)
def test_random_yaml_lines(rel, text):
    with_file(rel, text.encode("utf-8", "replace"))


@SETTINGS
@given(rel=st.sampled_from(RECORDS), raw=st.binary(max_size=200))
def test_random_bytes(rel, raw):
    with_file(rel, raw)


@SETTINGS
@given(rel=st.sampled_from(RECORDS + ["cases/new.yml"]), value=VALUES)
def test_random_yaml_documents(rel, value):
    with_file(rel, yaml.safe_dump(value, allow_unicode=True).encode("utf-8"))


def _mutate(value, path: list, op: str, new):
    """`value` with one change at `path`: a field set, removed or renamed; a list item set or repeated."""
    if not path:
        return new if op == "set" else value
    key, rest = path[0], path[1:]
    if isinstance(value, dict) and value:
        k = list(value)[key % len(value)]
        out = dict(value)
        if not rest and op == "remove":
            del out[k]
        elif not rest and op == "rename":
            out[str(new)[:10] or "x"] = out.pop(k)
        else:
            out[k] = _mutate(value[k], rest, op, new)
        return out
    if isinstance(value, list) and value:
        i = key % len(value)
        out = list(value)
        if not rest and op == "remove":
            out.append(out[i])  # a repeated item: duplicate references and the like
        else:
            out[i] = _mutate(value[i], rest, op, new)
        return out
    return new if op == "set" else value


@SETTINGS
@given(rel=st.sampled_from(RECORDS), path=st.lists(st.integers(0, 20), min_size=1, max_size=3),
       op=st.sampled_from(["set", "remove", "rename"]), new=VALUES)
def test_mutated_valid_records(rel, path, op, new):
    original = yaml.safe_load((MINIMAL / rel).read_text(encoding="utf-8"))
    mutated = _mutate(original, path, op, new)
    with_file(rel, yaml.safe_dump(mutated, allow_unicode=True).encode("utf-8"))


@SETTINGS
@given(rel=st.sampled_from(RECORDS), at=st.integers(0, 10**6), cut=st.integers(0, 5), insert=YAML_TEXT)
def test_edited_text_of_valid_records(rel, at, cut, insert):
    """A few characters deleted and others typed somewhere in a valid file, as an editor does."""
    text = (MINIMAL / rel).read_text(encoding="utf-8")
    at %= len(text) + 1
    with_file(rel, (text[:at] + insert[:20] + text[at + cut:]).encode("utf-8", "replace"))




MARKDOWN_TEXT = st.lists(st.sampled_from(["党", "建", "。", "*", "**", " ", "  ", "\t", "\n", "\n\n", "- ", "* ", "1. ", "_", "&"]),
                         max_size=40).map("".join)


@cache
def _markdown_pair():
    """The renderer's Markdown conversion and Python-Markdown's, with the same extensions."""
    import markdown

    from kb.site.markup import EXTENSIONS, EditorMarkdown, clean

    reference = markdown.Markdown(extensions=EXTENSIONS)
    return EditorMarkdown().convert, lambda text: clean(reference.reset().convert(text))


@settings(SETTINGS, max_examples=1000)
@given(MARKDOWN_TEXT)
def test_markdown_fast_path_matches_markdown(text):
    """Whatever an editor types into a Markdown field, skipping the Markdown pass (render.py) changes nothing."""
    convert, reference = _markdown_pair()
    assert convert(text) == reference(text)
