"""What the search index knows of a record besides its text: shown in results (meta), offered as facets (filter).

Defined once, here: the page templates write it for Pagefind (`data-pagefind-meta`, `data-pagefind-filter`)
and the offline index (kb/outputs/offline.py) takes the same fields.
"""

from __future__ import annotations

from ..data.model import Record


def search_fields(record: Record) -> list[tuple[str, str, str]]:
    """(meta or filter, key, value) for one record, in the order its page lists them."""
    unit = record.get("unit")
    fields = [("meta", "title", record.title), ("meta", "kind", record.kind.short)]
    if unit:
        fields += [("meta", "unit", unit), ("filter", "unit", unit)]
    if record.date:
        fields += [("meta", "date", record.date), ("filter", "year", record.year)]
    fields.append(("filter", "kind", record.kind.label))
    category = record.get(record.kind.facet) if record.kind.facet else None
    if category:
        fields.append(("filter", "category", category))
    return fields


def meta(record: Record) -> dict[str, str]:
    return {key: value for attr, key, value in search_fields(record) if attr == "meta"}


def filters(record: Record) -> dict[str, str]:
    return {key: value for attr, key, value in search_fields(record) if attr == "filter"}
