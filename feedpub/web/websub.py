"""WebSub (W3C Recommendation): telling a hub which feeds changed, so subscribers get pushes, not polls.

Publishing is a form POST (``hub.mode=publish`` and a ``hub.url`` per changed feed, several in one POST,
which hubs such as WebSub.rocks and Superfeedr accept; one URL per POST to a hub that refuses that). All
the tries of one batch share one deadline, so a hub that never answers costs a build that long and no
longer. The server tells the hub from one background thread, so a slow or absent hub never delays an
answer to a reader.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from ..feeds.keys import FEED_FORMATS, parse_path
from ..feeds.kinds import subscription_keys
from ..site import Site
from .forking import start_over_after_fork

log = logging.getLogger(__name__)
URLS_PER_POST = 100  # keeps a POST's body a few kilobytes
MAX_PENDING = 10_000  # feeds waiting for the server's sender; the oldest are dropped beyond this
TIMEOUT = 5.0  # seconds for one POST, at most
TRIES = 3


@dataclass(frozen=True)
class Notice:
    """The outcome of telling the hub about one feed."""

    url: str
    ok: bool
    detail: str = ""


def changed_feed_urls(written: Iterable[str], feeds_url: str) -> list[str]:
    """URLs of the subscription feeds among the files a build wrote (archives and pages have no subscribers)."""
    keys = (parse_path(path) for path in written)
    return sorted(feeds_url + key.path for key in keys if key is not None and key.is_feed and not key.is_archive)


def changed_between(previous: Site, fresh: Site) -> list[str]:
    """URLs of the subscription feeds whose content differs between two loads of the same site."""
    feeds_url = fresh.settings.feeds_url
    keys = set(subscription_keys(previous.catalog)) | set(subscription_keys(fresh.catalog))
    urls: list[str] = []
    for key in sorted(keys, key=lambda key: key.path):
        if previous.describe(key) != fresh.describe(key):
            urls += [feeds_url + key.document(format_).path for format_ in FEED_FORMATS]
    return urls


def publish(hub: str, urls: Iterable[str], deadline: float, backoff: float = 0.5) -> list[Notice]:
    """Tell ``hub`` that each of ``urls`` changed, within ``deadline`` seconds for everything; a feed not
    delivered by then has a `Notice` that says why."""
    end = time.monotonic() + deadline
    pending = list(dict.fromkeys(urls))
    notices: list[Notice] = []
    for start in range(0, len(pending), URLS_PER_POST):
        batch = pending[start : start + URLS_PER_POST]
        detail, refused = _post_with_retries(hub, batch, end, deadline, backoff)
        if refused and len(batch) > 1:  # perhaps only the several URLs: one per POST
            for url in batch:
                one, _ = _post_with_retries(hub, [url], end, deadline, backoff)
                notices.append(Notice(url, not one, one))
        else:
            notices += [Notice(url, not detail, detail) for url in batch]
    return notices


def _post_with_retries(hub: str, urls: list[str], end: float, deadline: float, backoff: float) -> tuple[str, bool]:
    """POST ``urls`` to ``hub`` until it accepts, up to `TRIES` times and never past ``end``: what went
    wrong ("" for nothing), and whether the hub refused the request (4xx: trying it again will not help)."""
    body = urlencode([("hub.mode", "publish"), *(("hub.url", url) for url in urls)]).encode("ascii")
    detail = ""
    for attempt in range(TRIES):
        pause = backoff * 2 ** (attempt - 1) if attempt else 0.0
        if time.monotonic() + pause >= end:
            return (f"{detail}; " if detail else "") + f"no answer within the {deadline:g} s deadline", False
        time.sleep(pause)
        request = urllib.request.Request(hub, data=body, method="POST")
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(request, timeout=min(TIMEOUT, end - time.monotonic())) as response:
                if 200 <= response.status < 300:
                    return "", False
                detail = f"the hub answered {response.status}"
        except urllib.error.HTTPError as error:
            detail = f"the hub answered {error.code}"
            if 400 <= error.code < 500:
                return detail, True
        except (OSError, ValueError) as error:
            detail = f"cannot reach the hub: {getattr(error, 'reason', error)}"
    return detail, False


class BackgroundPublisher:
    """The server's one sender: feeds that change while it is busy wait, each once, and go together in its
    next POSTs. At most `MAX_PENDING` wait; beyond that the oldest are dropped, with a warning, so a hub
    that is down cannot make the server's memory grow."""

    def __init__(self, hub: str, deadline: float, max_pending: int = MAX_PENDING) -> None:
        self.hub = hub
        self.deadline = deadline
        self.max_pending = max_pending
        self._pending: dict[str, None] = {}  # an ordered set, oldest first
        self._changed = threading.Condition()
        self._thread_pid = 0
        start_over_after_fork(self, BackgroundPublisher._forked)

    def submit(self, urls: Iterable[str]) -> None:
        """Queue ``urls`` for the hub, without waiting for it."""
        with self._changed:
            for url in urls:
                self._pending.pop(url, None)
                self._pending[url] = None  # the newest change of a feed counts
            dropped = len(self._pending) - self.max_pending
            for url in list(self._pending)[: max(dropped, 0)]:
                del self._pending[url]
            if self._pending:
                self._start()
                self._changed.notify()
        if dropped > 0:
            log.warning("the WebSub hub %s is not keeping up: dropped the %d oldest of the changed feeds waiting "
                        "for it (at most %d wait)", self.hub, dropped, self.max_pending)

    def _start(self) -> None:
        if self._thread_pid != os.getpid():  # none yet in this process (a forked worker has none)
            self._thread_pid = os.getpid()
            threading.Thread(target=self._run, name="feedpub-websub", daemon=True).start()

    def _forked(self) -> None:
        # What waits is the parent's to send; the child sends only its own changes.
        self._changed, self._pending, self._thread_pid = threading.Condition(), {}, 0

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._pending:
                    self._changed.wait()
                batch, self._pending = list(self._pending), {}
            try:
                notices = publish(self.hub, batch, self.deadline)
            except Exception:  # noqa: BLE001 - the sender must outlive any one batch
                log.exception("telling the WebSub hub %s about %d changed feeds failed", self.hub, len(batch))
                continue
            for notice in notices:
                if notice.ok:
                    log.info("told the WebSub hub %s that %s changed", self.hub, notice.url)
                else:
                    log.warning("could not tell the WebSub hub %s that %s changed: %s", self.hub, notice.url,
                                notice.detail)
