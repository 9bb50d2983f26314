"""The Flask app: the same documents as the static output, served under ``/feeds/``.

Views stay thin: they look a path up in the `Site` and add HTTP (RFC 9110/9111): strong ETags from the
body, Last-Modified from the newest entry, 304s, gzip, caching and CORS headers. Rendered documents and
their gzip are kept in memory, since a loaded site never changes, so a repeated poll builds nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, Request, Response, current_app, redirect, request, url_for
from werkzeug.exceptions import HTTPException

from .build import load_site
from .config import Settings, load_settings
from .feeds import ARCHIVE
from .site import INDEX, Document, Site

log = logging.getLogger(__name__)
feeds = Blueprint("feeds", __name__)
MAX_PATH = 512


def create_app(settings: Settings | None = None, config: dict[str, Any] | None = None) -> Flask:
    """Build the app for ``settings`` (default: ``feedpub.toml`` and ``FEEDPUB_*`` variables)."""
    app = Flask(__name__)
    # Archives only change when an old article is edited or removed, so caches may keep them longer.
    app.config.from_mapping(CACHE_MAX_AGE=300, ARCHIVE_MAX_AGE=86400)
    if config:
        app.config.from_mapping(config)
    settings = settings or load_settings()
    build = load_site(settings)
    for problem in build.problems:
        log.warning("%s", problem)
    log.info(
        "serving %d articles in %d topics from %s",
        len(build.catalog.articles), len(build.catalog.topics), settings.seeds,
    )
    app.extensions["feedpub"] = _Representations(build.site)
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
    """Rendered documents by path, each rendered and compressed once, on first request.

    Only documents that exist are kept, so requests for made-up paths cannot grow memory.
    """

    def __init__(self, site: Site) -> None:
        self.site = site
        self._cache: dict[str, _Rendered] = {}

    def get(self, path: str) -> _Rendered | None:
        rendered = self._cache.get(path)
        if rendered is None:
            document = self.site.render(path)
            if document is None:
                return None
            rendered = self._cache[path] = _rendered(document)
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
    representations: _Representations = current_app.extensions["feedpub"]
    rendered = representations.get(path) if len(path) <= MAX_PATH else None
    if rendered is None:
        return Response(f"No feed at /feeds/{path}. The list of feeds is at /feeds/\n", 404, mimetype="text/plain")
    chosen = rendered.for_request(request)
    response = Response(status=200)
    response.set_etag(chosen.etag)
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["ARCHIVE_MAX_AGE" if ARCHIVE in path else "CACHE_MAX_AGE"]
    response.vary.add("Accept-Encoding")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["X-Content-Type-Options"] = "nosniff"
    last_modified = rendered.document.last_modified
    if last_modified is not None:
        response.last_modified = last_modified
    if _not_modified(request, chosen.etag, last_modified):
        response.status_code = 304  # validators and caching headers stay; no body
        return response
    response.set_data(chosen.body)
    response.content_type = rendered.document.content_type
    if chosen.encoding:
        response.content_encoding = chosen.encoding
    return response


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
