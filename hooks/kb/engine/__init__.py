"""The engine adapter: the only code that imports MkDocs (or its drop-in fork ProperDocs) or Material.

    session.py  BuildSession: kb.build.Build mapped onto MkDocs' events and files, in build order
    serve.py    the preview server: MkDocs' dirty build, our watcher and server (first pages at once)
    pages.py    GeneratedPage: a page made by kb.site, handed to MkDocs ready-rendered
    shell.py    the theme's page rendered once per folder, and tables of contents once per set of headings
    build.py    build(): the one function that builds the site (CLI, publish, bundle, bench, tests)

Moving to another engine means replacing this package; kb.build, kb.preview, kb.data, kb.site and kb.outputs stay.
"""

import os

PREVIEW = "kb.engine.serve"  # the preview server (`python -m kb.engine.serve host:port`, the hooks folder on the path)
LOGGER = "mkdocs.hooks.toolbook"  # our messages during a build: MkDocs shows them, and counts warnings under --strict
# Material 9.8 and ProperDocs print a banner about MkDocs 2 on every run (ARCHITECTURE.md: the engine plan)
BANNERS_OFF = {"NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}


def quiet_banners() -> None:
    """No MkDocs-2 banner in this process or its children (unless the user set the variables otherwise)."""
    for name, value in BANNERS_OFF.items():
        os.environ.setdefault(name, value)
