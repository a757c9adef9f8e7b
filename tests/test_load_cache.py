"""The preview's read cache (kb.data.load.ReadCache): what it keeps between loads is what a fresh load reads.

A record file or the taxonomy, once edited, is read again; an unchanged file is not (its record keeps its
version); a deleted file is gone; a broken taxonomy is reported on every load, not only the first; an edited
schema applies at once.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from kb.data.load import ReadCache, load_knowledge_base
from kb.paths import PROJECT


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


def test_a_schema_edited_during_the_preview_is_applied_as_check_applies_it(data):
    """The schema's compiled validators are kept with the readings, and dropped with them when a schema file changes."""
    shutil.copytree(PROJECT / "data" / "schema", data / "schema")  # the data folder's own schema, to be edited
    cache = ReadCache()
    kb, problems = load(data, cache)
    assert kb is not None and not problems
    path = data / "schema" / "case.json"
    original = path.read_text(encoding="utf-8")
    schema = json.loads(original)
    schema["required"].append("highlights")
    schema["properties"]["summary"]["maxLength"] = 5
    path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    kb, problems = load(data, cache)  # the same problems as a fresh load (`check`), asserted in load()
    assert kb is None
    said = {(Path(p.file).name, p.field or p.message) for p in problems}
    assert {("jiaoyu-zhibu.yml", "summary"), ("jiaoyu-zhibu.yml", '缺少必填字段 "highlights"（亮点）。'),
            ("yusuan-gongjian.yml", "summary")} <= said, said
    path.write_text(original, encoding="utf-8")
    kb, problems = load(data, cache)
    assert kb is not None and not problems
