"""MkDocs hooks: the records in data/ become the pages of the site.

Registered in mkdocs.yml (`hooks:`). MkDocs loads this file once per `mkdocs serve` session; it
makes one build session (kb/engine/session.py) and hands it every event, in build order. All the
work is in the `kb` package beside this file; only kb.engine knows MkDocs.
"""

import sys
from pathlib import Path

# MkDocs puts this folder on the path only while it imports the hook; the kb package imports lazily later
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from kb.engine.session import BuildSession  # noqa: E402

session = BuildSession()


def on_startup(command, dirty):
    session.on_startup(command, dirty)


def on_config(config):
    return session.on_config(config)


def on_files(files, config):
    return session.on_files(files, config)


def on_env(env, config, files):
    return session.on_env(env, config, files)


def on_post_page(output, page, config):
    return session.on_post_page(output, page, config)


def on_post_build(config):
    session.on_post_build(config)


def on_build_error(error):
    session.on_build_error(error)


def on_serve(server, config, builder):
    return session.on_serve(server, config, builder)


def on_shutdown():
    session.on_shutdown()
