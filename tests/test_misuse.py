"""Mistakes and faults a user meets get one line, the right exit status and no traceback: 2 for usage and
settings, 1 for a build that failed. The feeds published before are never left half written."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
from pathlib import Path

import feedparser
import pytest

from feedpub.cli import main
from feedpub.config import Settings
from feedpub.errors import SettingsError
from feedpub.web import create_app

from .conftest import REPO, article, files_under, write_article

IN_CI = os.environ.get("CI") == "true"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder as the working directory, with a seeds/ folder holding one article."""
    monkeypatch.chdir(tmp_path)
    write_article(tmp_path / "seeds", "a.md", **article("a", topics=["AI"]))
    return tmp_path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """``run(capsys, "--", *flags)`` builds with a public base URL; otherwise ``argv`` is the whole command."""
    status = main(["build", "--base-url", "https://news.example.org", *argv[1:]] if argv[:1] == ("--",) else list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got: {err!r}"
    assert "Traceback" not in err
    return lines[0]


# --- settings: validated once, when they are loaded ------------------------------------------------------


UNUSABLE_TEXTS = [("title", ""), ("title", "   "), ("description", ""), ("author", ""),
                  ("title", "News\x07 bell"), ("description", "two\nlines")]
HOW = {
    "flag": lambda project, monkeypatch, name, value: ["build", f"--{name}", value],
    "toml": lambda project, monkeypatch, name, value: (
        (project / "feedpub.toml").write_text(f"[feedpub]\n{name} = {json.dumps(value)}\n", encoding="utf-8"), ["build"]
    )[1],
    "environment": lambda project, monkeypatch, name, value: (
        monkeypatch.setenv(f"FEEDPUB_{name.upper()}", value), ["build"]
    )[1],
}
CASES = [(how, name, value) for how in HOW for name, value in UNUSABLE_TEXTS if how != "flag" or name == "title"]


@pytest.mark.parametrize("how,name,value", CASES)
def test_an_unusable_text_setting_stops_the_build_with_one_line(project, capsys, monkeypatch, how, name, value):
    status, _, err = run(capsys, *HOW[how](project, monkeypatch, name, value))
    assert status == 2
    assert one_line(err).startswith(f"feedpub: {name} must")
    assert not (project / "feeds").exists(), "nothing is written"


def test_a_bad_setting_stops_the_server_at_start_not_on_each_request(project, monkeypatch) -> None:
    monkeypatch.setenv("FEEDPUB_TITLE", "")
    with pytest.raises(SettingsError, match="title must not be empty"):
        create_app()
    said = "feedpub: title must not be empty; set title in feedpub.toml or with FEEDPUB_TITLE"
    environment = {**os.environ, "FEEDPUB_TITLE": "", "PYTHONPATH": str(REPO)}
    # As granian and gunicorn load it (import server), and as python server.py runs it.
    for command, status in (([sys.executable, "-c", "import server"], 1), ([sys.executable, str(REPO / "server.py")], 2)):
        result = subprocess.run(command, cwd=project, capture_output=True, text=True, env=environment, timeout=60)
        assert (result.returncode, one_line(result.stderr)) == (status, said)


@pytest.mark.parametrize("base_url", ["https://news.example.org/feeds", "https://news.example.org/feeds/"])
def test_a_base_url_given_with_the_feeds_folder_is_not_doubled(project, capsys, base_url) -> None:
    status, _, _ = run(capsys, "build", "--base-url", base_url)
    assert status == 0
    feed = feedparser.parse((project / "feeds" / "all.atom").read_bytes()).feed
    assert [link.href for link in feed.links if link.rel == "self"] == ["https://news.example.org/feeds/all.atom"]


@pytest.mark.parametrize("base_url", ["https://news.example.org/?lang=en", "https://news.example.org/#top",
                                      "news.example.org", "https://user:secret@news.example.org"])
def test_a_base_url_with_a_query_fragment_or_no_scheme_is_refused(project, capsys, base_url) -> None:
    status, _, err = run(capsys, "build", "--base-url", base_url)
    assert status == 2
    assert one_line(err).startswith("feedpub: base_url must be")


def test_the_default_loopback_base_url_is_warned_about_once_and_a_real_one_is_not(project, capsys) -> None:
    _, _, err = run(capsys, "build")
    assert err.count("warning: the feeds' links point at http://127.0.0.1:5000") == 1
    assert "set base_url in feedpub.toml or pass --base-url" in err
    _, _, err = run(capsys, "build", "--base-url", "https://news.example.org")
    assert err == ""


# --- the command line ------------------------------------------------------------------------------------


def test_an_out_of_range_port_is_refused(project, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--port", "80000"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "usage: feedpub serve" in err and "a port is a whole number from 1 to 65535, not '80000'" in err


@pytest.mark.parametrize("host", ["999.1.1.1", "192.0.2.1"])  # no address at all; an address of no interface here
def test_a_host_that_is_no_address_of_this_machine_is_refused_naming_it(project, capsys, host) -> None:
    status, _, err = run(capsys, "serve", "--host", host, "--port", "8089")
    assert status == 2
    assert one_line(err).startswith(f"feedpub: cannot listen on {host}:8089 (")
    assert "--host must be an address or name of this machine" in err


@pytest.mark.parametrize("form", ["text", "json"])
def test_a_negative_max_deletes_is_a_usage_error_in_either_form(project, capsys, form) -> None:
    status, out, err = run(capsys, "deploy", "s3://news/feeds", "--max-deletes", "-1", "--format", form)
    assert status == 2 and one_line(err) == "feedpub: --max-deletes must be 0 or more, not -1"
    assert (json.loads(out) if form == "json" else out) == (
        {"error": "--max-deletes must be 0 or more, not -1", "status": 2} if form == "json" else "")


def test_a_port_this_user_may_not_take_is_refused_saying_so(project, capsys, monkeypatch) -> None:
    """As for a user other than root asking for port 80 (root, running the tests, may take it)."""
    def refused(self, address):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(socket.socket, "bind", refused)
    status, _, err = run(capsys, "serve", "--host", "127.0.0.1", "--port", "80")
    assert status == 2
    assert one_line(err) == ("feedpub: cannot listen on 127.0.0.1:80 (Permission denied; ports below 1024 are the "
                             "system's: choose --port 1024 or above)")


def test_a_port_in_use_is_refused_saying_so(project, capsys) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status, _, err = run(capsys, "serve", "--host", "127.0.0.1", "--port", str(port))
    assert status == 2
    assert one_line(err).startswith(f"feedpub: cannot listen on 127.0.0.1:{port} (Address already in use; choose another --port")


def test_poll_without_watch_is_a_usage_error_not_ignored(project, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["build", "--poll"])
    assert exited.value.code == 2
    assert "--poll says how --watch learns of changes; give it with --watch" in capsys.readouterr().err


def test_an_unknown_flag_shows_the_subcommands_own_usage(project, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["build", "--colour"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: feedpub build") and "unrecognized arguments: --colour" in err


def test_check_takes_the_seeds_folder_as_a_flag_too(project, capsys) -> None:
    assert main(["check", "--seeds", "seeds"]) == 0
    assert "1 file checked in seeds: 0 errors, 0 warnings; 1 article would be published." in capsys.readouterr().out


def test_python_server_py_help_says_how_to_choose_the_port_and_starts_nothing(project) -> None:
    result = subprocess.run([sys.executable, str(REPO / "server.py"), "--help"], cwd=project, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0
    assert "--port" in result.stdout and "--host" in result.stdout


def test_python_server_py_serves_on_the_port_it_is_given(project) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, str(REPO / "server.py"), "--port", str(port)], cwd=project,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/feeds/all.atom", timeout=2) as response:
                    assert feedparser.parse(response.read()).entries
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
                time.sleep(0.1)
    finally:
        server.terminate()
        _, err = server.communicate(timeout=10)
    assert "\x1b[" not in err, "log lines bound for a pipe carry no terminal colour codes"
    assert "GET /feeds/all.atom" in err


# --- the seeds folder and its files ---------------------------------------------------------------------


def test_an_empty_seeds_folder_is_said_naming_the_extensions(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "notes.rst").write_text("---\ntitle: not an article file\n---\n")
    status, out, err = run(capsys, "--")
    assert status == 0
    assert one_line(err) == "feedpub: warning: seeds has no article files (.md, .markdown, .txt); every feed is empty"
    assert "Read 0 files from seeds: 0 articles published" in out


def test_an_article_file_whose_name_is_not_utf8_is_a_problem_and_the_rest_is_published(project, capsys) -> None:
    seeds = os.fsencode(project / "seeds")
    with open(seeds + b"/caf\xe9.md", "wb") as handle:
        handle.write(b"---\ntitle: Latin-1 name\nwebUrl: https://example.org/x\npublishedDateTime: 2024-05-01\n---\n")
    status, out, err = run(capsys, "--")  # with the article cache, as a user runs it
    assert status == 0
    assert "seeds/caf\\xe9.md: error: the file name is not valid UTF-8; rename the file to publish it" in err
    assert "1 article published" in out
    status, _, _ = run(capsys, "--")
    assert status == 0, "a second build, from the cache, too"
    client = create_app(Settings(seeds=project / "seeds", reload_interval=0)).test_client()
    assert client.get("/feeds/all.atom").status_code == 200


def test_an_article_dated_at_the_very_end_of_9999_is_published_and_served_like_any_other(project, capsys) -> None:
    """The index's weekly charts ran a week past it, beyond the last day Python's datetime can hold: the build
    stopped with a traceback and the server answered 500 for its index."""
    write_article(project / "seeds", "last.md", **article("last", publishedDateTime="9999-12-31T23:59:59Z"))
    status, out, err = run(capsys, "--")
    assert status == 0 and "Traceback" not in err
    assert "2 articles published" in out
    assert "<title>Article last</title>" in (project / "feeds" / "all.rss").read_text()
    client = create_app(Settings(seeds=project / "seeds", reload_interval=0)).test_client()
    assert [client.get(path).status_code for path in ("/feeds/", "/feeds/all.atom", "/feeds/all.json")] == [200] * 3


def test_control_characters_in_a_file_name_are_shown_as_escapes_never_as_a_second_line(project, capsys) -> None:
    (project / "seeds" / "evil\nfake.md:1: error: injected\x1b[2J.md").write_text("---\ntitle: [unclosed\n---\n")
    status, _, err = run(capsys, "--")
    assert status == 0
    (said,) = [line for line in err.splitlines() if "evil" in line]
    assert said.startswith("seeds/evil\\x0afake.md:1: error: injected\\x1b[2J.md:3: error: invalid YAML")
    assert "injected" not in err.replace(said, "") and "\x1b" not in err


def test_prose_counts_and_no_archives_mentioned_when_there_are_none(project, capsys) -> None:
    write_article(project / "seeds", "b.md", **article("b", provider={"name": "Wire", "domain": "wire.example"}))
    _, out, _ = run(capsys, "--")
    assert "Read 2 files from seeds: 2 articles published" in out
    assert "1 topic feed and 1 provider feed, in RSS, Atom and JSON Feed" in out
    assert "archive" not in out


# --- the output folder -----------------------------------------------------------------------------------


def test_an_output_path_that_is_a_file_fails_with_one_line(project, capsys) -> None:
    (project / "public").write_text("not a folder")
    status, _, err = run(capsys, "--", "--out", "public")
    assert status == 1
    assert one_line(err) == ("feedpub: cannot write the feeds to public: public is a file, not a folder; move it "
                             "away, or choose another --out. The feeds published before were left as they were.")


def test_a_file_in_place_of_a_folder_inside_the_output_fails_and_leaves_the_rest(project, capsys) -> None:
    assert run(capsys, "--")[0] == 0
    shutil.rmtree(project / "feeds" / "topics")
    (project / "feeds" / "topics").write_text("in the way")
    before = files_under(project / "feeds")
    write_article(project / "seeds", "a.md", **article("a", title="Edited", topics=["AI"]))
    status, _, err = run(capsys, "--")
    assert status == 1
    assert "feeds/topics is a file, not a folder" in one_line(err)
    assert files_under(project / "feeds") == before


def test_an_output_folder_this_user_may_not_write_fails_with_one_line(project) -> None:
    """Run as an unprivileged user (root passes permission checks): a forked child drops to nobody."""
    shared = Path(tempfile.mkdtemp(prefix="feedpub-nobody-"))  # where an unprivileged user can look
    shared.chmod(0o755)
    shutil.copytree(project / "seeds", shared / "seeds")
    os.chdir(shared)
    out = shared / "readonly"
    assert main(["build", "--out", str(out), "--base-url", "https://news.example.org", "--quiet"]) == 0
    before = files_under(out)
    write_article(shared / "seeds", "a.md", **article("a", title="Edited", topics=["AI"]))
    os.chmod(out, 0o555)
    for folder in out.rglob("*"):
        if folder.is_dir():
            os.chmod(folder, 0o555)
    status, err = as_nobody(["build", "--out", str(out), "--base-url", "https://news.example.org", "--quiet", "--no-cache"])
    assert status == 1, err
    assert one_line(err).startswith(f"feedpub: cannot write the feeds to {out}: this user may not write to")
    assert files_under(out) == before


def as_nobody(argv: list[str]) -> tuple[int, str]:
    """``feedpub ARGV`` in a forked child that drops to the unprivileged user nobody (root passes every
    permission check); its exit status and what it wrote to standard error."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through its exit status and the pipe
        try:
            sys.stderr = os.fdopen(write, "w", buffering=1)  # line-buffered: os._exit flushes nothing
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            os._exit(main(argv))
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(99)
    os.close(write)
    _, status = os.waitpid(child, 0)
    with os.fdopen(read) as stream:
        return os.waitstatus_to_exitcode(status), stream.read()


@pytest.mark.parametrize("locked", ["seeds", "seeds/sub"])
def test_a_seeds_folder_this_user_may_not_list_stops_the_build_and_keeps_the_published_feeds(project, locked) -> None:
    """Skipping it would drop its articles from every feed (all of them, for the seeds folder itself)."""
    shared = Path(tempfile.mkdtemp(prefix="feedpub-nobody-"))  # where an unprivileged user can look
    shared.chmod(0o755)
    shutil.copytree(project / "seeds", shared / "seeds")
    write_article(shared / "seeds" / "sub", "b.md", **article("b", topics=["AI"]))
    os.chdir(shared)
    out = shared / "out"
    assert main(["build", "--out", str(out), "--base-url", "https://news.example.org", "--quiet", "--no-cache"]) == 0
    before = files_under(out)
    for folder in (out, *[path for path in out.rglob("*") if path.is_dir()]):
        os.chmod(folder, 0o777)
    os.chmod(shared / locked, 0)
    try:
        status, err = as_nobody(["build", "--out", str(out), "--base-url", "https://news.example.org", "--quiet",
                                 "--no-cache"])
    finally:
        os.chmod(shared / locked, 0o755)
    assert status == 2, err
    what = "the seeds folder" if locked == "seeds" else "the folder"
    assert one_line(err).startswith(f"feedpub: cannot list {what} {locked} ")
    assert files_under(out) == before
    shutil.rmtree(shared, ignore_errors=True)


@pytest.fixture
def small_disk(tmp_path):
    """A 400 KiB tmpfs, mounted for the test (as root, as CI runs); elsewhere the test is skipped."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        if IN_CI:
            pytest.fail("CI runs as root, so the full-disk test must run there")
        pytest.skip("mounting a small tmpfs needs root")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_fails_the_build_with_one_line_and_keeps_the_published_feeds(project, capsys, small_disk) -> None:
    out = small_disk / "feeds"
    assert main(["build", "--out", str(out), "--base-url", "https://news.example.org", "--quiet"]) == 0
    before = files_under(out)
    for number in range(300):
        write_article(project / "seeds", f"big{number}.md", **article(
            f"big{number}", topics=[f"Topic {number}"], excerpt="words " * 400,
            publishedDateTime=f"2024-06-{1 + number % 28:02d}T00:00:00Z",
        ))
    capsys.readouterr()
    status = main(["build", "--out", str(out), "--base-url", "https://news.example.org", "--quiet"])
    err = capsys.readouterr().err
    assert status == 1
    assert one_line(err).startswith(f"feedpub: cannot write the feeds to {out}: the disk holding {out} is full")
    assert files_under(out) == before, "every published file is as it was"
    assert not list(out.rglob(".*.tmp")), "no staged file is left to fill the disk"


def test_a_cache_that_cannot_be_saved_is_a_labelled_warning(project, capsys) -> None:
    (project / "cache").write_text("a file where the cache folder should be")
    status, _, err = run(capsys, "--", "--cache-dir", "cache")
    assert status == 0
    assert one_line(err).startswith("feedpub: warning: could not save the article cache in cache/articles-")


@pytest.fixture(scope="module")
def many_articles(tmp_path_factory) -> Path:
    """Enough articles that a cold build parses and renders in worker processes."""
    seeds = tmp_path_factory.mktemp("many") / "seeds"
    for number in range(2500):
        write_article(seeds, f"{number:04d}.md", **article(
            f"n{number}", topics=[f"Topic {number % 40}"], excerpt="words " * 40,
            publishedDateTime=f"2024-{1 + number % 12:02d}-{1 + number % 28:02d}T{number % 24:02d}:00:00Z",
        ))
    return seeds


def _build_processes(marker: str) -> list[int]:
    """Processes still running a build whose command line holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_stopping_a_build_says_one_line_and_leaves_no_worker_behind(many_articles, tmp_path, signal_name) -> None:
    import signal

    out = tmp_path / f"out-{signal_name}"
    command = [sys.executable, "-m", "feedpub", "build", "--seeds", str(many_articles), "--out", str(out),
               "--no-cache", "--quiet", "--base-url", "https://news.example.org"]
    build = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(_build_processes(str(out))) < 3 and build.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)  # until the workers parse (or render)
    assert build.poll() is None, "the build ended before its workers could be seen"
    build.send_signal(getattr(signal, signal_name))
    _, err = build.communicate(timeout=30)
    assert build.returncode == 130
    assert one_line(err) == "feedpub: interrupted; the files published before are as they were"
    deadline = time.monotonic() + 10
    while _build_processes(str(out)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _build_processes(str(out)) == [], "a worker outlived its build"
    assert not list(out.rglob(".*.tmp")) if out.exists() else True
