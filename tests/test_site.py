"""feedpub.site: one pass from a seeds folder to a site, shared by the command line and the server."""

from __future__ import annotations

import gc
import weakref

from feedpub.site import load_site

from .conftest import render_path, article, write_article


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
