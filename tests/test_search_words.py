"""Search that understands words (issue 24): what a party worker types that no record contains as typed.

The synonym list editors keep (data/synonyms.yml) is checked like every data file; in the browser, a query of
words finds the records with those words, a synonym, pinyin or a one-character typo finds what was meant, and
the results line and each result say plainly what was done, on a phone too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import SAMPLE

from kb.data.load import load_knowledge_base
from kb import browser


def _load(data: Path):
    return load_knowledge_base(data)


def _with_synonyms(tmp_path: Path, text: str) -> Path:
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    (data / "synonyms.yml").write_text(text, encoding="utf-8")
    return data


# -- the synonym list, as editors write it ------------------------------------------------------

def test_the_sample_synonyms_are_read():
    kb, problems = _load(SAMPLE)
    assert not problems
    groups = {w: g for g in kb.search_words.synonyms for w in g}
    assert {"交纳", "缴纳"} <= set(groups["交纳"])  # 党费规定 says 交纳, many units write 缴纳
    assert {"支委会", "支部委员会会议"} <= set(groups["支委会"])
    assert {"制度", "怎么"} <= set(kb.search_words.generic)


@pytest.mark.parametrize("text, line, field, says", [
    ("synonyms:\n  - [交纳, 缴纳]\n  - [党费, 交纳]\n", 3, "synonyms[2][2]", "已出现在同义词第 1 组"),
    ("synonyms:\n  - [交纳, 缴纳]\ngeneric: [制度, 缴纳]\n", 3, "generic[2]", "已出现在同义词第 1 组"),
    ("synonyms:\n  - [交纳，缴纳]\n", 2, "synonyms[1]", "至少"),  # a Chinese comma: one word, not two
    ("synonyms:\n  - [党费, 交 纳]\n", 2, "synonyms[1][2]", "空格或标点"),
    ("synonyms:\n  - 交纳\n", 2, "synonyms[1]", ""),
    ("synonym:\n  - [交纳, 缴纳]\n", 1, "", ""),
])
def test_a_broken_synonym_list_is_named_by_file_line_and_field(tmp_path, text, line, field, says):
    data = _with_synonyms(tmp_path, text)
    kb, problems = _load(data)
    assert kb is None and problems
    p = problems[0]
    assert p.file.endswith("synonyms.yml") and p.line == line, problems
    assert p.field.startswith(field), problems
    assert says in p.message and any("\u4e00" <= c <= "\u9fff" for c in p.message), p.message


def test_no_synonym_list_is_no_problem(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    (data / "synonyms.yml").unlink()
    kb, problems = _load(data)
    assert not problems and kb.search_words.synonyms == ()


# -- in the browser -----------------------------------------------------------------------------

def _results(page, site_url, query):
    shown = browser.search(page, site_url, query)
    page.wait_for_timeout(100)
    matches = page.eval_on_selector_all(".md-search-result__item[data-tb-match]", "els => els.map(e => e.dataset.tbMatch)")
    words = page.eval_on_selector_all(".md-search-result__item", "els => els.map(e => (e.querySelector('.tb-result-words') || {}).textContent || '')")
    keys = [r["href"].replace(site_url, "").rstrip("/") for r in shown["results"]]
    return shown, keys, matches, words


@pytest.mark.needs("chromium")
def test_a_topic_with_a_generic_word_finds_the_standard_and_says_what_it_did(page, site_url):
    shown, keys, matches, words = _results(page, site_url, "党费缴纳办法")
    assert keys[0] == "standards/dangfei", keys[:5]
    summary = shown["summary"]
    assert "没有完全包含“党费缴纳办法”的记录" in summary and "党费" in summary and "交纳" in summary, summary
    assert "“办法”不要求出现" in summary, summary
    assert set(matches) <= {"all", "some"} and words[0].startswith("含：党费"), words[:3]


@pytest.mark.needs("chromium")
def test_a_synonym_finds_the_records_that_use_the_other_word_and_labels_them(page, site_url):
    shown, keys, matches, words = _results(page, site_url, "缴纳")  # 党费规定 and most records write 交纳
    assert matches[0] == "exact" and "all" in matches
    # after the records with 缴纳 as typed, the 党费 standard leads those with 交纳
    first = matches.index("all")
    assert keys[first] == "standards/dangfei" and words[first].startswith("含：交纳"), (keys[:5], words[:5])
    exact = [k for k, m in zip(keys, matches) if m == "exact"]
    assert exact and all(not w for w, m in zip(words, matches) if m == "exact")  # exact results need no label
    assert f"其中 {len(exact)} 条包含“缴纳”" in shown["summary"] and "交纳" in shown["summary"], shown["summary"]


@pytest.mark.parametrize("query, first, note", [
    ("dangfei", "standards/dangfei", "拼音“dangfei”即“党费”"),
    ("shyk", "standards/sanhui-yike", "拼音“shyk”即“三会一课”"),
    ("三会一棵", "standards/sanhui-yike", "“三会一棵”按“三会一课”查找"),
    ("交地交证", "cases/jiaodi-ji-jiaozheng", "“交地交证”按“交地即交证”查找"),
    ("组织生活会制度", "standards/zuzhi-shenghuohui", "“制度”不要求出现"),
    ("党员发展程序", "standards/fazhan-dangyuan", "“程序”不要求出现"),
])
@pytest.mark.needs("chromium")
def test_pinyin_typos_and_generic_words_find_what_was_meant(page, site_url, query, first, note):
    shown, keys, _, _ = _results(page, site_url, query)
    assert keys and keys[0] == first, (keys[:5], shown["summary"])
    assert note in shown["summary"], shown["summary"]


@pytest.mark.needs("chromium")
def test_words_that_occur_nowhere_still_find_nothing(page, site_url):
    for query in ("量子纠缠", "qwertyuiop", "党"):  # one character alone matches as typed only
        shown = browser.search(page, site_url, query)
        if query == "党":
            assert all("党" in r["title"] + r["excerpt"] for r in shown["results"])
        else:
            assert shown["empty"], (query, shown["summary"])
    shown, keys, matches, words = _results(page, site_url, "党费 火星")
    assert keys[0] == "standards/dangfei" and set(matches) == {"some"}
    assert "没有记录包含“火星”" in shown["summary"] and words[0] == "含：党费；缺：火星", (shown["summary"], words[0])


@pytest.mark.needs("chromium")
def test_the_notice_and_labels_read_well_on_a_phone(chromium, site_url):
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        shown = browser.search(page, site_url, "党费缴纳办法")
        assert shown["results"]
        sizes = page.evaluate("""() => {
            const box = e => e.getBoundingClientRect();
            const note = document.querySelector('.tb-search-note'), label = document.querySelector('.tb-result-words');
            const wide = Array.from(document.querySelectorAll('.md-search__output *')).filter(e => box(e).right > innerWidth + 1);
            return {page: wide.map(e => e.className), note: [box(note).left, box(note).right, box(note).height],
                    label: [box(label).left, box(label).right], font: getComputedStyle(label).fontSize};
        }""")
        assert sizes["page"] == [], sizes  # nothing in the results wider than the phone
        assert 0 <= sizes["note"][0] and sizes["note"][1] <= 390 and sizes["note"][2] > 0, sizes
        assert 0 <= sizes["label"][0] and sizes["label"][1] <= 390, sizes
        assert float(sizes["font"].rstrip("px")) >= 11, sizes  # readable
        page.keyboard.press("Escape")  # the keys as before
        assert not page.evaluate("document.getElementById('__search').checked")
    finally:
        context.close()


@pytest.mark.needs("chromium")
def test_a_synonym_an_editor_adds_is_found_after_the_next_build(tmp_path, chromium):
    from kb.engine.build import build
    from kb.settings import Settings

    text = (SAMPLE / "synonyms.yml").read_text(encoding="utf-8")
    assert "党员之家]" in text
    text = text.replace("党员之家]", "党员之家, 红色驿站]")  # the word a unit uses, added to its group
    data = _with_synonyms(tmp_path, text)
    kb, problems = _load(data)
    assert not problems, problems
    build(Settings.read(data), tmp_path / "site")
    with browser.serve(tmp_path / "site") as url:
        page = chromium.new_page()
        shown = browser.search(page, url, "红色驿站")
        page.close()
    keys = [r["href"].replace(url, "").rstrip("/") for r in shown["results"]]
    assert "standards/zhendi-jianshe" in keys[:3], (keys[:5], shown["summary"])
    assert "党员活动室" in shown["summary"], shown["summary"]
