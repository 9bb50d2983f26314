"""WebSub (W3C Recommendation): telling a hub which feeds changed, so subscribers get pushes, not polls.

Publishing is a plain form POST per changed feed (``hub.mode=publish``, ``hub.url=<feed>``), with a timeout
and a few retries. The server does it in a background thread so that a slow or absent hub never delays an
answer to a reader.
"""

from __future__ import annotations

import logging
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

log = logging.getLogger(__name__)


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


def publish(hub: str, urls: Iterable[str], timeout: float = 5.0, retries: int = 3, backoff: float = 0.5) -> list[Notice]:
    """Tell ``hub`` that each of ``urls`` changed; every URL gets up to ``retries`` tries."""
    notices = []
    for url in urls:
        detail = ""
        for attempt in range(retries):
            if attempt:
                time.sleep(backoff * 2 ** (attempt - 1))
            body = urlencode({"hub.mode": "publish", "hub.url": url}).encode("ascii")
            request = urllib.request.Request(hub, data=body, method="POST")
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
            try:
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    if 200 <= response.status < 300:
                        detail = ""
                        break
                    detail = f"the hub answered {response.status}"
            except urllib.error.HTTPError as error:
                detail = f"the hub answered {error.code}"
                if 400 <= error.code < 500:
                    break  # the hub refused this URL; trying again will not help
            except (OSError, ValueError) as error:
                detail = f"cannot reach the hub: {getattr(error, 'reason', error)}"
        notices.append(Notice(url, not detail, detail))
    return notices


class BackgroundPublisher:
    """Publishes in a daemon thread, one batch after another, so serving never waits for the hub."""

    def __init__(self, hub: str) -> None:
        self.hub = hub
        self._lock = threading.Lock()

    def submit(self, urls: list[str]) -> threading.Thread | None:
        if not urls:
            return None
        thread = threading.Thread(target=self._run, args=(urls,), name="feedpub-websub", daemon=True)
        thread.start()
        return thread

    def _run(self, urls: list[str]) -> None:
        with self._lock:
            for notice in publish(self.hub, urls):
                if notice.ok:
                    log.info("told the WebSub hub %s that %s changed", self.hub, notice.url)
                else:
                    log.warning("could not tell the WebSub hub %s that %s changed: %s", self.hub, notice.url, notice.detail)
