"""build(): the one function that builds the site. The CLI's `build`, `publish`, `bundle`, `bench` and the
tests all come here, so every output is made by the same build from the same settings.

MkDocs runs in this process with mkdocs.yml as it is, except for the output folder and the URL style
(directory URLs, or `.html` files for opening from disk). Its messages are collected instead of printed:
a failed build raises BuildFailed with the problems in Chinese, first and alone.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..settings import Settings
from . import quiet_banners


class BuildFailed(Exception):
    """The build did not finish; the message lists why, in Chinese."""


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def build(settings: Settings, site_dir: Path, outputs: tuple = ()) -> list:
    """Build the site of `settings` into `site_dir` (strict: any warning fails it), with `outputs` besides the site's
    own (kb.build.Build's extra); returns the outputs, done."""
    quiet_banners()
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    from .session import find_session

    collect = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collect)
    previous, logger.propagate = logger.propagate, False  # nothing in English on the user's screen
    try:
        config = load_config(str(settings.project / "mkdocs.yml"), site_dir=str(site_dir),
                             use_directory_urls=settings.directory_urls, strict=True)
        session = find_session(config)
        session.requested = (settings, tuple(outputs))
        config.plugins.on_startup(command="build", dirty=False)
        try:
            mkdocs_build(config)
            outputs = session.last_outputs
        finally:
            session.requested = None
            config.plugins.on_shutdown()
    except (Abort, ConfigurationError) as e:
        messages = [m for m in collect.messages if m.strip()] or [str(e)]
        raise BuildFailed("\n".join(messages)) from None
    finally:
        logger.removeHandler(collect)
        logger.propagate = previous
    return outputs
