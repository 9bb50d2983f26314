"""The Flask app: the same documents as the static output, served under ``/feeds/``.

Views stay thin: they look a path up in the `Site` and add HTTP (RFC 9110/9111): strong ETags from the
body, Last-Modified from the newest entry, 304s, gzip, caching and CORS headers. Rendered documents and
their gzip are kept in memory until a reload swaps in a new site, so a repeated poll builds nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Flask, Request, Response, current_app, redirect, request, url_for
from werkzeug.exceptions import BadRequest, HTTPException

from .build import Build
from .config import Settings, load_settings
from .feeds import ARCHIVE, ARCHIVE_MAX_AGE, COMBINE, Query
from .formats import FORMATS
from .reload import Reloader
from .site import INDEX, Document, Site
from .websub import BackgroundPublisher, changed_between

log = logging.getLogger(__name__)
feeds = Blueprint("feeds", __name__)
MAX_PATH = 512
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "ETag, Last-Modified, Link"}
MAX_QUERY_LIMIT = 500
MAX_QUERY_CACHE = 256
QUERY_PARAMETERS = frozenset({"limit", "sort", "min_heat", "min_quality"})


def create_app(settings: Settings | None = None, config: dict[str, Any] | None = None) -> Flask:
    """Build the app for ``settings`` (default: ``feedpub.toml`` and ``FEEDPUB_*`` variables)."""
    app = Flask(__name__)
    settings = settings or load_settings()
    app.config.from_mapping(CACHE_MAX_AGE=settings.cache_max_age, ARCHIVE_MAX_AGE=ARCHIVE_MAX_AGE)
    if config:
        app.config.from_mapping(config)
    served = _Served(settings)
    app.extensions["feedpub"] = served
    if settings.reload_interval > 0:
        served.reloader.start(settings.reload_interval)
    app.register_blueprint(feeds)
    app.register_error_handler(HTTPException, _plain_error)
    return app


@dataclass(frozen=True)
class _Representation:
    body: bytes
    etag: str
    encoding: str | None


@dataclass(frozen=True)
class _Rendered:
    document: Document
    identity: _Representation
    gzipped: _Representation

    def for_request(self, req: Request) -> _Representation:
        return self.gzipped if req.accept_encodings["gzip"] > 0 else self.identity


class _Representations:
    """Rendered documents by path (and query), each rendered and compressed once, on first request.

    Only documents that exist are kept, so requests for made-up paths cannot grow memory; query feeds are
    kept in a bounded cache, since their number is open-ended.
    """

    def __init__(self, site: Site) -> None:
        self.site = site
        self._documents: dict[str, _Rendered] = {}
        self._queries: dict[tuple[str, str], _Rendered] = {}

    def get(self, path: str, query: Query | None = None) -> _Rendered | None:
        cache, key = (self._documents, path) if query is None else (self._queries, (path, query.query_string()))
        rendered = cache.get(key)  # type: ignore[call-overload]
        if rendered is None:
            document = self.site.render(path, query)
            if document is None:
                return None
            rendered = _rendered(document)
            if query is not None and len(cache) >= MAX_QUERY_CACHE:
                cache.pop(next(iter(cache)))  # the oldest entry
            cache[key] = rendered  # type: ignore[index]
        return rendered


def _rendered(document: Document) -> _Rendered:
    digest = hashlib.sha256(document.body).hexdigest()[:32]
    # mtime=0 keeps the gzip bytes, and so their ETag, the same on every start.
    compressed = gzip.compress(document.body, compresslevel=6, mtime=0)
    return _Rendered(
        document,
        _Representation(document.body, digest, None),
        _Representation(compressed, f"{digest}-gzip", "gzip"),
    )


class _Served:
    """What the app serves now: the reloader's current site, with its rendered documents."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.publisher = BackgroundPublisher(settings.hub_url) if settings.hub_url else None
        self.reloader = Reloader(settings, on_change=self._swap)
        build = self.reloader.current
        for problem in build.problems:
            log.warning("%s", problem)
        log.info(
            "serving %d articles in %d topics from %s",
            len(build.catalog.articles), len(build.catalog.topics), settings.seeds,
        )
        self.representations = _Representations(build.site)

    def _swap(self, previous: Build, fresh: Build) -> None:
        # One assignment: a request holds either the old documents or the new ones, never a mix.
        self.representations = _Representations(fresh.site)
        if self.publisher is not None:
            self.publisher.submit(changed_between(previous, fresh))


@feeds.route("/feeds/", methods=["OPTIONS"])
@feeds.route("/feeds/<path:path>", methods=["OPTIONS"])
def preflight(path: str = "") -> Response:
    """CORS preflight, so web-based readers may send If-None-Match and If-Modified-Since cross-origin."""
    response = Response(status=204)
    response.headers.update(CORS)
    response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


@feeds.get("/")
def root() -> Response:
    return redirect(url_for("feeds.index"))


@feeds.get("/feeds/")
def index() -> Response:
    return _serve(INDEX)


@feeds.get("/feeds/<path:path>")
def document(path: str) -> Response:
    return _serve(path)


def _serve(path: str) -> Response:
    representations = current_app.extensions["feedpub"].representations
    query = _query(path, request)
    rendered = representations.get(path, query) if len(path) <= MAX_PATH else None
    if rendered is None:
        return Response(f"No feed at /feeds/{path}. The list of feeds is at /feeds/\n", 404, mimetype="text/plain")
    chosen = rendered.for_request(request)
    response = Response(status=200)
    response.set_etag(chosen.etag)
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["ARCHIVE_MAX_AGE" if ARCHIVE in path else "CACHE_MAX_AGE"]
    response.vary.add("Accept-Encoding")
    response.headers.update(CORS)
    response.headers["X-Content-Type-Options"] = "nosniff"
    hub = current_app.extensions["feedpub"].settings.hub_url
    if hub and query is None and path.rpartition(".")[2] in FORMATS:
        self_url = current_app.extensions["feedpub"].settings.feeds_url + path
        response.headers["Link"] = f'<{hub}>; rel="hub", <{self_url}>; rel="self"'
    last_modified = rendered.document.last_modified
    if last_modified is not None:
        # Never later than now (RFC 9110 8.8.2.1), even for an article dated in the future.
        last_modified = min(last_modified, datetime.now(timezone.utc))
        response.last_modified = last_modified
    if _not_modified(request, chosen.etag, last_modified):
        response.status_code = 304  # validators and caching headers stay; no body
        return response
    response.set_data(chosen.body)
    response.content_type = rendered.document.content_type
    if chosen.encoding:
        response.content_encoding = chosen.encoding
    return response


class BadQuery(BadRequest):
    """A query parameter out of its range; the description says which and what is allowed."""


def _query(path: str, req: Request) -> Query | None:
    """The `Query` a feed request asks for, None for a plain document; raises `BadQuery` (400)."""
    is_feed = path.rpartition(".")[2] in FORMATS
    if not is_feed or not (QUERY_PARAMETERS & set(req.args) or COMBINE in path):
        return None
    sort = req.args.get("sort", "newest")
    if sort not in ("newest", "heat"):
        raise BadQuery(f"sort must be 'newest' or 'heat', not {sort[:40]!r}")
    return Query(
        limit=_whole_number(req, "limit", 1, MAX_QUERY_LIMIT),
        sort=sort,  # type: ignore[arg-type]
        min_heat=_whole_number(req, "min_heat", -1, 10**9),
        min_quality=_whole_number(req, "min_quality", 0, 10**9),
    )


def _whole_number(req: Request, name: str, low: int, high: int) -> int | None:
    text = req.args.get(name)
    if text is None:
        return None
    if not (text.lstrip("-").isdigit() and len(text) <= 12 and low <= int(text) <= high):
        raise BadQuery(f"{name} must be a whole number from {low} to {high}, not {text[:40]!r}")
    return int(text)


def _not_modified(req: Request, etag: str, last_modified: Any) -> bool:
    """RFC 9110 section 13.2.2: If-None-Match decides when sent; If-Modified-Since only without it."""
    if "If-None-Match" in req.headers:
        return req.if_none_match.contains_weak(etag)
    since = req.if_modified_since
    return since is not None and last_modified is not None and last_modified.replace(microsecond=0) <= since


def _plain_error(error: HTTPException) -> Response:
    response = error.get_response()
    response.set_data(f"{error.code} {error.name}: {error.description}\n")
    response.mimetype = "text/plain"
    return response
