"""Settings: defaults, then ``feedpub.toml``, then ``FEEDPUB_*`` environment variables, then flags.

Everything has a default so that ``feedpub build`` works in a fresh checkout with no configuration.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import unicodedata
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .errors import SettingsError
from .ingest.loader import DEFAULT_MAX_BYTES
from .ingest.sanitize import safe_url

CONFIG_FILE = "feedpub.toml"
# A well-formed BCP 47 language tag (RFC 5646, section 2.1): a 2- or 3-letter language (the 4- to 8-letter
# forms are reserved or unassigned, so "english" is refused), then optional extended language, script,
# region, variants, extensions and private use; or a private-use tag alone ("x-...").
_SUBTAGS = (
    r"[a-z]{2,3}(?:-[a-z]{3}){0,3}(?:-[a-z]{4})?(?:-(?:[a-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*(?:-[0-9a-wy-z](?:-[a-z0-9]{2,8})+)*"
)
_LANGUAGE_TAG = re.compile(rf"(?:{_SUBTAGS}(?:-x(?:-[a-z0-9]{{1,8}})+)?|x(?:-[a-z0-9]{{1,8}})+)", re.IGNORECASE)

MAX_CACHE_AGE = 365 * 24 * 3600  # HTTP caches count max-age in 31 bits; a feed polled yearly is stale anyway
DEFAULT_MAX_DELETES = 256  # objects a deploy may delete before it refuses (`feedpub deploy --max-deletes`)


@dataclass(frozen=True)
class Settings:
    title: str = "feedpub"
    description: str = "News articles published by feedpub"
    base_url: str = "http://127.0.0.1:5000"
    language: str = "en"
    author: str = "feedpub"
    # Absolute URLs of the site's images: a square icon (readers show it beside entries) and a wide logo.
    icon: str = ""
    logo: str = ""
    limit: int = 50
    archive_size: int = 50
    cache_max_age: int = 300
    reload_interval: float = 2.0
    # How the server and ``build --watch`` learn of changed files: "notify", the system's change
    # notifications (polling where there are none), or "poll", every reload_interval (network filesystems).
    watch_method: str = "notify"
    hub_url: str = ""
    hub_deadline: float = 10.0  # seconds for telling the hub about a build's changed feeds, all tries included
    cache_dir: Path = field(default_factory=lambda: _user_cache_dir())
    seeds: Path = Path("seeds")
    out: Path = Path("feeds")
    max_file_size: int = DEFAULT_MAX_BYTES
    deploy_target: str = ""  # s3://BUCKET[/PREFIX], for `feedpub deploy`
    deploy_endpoint_url: str = ""  # an S3-compatible service other than AWS

    @property
    def feeds_url(self) -> str:
        """Absolute URL of the folder the feeds are served from; the same for static hosts and the server."""
        return f"{self.base_url.rstrip('/')}/{FEEDS_FOLDER}/"

    def with_overrides(self, **values: Any) -> Settings:
        """Apply values given on the command line; None means "not given"."""
        return _validated(replace(self, **{k: v for k, v in values.items() if v is not None}))


def _user_cache_dir() -> Path:
    """Where parsed articles are cached between builds: ``$XDG_CACHE_HOME/feedpub`` or ``~/.cache/feedpub``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "feedpub"


_TYPES = {f.name: f.type for f in fields(Settings)}


def load_settings(config_file: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Read ``feedpub.toml`` (if present) and ``FEEDPUB_*`` variables on top of the defaults."""
    values: dict[str, Any] = {}
    env = os.environ if environ is None else environ
    path = config_file or Path(env.get("FEEDPUB_CONFIG", CONFIG_FILE))
    if config_file is not None or "FEEDPUB_CONFIG" in env or path.exists():  # a file named must be there
        import tomllib  # most runs have no settings file, and its parser takes longer to import than to run

        try:
            with path.open("rb") as handle:
                table = tomllib.load(handle)
        except UnicodeDecodeError as error:
            raise SettingsError(f"{path}: cannot read the settings file: it is not UTF-8 text (byte {error.start})") from None
        except (OSError, ValueError) as error:  # tomllib.TOMLDecodeError is a ValueError
            raise SettingsError(f"{path}: cannot read the settings file: {error}") from None
        settings_table = table.get("feedpub", table)
        if not isinstance(settings_table, dict):
            raise SettingsError(f"{path}: 'feedpub' must be the table [feedpub] of settings, not {settings_table!r}")
        values.update(settings_table)
    for name in _TYPES:
        variable = f"FEEDPUB_{name.upper()}"
        if variable in env:
            values[name] = env[variable]
    unknown = sorted(set(values) - set(_TYPES))
    if unknown:
        raise SettingsError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(_TYPES)}")
    return _validated(Settings(**{name: _coerce(name, value) for name, value in values.items()}))


def _coerce(name: str, value: Any) -> Any:
    """``value`` as the setting ``name`` holds it: given as text (an environment variable) or as what a
    TOML file typed; SettingsError for anything else."""
    kind = _TYPES[name]
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise SettingsError(f"setting '{name}' must be {_KINDS[kind]}, not {value!r}")
    if kind == "int":
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                pass
        elif isinstance(value, int) or (math.isfinite(value) and value == int(value)):
            return int(value)
        raise SettingsError(f"setting '{name}' must be {_KINDS[kind]}, not {value!r}")
    if kind == "float":
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise SettingsError(f"setting '{name}' must be {_KINDS[kind]}, not {value!r}")
        return number
    if not isinstance(value, str):
        raise SettingsError(f"setting '{name}' must be {_KINDS[kind]} (in quotes in feedpub.toml), not {value!r}")
    if kind == "Path":
        if not value.strip():
            raise SettingsError(f"setting '{name}' must name a folder, not be empty")
        return Path(value)
    return value


_KINDS = {"int": "a whole number", "float": "a number", "Path": "a folder's path", "str": "text"}


# The texts every feed carries: each must be a non-empty line of plain text of a sensible length.
TEXT_SETTINGS = {"title": 200, "description": 1000, "author": 200}
FEEDS_FOLDER = "feeds"  # where the feeds live under base_url


def _check_text(name: str, value: str) -> None:
    shown = repr(value[:60] + ("…" if len(value) > 60 else ""))
    if not value.strip():
        raise SettingsError(f"{name} must not be empty; set {name} in feedpub.toml or with FEEDPUB_{name.upper()}")
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in value):
        raise SettingsError(f"{name} must be one line of text without control characters, not {shown}")
    if len(value) > TEXT_SETTINGS[name]:
        raise SettingsError(f"{name} must be at most {TEXT_SETTINGS[name]} characters, not {len(value):,}")


def _base_url(value: str) -> str:
    """The site's address, without a trailing ``/feeds`` (the feeds' folder is added to it) or slash.

    Checked as every URL feedpub writes is (`safe_url`: http(s), a real host, no credentials), and plain:
    feeds' links are made by appending to it."""
    url = safe_url(value)
    if url is None:
        raise SettingsError(
            f"base_url must be an absolute http(s) URL without a user or password, such as "
            f"https://news.example.org, not {value!r}"
        )
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        raise SettingsError(
            f"base_url must be a plain address without a query or fragment, such as https://news.example.org, "
            f"not {value!r}"
        )
    path = parts.path.rstrip("/")
    if path.rsplit("/", 1)[-1] == FEEDS_FOLDER:
        path = path[: -len(FEEDS_FOLDER) - 1]  # the site's address was given with the feeds' folder
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def is_loopback(base_url: str) -> bool:
    """True when ``base_url`` points at this machine: fine to serve from, wrong in files for the web."""
    host = urlsplit(base_url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _validated(settings: Settings) -> Settings:
    for name in TEXT_SETTINGS:
        _check_text(name, getattr(settings, name))
    if settings.limit < 1:
        raise SettingsError(f"limit must be at least 1, not {settings.limit}")
    if not 0 <= settings.reload_interval <= 86400:
        raise SettingsError(f"reload_interval must be 0 (off) to 86400 seconds, not {settings.reload_interval}")
    if settings.watch_method not in ("notify", "poll"):
        raise SettingsError(f"watch_method must be 'notify' or 'poll', not {settings.watch_method!r}")
    if not 0 <= settings.cache_max_age <= MAX_CACHE_AGE:
        raise SettingsError(f"cache_max_age must be 0 to {MAX_CACHE_AGE} seconds (a year), not {settings.cache_max_age}")
    if settings.archive_size < 1:
        raise SettingsError(f"archive_size must be at least 1, not {settings.archive_size}")
    if settings.max_file_size < 1:
        raise SettingsError(f"max_file_size must be at least 1 byte, not {settings.max_file_size}")
    if settings.hub_url and not settings.hub_url.startswith(("http://", "https://")):
        raise SettingsError(f"hub_url must be an absolute http(s) URL (or empty, for no WebSub), not {settings.hub_url!r}")
    if not 0 < settings.hub_deadline <= 600:
        raise SettingsError(f"hub_deadline must be more than 0 and at most 600 seconds, not {settings.hub_deadline}")
    if not _LANGUAGE_TAG.fullmatch(settings.language):
        raise SettingsError(
            f"language must be a BCP 47 language tag such as 'en', 'en-GB' or 'pt-BR', not {settings.language!r}"
        )
    images: dict[str, str] = {}
    for name in ("icon", "logo"):
        value = getattr(settings, name)
        url = safe_url(value) if value else ""
        if url is None:
            raise SettingsError(f"{name} must be an absolute http(s) URL of an image (or empty), not {value!r}")
        images[name] = url
    # Written into XML and HTML attributes: kept only in the percent-encoded form every format accepts.
    return replace(settings, base_url=_base_url(settings.base_url), **images)
