"""How the server learns of changes: the system's notifications, so an idle server looks at no file; polling
where asked for (or where notifications are unavailable); and a failed reload is tried again."""

from __future__ import annotations

import dataclasses
import time

import feedparser
import pytest

from feedpub.web import create_app
from feedpub.web import reload as reload_module

from ..conftest import article, write_article
from .test_reload import _eventually


def _title(client) -> str:
    """The newest entry's title ("" while a half-written file is served: the next change puts it right)."""
    entries = feedparser.parse(client.get("/feeds/all.atom").data).entries
    return entries[0].title if entries else ""


@pytest.fixture
def looks(monkeypatch) -> list[int]:
    """Counts the reloader's looks at every file of the folder."""
    counted: list[int] = []
    real = reload_module.changes

    def counting(site):
        counted.append(1)
        return real(site)

    monkeypatch.setattr(reload_module, "changes", counting)
    return counted


@pytest.mark.parametrize("method", ["notify", "poll"])
def test_an_edit_is_served_whichever_way_changes_are_learnt(seeds, settings, looks, method) -> None:
    write_article(seeds, "a.md", **article("a", title="First"))
    app = create_app(dataclasses.replace(settings, reload_interval=0.05, watch_method=method))
    client = app.test_client()
    assert _title(client) == "First"
    reloader = app.extensions["feedpub"].reloader
    assert _eventually(lambda: reloader.monitor is not None and looks)
    assert reloader.monitor.method == method
    write_article(seeds, "a.md", **article("a", title="Second"))
    assert _eventually(lambda: _title(client) == "Second")
    settled = len(looks)
    time.sleep(0.5)  # ten polling intervals, nothing changing
    if method == "notify":
        assert len(looks) == settled, "an idle server following notifications looked at the folder"
    else:
        assert len(looks) > settled


def test_a_reload_that_fails_after_a_notification_is_tried_again(seeds, settings, monkeypatch) -> None:
    write_article(seeds, "a.md", **article("a", title="First"))
    app = create_app(dataclasses.replace(settings, reload_interval=0.05))
    client = app.test_client()
    reloader = app.extensions["feedpub"].reloader
    assert _eventually(lambda: reloader.monitor is not None)
    real = reload_module.load_site
    failures: list[int] = []

    def failing_twice(*args, **kwargs):
        if len(failures) < 2:
            failures.append(1)
            raise OSError("disk hiccup")
        return real(*args, **kwargs)

    monkeypatch.setattr(reload_module, "load_site", failing_twice)
    write_article(seeds, "a.md", **article("a", title="Second"))
    assert _eventually(lambda: _title(client) == "Second")
    assert len(failures) == 2
