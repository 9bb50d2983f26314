"""Shared helpers: article files written into a temporary seeds folder, and settings that point at it.

Tests build real inputs (front-matter files on disk) and run the real code on them; nothing of feedpub's
own is mocked.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from feedpub.feeds.keys import parse_path
from feedpub.site import Site, load_site
from feedpub.config import Settings

REPO = Path(__file__).resolve().parent.parent


def production_server(port: int, app: str = "server:app") -> list[str]:
    """The command the README gives for production (granian, two workers), on 127.0.0.1:``port``."""
    return [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
            "--workers", "2", "--working-dir", str(REPO), app]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_server(command: list[str], base: str, env: dict[str, str], log: Path) -> Iterator[None]:
    """Run a server (``command``, in the repository) until the block ends, once ``base``/feeds/ answers.

    Its output goes to ``log``; it runs in a session of its own, all of which is stopped at the end."""
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/feeds/", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{command[2]} did not start: {log.read_text(errors='replace')[-2000:]}") from None
                time.sleep(0.1)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        try:
            os.killpg(process.pid, signal.SIGKILL)  # workers a master left behind
        except (ProcessLookupError, PermissionError):
            pass
BASE_URL = "https://news.example.org"
FEEDS_URL = BASE_URL + "/feeds/"


def article(slug: str, **overrides: Any) -> dict[str, Any]:
    """The fields of a valid article (the three required ones), with ``overrides`` applied."""
    fields: dict[str, Any] = {
        "title": f"Article {slug}",
        "webUrl": f"https://news.example.com/{slug}",
        "publishedDateTime": "2024-05-01T12:00:00Z",
    }
    fields.update(overrides)
    return fields


def write_article(folder: Path, name: str, **fields: Any) -> Path:
    """Write ``fields`` as a Jekyll-style file: YAML front matter between ``---`` lines, then a body."""
    front_matter = yaml.safe_dump(fields, sort_keys=False, allow_unicode=True)
    return write_text(folder, name, f"---\n{front_matter}---\nThe body is not part of any feed.\n")


def write_stories(folder: Path, count: int, **extra: Any) -> None:
    """``count`` articles "Story 0".. with markup in their titles, one a day from 2021-03-01, plus ``extra``."""
    for number in range(count):
        write_article(folder, f"{number}.md", **{
            "title": f"Story {number} & <b>friends</b>",
            "webUrl": f"https://news.example.org/{number}",
            "publishedDateTime": f"2021-03-0{number + 1}T10:00:00Z",
            "topics": ["Robots"],
            **extra,
        })


def write_text(folder: Path, name: str, text: str) -> Path:
    """Write an article file verbatim (for front matter yaml.safe_dump cannot produce)."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def unlistable(monkeypatch: pytest.MonkeyPatch, *folders: Path) -> None:
    """Make ``folders`` impossible to list, as for a user without the permission (which root, running the
    tests, always has): ``os.scandir``, which ``os.walk`` uses, refuses them."""
    refused = {str(folder) for folder in folders}
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if os.fspath(path) in refused:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


def line_of(path: Path, prefix: str) -> int:
    """The 1-based number of the first line of ``path`` that starts with ``prefix``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith(prefix):
            return number
    raise AssertionError(f"no line starting with {prefix!r} in {path}")


def without_source(articles):
    """Articles compared by content alone: ``source`` names the file, which differs between folders."""
    return [dataclasses.replace(a, source="") for a in articles]


def files_under(folder: Path) -> dict[str, bytes]:
    """Every non-hidden file under ``folder`` by its relative path, with its bytes."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    }


@pytest.fixture(autouse=True)
def _no_feedpub_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The developer's own FEEDPUB_* variables and article cache must not change what the tests see."""
    for name in list(os.environ):
        if name.startswith("FEEDPUB_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    return folder


@pytest.fixture
def settings(tmp_path: Path, seeds: Path) -> Settings:
    return Settings(seeds=seeds, out=tmp_path / "out", base_url=BASE_URL, title="Test News")


@pytest.fixture
def build(settings: Settings):
    """Load the seeds folder as the command line and the server do: ``build()`` after writing articles."""

    def load() -> Site:
        return load_site(settings)

    return load


def document_paths(site: Site) -> list[str]:
    """Every document of ``site`` by its path under the feeds folder, in the site's order."""
    return [key.path for key in site.documents()]


def render_path(site: Site, path: str):
    """The document at ``path`` (``topics/ai.atom``), as the static writer and the server ask for it."""
    key = parse_path(path)
    return None if key is None else site.render(key)
