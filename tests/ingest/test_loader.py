"""feedpub.loader: article files in, `Article`s and `Problem`s out; bad input is reported, never raised."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from feedpub.ingest import loader
from feedpub.ingest.loader import FolderUnreadable, load_folder
from feedpub.model import Problem

from ..conftest import article, line_of, unlistable, without_source, write_article, write_text

UTC = timezone.utc


def only_problem(problems: tuple[Problem, ...] | list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


# --- published ---------------------------------------------------------------------------------------


def test_an_article_without_a_published_key_is_published(seeds):
    write_article(seeds, "a.md", **article("a"))
    result = load_folder(seeds)
    assert [a.is_published for a in result.articles] == [True]
    assert result.problems == ()


def test_published_false_loads_the_article_as_unpublished_without_a_problem(seeds):
    write_article(seeds, "a.md", **article("a", published=False))
    result = load_folder(seeds)
    assert [a.is_published for a in result.articles] == [False]
    assert result.problems == ()


@pytest.mark.parametrize("value", ["yes", "false", 1, 0, ""])
def test_a_published_value_that_is_not_a_boolean_holds_the_article_back_with_an_error(seeds, value):
    path = write_article(seeds, "a.md", **article("a", published=value))
    result = load_folder(seeds)
    assert result.articles == ()
    problem = only_problem(result.problems)
    assert (Path(problem.path), problem.level) == (path, "error")
    assert problem.line == line_of(path, "published:")
    assert "published" in problem.message


def test_unquoted_yaml_booleans_are_accepted_for_published(seeds):
    write_text(seeds, "a.md", "---\ntitle: A\nwebUrl: https://e.example/a\npublishedDateTime: 2024-05-01\npublished: no\n---\n")
    write_text(seeds, "b.md", "---\ntitle: B\nwebUrl: https://e.example/b\npublishedDateTime: 2024-05-01\npublished: True\n---\n")
    result = load_folder(seeds)
    assert {Path(a.source).name: a.is_published for a in result.articles} == {"a.md": False, "b.md": True}


# --- required fields ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["title", "webUrl", "publishedDateTime"])
def test_a_missing_required_field_is_an_error_naming_the_file_and_the_field(seeds, key):
    fields = article("a")
    del fields[key]
    path = write_article(seeds, "sub/a.md", **fields)
    result = load_folder(seeds)
    assert result.articles == ()
    problem = only_problem(result.problems)
    assert (Path(problem.path), problem.level) == (path, "error")
    assert key in problem.message


@pytest.mark.parametrize("key", ["title", "webUrl", "publishedDateTime"])
@pytest.mark.parametrize("empty", ["", "   ", None])
def test_an_empty_required_field_is_an_error_on_its_line(seeds, key, empty):
    path = write_article(seeds, "a.md", **article("a", **{key: empty}))
    result = load_folder(seeds)
    assert result.articles == ()
    problem = only_problem(result.problems)
    assert (Path(problem.path), problem.level) == (path, "error")
    assert key in problem.message
    assert problem.line == line_of(path, f"{key}:")


def test_a_title_that_is_only_markup_is_an_empty_title(seeds):
    path = write_article(seeds, "a.md", **article("a", title="<script>alert(1)</script><br>"))
    problem = only_problem(load_folder(seeds).problems)
    assert (problem.level, problem.line) == ("error", line_of(path, "title:"))


@pytest.mark.parametrize("url", ["/news/a", "news.example.com/a", "javascript:alert(1)", "ftp://e.example/a"])
def test_a_web_url_that_is_not_absolute_http_is_an_error_on_its_line(seeds, url):
    path = write_article(seeds, "a.md", **article("a", webUrl=url))
    result = load_folder(seeds)
    assert result.articles == ()
    problem = only_problem(result.problems)
    assert (problem.level, problem.line) == ("error", line_of(path, "webUrl:"))


@pytest.mark.parametrize("value", ["yesterday", "2024-13-01", "2024-05-01T25:00:00Z"])
def test_a_published_date_time_that_is_not_iso_8601_is_an_error_on_its_line(seeds, value):
    path = write_article(seeds, "a.md", **article("a", publishedDateTime=value))
    problem = only_problem(load_folder(seeds).problems)
    assert (problem.level, problem.line) == ("error", line_of(path, "publishedDateTime:"))
    assert "publishedDateTime" in problem.message


def test_an_impossible_unquoted_date_is_an_error_on_its_line(seeds):
    # YAML itself reads `2021-02-30` as a timestamp and fails; the line is still known.
    path = write_text(
        seeds, "a.md", "---\ntitle: A\nwebUrl: https://e.example/a\n\npublishedDateTime: 2021-02-30\n---\n"
    )
    problem = only_problem(load_folder(seeds).problems)
    assert problem.level == "error"
    assert problem.line == line_of(path, "publishedDateTime:")


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00Z", "0999-12-31T23:59:59Z", "9999-12-31T23:00:00-05:00"])
def test_a_published_date_time_outside_four_digit_years_is_an_error_saying_so(seeds, value):
    """RSS, Atom and HTTP dates have four-digit years: a year-1 date was written as year 1 and read back as
    2001; one past the end of 9999 in UTC cannot be held at all."""
    path = write_article(seeds, "a.md", **article("a", publishedDateTime=value))
    result = load_folder(seeds)
    assert result.articles == ()
    problem = only_problem(result.problems)
    assert (problem.level, problem.line) == ("error", line_of(path, "publishedDateTime:"))
    assert "outside the years 1000 to 9999" in problem.message


@pytest.mark.parametrize("value", ["1000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z"])
def test_the_first_and_last_instants_of_four_digit_years_are_dates_like_any_other(seeds, value):
    write_article(seeds, "a.md", **article("a", publishedDateTime=value))
    result = load_folder(seeds)
    assert result.problems == () and len(result.articles) == 1


def test_a_folder_that_cannot_be_listed_is_an_error_naming_it(seeds, monkeypatch):
    """Skipping it, as os.walk does, would drop its articles from every feed without a word."""
    write_article(seeds, "a.md", **article("a"))
    locked = seeds / "locked"
    locked.mkdir()
    write_article(locked, "b.md", **article("b"))
    unlistable(monkeypatch, locked)
    with pytest.raises(FolderUnreadable, match=f"cannot list the folder {locked} among the seeds .Permission denied"):
        load_folder(seeds)


def test_a_lost_and_found_folder_that_cannot_be_listed_is_left_alone(seeds, monkeypatch):
    """Seeds at the root of a filesystem hold its lost+found, which only root may list."""
    write_article(seeds, "a.md", **article("a"))
    (seeds / "lost+found").mkdir()
    unlistable(monkeypatch, seeds / "lost+found")
    result = load_folder(seeds)
    assert len(result.articles) == 1 and result.problems == ()


# --- the file as a whole -----------------------------------------------------------------------------


def test_bad_yaml_syntax_is_reported_at_its_line_in_the_file(seeds):
    path = write_text(
        seeds,
        "a.md",
        "---\n"
        "# a comment, so that the broken line is not the first one\n"
        "webUrl: https://e.example/a\n"
        "publishedDateTime: 2024-05-01\n"
        "title: Colons: are not allowed in a plain value like this\n"
        "excerpt: fine\n"
        "---\n",
    )
    result = load_folder(seeds)
    assert result.articles == ()
    problem = only_problem(result.problems)
    assert problem.level == "error"
    assert "YAML" in problem.message
    assert problem.line == line_of(path, "title:")


def test_bad_indentation_is_reported_at_its_line(seeds):
    path = write_text(
        seeds, "a.md", "---\ntitle: A\nwebUrl: https://e.example/a\n  stray: indented\npublishedDateTime: 2024-05-01\n---\n"
    )
    problem = only_problem(load_folder(seeds).problems)
    assert problem.line == line_of(path, "  stray:")


@pytest.mark.parametrize(
    ("text", "expected_line", "words"),
    [
        ("title: A\nwebUrl: https://e.example/a\n", 1, "front matter"),
        ("\n---\ntitle: A\n---\n", 1, "front matter"),
        ("---\ntitle: A\nwebUrl: https://e.example/a\npublishedDateTime: 2024-05-01\n", 1, "not closed"),
        ("---\n---\nbody\n", 2, "empty"),
        ("---\n# only a comment\n---\n", 2, "empty"),
        ("---\n- title: A\n- webUrl: https://e.example/a\n---\n", 2, "list"),
        ("---\njust a sentence\n---\n", 2, "mapping"),
    ],
    ids=["no front matter", "blank first line", "unclosed", "empty front matter", "comment only", "list", "scalar"],
)
def test_files_without_usable_front_matter_are_errors(seeds, text, expected_line, words):
    write_text(seeds, "a.md", text)
    result = load_folder(seeds)
    assert result.articles == ()
    problem = only_problem(result.problems)
    assert (Path(problem.path), problem.level, problem.line) == (seeds / "a.md", "error", expected_line)
    assert words in problem.message


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
def test_an_empty_file_is_an_error(seeds, content):
    path = seeds / "a.md"
    path.write_bytes(content)
    problem = only_problem(load_folder(seeds).problems)
    assert (Path(problem.path), problem.level) == (path, "error")
    assert "empty" in problem.message


def test_a_file_that_is_not_utf8_is_an_error_on_the_line_of_the_bad_byte(seeds):
    text = "---\ntitle: A\nexcerpt: Caf\xe9 au lait\nwebUrl: https://e.example/a\npublishedDateTime: 2024-05-01\n---\n"
    (seeds / "a.md").write_bytes(text.encode("latin-1"))
    result = load_folder(seeds)
    assert result.articles == ()
    problem = only_problem(result.problems)
    assert (problem.level, problem.line) == ("error", 3)
    assert "UTF-8" in problem.message


def test_a_utf8_bom_and_windows_line_endings_load_like_a_plain_file(seeds, tmp_path):
    plain = "---\ntitle: Café\nwebUrl: https://e.example/a\npublishedDateTime: 2024-05-01T12:00:00Z\n---\nBody\n"
    (seeds / "a.md").write_bytes(b"\xef\xbb\xbf" + plain.replace("\n", "\r\n").encode("utf-8"))
    reference = tmp_path / "reference"
    reference.mkdir()
    (reference / "a.md").write_bytes(plain.encode("utf-8"))

    result = load_folder(seeds)
    assert result.problems == ()
    assert without_source(result.articles) == without_source(load_folder(reference).articles)
    assert result.articles[0].title == "Café"


def test_old_mac_line_endings_keep_line_numbers(seeds):
    text = "---\rtitle: A\rwebUrl: https://e.example/a\rpublishedDateTime: 2024-05-01\rpublished: 'yes'\r---\r"
    (seeds / "a.md").write_bytes(text.encode("utf-8"))
    problem = only_problem(load_folder(seeds).problems)
    assert problem.line == 5


# --- dates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("'2024-05-01T12:00:00'", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01 12:00:00", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01T12:00:00Z", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("'2024-05-01T14:00:00+02:00'", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01T07:00:00-05:00", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("'2024-05-01T23:30:00-01:00'", datetime(2024, 5, 2, 0, 30, tzinfo=UTC)),
        ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
        ("'2024-05-01'", datetime(2024, 5, 1, tzinfo=UTC)),
    ],
)
def test_dates_are_read_as_utc_instants(seeds, written, expected):
    write_text(seeds, "a.md", f"---\ntitle: A\nwebUrl: https://e.example/a\npublishedDateTime: {written}\n---\n")
    result = load_folder(seeds)
    assert result.problems == ()
    (loaded,) = result.articles
    assert loaded.published_at == expected
    assert loaded.published_at.utcoffset() == timedelta(0)
    assert loaded.updated_at == loaded.published_at


def test_updated_date_time_is_kept_when_later_and_never_earlier_than_published(seeds):
    write_article(seeds, "later.md", **article("later", updatedDateTime="2024-05-02T08:00:00+02:00"))
    write_article(seeds, "earlier.md", **article("earlier", updatedDateTime="2024-04-01T00:00:00Z"))
    updated = {Path(a.source).name: a.updated_at for a in load_folder(seeds).articles}
    assert updated == {
        "later.md": datetime(2024, 5, 2, 6, tzinfo=UTC),
        "earlier.md": datetime(2024, 5, 1, 12, tzinfo=UTC),
    }


def test_a_bad_updated_date_time_is_a_warning_and_the_published_time_is_used(seeds):
    path = write_article(seeds, "a.md", **article("a", updatedDateTime="soon"))
    result = load_folder(seeds)
    (loaded,) = result.articles
    assert loaded.updated_at == loaded.published_at
    problem = only_problem(result.problems)
    assert (problem.level, problem.line) == ("warning", line_of(path, "updatedDateTime:"))


# --- what is read, and what is not -------------------------------------------------------------------


def test_every_documented_field_is_read(seeds):
    write_article(
        seeds,
        "a.md",
        **article(
            "a",
            excerpt="An <em>excerpt</em>",
            type="article",
            quality=91,
            heat=121,
            provider={"name": "CNBC", "domain": "CNBC.com",
                      "images": [{"url": "https://img.example/cnbc logo.jpg", "width": 50, "height": 50}]},
            topics=["AI", "Computer Vision"],
            images=[{"url": "https://img.example/a.jpg", "width": 640, "height": 480}],
        ),
    )
    (loaded,) = load_folder(seeds).articles
    assert loaded.excerpt == "An excerpt"
    assert (loaded.type, loaded.quality, loaded.heat) == ("article", 91, 121)
    assert (loaded.provider.name, loaded.provider.domain) == ("CNBC", "cnbc.com")
    assert loaded.provider.image == "https://img.example/cnbc%20logo.jpg"  # the provider's logo, made safe
    assert loaded.topics == ("AI", "Computer Vision")
    assert [(i.url, i.width, i.height) for i in loaded.images] == [("https://img.example/a.jpg", 640, 480)]
    assert loaded.id == loaded.url == "https://news.example.com/a"


def test_unknown_keys_are_ignored(seeds, tmp_path):
    write_article(
        seeds,
        "a.md",
        **article(
            "a",
            category="news",
            originalUrl="https://elsewhere.example/a",
            ampWebUrl="not even a url",
            nested={"deep": [{"list": [1, 2, None]}], "when": "2021-02-28"},
        ),
    )
    reference = tmp_path / "reference"
    write_article(reference, "a.md", **article("a"))
    result = load_folder(seeds)
    assert result.problems == ()
    assert without_source(result.articles) == without_source(load_folder(reference).articles)


def test_an_unknown_key_holding_an_impossible_date_is_still_ignored(seeds, tmp_path):
    text = "---\ntitle: A\nwebUrl: https://e.example/a\npublishedDateTime: 2024-05-01\n{extra}---\n"
    write_text(seeds, "a.md", text.format(extra="lastCrawled: 2021-02-30\n"))
    reference = tmp_path / "reference"
    write_text(reference, "a.md", text.format(extra=""))
    result = load_folder(seeds)
    assert result.problems == ()
    assert without_source(result.articles) == without_source(load_folder(reference).articles)


@pytest.mark.parametrize(
    "tagged",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object/new:subprocess.check_output [['touch', '{marker}']]",
        "!!python/name:os.system",
        "!!python/object:feedpub.model.Provider {{name: x}}",
    ],
)
def test_python_tags_are_refused_and_never_executed(seeds, tmp_path, tagged):
    marker = tmp_path / "executed"
    value = tagged.format(marker=marker)
    path = write_text(
        seeds, "a.md", f"---\ntitle: A\nwebUrl: https://e.example/a\nexcerpt: {value}\npublishedDateTime: 2024-05-01\n---\n"
    )
    result = load_folder(seeds)
    assert result.articles == ()
    problem = only_problem(result.problems)
    assert (problem.level, problem.line) == ("error", line_of(path, "excerpt:"))
    assert not marker.exists()


def test_yaml_aliases_are_refused(seeds):
    write_text(
        seeds,
        "a.md",
        "---\ntitle: &t Hello\nexcerpt: *t\nwebUrl: https://e.example/a\npublishedDateTime: 2024-05-01\n---\n",
    )
    result = load_folder(seeds)
    assert result.articles == ()
    problem = only_problem(result.problems)
    assert problem.level == "error"
    assert "alias" in problem.message


def test_an_alias_problem_points_at_the_line_of_the_alias(seeds):
    path = write_text(
        seeds,
        "a.md",
        "---\ntitle: &t Hello\nwebUrl: https://e.example/a\nexcerpt: *t\npublishedDateTime: 2024-05-01\n---\n",
    )
    problem = only_problem(load_folder(seeds).problems)
    assert problem.line == line_of(path, "excerpt:")


def test_an_anchor_that_is_never_reused_is_harmless(seeds):
    write_text(seeds, "a.md", "---\ntitle: &t Hello\nwebUrl: https://e.example/a\npublishedDateTime: 2024-05-01\n---\n")
    result = load_folder(seeds)
    assert result.problems == ()
    assert [a.title for a in result.articles] == ["Hello"]


def test_a_billion_laughs_file_is_refused_before_anything_is_expanded(seeds):
    # Expanded, this would be 9**10 strings: the test would run out of time or memory instead of failing.
    lines = ["---", 'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 10)]
    lines += ["title: A", "webUrl: https://e.example/a", "publishedDateTime: 2024-05-01", "---"]
    write_text(seeds, "a.md", "\n".join(lines) + "\n")
    result = load_folder(seeds)
    assert result.articles == ()
    assert only_problem(result.problems).level == "error"


def test_a_file_over_the_size_limit_is_refused_and_the_others_still_load(seeds):
    write_article(seeds, "big.md", **article("big", excerpt="x" * 5000))
    write_article(seeds, "small.md", **article("small"))
    result = load_folder(seeds, max_bytes=1000)
    assert [Path(a.source).name for a in result.articles] == ["small.md"]
    problem = only_problem(result.problems)
    assert (Path(problem.path), problem.level) == (seeds / "big.md", "error")
    assert "1,000 bytes" in problem.message


def test_a_file_of_exactly_the_size_limit_loads(seeds):
    path = write_article(seeds, "edge.md", **article("edge"))
    result = load_folder(seeds, max_bytes=path.stat().st_size)
    assert [Path(a.source).name for a in result.articles] == ["edge.md"] and not result.problems


def test_a_pipe_named_like_an_article_is_refused_without_waiting_for_a_writer(seeds):
    """Opening a FIFO for reading waits for a writer: a build must name it and go on, never hang."""
    os.mkfifo(seeds / "pipe.md")
    write_article(seeds, "good.md", **article("good"))
    done = ThreadPoolExecutor(1).submit(load_folder, seeds)
    result = done.result(timeout=10)
    assert [Path(a.source).name for a in result.articles] == ["good.md"]
    problem = only_problem(result.problems)
    assert (Path(problem.path).name, problem.level) == ("pipe.md", "error")
    assert "not a regular file" in problem.message


def test_a_file_that_grows_past_the_limit_while_read_is_refused(seeds, monkeypatch):
    path = write_article(seeds, "growing.md", **article("growing"))
    size = path.stat().st_size
    real_fstat = os.fstat

    def fstat_then_grow(handle):  # the file grows between the look at its size and the read
        status = real_fstat(handle)
        with open(path, "ab") as more:
            more.write(b"x" * 3000)
        return status

    monkeypatch.setattr(loader.os, "fstat", fstat_then_grow)
    article_, problems = loader.load_file(str(path), max_bytes=size + 1000)
    assert article_ is None and "grew past the limit of" in problems[0].message


def test_article_files_are_found_recursively_skipping_hidden_files_folders_and_other_extensions(seeds):
    for name in [
        "a.md",
        "b.markdown",
        "c.txt",
        "UPPER.MD",
        "sub/d.md",
        "sub/deeper/e.txt",
        ".hidden.md",
        ".drafts/f.md",
        "sub/.git/g.md",
        "h.html",
        "i.yaml",
        "j.md.bak",
        "k",
    ]:
        write_article(seeds, name, **article(name.replace("/", "-")))
    result = load_folder(seeds)
    assert result.problems == ()
    assert sorted(Path(a.source).relative_to(seeds).as_posix() for a in result.articles) == sorted(
        ["a.md", "b.markdown", "c.txt", "UPPER.MD", "sub/d.md", "sub/deeper/e.txt"]
    )
    assert result.files == 6


def test_one_bad_file_does_not_stop_the_others(seeds):
    write_article(seeds, "1.md", **article("one"))
    (seeds / "2.md").write_bytes(b"\xff\xfe not text at all")
    write_text(seeds, "3.md", "no front matter\n")
    write_article(seeds, "4.md", **article("four", published="maybe"))
    write_article(seeds, "5.md", **article("five"))
    result = load_folder(seeds)
    assert sorted(Path(a.source).name for a in result.articles) == ["1.md", "5.md"]
    assert sorted(Path(p.path).name for p in result.problems) == ["2.md", "3.md", "4.md"]
    assert {p.level for p in result.problems} == {"error"}
    assert result.files == 5


def test_a_missing_seeds_folder_is_a_problem_not_an_exception(tmp_path):
    result = load_folder(tmp_path / "nowhere")
    assert (result.articles, result.files) == ((), 0)
    assert only_problem(result.problems).level == "error"


# --- related: and secured: blocks ---------------------------------------------------------------------


def related_block(count: int) -> list[dict]:
    """What scrapers put under ``related:``: whole articles, with the same keys as the top level."""
    return [
        {
            "title": f"Related {n}: with a colon & <b>markup</b>",
            "excerpt": "x" * 300,
            "publishedDateTime": f"2020-01-{n % 28 + 1:02d}T00:00:00Z",
            "webUrl": f"https://related.example/{n}",
            "type": "article",
            "published": False,
            "provider": {"name": f"Provider {n}", "domain": "related.example"},
            "images": [{"url": f"https://related.example/{n}.jpg", "width": 10, "height": 10}],
            "topics": ["Something Else"],
        }
        for n in range(count)
    ]


def test_files_with_related_and_secured_blocks_load_the_same_article_as_without(seeds, tmp_path):
    fields = article(
        "a",
        excerpt="The excerpt",
        heat=7,
        provider={"name": "CNBC", "domain": "cnbc.com"},
        topics=["AI", "Computer Vision"],
        images=[{"url": "https://img.example/a.jpg", "width": 640, "height": 480}],
    )
    # The unused blocks sit between the fields, so each must end where the next top-level key starts.
    items = list(fields.items())
    with_blocks = dict(items[:2])
    with_blocks["related"] = related_block(200)
    with_blocks.update(items[2:5])
    with_blocks["secured"] = "J5NxMVjv7xKcEyWya67C/0bk3Ms0BaIEfbtCSpRluBEGbR6Pp=;/6TVYulJf1dz70wGcY1t5g=="
    with_blocks.update(items[5:])
    write_article(seeds, "a.md", **with_blocks)
    reference = tmp_path / "reference"
    write_article(reference, "a.md", **fields)

    result = load_folder(seeds)
    assert result.problems == ()
    assert without_source(result.articles) == without_source(load_folder(reference).articles)
    assert (seeds / "a.md").stat().st_size > 50 * (reference / "a.md").stat().st_size


@pytest.mark.parametrize(
    "block",
    [
        "related:\n  - title: Other\n    webUrl: https://related.example/1\n\n  # a comment\n  - title: Another\n",
        "related:\n- title: Other\n  webUrl: https://related.example/1\n-\n  title: Another\n",
        "related: []\n",
        "related: [{title: Other, webUrl: 'https://related.example/1'}]\n",
        "related: 'just text'\n",
        "secured: \"abc/def==\"\n",
        "secured:\n  key: value\n",
    ],
    ids=["indented", "flush list", "empty flow", "flow", "quoted", "secured quoted", "secured mapping"],
)
def test_related_and_secured_blocks_in_any_layout_do_not_change_the_article(seeds, tmp_path, block):
    head = "---\ntitle: A\nwebUrl: https://e.example/a\n"
    tail = "publishedDateTime: 2024-05-01\ntopics:\n  - AI\n---\n"
    write_text(seeds, "a.md", head + block + tail)
    reference = tmp_path / "reference"
    write_text(reference, "a.md", head + tail)
    result = load_folder(seeds)
    assert result.problems == ()
    assert without_source(result.articles) == without_source(load_folder(reference).articles)


def test_a_quoted_value_wrapping_onto_a_line_that_starts_with_related_is_read_whole(seeds):
    # Valid YAML: the continuation lines of a quoted scalar may start at column 0, even with "related:".
    write_text(
        seeds,
        "a.md",
        '---\ntitle: "Words about\nrelated:\n  things"\nwebUrl: https://e.example/a\npublishedDateTime: 2024-05-01\n---\n',
    )
    result = load_folder(seeds)
    assert result.problems == ()
    assert [a.title for a in result.articles] == ["Words about related: things"]


def test_line_numbers_after_a_related_block_are_the_files_own(seeds):
    fields = article("a", related=related_block(3), published="later")
    path = write_article(seeds, "a.md", **fields)
    problem = only_problem(load_folder(seeds).problems)
    assert problem.line == line_of(path, "published:")
    assert problem.line > 20


# --- warnings ----------------------------------------------------------------------------------------


def test_a_duplicate_key_is_a_warning_on_its_second_line_and_the_article_still_loads(seeds):
    path = write_text(
        seeds,
        "a.md",
        "---\ntitle: First\nwebUrl: https://e.example/a\npublishedDateTime: 2024-05-01\ntitle: Second\n---\n",
    )
    result = load_folder(seeds)
    assert len(result.articles) == 1
    problem = only_problem(result.problems)
    assert (Path(problem.path), problem.level) == (path, "warning")
    assert "'title'" in problem.message
    title_lines = [n for n, line in enumerate(path.read_text().splitlines(), 1) if line.startswith("title:")]
    assert problem.line == title_lines[1]
    assert result.articles[0].title == "Second"


def test_a_topic_given_as_text_is_one_topic_with_a_warning(seeds):
    path = write_article(seeds, "a.md", **article("a", topics="AI"))
    result = load_folder(seeds)
    assert result.articles[0].topics == ("AI",)
    problem = only_problem(result.problems)
    assert (problem.level, problem.line) == ("warning", line_of(path, "topics:"))


def test_an_image_without_an_http_url_is_left_out_with_a_warning(seeds):
    images = [{"url": "javascript:alert(1)"}, {"url": "https://img.example/ok.png", "width": "wide"}]
    write_article(seeds, "a.md", **article("a", images=images))
    result = load_folder(seeds)
    assert [(i.url, i.width) for i in result.articles[0].images] == [("https://img.example/ok.png", None)]
    assert only_problem(result.problems).level == "warning"


def test_problems_print_as_path_line_level_message():
    assert str(Problem("sub/a.md", "'title' is missing", "error", 3)) == "sub/a.md:3: error: 'title' is missing"
    assert str(Problem("a.md", "the file is empty")) == "a.md: error: the file is empty"


@pytest.mark.parametrize("images", [
    [{"url": "javascript:alert(1)"}], [{"url": "/relative.png"}], "https://img.example/a.png", [42], None,
])
def test_a_provider_image_that_is_not_a_safe_url_is_left_out(seeds, images):
    write_article(seeds, "a.md", **article("a", provider={"name": "Wire", "domain": "wire.example", "images": images}))
    (loaded,) = load_folder(seeds).articles
    assert (loaded.provider.name, loaded.provider.image) == ("Wire", None)


@pytest.mark.parametrize("domain", ["../../../etc/passwd", "WWW.EXAMPLE.COM:8080/path?x", "localhost"])
def test_a_provider_domain_that_is_not_a_host_name_is_a_warning_on_its_line(seeds, domain):
    """Such a provider has no feed of its own: said, not silently left out of the provider feeds."""
    path = write_article(seeds, "a.md", **article("a", provider={"name": "Wire", "domain": domain}))
    result = load_folder(seeds)
    (loaded,) = result.articles
    assert loaded.provider.name == "Wire"
    problem = only_problem(result.problems)
    assert (problem.level, problem.line) == ("warning", line_of(path, "provider:"))
    assert "is not a host name such as example.com; the article is in no provider feed" in problem.message


def test_a_number_that_cannot_be_read_is_said_to_be_ignored_not_replaced_by_none(seeds):
    write_text(seeds, "a.md", "---\ntitle: A\nwebUrl: https://e.example/a\npublishedDateTime: 2024-05-01\nquality: 1e400\n---\n")
    problem = only_problem(load_folder(seeds).problems)
    assert problem.message == "'quality' should be a number; ignored"


def test_a_character_yaml_refuses_is_an_error_on_its_line(seeds):
    path = write_text(seeds, "a.md", '---\ntitle: A\nexcerpt: "a\x01b"\nwebUrl: https://e.example/a\npublishedDateTime: 2024-05-01\n---\n')
    problem = only_problem(load_folder(seeds).problems)
    assert (problem.level, problem.line) == ("error", line_of(path, "excerpt:"))
    assert problem.message == "invalid YAML: the character #x0001 is not allowed in YAML; remove it"


def test_a_web_url_too_long_is_an_error_saying_so(seeds):
    path = write_article(seeds, "a.md", **article("a", webUrl="https://e.example/" + "é" * 1400))
    problem = only_problem(load_folder(seeds).problems)
    assert (problem.level, problem.line) == ("error", line_of(path, "webUrl:"))
    assert problem.message == "'webUrl' is over the 8,192 characters a URL may have, percent-encoded"


def test_a_number_too_long_for_python_is_an_error_in_its_file_and_the_others_load(seeds):
    write_article(seeds, "a.md", **article("a"))
    write_text(seeds, "huge.md", "---\ntitle: Huge\nwebUrl: https://news.example.com/h\n"
               "publishedDateTime: 2024-05-01T12:00:00Z\nquality: " + "1" * 4301 + "\n---\n")
    loaded = load_folder(seeds)
    assert [article.url for article in loaded.articles] == ["https://news.example.com/a"]
    [problem] = loaded.problems
    assert problem.path.endswith("huge.md") and problem.level == "error" and "digits" in problem.message
