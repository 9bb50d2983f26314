"""Faults: a build killed at any moment never leaves a broken feed behind."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml
from lxml import etree

KILLS = 24  # a third of them wait until the build has begun to stage files
MID_WRITE = 5  # kills that must land with files staged but not yet renamed in


def _write_corpus(folder: Path, count: int) -> None:
    folder.mkdir()
    rng = random.Random(7)
    topics = [f"Topic {n}" for n in range(30)]
    for n in range(count):
        fields = {
            "title": f"Article {n} about things",
            "excerpt": "Some words " * rng.randint(5, 60),
            "publishedDateTime": f"2021-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:{n % 60:02d}:00Z",
            "webUrl": f"https://news.example.org/{n}",
            "heat": rng.randint(-1, 300),
            "provider": {"name": "Example", "domain": "example.org"},
            "topics": rng.sample(topics, rng.randint(1, 4)),
            "images": [{"url": f"https://img.example.org/{n}.jpg", "width": 800, "height": 600}],
        }
        text = "---\n" + yaml.safe_dump(fields, sort_keys=False) + "---\n"
        (folder / f"{n:05d}.md").write_text(text, encoding="utf-8")


def _assert_complete(out: Path) -> int:
    """Every visible file in ``out`` is a whole, valid document; returns how many were checked."""
    checked = 0
    for path in sorted(out.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        body = path.read_bytes()
        if path.suffix == ".json":
            json.loads(body)
        elif path.suffix in (".rss", ".atom"):
            root = etree.fromstring(body)  # a cut-short file is not well-formed XML and raises here
            assert root.tag in ("rss", "{http://www.w3.org/2005/Atom}feed", "feed"), path
        elif path.suffix == ".html":
            assert body.rstrip().endswith(b"</html>"), f"{path} is cut short"
        checked += 1
    return checked


def _wait_for_staging(out: Path, process: subprocess.Popen, deadline: float) -> None:
    """Return once the build has staged a file (or has ended, or the deadline passed)."""
    while time.monotonic() < deadline and process.poll() is None:
        if any(out.rglob(".*.tmp")):
            return
        time.sleep(0.001)


def test_a_build_killed_at_random_moments_never_leaves_a_broken_file(tmp_path: Path) -> None:
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    _write_corpus(seeds, 400)
    command = [sys.executable, "-m", "feedpub", "build", "--seeds", str(seeds), "--out", str(out), "--quiet"]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")

    started = time.perf_counter()
    subprocess.run(command, check=True, env=env)
    full_build = time.perf_counter() - started
    # Make every later build rewrite every file, so kills land in the middle of writes.
    (seeds / "00000.md").write_text((seeds / "00000.md").read_text().replace("Article 0", "Article zero"))

    rng = random.Random(11)
    mid_write = 0  # kills that left staged files behind: they landed while the build was writing
    for kill in range(KILLS):
        if kill % 2:
            for feed in out.rglob("*.atom"):
                feed.write_bytes(feed.read_bytes() + b"<!-- stale -->")  # force rewrites
        for leftover in out.rglob(".*.tmp"):
            leftover.unlink()  # each kill's own staged files are counted
        process = subprocess.Popen(command, env=env)
        if kill % 3:
            time.sleep(rng.uniform(0.0, full_build))  # any moment
        else:
            _wait_for_staging(out, process, deadline=time.monotonic() + 5 * full_build)
            time.sleep(rng.uniform(0.0, 0.02))  # a moment while files are staged or renamed in
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert _assert_complete(out) > 0
        mid_write += any(out.rglob(".*.tmp"))
    assert mid_write >= MID_WRITE, f"only {mid_write} of {KILLS} kills landed while files were being written"

    subprocess.run(command, check=True, env=env)
    assert _assert_complete(out) >= 3
    assert not list(out.rglob(".*.tmp")), "a finished build removes the temporary files of killed ones"
