"""The preview's read cache (kb.data.load.ReadCache): what it keeps between loads is what a fresh load reads.

A record file or the taxonomy, once edited, is read again; an unchanged file is not (its record keeps its
version); a deleted file is gone; a broken taxonomy is reported on every load, not only the first.
"""

from __future__ import annotations

from pathlib import Path

from kb.data.load import ReadCache, load_knowledge_base


def load(data: Path, cache: ReadCache):
    kb, problems = load_knowledge_base(data, include_drafts=True, cache=cache)
    fresh, fresh_problems = load_knowledge_base(data, include_drafts=True)
    assert [str(p) for p in problems] == [str(p) for p in fresh_problems]
    if kb is not None:
        assert {r.id: r.data for r in kb.records.values()} == {r.id: r.data for r in fresh.records.values()}
        assert kb.taxonomy == fresh.taxonomy
    return kb, problems


def test_an_edited_record_or_taxonomy_is_read_again_and_an_unchanged_one_is_kept(data):
    cache = ReadCache()
    kb, _ = load(data, cache)
    versions = {r.id: r.version for r in kb.records.values()}

    case = data / "cases" / "jiaoyu-zhibu.yml"
    case.write_text(case.read_text(encoding="utf-8").replace("title: ", "title: 改过的", 1), encoding="utf-8")
    taxonomy = data / "taxonomy.yml"
    taxonomy.write_text(taxonomy.read_text(encoding="utf-8").replace("slug: caizheng", "slug: caizheng-ju"), encoding="utf-8")
    kb, _ = load(data, cache)
    assert kb.records["jiaoyu-zhibu"].title.startswith("改过的")
    assert kb.records["jiaoyu-zhibu"].version != versions["jiaoyu-zhibu"]
    assert {r.id: r.version for r in kb.records.values() if r.id != "jiaoyu-zhibu"} == \
        {k: v for k, v in versions.items() if k != "jiaoyu-zhibu"}
    assert "caizheng-ju" in [t.slug for t in kb.taxonomy.units]

    (data / "cases" / "yusuan-gongjian.yml").unlink()
    kb, problems = load(data, cache)  # the issue lists the deleted case: a problem, as a fresh load says
    assert problems and kb is None


def test_a_broken_taxonomy_is_reported_on_every_load(data):
    cache = ReadCache()
    load(data, cache)
    taxonomy = data / "taxonomy.yml"
    good = taxonomy.read_text(encoding="utf-8")
    taxonomy.write_text(good.replace("slug: caizheng", "slug: jiaoyu"), encoding="utf-8")  # a slug twice
    for _ in range(2):
        kb, problems = load(data, cache)
        assert kb is None and any("重复" in p.message for p in problems)
    taxonomy.write_text(good, encoding="utf-8")
    kb, problems = load(data, cache)
    assert kb is not None and not problems
