"""What a deploy must do, worked out from two listings: the output folder's files and the bucket's objects.

Pure: no network and no files, so every rule here (what changed, what goes first, what is deleted) is tested
on plain values. The order is what keeps the published site consistent while a deploy runs: an object is
uploaded only after every object it links to, and nothing is deleted until everything new is in place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum

from ..errors import NetworkError
from ..feeds.keys import INDEX, OPML, PAGE, parse_path

SCHEME = "s3://"
_MD5_ETAG = re.compile(r'^"?([0-9a-fA-F]{32})"?$')


class DeployError(NetworkError):
    """A deploy that cannot start or go on; the message says what happened and what to do.

    ``status`` is the command's exit status: 2 for settings to fix (target, credentials, bucket), 1 for the
    rest (an unreachable store, failed uploads).
    """

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = self.exit_status = status


@dataclass(frozen=True)
class Target:
    """Where a site goes: a bucket and a key prefix (empty, or ending in ``/``)."""

    bucket: str
    prefix: str = ""

    def __str__(self) -> str:
        return f"{SCHEME}{self.bucket}/{self.prefix}"

    def key(self, path: str) -> str:
        return self.prefix + path


def parse_target(text: str) -> Target:
    """``s3://BUCKET[/PREFIX]`` as a `Target`; anything else is a settings error."""
    if not text:
        raise DeployError(
            "no deploy target: give one as `feedpub deploy s3://BUCKET[/PREFIX]`, or set deploy_target in "
            "feedpub.toml or FEEDPUB_DEPLOY_TARGET",
            status=2,
        )
    if not text.startswith(SCHEME):
        raise DeployError(f"the deploy target must look like s3://BUCKET[/PREFIX], not {text!r}", status=2)
    bucket, _, prefix = text[len(SCHEME):].partition("/")
    prefix = "/".join(part for part in prefix.split("/") if part)
    if not bucket or any(part in (".", "..") for part in prefix.split("/")):
        raise DeployError(f"the deploy target must look like s3://BUCKET[/PREFIX], not {text!r}", status=2)
    if not (_BUCKET.fullmatch(bucket) or bucket.startswith("arn:")):  # an access point's ARN, botocore's to check
        raise DeployError(
            f"the bucket name {bucket[:80]!r} in {text[:120]!r} may hold only letters, digits, '.', '-' and '_' "
            "(S3's own rule is stricter: 3 to 63 lowercase letters, digits, '.' and '-')",
            status=2,
        )
    return Target(bucket, prefix + "/" if prefix else "")


# What any S3-compatible store may accept as a bucket name (botocore refuses the rest before asking it).
_BUCKET = re.compile(r"[A-Za-z0-9._-]{1,255}")


@dataclass(frozen=True, slots=True)
class LocalFile:
    """A file of the output folder: its path relative to the folder, size and MD5 (hex)."""

    path: str
    size: int
    md5: str


@dataclass(frozen=True, slots=True)
class RemoteObject:
    """An object under the prefix, as one listing shows it. ``md5`` is None when its ETag is not an MD5 and
    no digest recorded at upload time is known."""

    path: str
    size: int
    md5: str | None


def etag_md5(etag: str) -> str | None:
    """The MD5 an ETag stands for, or None: multipart and encrypted objects' ETags are not MD5s."""
    match = _MD5_ETAG.match(etag)
    return match.group(1).lower() if match else None


class Phase(IntEnum):
    """Upload order: what is linked to before what links to it."""

    LINKED = 1  # archives, the stylesheet, and anything else: linked from the feeds
    FEEDS = 2  # subscription feeds: link to their archives and the stylesheet
    PAGES = 3  # the index, the OPML list and the feeds' HTML pages: link to the feeds


def phase_of(path: str) -> Phase:
    key = parse_path(path)
    if key is None or key.is_archive:
        return Phase.LINKED
    if key in (INDEX, OPML) or key.format == PAGE:
        return Phase.PAGES
    return Phase.FEEDS if key.is_feed else Phase.LINKED


@dataclass(frozen=True, slots=True)
class Upload:
    path: str
    size: int
    md5: str
    phase: Phase


@dataclass
class Plan:
    """Uploads in phase order, then deletes (paths relative to the prefix)."""

    uploads: list[Upload] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def bytes(self) -> int:
        return sum(upload.size for upload in self.uploads)

    def phases(self) -> list[list[Upload]]:
        """The uploads grouped by phase, in order; each group may run in parallel."""
        groups: dict[Phase, list[Upload]] = {}
        for upload in self.uploads:
            groups.setdefault(upload.phase, []).append(upload)
        return [groups[phase] for phase in sorted(groups)]


def needs_digest(local: Mapping[str, LocalFile], remote: Mapping[str, RemoteObject]) -> list[str]:
    """Paths whose object's ETag says nothing about its bytes, so only the digest recorded at upload can
    tell whether it changed. Objects of another size have changed anyway and need no look-up."""
    return sorted(
        path for path, found in remote.items()
        if found.md5 is None and path in local and local[path].size == found.size
    )


def make_plan(local: Mapping[str, LocalFile], remote: Iterable[RemoteObject], force: bool = False) -> Plan:
    """Upload every file whose object is missing or differs (all of them with ``force``); delete every
    object that has no file any more."""
    plan = Plan()
    remote_by_path = {found.path: found for found in remote}
    for path in sorted(local, key=lambda p: (phase_of(p), p)):
        file = local[path]
        found = remote_by_path.get(path)
        if not force and found is not None and found.size == file.size and found.md5 == file.md5:
            plan.unchanged += 1
        else:
            plan.uploads.append(Upload(path, file.size, file.md5, phase_of(path)))
    plan.deletes = sorted(path for path in remote_by_path if path not in local)
    return plan
