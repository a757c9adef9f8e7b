"""build(): the one function that builds the site. The CLI's `build`, `publish`, `bundle`, `bench` and the
tests all come here, so every output is made by the same build from the same settings.

MkDocs runs in this process with mkdocs.yml as it is, except for the output folder and the URL style
(directory URLs, or `.html` files for opening from disk). Its messages are collected instead of printed:
a failed build raises BuildFailed with the problems in Chinese, first and alone. A build that keeps what it
made (`keep`: the commands `build` and `publish`) is followed by MkDocs' dirty build into the same folder, which
then renders and writes only what changed (kb.preview); every hand-written page is written again, so that MkDocs
checks its links as strictly as in a fresh build.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ..settings import Settings
from . import quiet_banners


class BuildFailed(Exception):
    """The build did not finish; the message lists why, in Chinese. `touched`: the output folder was being written (the
    data read without problems, the engine had begun), so it is no longer what it was."""

    def __init__(self, message: str, touched: bool = False) -> None:
        super().__init__(message)
        self.touched = touched


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class _NotDirtyWarning(logging.Filter):
    """MkDocs warns of every dirty build (its dirty builds are for previews): a build that keeps its pages checks
    itself (kb.preview: the folder as the last build left it, every hand-written page written again)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("A 'dirty' build is being performed")


@dataclass
class Built:
    outputs: list  # the outputs, done
    rendered: int  # pages rendered and written
    kept: int  # pages kept as the last build into the folder wrote them (keep)


def build(settings: Settings, site_dir: Path, outputs: tuple = (), keep: bool = False) -> Built:
    """Build the site of `settings` into `site_dir` (strict: any warning fails it), with `outputs` besides the site's
    own (kb.build.Build's extra). With `keep` (the `build` and `publish` commands), what
    the build made is kept (kb.cache), and the next build into the same folder renders and writes only what changed
    since (kb.preview, a Preview without background); its result is the same."""
    quiet_banners()
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    from ..preview import Preview
    from .session import find_session

    collect = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collect)
    previous, logger.propagate = logger.propagate, False  # nothing in English on the user's screen
    not_dirty = _NotDirtyWarning()
    logging.getLogger("mkdocs.commands.build").addFilter(not_dirty)
    session = None
    try:
        config = load_config(str(settings.project / "mkdocs.yml"), site_dir=str(site_dir),
                             use_directory_urls=settings.directory_urls, strict=True)
        session = find_session(config)
        kept = Preview(settings, None, Path(config.site_dir), background=False) if keep else None
        session.requested = (settings, tuple(outputs), kept)
        config.plugins.on_startup(command="build", dirty=False)
        try:
            mkdocs_build(config, dirty=kept is not None and kept.restored_files is not None)
            built = Built(session.last_outputs, session.rendered, session.kept)
            if kept is not None:
                kept.keep_build()
        finally:
            session.requested = None
            config.plugins.on_shutdown()
    except (Abort, ConfigurationError) as e:
        messages = [m for m in collect.messages if m.strip()] or [str(e)]
        touched = session is not None and session.build is not None and session.build.kb is not None and not session.problems
        raise BuildFailed("\n".join(messages), touched) from None
    finally:
        logger.removeHandler(collect)
        logger.propagate = previous
        logging.getLogger("mkdocs.commands.build").removeFilter(not_dirty)
    return built
