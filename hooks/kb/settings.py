"""Every setting of a build or a command, read once into one object and handed down.

    settings = Settings.read()                      # data/, today, no drafts: what `build` publishes
    settings = Settings.read(data, drafts=True)     # what the preview shows

The environment is read here and nowhere else: `TOOLBOOK_DATA` (the data folder), `TOOLBOOK_TODAY`
(the build date, YYYY-MM-DD, for scheduled issues), `TOOLBOOK_SITE_URL` (the address the site is
served from, for the 404 page and the sitemap), `TOOLBOOK_PUBLISH_TO` (the folder the editing desk's
发布 button publishes to, as `publish --to` does; `serve --publish-to` sets it for the preview) and
`TOOLBOOK_KEEP_RELEASES` (how many releases `publish` keeps; `publish --keep` sets it). The site's name and imprint come from mkdocs.yml.
The one variable that is about the machine rather than the build, `TOOLBOOK_BROWSER` (which browser
prints the PDF), is read where the browser is looked for (kb/browser.py).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from .paths import PROJECT

DATA_ENV, TODAY_ENV, SITE_URL_ENV = "TOOLBOOK_DATA", "TOOLBOOK_TODAY", "TOOLBOOK_SITE_URL"
PUBLISH_TO_ENV = "TOOLBOOK_PUBLISH_TO"
KEEP_ENV = "TOOLBOOK_KEEP_RELEASES"
KEEP = 5  # releases `publish` keeps, the live one among them


class SettingsError(ValueError):
    """A setting that cannot be used, explained in Chinese."""


@dataclass(frozen=True)
class Settings:
    data: Path  # the data folder: records, taxonomy.yml and (optionally) their schema/
    today: datetime.date  # what counts as today for drafts and scheduled issues
    drafts: bool = False  # include drafts (the preview) or leave them out (the published site)
    directory_urls: bool = True  # `standards/x/` (served) or `standards/x.html` (opened from disk)
    site_url: str = ""
    site_name: str = "党建口袋工具书"
    imprint: str = ""
    project: Path = PROJECT
    publish_to: Path | None = None  # where the editing desk publishes (None: it does not)
    keep_releases: int = KEEP  # releases `publish` keeps

    @property
    def schema_dir(self) -> Path:
        return schema_dir_for(self.data, self.project)

    @property
    def docs(self) -> Path:
        return self.project / "docs"

    def but(self, **changes) -> Settings:
        return replace(self, **changes)

    @classmethod
    def read(cls, data: Path | str | None = None, *, drafts: bool = False, directory_urls: bool = True,
             environ: Mapping[str, str] = os.environ, site_url: str | None = None, site_name: str | None = None,
             imprint: str | None = None) -> Settings:
        """Settings from the arguments, then the environment, then the defaults. SettingsError if one is unusable."""
        folder = Path(data or environ.get(DATA_ENV) or PROJECT / "data").resolve()
        if site_name is None:
            site_name, imprint = _identity(PROJECT / "mkdocs.yml")
        publish_to = environ.get(PUBLISH_TO_ENV, "").strip()
        keep = environ.get(KEEP_ENV, "").strip()
        if keep and not (keep.isdigit() and 1 <= int(keep) <= 100):
            raise SettingsError(f'环境变量 {KEEP_ENV} 应为 1 到 100 之间的整数（保留的发布版本数），这里是 "{keep}"。')
        return cls(data=folder, today=today(environ), drafts=drafts,
                   directory_urls=directory_urls, site_url=(environ.get(SITE_URL_ENV, "") if site_url is None else site_url).strip(),
                   site_name=site_name, imprint=imprint or "", publish_to=Path(publish_to).resolve() if publish_to else None,
                   keep_releases=int(keep) if keep else KEEP)


def schema_dir_for(data: Path, project: Path = PROJECT) -> Path:
    """The schema next to the data it validates; a data folder without one uses the project's."""
    own = Path(data) / "schema"
    return own if own.is_dir() else project / "data" / "schema"


def today(environ: Mapping[str, str] = os.environ) -> datetime.date:
    """`$TOOLBOOK_TODAY`, else the date of the machine. SettingsError if the variable is malformed."""
    return parse_today(environ.get(TODAY_ENV, ""))


def parse_today(value: str) -> datetime.date:
    value = value.strip()
    if not value:
        return datetime.date.today()
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise SettingsError(f'环境变量 {TODAY_ENV} 应为 YYYY-MM-DD 格式的日期（如 2026-12-01），这里是 "{value}"。') from None


def _identity(config_file: Path) -> tuple[str, str]:
    """`site_name` and `copyright` of mkdocs.yml, read as YAML; its MkDocs-only tags (`!ENV`, `!!python/…`) read as nothing."""
    import yaml

    class _Loader(yaml.SafeLoader):
        pass

    _Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    _Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    try:
        config = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_Loader) or {}
    except (OSError, yaml.YAMLError):
        config = {}
    return str(config.get("site_name") or Settings.site_name), str(config.get("copyright") or "")
