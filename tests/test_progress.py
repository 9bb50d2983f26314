"""A cold build on a terminal shows how far it is, while reading the files as well as while writing."""

from __future__ import annotations

import time

from feedpub.cli import _ProgressBar
from feedpub.ingest.loader import load_folder

from .conftest import article, write_article


def test_loading_tells_its_progress_up_to_every_file(seeds) -> None:
    for number in range(250):
        write_article(seeds, f"{number:03d}.md", **article(f"a{number}"))
    told: list[tuple[int, int]] = []
    load_folder(seeds, progress=lambda done, total: told.append((done, total)))
    assert told[0] == (100, 250) and told[-1] == (250, 250)
    assert [done for done, _ in told] == sorted(done for done, _ in told)


def test_the_bars_show_reading_then_writing_once_a_build_has_run_a_second(capsys) -> None:
    quick = _ProgressBar(time.perf_counter(), "Reading files")
    quick(10, 20)
    assert capsys.readouterr().err == ""  # a build under a second shows no bar
    started = time.perf_counter() - 5
    reading = _ProgressBar(started, "Reading files")
    reading(100, 200)
    reading(200, 200)
    reading.close()
    writing = _ProgressBar(started)
    writing(30, 60)
    writing.close()
    shown = capsys.readouterr().err
    assert "\rReading files [###############...............] 100/200" in shown
    assert "Reading files [##############################] 200/200\n" in shown
    assert shown.endswith("\rWriting feeds [###############...............] 30/60\n")
