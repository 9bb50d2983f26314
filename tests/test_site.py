"""feedpub.site: one pass from a seeds folder to a site, shared by the command line and the server."""

from __future__ import annotations

import dataclasses
import gc
import os
import weakref

import pytest

from feedpub.site import changes as site_changes, load_site
from feedpub.static.ledger import save_ledger

from .conftest import render_path, article, write_article, write_text


def test_a_dropped_site_is_freed_at_once_though_its_objects_are_frozen_out_of_the_cycle_collector(seeds, settings) -> None:
    # The server loads a new site on every change: were any of a site's objects in a reference cycle, the
    # frozen collector would never free them, and each reload would keep a whole site alive.
    for number in range(5):
        write_article(seeds, f"{number}.md", **article(f"a{number}", topics=["AI"], provider={"name": "Wire", "domain": "wire.example"}))
    build = load_site(settings)
    for path in ("all.atom", "all.rss", "all.json", "all.html", "topics/ai.atom", "index.html"):
        assert render_path(build, path) is not None
    assert gc.isenabled()
    site, catalog = weakref.ref(build), weakref.ref(build.catalog)
    del build
    assert site() is None and catalog() is None


def test_loading_a_site_leaves_the_cycle_collector_as_it_found_it(seeds, settings) -> None:
    """The server loads site after site: library code must not disable the collector or freeze garbage."""
    write_article(seeds, "a.md", **article("a", topics=["AI"]))
    frozen, enabled = gc.get_freeze_count(), gc.isenabled()
    load_site(settings)
    assert (gc.get_freeze_count(), gc.isenabled()) == (frozen, enabled)


def _same_site(one, other) -> None:
    assert one.catalog == other.catalog and one.problems == other.problems and one.files == other.files
    assert [key.path for key in one.documents()] == [key.path for key in other.documents()]
    for key in one.documents():
        assert one.fingerprint(key) == other.fingerprint(key), key.path
        assert one.render(key) == other.render(key), key.path


@pytest.mark.parametrize("page", [50, 2])
def test_a_site_loaded_from_the_previous_one_equals_a_fresh_load(seeds, settings, page) -> None:
    """Edits, additions, removals and broken files re-read alone give the site a fresh load gives (with
    archive pages whose digests are kept when an edit leaves them alone, too)."""
    settings = dataclasses.replace(settings, archive_size=page, limit=page)
    for number in range(8):
        write_article(seeds, f"{number}.md", **article(f"a{number}", topics=["AI", "Robots"][: 1 + number % 2],
                                                       publishedDateTime=f"2024-05-0{number + 1}T00:00:00Z"))
    write_article(seeds, os.fsdecode(b"caf\xe9.md"), **article("unnamed"))  # a name that is not UTF-8: an error
    site = load_site(settings, keep_files=True)
    _same_site(site, load_site(settings))
    changes = {
        "retitle": lambda: write_article(seeds, "2.md", **article("a2", title="Retitled", topics=["AI"],
                                                                  publishedDateTime="2024-05-03T00:00:00Z")),
        "edit": lambda: write_article(seeds, "3.md", **article("a3", title="Edited", topics=["Space"])),
        "add": lambda: write_article(seeds, "sub/9.md", **article("a9", topics=["AI"])),
        "remove": lambda: (seeds / "4.md").unlink(),
        "break": lambda: write_text(seeds, "5.md", "---\ntitle: [unclosed\n---\n"),
        "duplicate": lambda: write_article(seeds, "6b.md", **article("a6")),
    }
    for name, change in changes.items():
        change()
        for changed in (None, site_changes(site)):  # a full look, and the files named
            again = load_site(settings, previous=site, changed=changed)
            if name == "retitle" and page == 2:
                assert again.kept_pages, "an edit in place keeps the other archive pages"
            _same_site(again, load_site(settings))
        save_ledger(seeds, again.frozen_ledger())  # as a build does: pages now published stay put
        site = load_site(settings, previous=again)


def test_touching_a_file_keeps_the_catalog(seeds, settings) -> None:
    path = write_article(seeds, "a.md", **article("a"))
    site = load_site(settings, keep_files=True)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert site_changes(site) == [str(path)]
    again = load_site(settings, previous=site)
    assert again.catalog is site.catalog and site_changes(again) == []


def test_an_empty_feed_is_dated_plausibly_and_deterministically(seeds, settings) -> None:
    """Validators flag dates before 1990: an empty site, or a query that matches nothing, is never 1970."""
    from feedpub.feeds.keys import ALL
    from feedpub.feeds.query import Query

    empty = load_site(settings)
    assert empty.describe(ALL).updated.year == 2000
    assert "1970" not in render_path(empty, "all.rss").body.decode()
    write_article(seeds, "a.md", **article("a", publishedDateTime="2024-05-01T12:00:00Z"))
    site = load_site(settings)
    nothing = site.describe(ALL, Query(min_heat=10**6))
    assert nothing.entries == () and nothing.updated.isoformat() == "2024-05-01T12:00:00+00:00"


def test_the_build_commands_gc_policy_never_freezes_cyclic_garbage() -> None:
    """build --watch freezes each round's site: garbage made between rounds must be collected first."""
    from feedpub.cli import _long_lived_objects

    class Node:
        pass

    cycle = Node()
    cycle.me = cycle  # type: ignore[attr-defined]
    garbage = weakref.ref(cycle)
    del cycle
    try:
        with _long_lived_objects():
            pass
        assert garbage() is None, "cyclic garbage was frozen and will never be collected"
    finally:
        gc.unfreeze()  # what the command froze goes back under the collector, as in the other tests
