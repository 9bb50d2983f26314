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
from collections.abc import Callable
from functools import lru_cache
from http import HTTPStatus
from typing import Any

from flask import Blueprint, Flask, Request, Response, current_app, redirect, request, url_for
from werkzeug.datastructures import ETags
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.http import http_date, parse_accept_header, parse_date, parse_etags

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
PREFIX = "/feeds/"
STATUS_LINES = {status: f"{status} {HTTPStatus(status).phrase}" for status in (200, 304)}
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
    policy = _Policy(app.config["CACHE_MAX_AGE"], app.config["ARCHIVE_MAX_AGE"], settings.hub_url, settings.feeds_url)
    served = _Served(settings, policy)
    app.extensions["feedpub"] = served
    app.wsgi_app = serve_documents(app.wsgi_app, served)  # type: ignore[method-assign]
    if settings.reload_interval > 0:
        served.reloader.start(settings.reload_interval)
    app.register_blueprint(feeds)
    app.register_error_handler(HTTPException, _plain_error)
    return app


@dataclass(frozen=True)
class _Policy:
    """The HTTP headers every document shares, fixed when the app is made."""

    cache_max_age: int
    archive_max_age: int
    hub_url: str
    feeds_url: str

    def headers(self, path: str, query: Query | None) -> list[tuple[str, str]]:
        max_age = self.archive_max_age if ARCHIVE in path else self.cache_max_age
        headers = [("Cache-Control", f"public, max-age={max_age}"), ("Vary", "Accept-Encoding"), *CORS.items(),
                   ("X-Content-Type-Options", "nosniff")]
        if self.hub_url and query is None and path.rpartition(".")[2] in FORMATS:
            headers.append(("Link", f'<{self.hub_url}>; rel="hub", <{self.feeds_url}{path}>; rel="self"'))
        return headers


@dataclass(frozen=True)
class _Representation:
    """One encoding of a document with its response headers, computed once, so answering costs no work."""

    body: bytes
    etag: str
    headers: tuple[tuple[str, str], ...]  # of a 200
    not_modified_headers: tuple[tuple[str, str], ...]  # of a 304: validators and caching, no entity headers


@dataclass(frozen=True)
class _Rendered:
    identity: _Representation
    gzipped: _Representation
    last_modified: datetime | None

    def answer(self, environ: dict[str, Any]) -> tuple[int, tuple[tuple[str, str], ...], bytes]:
        """Status, headers and body for a GET or HEAD with this request's negotiation and validators."""
        chosen = self.gzipped if _accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING")) else self.identity
        if _not_modified(environ, chosen.etag, self.last_modified):
            return 304, chosen.not_modified_headers, b""
        return 200, chosen.headers, chosen.body


class _Representations:
    """Rendered documents by path (and query), each rendered and compressed once, on first request.

    Only documents that exist are kept, so requests for made-up paths cannot grow memory; query feeds are
    kept in a bounded cache, since their number is open-ended.
    """

    def __init__(self, site: Site, policy: _Policy) -> None:
        self.site = site
        self.policy = policy
        self._documents: dict[str, _Rendered] = {}
        self._queries: dict[tuple[str, str], _Rendered] = {}

    def get(self, path: str, query: Query | None = None) -> _Rendered | None:
        cache, key = (self._documents, path) if query is None else (self._queries, (path, query.query_string()))
        rendered = cache.get(key)  # type: ignore[call-overload]
        if rendered is None:
            if len(path) > MAX_PATH:
                return None
            document = self.site.render(path, query)
            if document is None:
                return None
            rendered = _rendered(document, self.policy.headers(path, query))
            if query is not None and len(cache) >= MAX_QUERY_CACHE:
                cache.pop(next(iter(cache)))  # the oldest entry
            cache[key] = rendered  # type: ignore[index]
        return rendered


def _rendered(document: Document, shared: list[tuple[str, str]]) -> _Rendered:
    digest = hashlib.sha256(document.body).hexdigest()[:32]
    # mtime=0 keeps the gzip bytes, and so their ETag, the same on every start.
    compressed = gzip.compress(document.body, compresslevel=6, mtime=0)
    last_modified = document.last_modified
    if last_modified is not None:
        # Never later than now (RFC 9110 8.8.2.1), even for an article dated in the future.
        last_modified = min(last_modified, datetime.now(timezone.utc)).replace(microsecond=0)

    def representation(body: bytes, etag: str, encoding: str | None) -> _Representation:
        validators = [("ETag", f'"{etag}"'), *shared]
        entity = [("Content-Type", document.content_type), ("Content-Length", str(len(body)))]
        if encoding:
            entity.append(("Content-Encoding", encoding))
        if last_modified is not None:
            entity.append(("Last-Modified", http_date(last_modified)))
        return _Representation(body, etag, tuple(entity + validators), tuple(validators))

    return _Rendered(
        representation(document.body, digest, None),
        representation(compressed, f"{digest}-gzip", "gzip"),
        last_modified,
    )


def serve_documents(app: Callable[..., Any], served: _Served) -> Callable[..., Any]:
    """WSGI middleware answering plain GET and HEAD requests for documents straight from memory.

    A feed poll then costs a dictionary lookup and a header comparison instead of a trip through Flask's
    routing and response objects. Anything else (queries, unknown paths, other methods) goes on to ``app``.
    """

    def fast_path(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        if (method == "GET" or method == "HEAD") and path.startswith(PREFIX) and not environ.get("QUERY_STRING") \
                and COMBINE not in path:
            rendered = served.representations.get(path[len(PREFIX):] or INDEX)
            if rendered is not None:
                status, headers, body = rendered.answer(environ)
                start_response(STATUS_LINES[status], list(headers))
                return [body] if status == 200 and method == "GET" else []
        return app(environ, start_response)

    return fast_path


class _Served:
    """What the app serves now: the reloader's current site, with its rendered documents."""

    def __init__(self, settings: Settings, policy: _Policy) -> None:
        self.settings = settings
        self.policy = policy
        self.publisher = BackgroundPublisher(settings.hub_url) if settings.hub_url else None
        self.reloader = Reloader(settings, on_change=self._swap)
        build = self.reloader.current
        for problem in build.problems:
            log.warning("%s", problem)
        log.info(
            "serving %d articles in %d topics from %s",
            len(build.catalog.articles), len(build.catalog.topics), settings.seeds,
        )
        self.representations = _Representations(build.site, policy)

    def _swap(self, previous: Build, fresh: Build) -> None:
        # One assignment: a request holds either the old documents or the new ones, never a mix.
        self.representations = _Representations(fresh.site, self.policy)
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
    """Documents the fast path did not answer: query feeds, and paths with no document (404)."""
    query = _query(path, request)
    rendered = current_app.extensions["feedpub"].representations.get(path, query)
    if rendered is None:
        return Response(f"No feed at /feeds/{path}. The list of feeds is at /feeds/\n", 404, mimetype="text/plain")
    status, headers, body = rendered.answer(request.environ)
    return Response(body, status, list(headers))


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


def _not_modified(environ: dict[str, Any], etag: str, last_modified: datetime | None) -> bool:
    """RFC 9110 section 13.2.2: If-None-Match decides when sent; If-Modified-Since only without it."""
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        return _etags(if_none_match).contains_weak(etag)
    since = _date(environ.get("HTTP_IF_MODIFIED_SINCE"))
    return since is not None and last_modified is not None and last_modified <= since


# Clients repeat the same few header values, so each is parsed once (werkzeug's parsers, cached).
@lru_cache(maxsize=256)
def _accepts_gzip(accept_encoding: str | None) -> bool:
    return parse_accept_header(accept_encoding)["gzip"] > 0


@lru_cache(maxsize=256)
def _etags(value: str) -> ETags:
    return parse_etags(value)


@lru_cache(maxsize=256)
def _date(value: str | None) -> datetime | None:
    return parse_date(value)


def _plain_error(error: HTTPException) -> Response:
    response = error.get_response()
    response.set_data(f"{error.code} {error.name}: {error.description}\n")
    response.mimetype = "text/plain"
    return response
