"""The Flask app: the same documents as the static output, served under ``/feeds/``.

Views stay thin: they look a path up in the `Site` and add HTTP (RFC 9110/9111): strong ETags from the
body, Last-Modified from the newest entry, 304s, gzip, caching and CORS headers. Rendered documents and
their gzip are kept in memory until a reload swaps in a new site, so a repeated poll builds nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from collections.abc import Callable, Mapping
from functools import lru_cache
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, Flask, Response, current_app, redirect, request, url_for
from werkzeug.datastructures import ETags
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.http import http_date, parse_accept_header, parse_date, parse_etags

from ..config import Settings, load_settings
from ..errors import FeedpubError
from ..headers import cache_control
from ..feeds.keys import INDEX, DocKey, parse_path
from ..feeds.query import Query
from ..recent import Recent
from ..site import Document, Site
from .reload import Reloader
from .websub import BackgroundPublisher, changed_between

log = logging.getLogger(__name__)
feeds = Blueprint("feeds", __name__)
PREFIX = "/feeds/"
STATUS_LINES = {status: f"{status} {HTTPStatus(status).phrase}" for status in (200, 304)}
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "ETag, Last-Modified, Link"}
MAX_QUERY_LIMIT = 500
MAX_QUERY_CACHE = 256
PLAIN_GZIP_LEVEL = 6
QUERY_GZIP_LEVEL = 1
QUERY_PARAMETERS = frozenset({"limit", "sort", "min_heat", "min_quality"})


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app for ``settings`` (default: ``feedpub.toml`` and ``FEEDPUB_*`` variables)."""
    app = Flask(__name__)
    settings = settings or load_settings()
    policy = _Policy(settings)
    served = _Served(settings, policy)
    app.extensions["feedpub"] = served
    app.wsgi_app = serve_documents(app.wsgi_app, served)  # type: ignore[method-assign]
    if settings.reload_interval > 0:
        served.reloader.ensure_running(settings.reload_interval)  # and again in each forked worker
    app.register_blueprint(feeds)
    app.register_error_handler(HTTPException, _plain_error)
    app.register_error_handler(FeedpubError, _unavailable)
    return app


@dataclass(frozen=True)
class _Policy:
    """The HTTP headers every document shares, fixed when the app is made."""

    settings: Settings

    def headers(self, key: DocKey, query: Query | None) -> list[tuple[str, str]]:
        headers = [("Cache-Control", cache_control(key, self.settings)), ("Vary", "Accept-Encoding"), *CORS.items(),
                   ("X-Content-Type-Options", "nosniff")]
        hub_url = self.settings.hub_url
        if hub_url and query is None and key.is_feed:
            headers.append(("Link", f'<{hub_url}>; rel="hub", <{self.settings.feeds_url}{key.path}>; rel="self"'))
        return headers


@dataclass(frozen=True)
class _Representation:
    """One encoding of a document with its response headers, computed once, so answering costs no work."""

    body: bytes
    etag: str
    headers: tuple[tuple[str, str], ...]  # of a 200
    not_modified_headers: tuple[tuple[str, str], ...]  # of a 304: validators and caching, no entity headers


class _Rendered:
    """A document ready to answer with: its bytes and headers, and their gzip, made on the first request
    that accepts gzip (once, whichever thread asks first), so clients that never ask for gzip, and query
    feeds nobody asks for twice, cost no compression."""

    def __init__(self, document: Document, shared: list[tuple[str, str]], compresslevel: int) -> None:
        digest = document.digest or hashlib.sha256(document.body).hexdigest()[:32]
        last_modified = document.last_modified
        if last_modified is not None:
            # Never later than now (RFC 9110 8.8.2.1), even for an article dated in the future.
            last_modified = min(last_modified, datetime.now(timezone.utc)).replace(microsecond=0)
        self.last_modified = last_modified
        self._content_type = document.content_type
        self._shared = shared
        self._compresslevel = compresslevel
        self.identity = self._representation(document.body, digest, None)
        # A 304 to a gzip client needs only the gzip variant's validators, not its bytes.
        self._gzip_etag = f"{digest}-gzip"
        self._gzip_validators = (("ETag", f'"{self._gzip_etag}"'), *shared)
        self._gzipped: _Representation | None = None
        self._gzip_lock = threading.Lock()

    def answer(self, environ: dict[str, Any]) -> tuple[int, tuple[tuple[str, str], ...], bytes]:
        """Status, headers and body for a GET or HEAD with this request's negotiation and validators."""
        if _accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING")):
            if _not_modified(environ, self._gzip_etag, self.last_modified):
                return 304, self._gzip_validators, b""
            chosen = self._gzipped or self._compress()
        else:
            chosen = self.identity
            if _not_modified(environ, chosen.etag, self.last_modified):
                return 304, chosen.not_modified_headers, b""
        return 200, chosen.headers, chosen.body

    def _compress(self) -> _Representation:
        with self._gzip_lock:
            if self._gzipped is None:
                # mtime=0 keeps the gzip bytes, and so their ETag, the same on every start.
                body = gzip.compress(self.identity.body, compresslevel=self._compresslevel, mtime=0)
                self._gzipped = self._representation(body, self._gzip_etag, "gzip")
            return self._gzipped

    def _representation(self, body: bytes, etag: str, encoding: str | None) -> _Representation:
        validators = [("ETag", f'"{etag}"'), *self._shared]
        entity = [("Content-Type", self._content_type), ("Content-Length", str(len(body)))]
        if encoding:
            entity.append(("Content-Encoding", encoding))
        if self.last_modified is not None:
            entity.append(("Last-Modified", http_date(self.last_modified)))
        return _Representation(body, etag, tuple(entity + validators), tuple(validators))


class _Representations:
    """Rendered documents by path (and query), each rendered and compressed once, on first request.

    Only documents that exist are kept, so requests for made-up paths cannot grow memory; query feeds are
    kept in a bounded cache, since their number is open-ended.
    """

    def __init__(self, site: Site, policy: _Policy) -> None:
        self.site = site
        self.policy = policy
        self._documents: dict[str, _Rendered] = {}
        self._queries: Recent[tuple[str, str], _Rendered] = Recent(MAX_QUERY_CACHE)

    def get(self, path: str, query: Query | None = None) -> _Rendered | None:
        """The document at ``path`` (with ``query``, a query feed), or None when there is none."""
        if query is None:
            rendered = self._documents.get(path)
            if rendered is not None:
                return rendered
        key = parse_path(path)
        if key is None:
            return None
        if query is None and key.feed is not None and key.feed.kind == "combined":
            query = Query()  # made up by the request, like a query: kept in the bounded cache
        if query is None:
            rendered = self._render(key, None)
            if rendered is not None:
                self._documents[path] = rendered  # a race renders the same bytes twice; either is kept
            return rendered
        return self._queries.get((path, query.query_string()), lambda: self._render(key, query))

    def _render(self, key: DocKey, query: Query | None) -> _Rendered | None:
        document = self.site.render(key, query)
        if document is None:
            return None
        # A document is asked for again and again: compressed well. A query feed may be asked for once:
        # compressed fast, so that one request cannot cost much.
        level = PLAIN_GZIP_LEVEL if query is None else QUERY_GZIP_LEVEL
        return _Rendered(document, self.policy.headers(key, query), level)


def serve_documents(app: Callable[..., Any], served: _Served) -> Callable[..., Any]:
    """WSGI middleware answering plain GET and HEAD requests for documents straight from memory.

    A feed poll then costs a dictionary lookup and a header comparison instead of a trip through Flask's
    routing and response objects, and a query feed its own work only. Anything else (unknown paths, bad
    query values, other methods) goes on to ``app``.
    """

    def fast_path(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        if served.reload_interval:
            served.reloader.ensure_running(served.reload_interval)
        if (method == "GET" or method == "HEAD") and path.startswith(PREFIX):
            path = path[len(PREFIX):] or INDEX.path
            query_string = environ.get("QUERY_STRING")
            try:
                query = _query(path, _arguments(query_string)) if query_string else None
                rendered = served.representations.get(path, query)
            except (BadQuery, FeedpubError):
                rendered = None  # Flask says what is wrong, in a short answer
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
        self.publisher = BackgroundPublisher(settings.hub_url, settings.hub_deadline) if settings.hub_url else None
        self.reload_interval = settings.reload_interval
        self.reloader = Reloader(settings, on_change=self._swap)
        site = self.reloader.current
        for problem in site.problems:
            log.warning("%s", problem)
        log.info(
            "serving %d articles in %d topics from %s",
            len(site.catalog.articles), len(site.catalog.topics), settings.seeds,
        )
        self.representations = _Representations(site, policy)

    def _swap(self, previous: Site, fresh: Site) -> None:
        # One assignment: a request holds either the old documents or the new ones, never a mix.
        self.representations = _Representations(fresh, self.policy)
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
    return _serve(INDEX.path)


@feeds.get("/feeds/<path:path>")
def document(path: str) -> Response:
    return _serve(path)


def _serve(path: str) -> Response:
    """Requests the fast path did not answer: paths with no document (404) and bad queries (400)."""
    query = _query(path, request.args)
    rendered = current_app.extensions["feedpub"].representations.get(path, query)
    if rendered is None:
        return Response(f"No feed at /feeds/{_shown(path)}. The list of feeds is at /feeds/\n", 404, mimetype="text/plain")
    status, headers, body = rendered.answer(request.environ)
    return Response(body, status, list(headers))


def _shown(text: str, limit: int = 80) -> str:
    """Part of a request echoed in an answer: printable characters only, and short."""
    printable = "".join(char if char.isprintable() else "?" for char in text[: limit + 1])
    return printable if len(printable) <= limit else printable[:limit] + "…"


class BadQuery(BadRequest):
    """A query parameter out of its range; the description says which and what is allowed."""


def _query(path: str, args: Mapping[str, str]) -> Query | None:
    """The `Query` a feed request asks for, None for a plain document; raises `BadQuery` (400)."""
    key = parse_path(path)
    if key is None or not key.is_feed or not QUERY_PARAMETERS & set(args):
        return None
    sort = args.get("sort", "newest")
    if sort not in ("newest", "heat"):
        raise BadQuery(f"sort must be 'newest' or 'heat', not {sort[:40]!r}")
    return Query(
        limit=_whole_number(args, "limit", 1, MAX_QUERY_LIMIT),
        sort=sort,  # type: ignore[arg-type]
        min_heat=_whole_number(args, "min_heat", -1, 10**9),
        min_quality=_whole_number(args, "min_quality", 0, 10**9),
    )


def _arguments(query_string: str) -> dict[str, str]:
    """A query string's parameters, the first value of each, as Flask's ``request.args.get`` gives them."""
    arguments: dict[str, str] = {}
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        arguments.setdefault(name, value)
    return arguments


_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,11}")  # ASCII digits only: int() would take '１０' and '٣'


def _whole_number(args: Mapping[str, str], name: str, low: int, high: int) -> int | None:
    text = args.get(name)
    if text is None:
        return None
    if not (_WHOLE_NUMBER.fullmatch(text) and low <= int(text) <= high):
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


def _unavailable(error: FeedpubError) -> Response:
    """An expected failure while answering: one log line and a short answer, never a stack trace."""
    log.error("feedpub: %s", error)
    return Response("503 Service Unavailable: the feeds cannot be served right now; try again later\n", 503,
                    {"Retry-After": "60"}, mimetype="text/plain")


def _plain_error(error: HTTPException) -> Response:
    response = error.get_response()
    response.set_data(f"{error.code} {error.name}: {error.description}\n")
    response.mimetype = "text/plain"
    return response
