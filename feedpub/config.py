"""Settings: defaults, then ``feedpub.toml``, then ``FEEDPUB_*`` environment variables, then flags.

Everything has a default so that ``feedpub build`` works in a fresh checkout with no configuration.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .loader import DEFAULT_MAX_BYTES

CONFIG_FILE = "feedpub.toml"


class ConfigError(Exception):
    """A setting that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    title: str = "feedpub"
    description: str = "News articles published by feedpub"
    base_url: str = "http://127.0.0.1:5000"
    language: str = "en"
    author: str = "feedpub"
    limit: int = 50
    archive_size: int = 50
    cache_max_age: int = 300
    reload_interval: float = 2.0
    hub_url: str = ""
    cache_dir: Path = field(default_factory=lambda: _user_cache_dir())
    seeds: Path = Path("seeds")
    out: Path = Path("feeds")
    max_file_size: int = DEFAULT_MAX_BYTES
    deploy_target: str = ""  # s3://BUCKET[/PREFIX], for `feedpub deploy`
    deploy_endpoint_url: str = ""  # an S3-compatible service other than AWS

    @property
    def feeds_url(self) -> str:
        """Absolute URL of the folder the feeds are served from; the same for static hosts and the server."""
        return self.base_url.rstrip("/") + "/feeds/"

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
    if config_file is not None or path.exists():
        try:
            with path.open("rb") as handle:
                table = tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ConfigError(f"{path}: cannot read the settings file: {error}") from None
        values.update(table.get("feedpub", table))
    for name in _TYPES:
        variable = f"FEEDPUB_{name.upper()}"
        if variable in env:
            values[name] = env[variable]
    unknown = sorted(set(values) - set(_TYPES))
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(_TYPES)}")
    return _validated(Settings(**{name: _coerce(name, value) for name, value in values.items()}))


def _coerce(name: str, value: Any) -> Any:
    kind = _TYPES[name]
    try:
        if kind == "int":
            if isinstance(value, bool):
                raise ValueError
            return int(value)
        if kind == "float":
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if kind == "Path":
            return Path(str(value))
        return str(value)
    except ValueError:
        raise ConfigError(f"setting '{name}' must be a number, not {value!r}") from None


def _validated(settings: Settings) -> Settings:
    if settings.limit < 1:
        raise ConfigError(f"limit must be at least 1, not {settings.limit}")
    if not 0 <= settings.reload_interval <= 86400:
        raise ConfigError(f"reload_interval must be 0 (off) to 86400 seconds, not {settings.reload_interval}")
    if settings.cache_max_age < 0:
        raise ConfigError(f"cache_max_age must be 0 or more seconds, not {settings.cache_max_age}")
    if settings.archive_size < 1:
        raise ConfigError(f"archive_size must be at least 1, not {settings.archive_size}")
    if settings.max_file_size < 1:
        raise ConfigError(f"max_file_size must be at least 1 byte, not {settings.max_file_size}")
    if settings.hub_url and not settings.hub_url.startswith(("http://", "https://")):
        raise ConfigError(f"hub_url must be an absolute http(s) URL (or empty, for no WebSub), not {settings.hub_url!r}")
    if not settings.base_url.startswith(("http://", "https://")):
        raise ConfigError(f"base_url must be an absolute http(s) URL, not {settings.base_url!r}")
    return settings
