"""The engine adapter: the only code that imports MkDocs (or its drop-in fork ProperDocs) or Material.

    session.py  BuildSession: what each MkDocs event does, with all state of one `build` or `serve` on it
    serve.py    the preview server: MkDocs' dirty build, our watcher and server (first pages at once)
    preview.py  Preview: what one preview keeps between rebuilds (records, pages, search index)
    pages.py    GeneratedPage: a page made by kb.site, handed to MkDocs ready-rendered
    shell.py    the theme's page rendered once per folder, and tables of contents once per set of headings
    build.py    build(): the one function that builds the site (CLI, publish, bundle, bench, tests)

Moving to another engine means replacing this package; kb.data, kb.site and kb.outputs stay.
"""

PREVIEW = "kb.engine.serve"  # the preview server (`python -m kb.engine.serve host:port`, the hooks folder on the path)
