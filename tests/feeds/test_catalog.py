"""feedpub.catalog: published articles in one total order, grouped by topic slug; pure."""

from __future__ import annotations

import dataclasses
import itertools
import json
import random
from pathlib import Path

import pytest

from feedpub.feeds.catalog import build_catalog, feed_order, pack_places, slugify, unpack_places
from feedpub.ingest.loader import load_folder

from ..conftest import article, write_article


def load(seeds: Path):
    result = load_folder(seeds)
    assert result.problems == (), result.problems
    return result.articles


def urls(articles) -> list[str]:
    return [a.url for a in articles]


# --- order -------------------------------------------------------------------------------------------


def test_articles_are_listed_newest_first_whatever_the_file_names(seeds):
    write_article(seeds, "a.md", **article("oldest", publishedDateTime="2024-01-01T00:00:00Z"))
    write_article(seeds, "b.md", **article("newest", publishedDateTime="2024-03-01T00:00:00+05:00"))
    write_article(seeds, "c.md", **article("middle", publishedDateTime="2024-02-01T00:00:00Z"))
    catalog = build_catalog(load(seeds))
    assert [a.title for a in catalog.articles] == ["Article newest", "Article middle", "Article oldest"]


def test_the_same_instant_in_different_time_zones_is_a_tie_broken_by_heat(seeds):
    write_article(seeds, "a.md", **article("cool", publishedDateTime="2024-05-01T12:00:00Z", heat=5))
    write_article(seeds, "b.md", **article("hot", publishedDateTime="2024-05-01T14:00:00+02:00", heat=50))
    write_article(seeds, "c.md", **article("no-heat", publishedDateTime="2024-05-01T07:00:00-05:00"))
    write_article(seeds, "d.md", **article("zero", publishedDateTime="2024-05-01T12:00:00Z", heat=0))
    catalog = build_catalog(load(seeds))
    assert [a.title for a in catalog.articles] == ["Article hot", "Article cool", "Article zero", "Article no-heat"]


def test_the_same_instant_and_heat_are_ordered_by_url(seeds):
    for slug in ["b", "c", "a"]:
        write_article(seeds, f"{slug}.md", **article(slug, heat=3, webUrl=f"https://news.example.com/{slug}"))
    assert urls(build_catalog(load(seeds)).articles) == [
        "https://news.example.com/a",
        "https://news.example.com/b",
        "https://news.example.com/c",
    ]


def test_feed_order_breaks_a_tie_of_instant_heat_and_url_by_file_name(seeds):
    write_article(seeds, "b.md", **article("same"))
    (loaded,) = load(seeds)
    first = dataclasses.replace(loaded, source="a.md")
    second = dataclasses.replace(loaded, source="b.md")
    assert sorted([second, first], key=feed_order) == [first, second]


def test_the_catalog_does_not_depend_on_the_order_articles_are_given_in(seeds):
    times = ["2024-05-01T12:00:00Z", "2024-05-01T12:00:00Z", "2024-05-02T00:00:00Z", "2024-04-30T23:59:59Z"]
    for n in range(16):
        write_article(
            seeds,
            f"{n:02d}.md",
            **article(
                f"n{n % 12}",  # four URLs appear twice: duplicates must resolve the same way too
                publishedDateTime=times[n % 4],
                updatedDateTime="2024-06-01T00:00:00Z" if n % 3 == 0 else None,
                heat=n % 3,
                topics=["Shared", f"Topic {n % 5}", "shared"],
            ),
        )
    articles = list(load_folder(seeds).articles)
    reference = build_catalog(articles)
    rng = random.Random(20240501)
    for _ in range(25):
        rng.shuffle(articles)
        shuffled = build_catalog(articles)
        assert shuffled.articles == reference.articles
        assert shuffled.topics == reference.topics
        assert [shuffled.topic_names(a) for a in shuffled.articles] == [
            reference.topic_names(a) for a in reference.articles
        ]
        assert sorted(map(str, shuffled.problems)) == sorted(map(str, reference.problems))
    assert len(reference.articles) == 12


# --- published ---------------------------------------------------------------------------------------


def test_unpublished_articles_are_left_out_and_counted(seeds):
    write_article(seeds, "a.md", **article("shown", topics=["AI"]))
    write_article(seeds, "b.md", **article("hidden", published=False, topics=["AI", "Secret"]))
    write_article(seeds, "c.md", **article("also-hidden", published=False))
    catalog = build_catalog(load(seeds))
    assert [a.title for a in catalog.articles] == ["Article shown"]
    assert catalog.unpublished == 2
    assert list(catalog.topics) == ["ai"]
    assert [a.title for a in catalog.topics["ai"].articles] == ["Article shown"]


def test_an_unpublished_copy_of_a_url_does_not_replace_or_warn_about_the_published_one(seeds):
    write_article(seeds, "a.md", **article("a", title="Published"))
    write_article(seeds, "b.md", **article("a", title="Draft", published=False, updatedDateTime="2030-01-01"))
    catalog = build_catalog(load(seeds))
    assert [a.title for a in catalog.articles] == ["Published"]
    assert catalog.problems == ()


# --- topics ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "Self-Driving Cars",
        "self driving cars",
        "SELF DRIVING CARS",
        "self_driving_cars",
        "  Self-Driving   Cars! ",
        "Self–Driving  Cars",  # en dash, two spaces
        "Self—Driving Cars",  # em dash
        "Self‐Driving Cars",  # Unicode hyphen U+2010
    ],
)
def test_spellings_of_one_topic_share_one_slug(spelling):
    assert slugify(spelling) == "self-driving-cars"


@pytest.mark.parametrize(("name", "slug"), [("Café", "cafe"), ("Zürich AI", "zurich-ai"), ("Ångström", "angstrom")])
def test_accents_are_folded_in_slugs(name, slug):
    assert slugify(name) == slug


def test_articles_with_spellings_of_one_topic_are_grouped_under_one_slug(seeds):
    for n, spelling in enumerate(["Self-Driving Cars", "self driving cars", "Self–Driving  Cars"]):
        write_article(seeds, f"{n}.md", **article(f"n{n}", topics=[spelling], heat=n))
    catalog = build_catalog(load(seeds))
    assert list(catalog.topics) == ["self-driving-cars"]
    assert len(catalog.topics["self-driving-cars"].articles) == 3


def test_accented_and_plain_spellings_are_one_topic(seeds):
    write_article(seeds, "a.md", **article("a", topics=["Café Culture"]))
    write_article(seeds, "b.md", **article("b", topics=["cafe culture"]))
    catalog = build_catalog(load(seeds))
    assert list(catalog.topics) == ["cafe-culture"]
    assert len(catalog.topics["cafe-culture"].articles) == 2


def test_a_topic_is_named_by_its_most_frequent_spelling(seeds):
    # The rarer spelling is on the newest article, so "first seen" would pick it.
    write_article(seeds, "a.md", **article("a", topics=["machine-learning"], publishedDateTime="2024-05-03"))
    write_article(seeds, "b.md", **article("b", topics=["Machine Learning"], publishedDateTime="2024-05-02"))
    write_article(seeds, "c.md", **article("c", topics=["Machine Learning"], publishedDateTime="2024-05-01"))
    catalog = build_catalog(load(seeds))
    topic = catalog.topics["machine-learning"]
    assert topic.name == "Machine Learning"
    assert [catalog.topic_names(a) for a in catalog.articles] == [("Machine Learning",)] * 3


def test_merging_spellings_warns_on_the_file_with_the_rarer_spelling(seeds):
    rare = write_article(seeds, "a.md", **article("a", topics=["machine-learning"]))
    write_article(seeds, "b.md", **article("b", topics=["Machine Learning"]))
    write_article(seeds, "c.md", **article("c", topics=["Machine Learning"]))
    catalog = build_catalog(load(seeds))
    (problem,) = catalog.problems
    assert (Path(problem.path), problem.level) == (rare, "warning")
    assert "machine-learning" in problem.message and "Machine Learning" in problem.message


def test_a_topic_listed_twice_in_one_article_counts_once(seeds):
    write_article(seeds, "a.md", **article("a", topics=["AI", "ai"]))
    catalog = build_catalog(load(seeds))
    assert len(catalog.topics["ai"].articles) == 1
    assert catalog.topic_names(catalog.articles[0]) == ("AI",)


def test_topic_members_are_in_feed_order_and_topics_are_sorted_by_slug(seeds):
    write_article(seeds, "a.md", **article("old", topics=["Zebra", "Apple"], publishedDateTime="2024-01-01"))
    write_article(seeds, "b.md", **article("new", topics=["Mango", "Apple"], publishedDateTime="2024-02-01"))
    catalog = build_catalog(load(seeds))
    assert list(catalog.topics) == ["apple", "mango", "zebra"]
    assert [a.title for a in catalog.topics["apple"].articles] == ["Article new", "Article old"]


@pytest.mark.parametrize("name", ["🤖", "🤖🚗", "!!!", "—", "..."])
def test_a_topic_without_letters_or_digits_is_ignored_with_a_warning(seeds, name):
    path = write_article(seeds, "a.md", **article("a", topics=[name, "AI"]))
    catalog = build_catalog(load(seeds))
    assert list(catalog.topics) == ["ai"]
    assert [a.title for a in catalog.articles] == ["Article a"]
    (problem,) = catalog.problems
    assert (Path(problem.path), problem.level) == (path, "warning")
    assert name in problem.message


@pytest.mark.parametrize("name", ["Нейронные сети", "机器学习", "Τεχνητή νοημοσύνη"])
def test_a_topic_written_in_a_non_latin_script_still_gets_a_feed(seeds, name):
    write_article(seeds, "a.md", **article("a", topics=[name]))
    catalog = build_catalog(load(seeds))
    assert [topic.name for topic in catalog.topics.values()] == [name]
    assert catalog.problems == ()


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "a/b",
        "..",
        "...",
        "./.",
        ". .",
        "%2e%2e%2f",
        "..\\..\\windows",
        "．．／",  # full-width, NFKD folds it to "../"
        "\u2025",  # two-dot leader, NFKD folds it to ".."
        "C:\\Windows\\System32",
        "/absolute",
        "x" * 300,
        "Ünïcödé / ./ ..",
    ],
)
def test_slugs_are_safe_as_path_segments(name):
    slug = slugify(name)
    assert "/" not in slug and "\\" not in slug
    assert ".." not in slug
    assert not slug.startswith(".")
    assert len(slug) <= 80
    assert not slug.endswith("-") and not slug.startswith("-")


# --- duplicates --------------------------------------------------------------------------------------


def test_a_duplicate_url_keeps_the_newer_version_and_warns_naming_both_files(seeds):
    url = "https://news.example.com/story"
    older = write_article(seeds, "z-first.md", **article("x", webUrl=url, title="First version"))
    newer = write_article(
        seeds, "a-second.md", **article("x", webUrl=url, title="Second version", updatedDateTime="2024-05-02T00:00:00Z")
    )
    articles = load(seeds)
    for given in (articles, tuple(reversed(articles))):
        catalog = build_catalog(given)
        assert [a.title for a in catalog.articles] == ["Second version"]
        (problem,) = catalog.problems
        assert (Path(problem.path), problem.level) == (older, "warning")
        assert newer.name in problem.message


def test_duplicates_with_the_same_update_time_resolve_the_same_way_in_any_order(seeds):
    url = "https://news.example.com/story"
    write_article(seeds, "a.md", **article("x", webUrl=url, title="From a"))
    write_article(seeds, "b.md", **article("x", webUrl=url, title="From b"))
    articles = load(seeds)
    first = build_catalog(articles)
    second = build_catalog(tuple(reversed(articles)))
    assert first.articles == second.articles
    assert len(first.articles) == 1
    assert [Path(p.path).name for p in first.problems] == [Path(p.path).name for p in second.problems]
    (said,) = first.problems
    assert said.message.endswith("only the version whose path sorts last, as both have the same update time "
                                 f"({seeds / 'b.md'}) is published")


def test_three_versions_of_one_url_warn_the_same_way_in_any_order(seeds):
    """Each older version names the one published, whether the files come from the folder or the cache."""
    url = "https://news.example.com/story"
    for name, day in (("a", 1), ("b", 2), ("c", 3)):
        write_article(seeds, f"{name}.md", **article("x", webUrl=url, updatedDateTime=f"2024-05-0{day}T00:00:00Z"))
    articles = load(seeds)
    told = {tuple((Path(p.path).name, p.message.replace(str(seeds), "")) for p in build_catalog(order).problems)
            for order in itertools.permutations(articles)}
    assert len(told) == 1
    assert [(name, "c.md" in message) for name, message in told.pop()] == [("a.md", True), ("b.md", True)]


def test_in_feed_order_sorts_exactly_as_the_feed_order_key() -> None:
    from datetime import datetime, timedelta, timezone

    from feedpub.feeds.catalog import in_feed_order
    from feedpub.model import Article

    start = datetime(2024, 5, 1, tzinfo=timezone.utc)
    articles = [
        Article(id=url, title="t", url=url, published_at=start + timedelta(microseconds=micro),
                updated_at=start, source=source, heat=heat)
        for micro in (0, 1, 3_600_000_000) for heat in (-1, 0, 7) for url in ("https://b.example/", "https://a.example/")
        for source in ("z.md", "a.md")
    ]
    shuffled = articles[::-1][::2] + articles[::-1][1::2]
    assert in_feed_order(shuffled) == sorted(shuffled, key=feed_order)
    assert in_feed_order(shuffled) != sorted(shuffled, key=lambda a: (a.url, a.source))


# --- updating a catalog in place of building it again -----------------------------------------------

from datetime import datetime, timedelta, timezone  # noqa: E402

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from feedpub.feeds.catalog import update_catalog  # noqa: E402
from feedpub.model import Article, Provider  # noqa: E402

_SPELLINGS = ["AI", "ai", "Robots", "Space", "Self-Driving Cars", "self driving cars", "!!!"]
_PROVIDERS = [None, Provider("Wire", "wire.example"), Provider("The Wire", "www.wire.example", "https://wire.example/l.png"),
              Provider("Daily", "daily.example")]


def _article(number: int, draw_fields: tuple) -> Article:
    url, day, heat, topics, provider, published = draw_fields
    moment = datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(hours=day)
    return Article(f"https://n.example/{url}", f"T{number}", f"https://n.example/{url}", moment, moment,
                   f"seeds/{number}.md", is_published=published, heat=heat, topics=tuple(topics), provider=provider,
                   revision=str(number))


_fields = st.tuples(st.integers(0, 40), st.integers(0, 6), st.integers(-1, 2),
                    st.lists(st.sampled_from(_SPELLINGS), max_size=3), st.sampled_from(_PROVIDERS),
                    st.booleans() | st.just(True))


_CHANGES = {"start": st.lists(_fields, min_size=1, max_size=25),
            "steps": st.lists(st.tuples(st.integers(0, 30), st.none() | _fields), min_size=1, max_size=6)}


def _changes(start, steps):  # type: ignore[no-untyped-def]
    """The catalog of the files ``start`` makes, then each of ``steps`` in turn (a file edited, added or
    removed): the files after it, and the articles it removed and added."""
    files = {number: _article(number, fields) for number, fields in enumerate(start)}
    yield build_catalog(files.values())
    for count, (number, fields) in enumerate(steps):
        removed = [files.pop(number)] if number in files else []
        added = [] if fields is None else [_article(100 + count, fields)]
        if added:
            files[number] = added[0]
        yield files, removed, added


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**_CHANGES)
def test_an_updated_catalog_is_the_catalog_built_afresh(start, steps) -> None:
    """Whatever files change (edited, added, removed), an update that succeeds gives what a fresh build gives."""
    changes = _changes(start, steps)
    catalog = next(changes)
    for files, removed, added in changes:
        updated = update_catalog(catalog, removed, added)
        fresh = build_catalog(files.values())
        if updated is not None:
            assert updated.articles == fresh.articles
            assert [a.source for a in updated.articles] == [a.source for a in fresh.articles]
            assert updated.topics == fresh.topics and list(updated.topics) == list(fresh.topics)
            assert updated.providers == fresh.providers and list(updated.providers) == list(fresh.providers)
            assert updated.problems == fresh.problems and updated.unpublished == fresh.unpublished
            assert [updated.topic_names(a) for a in fresh.articles] == [fresh.topic_names(a) for a in fresh.articles]
        catalog = updated or fresh


def test_articles_a_microsecond_apart_in_the_far_future_keep_their_order_through_an_update() -> None:
    """A float timestamp cannot tell them apart past the year 2242: an update placed the newer, cooler one
    after the older, hotter one, so a rebuild's feeds differed from a cold build's."""
    moment = datetime(9000, 1, 1, tzinfo=timezone.utc)
    older = Article("o", "Older", "https://n.example/o", moment, moment, "o.md", heat=5, topics=("AI",))
    newer_moment = moment + timedelta(microseconds=1)
    newer = Article("n", "Newer", "https://n.example/n", newer_moment, newer_moment, "n.md", heat=0, topics=("AI",))
    updated = update_catalog(build_catalog([older]), [], [newer])
    assert updated is not None
    assert [a.title for a in updated.articles] == [a.title for a in build_catalog([older, newer]).articles] == ["Newer", "Older"]


def test_an_edit_that_keeps_topics_and_provider_updates_the_catalog(seeds) -> None:
    first = _article(1, (1, 1, 0, ["AI"], _PROVIDERS[1], True))
    others = [_article(n, (n, n, 0, ["AI", "Robots"], _PROVIDERS[3], True)) for n in range(2, 6)]
    catalog = build_catalog([first, *others])
    edited = _article(1, (1, 1, 0, ["AI"], _PROVIDERS[1], True))
    updated = update_catalog(catalog, [first], [edited])
    assert updated is not None and updated.articles == build_catalog([edited, *others]).articles
    assert updated.topics["ai"].articles[-1] is edited


@given(st.lists(st.integers(min_value=0, max_value=2**32 - 1), max_size=200))
def test_places_packed_as_text_unpack_to_the_same_numbers(places: list[int]) -> None:
    text = pack_places(places)
    assert text.isascii() and json.loads(json.dumps(text)) == text
    assert list(unpack_places(text)) == places


@pytest.mark.parametrize("text", ["not base64!", "AAA=", "AAAAAAA="])
def test_text_pack_places_cannot_have_written_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        unpack_places(text)


# --- the catalog as state, for the next build ------------------------------------------------------------

from feedpub.feeds import catalog as catalog_module  # noqa: E402
from feedpub.feeds.catalog import Catalog  # noqa: E402


def _restored(catalog: Catalog) -> Catalog:
    """``catalog`` as the next build reads it back from its state (through JSON, as it is saved)."""
    state = catalog.state()
    assert state is not None
    restored = Catalog.from_state(catalog.articles, json.loads(json.dumps(state)))
    assert (restored.articles, restored.topics, restored.providers) == (catalog.articles, catalog.topics, catalog.providers)
    assert list(restored.topics) == list(catalog.topics) and list(restored.providers) == list(catalog.providers)
    return restored


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**_CHANGES)
def test_a_restored_catalog_once_updated_saves_the_state_packed_afresh(start, steps) -> None:
    """The state keeps the packed places of the feeds a change left where they were: whatever the change,
    what it saves is what packing every feed afresh gives, and reads back as the same catalog."""
    changes = _changes(start, steps)
    catalog = next(changes)
    for files, removed, added in changes:
        updated = update_catalog(_restored(catalog), removed, added)
        if updated is None:
            catalog = build_catalog(files.values())
            continue
        assert updated.state() == dataclasses.replace(updated, _packed=None).state()
        catalog = _restored(updated)


def test_a_new_article_repacks_only_the_feeds_that_list_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """At 100,000 articles packing every feed's places took a tenth of a second of each rebuild."""
    old = [_article(n, (n, n, 0, [["AI"], ["Robots"], ["Space"]][n % 3], _PROVIDERS[1 + n % 3], True)) for n in range(30)]
    newest = _article(99, (99, 99, 0, ["Robots"], _PROVIDERS[3], True))
    updated = update_catalog(_restored(build_catalog(old)), [], [newest])
    assert updated is not None
    packed: list[object] = []
    original = catalog_module.pack_places
    monkeypatch.setattr(catalog_module, "pack_places", lambda places: packed.append(places) or original(places))
    state = updated.state()
    assert len(packed) == 2  # the topic Robots and the provider Daily; AI, Space and two providers as they were
    monkeypatch.undo()
    assert state == dataclasses.replace(updated, _packed=None).state()
