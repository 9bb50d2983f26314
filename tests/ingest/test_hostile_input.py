"""Hostile and broken article files: each case has a stated outcome (see the table in README, "Input")."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedpub.feeds.catalog import build_catalog
from feedpub.ingest.fields import MAX_EXCERPT, MAX_TITLE
from feedpub.ingest.loader import load_folder

from ..conftest import article, write_article, write_text


def _load(seeds: Path):
    result = load_folder(seeds)
    return result, {problem.level for problem in result.problems}


def test_tab_indentation_is_an_error_on_its_line_and_the_other_files_still_load(seeds):
    write_text(seeds, "tabs.md", "---\ntitle: Tabs\nprovider:\n\tname: CNBC\nwebUrl: https://e.org/t\n---\n")
    write_article(seeds, "good.md", **article("good"))
    result = load_folder(seeds)
    (problem,) = result.problems
    assert problem.level == "error" and problem.line == 4 and "YAML" in problem.message
    assert [a.url for a in result.articles] == ["https://news.example.com/good"]


def test_a_file_that_vanishes_before_it_is_read_is_reported_and_skipped(seeds):
    write_article(seeds, "good.md", **article("good"))
    (seeds / "gone.md").symlink_to(seeds / "deleted-meanwhile.md")  # listed, but nothing to read
    result = load_folder(seeds)
    (problem,) = result.problems
    assert problem.path.endswith("gone.md") and "cannot read the file" in problem.message
    assert len(result.articles) == 1


@pytest.mark.parametrize(
    "value, heat, level",
    [("42", 42, "warning"), (" 7 ", 7, "warning"), (3.6, 4, "warning"), (None, -1, None), (-5, -5, None),
     ("hot", -1, "warning"), (True, -1, "warning"), ([1], -1, "warning")],
)
def test_heat_in_any_shape_becomes_a_whole_number(seeds, value, heat, level):
    write_article(seeds, "a.md", **article("a", heat=value))
    result, levels = _load(seeds)
    assert result.articles[0].heat == heat
    assert levels == ({level} if level else set())


def test_quality_as_text_is_read_with_a_warning_and_nonsense_is_left_out(seeds):
    write_article(seeds, "a.md", **article("a", quality="88"))
    write_article(seeds, "b.md", **article("b", quality="excellent"))
    result, levels = _load(seeds)
    assert sorted((a.quality for a in result.articles), key=str) == [88, None]
    assert levels == {"warning"}


def test_topic_names_that_are_empty_blank_emoji_long_or_path_like_are_handled(seeds):
    names = ["", "   ", "🦄🦄", "x" * 500, "../../etc", "AI", None, 42]
    write_article(seeds, "a.md", **article("a", topics=names))
    loaded = load_folder(seeds)
    catalog = build_catalog(loaded.articles)
    assert set(catalog.topics) == {"x" * 80, "etc", "ai", "42"}
    assert all("/" not in slug and ".." not in slug for slug in catalog.topics)
    messages = " ".join(p.message for p in loaded.problems + catalog.problems)
    assert "empty or not text" in messages and "no letters or digits" in messages


def test_spellings_of_one_topic_are_merged_with_a_warning(seeds):
    write_article(seeds, "a.md", **article("a", topics=["Self-Driving Cars"]))
    write_article(seeds, "b.md", **article("b", topics=["Self-Driving Cars"]))
    write_article(seeds, "c.md", **article("c", topics=["self driving cars"]))
    catalog = build_catalog(load_folder(seeds).articles)
    assert catalog.topics["self-driving-cars"].name == "Self-Driving Cars"
    assert len(catalog.topics["self-driving-cars"].articles) == 3
    (warning,) = catalog.problems
    assert warning.path.endswith("c.md") and "merged" in warning.message


def test_very_long_titles_and_excerpts_are_trimmed_with_an_ellipsis(seeds):
    write_article(seeds, "a.md", **article("a", title="word " * 400, excerpt="long " * 3000))
    (loaded,) = load_folder(seeds).articles
    assert len(loaded.title) <= MAX_TITLE and loaded.title.endswith("…")
    assert len(loaded.excerpt) <= MAX_EXCERPT and loaded.excerpt.endswith("…")


def test_markup_and_entities_in_titles_become_the_text_a_reader_should_see(seeds):
    write_article(seeds, "a.md", **article("a", title="AT&amp;T <b>beats</b> &quot;estimates&quot;\x07"))
    assert load_folder(seeds).articles[0].title == 'AT&T beats "estimates"'


def test_an_iri_becomes_a_percent_encoded_uri_and_a_spaced_url_is_encoded(seeds):
    write_article(seeds, "a.md", **article("a", webUrl="https://bücher.example/straße ü?q=ä b"))
    assert load_folder(seeds).articles[0].url == "https://xn--bcher-kva.example/stra%C3%9Fe%20%C3%BC?q=%C3%A4%20b"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<script>", "/relative/path", "ftp://e.org/x"])
def test_unsafe_or_relative_urls_never_reach_a_feed(seeds, url):
    write_article(seeds, "a.md", **article("a", webUrl=url))
    result = load_folder(seeds)
    assert result.articles == () and result.problems[0].level == "error"


_REQUIRED = "title: Deep\nwebUrl: https://e.org/deep\npublishedDateTime: 2024-05-01T12:00:00Z\n"


@pytest.mark.parametrize(("nesting", "depth"), [
    ("indented", 900), ("indented", 1200),  # a mapping inside a mapping, each one space deeper
    ("dashes", 900), ("dashes", 5000),  # "- - - ... -" on one line: a list in a list, two columns each
])
def test_front_matter_nested_thousands_deep_is_read_or_refused_and_the_other_files_still_load(seeds, nesting, depth):
    if nesting == "indented":
        deep = "provider:\n" + "".join(" " * (level + 1) + f"k{level}:\n" for level in range(depth))
    else:
        deep = "topics:\n- " + "- " * depth + "x\n"
    write_text(seeds, "deep.md", f"---\n{_REQUIRED}{deep}---\n")
    write_article(seeds, "good.md", **article("good"))
    result = load_folder(seeds)
    assert "https://news.example.com/good" in [a.url for a in result.articles]
    # As PyYAML reads it: up to its limit of about a thousand levels the article is published (the
    # nonsense topic or provider ignored); past it the file is an error naming the limit.
    published = depth < 1000
    assert ("https://e.org/deep" in [a.url for a in result.articles]) is published
    if not published:
        (problem,) = [p for p in result.problems if p.path.endswith("deep.md")]
        assert problem.level == "error" and "nesting depth" in problem.message
    assert all(len(problem.message) < 300 for problem in result.problems)  # a thousand brackets are not shown
