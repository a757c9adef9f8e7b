"""The engine adapter: the only code that imports MkDocs (or its drop-in fork ProperDocs) or Material.

    session.py  BuildSession: what each MkDocs event does, with all state of one `build` or `serve` on it
    preview.py  Preview: what one `serve --dirty` keeps between rebuilds (records, pages, search index)
    pages.py    GeneratedPage: a page made by kb.site, handed to MkDocs ready-rendered
    shell.py    the theme's page rendered once per folder, and tables of contents once per set of headings
    build.py    build(): the one function that builds the site (CLI, publish, bundle, bench, tests)

Moving to another engine means replacing this package; kb.data, kb.site and kb.outputs stay.
"""

ENGINE = "mkdocs"  # the engine's command (`python -m mkdocs`); ProperDocs: "properdocs", with "-f", "mkdocs.yml"


def serve_args(addr: str) -> list[str]:
    """The engine's preview server at `addr`; --dirty: after an edit only the pages it changes are rebuilt (preview.py)."""
    return ["serve", "--dirty", "--dev-addr", addr]
