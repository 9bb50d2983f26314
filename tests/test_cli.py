"""The feedpub command line: feedpub.cli.main(argv) as a user runs it, from a project folder."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest

from feedpub.cli import main
from feedpub.static.writer import write_site

from .conftest import document_paths, REPO, article, line_of, write_article


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder as the working directory, with a seeds/ folder and nothing else."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "seeds").mkdir()
    return tmp_path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def documented_options(command: str) -> set[str]:
    """The options README's "Command line" synopsis gives for ``feedpub <command>``."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    synopsis = readme.split("## Command line", 1)[1].split("```", 2)[1]
    block = re.search(rf"^feedpub {command}\b.*?(?=^feedpub |\Z)", synopsis, re.M | re.S)
    assert block, f"README has no synopsis for feedpub {command}"
    return set(re.findall(r"--[a-z][a-z-]*", block.group(0)))


def explained_options(help_text: str) -> dict[str, str]:
    """Each option of an argparse --help and its explanation (which may wrap onto following lines)."""
    explained: dict[str, str] = {}
    current: list[str] = []
    for line in help_text.splitlines():
        entry = re.match(r"^  (-\S.*?)(?:\s{2,}(\S.*))?$", line)
        if entry:
            current = [spelling.split()[0] for spelling in entry.group(1).split(", ")]
            explained.update(dict.fromkeys(current, entry.group(2) or ""))
        elif current and line.startswith("    ") and line.strip():
            for option in current:
                explained[option] = f"{explained[option]} {line.strip()}".strip()
        else:
            current = []
    return explained


OPTIONS = {
    "build": {"--seeds", "--config", "--out", "--base-url", "--limit", "--title", "--strict", "--quiet"},
    "check": {"--seeds", "--config", "--strict", "--format"},
    "serve": {"--seeds", "--config", "--host", "--port", "--base-url"},
    "deploy": {"--config", "--out", "--endpoint-url", "--dry-run", "--max-deletes", "--force", "--format", "--quiet"},
}


def test_build_writes_the_feeds_and_reports_counts(project, capsys):
    write_article(project / "seeds", "a.md", **article("a", topics=["AI"]))
    write_article(project / "seeds", "b.md", **article("b", topics=["AI", "Robots"]))
    write_article(project / "seeds", "c.md", **article("c", published=False))

    status, out, err = run(capsys, "build")
    assert status == 0
    # The default base URL is this machine's: fine to try, wrong for files meant for the web.
    assert err.splitlines() == [
        "feedpub: warning: the feeds' links point at http://127.0.0.1:5000, this machine; to publish them on "
        "the web, set base_url in feedpub.toml or pass --base-url https://your.site"
    ]
    for name in ("index.html", "all.rss", "all.atom", "all.json", "topics/ai.rss", "topics/robots.json"):
        assert (project / "feeds" / name).is_file(), name
    assert "3 files" in out
    assert "2 articles published" in out
    assert "1 unpublished" in out


def test_build_options_choose_the_folders_base_url_limit_and_title(project, capsys):
    seeds = project / "news"
    for n in range(3):
        write_article(seeds, f"{n}.md", **article(f"n{n}", publishedDateTime=f"2024-05-0{n + 1}"))
    flags = ["--seeds", "news", "--out", "public", "--base-url", "https://feeds.example.net", "--limit", "1", "--archive-size", "1"]
    status, _, _ = run(capsys, "build", *flags, "--title", "Flag Title")
    assert status == 0
    document = feedparser.parse((project / "public/all.atom").read_bytes())
    assert document.feed.title == "Flag Title"
    assert "https://feeds.example.net/feeds/all.atom" in {link.href for link in document.feed.links}
    assert [entry.link for entry in document.entries] == ["https://news.example.com/n2"]
    assert not (project / "feeds").exists()


def test_build_prints_each_problem_to_stderr_as_path_line_level_message(project, capsys):
    bad = write_article(project / "seeds", "bad.md", **article("bad", published="yes"))
    noisy = write_article(project / "seeds", "noisy.md", **article("noisy", heat="12"))
    write_article(project / "seeds", "good.md", **article("good"))

    status, out, err = run(capsys, "build", "--seeds", "seeds")
    assert status == 0
    lines = err.splitlines()
    assert any(
        line.startswith(f"seeds/bad.md:{line_of(bad, 'published:')}: error: ") for line in lines
    ), err
    assert any(
        line.startswith(f"seeds/noisy.md:{line_of(noisy, 'heat:')}: warning: ") for line in lines
    ), err
    assert "seeds/" not in out


def test_build_succeeds_despite_article_errors_but_not_with_strict(project, capsys):
    (project / "seeds" / "broken.md").write_text("no front matter\n", encoding="utf-8")
    write_article(project / "seeds", "good.md", **article("good"))

    status, _, err = run(capsys, "build")
    assert status == 0
    assert "broken.md" in err
    assert (project / "feeds/all.rss").is_file()

    status, _, _ = run(capsys, "build", "--strict")
    assert status == 1


def test_the_installed_command_says_everything_and_exits_with_its_status(project):
    """`feedpub` ends its process without freeing the site object by object: what it printed into pipes
    (block-buffered) still arrives, and its exit status is the build's."""
    (project / "seeds" / "broken.md").write_text("no front matter\n", encoding="utf-8")
    write_article(project / "seeds", "good.md", **article("good"))
    command = [sys.executable, "-m", "feedpub", "build", "--strict", "--cache-dir", str(project / "cache")]
    buffered = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    for attempt in ("cold", "from the last build's state"):
        done = subprocess.run(command, cwd=project, env=buffered, capture_output=True, text=True, timeout=60)
        assert done.returncode == 1, attempt
        assert done.stdout.startswith("Read 2 files from seeds: 1 article published"), attempt
        assert "Wrote" in done.stdout.splitlines()[-1], attempt
        assert "seeds/broken.md" in done.stderr and done.stderr.endswith("build again.\n"), attempt


def test_the_installed_command_started_without_standard_output_still_succeeds(project):
    write_article(project / "seeds", "good.md", **article("good"))
    command = [sys.executable, "-m", "feedpub", "build", "--cache-dir", str(project / "cache")]
    done = subprocess.run(command, cwd=project, stdout=None, stderr=subprocess.PIPE, text=True, timeout=60,
                          preexec_fn=lambda: os.close(1))
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert (project / "feeds" / "all.atom").is_file()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="/dev/full is Linux's")
def test_a_report_that_cannot_be_written_is_said_and_fails_the_command(project):
    write_article(project / "seeds", "good.md", **article("good"))
    buffered = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "feedpub", "build", "--cache-dir", str(project / "cache")],
                              cwd=project, env=buffered, stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert done.returncode == 120
    assert done.stderr.splitlines()[-1].startswith("feedpub: could not write the output (No space left on device")
    assert (project / "feeds" / "all.atom").is_file()  # the feeds were published all the same


def test_strict_build_passes_when_there_are_only_warnings(project, capsys):
    write_article(project / "seeds", "a.md", **article("a", heat="12"))
    status, _, err = run(capsys, "build", "--strict")
    assert status == 0
    assert ": warning: " in err


def test_quiet_build_prints_only_problems(project, capsys):
    write_article(project / "seeds", "a.md", **article("a", heat="12"))
    status, out, err = run(capsys, "build", "--quiet")
    assert status == 0
    assert out == ""
    assert ": warning: " in err


def test_a_seeds_folder_that_does_not_exist_fails_and_leaves_the_published_feeds_alone(project, capsys):
    write_article(project / "seeds", "a.md", **article("a", topics=["AI"]))
    assert run(capsys, "build")[0] == 0
    before = {p: p.read_bytes() for p in (project / "feeds").rglob("*") if p.is_file()}

    status, _, err = run(capsys, "build", "--seeds", "sedes")  # a typo
    assert status != 0
    assert "sedes" in err
    after = {p: p.read_bytes() for p in (project / "feeds").rglob("*") if p.is_file()}
    assert after == before


@pytest.mark.parametrize("command", sorted(OPTIONS))
def test_help_explains_every_option(capsys, command):
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    explained = explained_options(capsys.readouterr().out)
    for option in sorted(OPTIONS[command] | documented_options(command)):
        assert explained.get(option), f"feedpub {command} --help does not explain {option}"


def test_a_limit_of_zero_in_feedpub_toml_exits_2_with_a_clear_message(project, capsys):
    write_article(project / "seeds", "a.md", **article("a"))
    (project / "feedpub.toml").write_text("[feedpub]\nlimit = 0\n", encoding="utf-8")
    status, out, err = run(capsys, "build")
    assert status == 2
    assert err.startswith("feedpub: ")
    assert "limit" in err and "at least 1" in err
    assert not (project / "feeds").exists()


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ("[feedpub]\nlimit = 'many'\n", "limit"),
        ("[feedpub]\nbase_url = 'news.example.org'\n", "base_url"),
        ("[feedpub]\ncolour = 'blue'\n", "colour"),
        ("[feedpub\nlimit = 3\n", "feedpub.toml"),
    ],
    ids=["not a number", "not absolute", "unknown setting", "bad toml"],
)
def test_a_bad_settings_file_exits_2_naming_the_problem(project, capsys, toml, words):
    (project / "feedpub.toml").write_text(toml, encoding="utf-8")
    status, _, err = run(capsys, "build")
    assert status == 2
    assert words in err


def test_a_bad_limit_flag_exits_2(project, capsys):
    status, _, err = run(capsys, "build", "--limit", "0")
    assert status == 2
    assert "limit" in err


def test_a_missing_config_file_named_on_the_command_line_exits_2(project, capsys):
    status, _, err = run(capsys, "build", "--config", "nowhere.toml")
    assert status == 2
    assert "nowhere.toml" in err


def test_settings_come_from_feedpub_toml_then_environment_then_flags(project, capsys, monkeypatch):
    write_article(project / "news", "a.md", **article("a"))
    (project / "feedpub.toml").write_text(
        '[feedpub]\ntitle = "From TOML"\ndescription = "Described in TOML"\nseeds = "news"\nout = "public"\n'
        'base_url = "https://toml.example.org"\n',
        encoding="utf-8",
    )

    assert run(capsys, "build")[0] == 0
    document = feedparser.parse((project / "public/all.rss").read_bytes())
    assert (document.feed.title, document.feed.subtitle) == ("From TOML", "Described in TOML")
    assert document.feed.link == "https://toml.example.org/feeds/all.html"  # the feed's own page

    monkeypatch.setenv("FEEDPUB_TITLE", "From the environment")
    monkeypatch.setenv("FEEDPUB_OUT", "env-out")
    assert run(capsys, "build")[0] == 0
    document = feedparser.parse((project / "env-out/all.rss").read_bytes())
    assert (document.feed.title, document.feed.subtitle) == ("From the environment", "Described in TOML")

    assert run(capsys, "build", "--title", "From the flag")[0] == 0
    assert feedparser.parse((project / "env-out/all.rss").read_bytes()).feed.title == "From the flag"


def test_check_lists_problems_writes_nothing_and_fails_on_errors(project, capsys):
    bad = write_article(project / "seeds", "bad.md", **article("bad", published=1))
    write_article(project / "seeds", "good.md", **article("good"))
    status, out, _ = run(capsys, "check")
    assert status == 1
    assert f"seeds/bad.md:{line_of(bad, 'published:')}: error: " in out
    assert re.search(r"\b1 articles? would be published", out)
    assert not (project / "feeds").exists()


def test_check_passes_with_warnings_unless_strict(project, capsys):
    write_article(project / "seeds", "a.md", **article("a", heat="12"))
    assert run(capsys, "check")[0] == 0
    assert run(capsys, "check", "--strict")[0] == 1


def test_check_json_output_is_one_json_object_with_every_problem(project, capsys):
    write_article(project / "seeds", "bad.md", **article("bad", title=""))
    write_article(project / "seeds", "good.md", **article("good"))
    status, out, _ = run(capsys, "check", "seeds", "--format", "json")
    assert status == 1
    report = json.loads(out)
    assert (report["files"], report["published"], report["errors"]) == (2, 1, 1)
    assert [(Path(p["path"]).name, p["level"]) for p in report["problems"]] == [("bad.md", "error")]


def test_a_build_shows_no_progress_bar_when_not_on_a_terminal(seeds, settings, capsys):
    write_article(seeds, "a.md", **article("a"))
    assert main(["build", "--seeds", str(seeds), "--out", str(settings.out)]) == 0
    assert "Writing feeds [" not in capsys.readouterr().err


def test_write_site_reports_progress_up_to_the_last_document(build, settings):
    write_article(settings.seeds, "a.md", **article("a", topics=["AI"]))
    calls = []
    write_site(build(), settings.out, lambda done, total: calls.append((done, total)))
    assert calls and calls[-1][0] == calls[-1][1] == len(list(document_paths(build())))


@pytest.mark.parametrize("command", sorted(OPTIONS))
def test_the_readme_synopsis_lists_every_option_the_command_takes(capsys, command):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    offered = set(explained_options(capsys.readouterr().out)) - {"-h", "--help"}
    assert offered <= documented_options(command), f"README's synopsis lacks {sorted(offered - documented_options(command))}"
