"""Every worker of a multi-process server follows the seeds folder. ``gunicorn --preload`` loads the app once
and forks its workers from that process, which threads do not survive; granian starts each worker itself.

The servers run ``tests/web/worker_app.py``: the production app with the answering worker's process id in a
header, so that the test knows it has heard from every worker.
"""

from __future__ import annotations

import os
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ..conftest import REPO, article, free_port, production_server, running_server, write_article

APP = "tests.web.worker_app:app"
INTERVAL = 0.2  # seconds between each worker's looks at the folder
SERVERS = {
    "gunicorn --preload": lambda port: [sys.executable, "-m", "gunicorn", "--preload", "--workers", "2", "--bind",
                                        f"127.0.0.1:{port}", "--chdir", str(REPO), APP],
    "granian": lambda port: production_server(port, APP),
}


def _ask(base: str) -> tuple[str, bytes]:
    """One request on a connection of its own (so any worker may take it): the worker, and the feed."""
    with urllib.request.urlopen(base + "/feeds/all.atom", timeout=5) as response:
        return response.headers["X-Worker"], response.read()


@pytest.mark.parametrize("server", SERVERS)
def test_every_worker_serves_an_edit_within_a_few_reload_intervals(server: str, seeds: Path, tmp_path: Path) -> None:
    write_article(seeds, "a.md", **article("a", title="First version"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, FEEDPUB_SEEDS=str(seeds), FEEDPUB_BASE_URL=base, FEEDPUB_RELOAD_INTERVAL=str(INTERVAL))
    with running_server(SERVERS[server](port), base, env, tmp_path / "server.log"):
        workers: set[str] = set()
        deadline = time.monotonic() + 15
        while len(workers) < 2 and time.monotonic() < deadline:
            worker, body = _ask(base)
            assert b"First version" in body
            workers.add(worker)
        assert len(workers) == 2, "both workers answered"

        write_article(seeds, "a.md", **article("a", title="Edited version"))
        edited = time.monotonic()
        up_to_date: set[str] = set()
        while up_to_date != workers and time.monotonic() < edited + 15 * INTERVAL:
            worker, body = _ask(base)
            if b"Edited version" in body:
                up_to_date.add(worker)
            else:
                up_to_date.discard(worker)
        assert up_to_date == workers, f"workers still serving the old article after {15 * INTERVAL:g} s: {workers - up_to_date}"
