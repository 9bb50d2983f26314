"""The Flask app: the same documents as the static output, served under ``/feeds/``.

Views stay thin: they look a path up in the `Site` and add HTTP (validators, caching headers, 404s).
Rendered documents are kept in memory, since a site never changes once loaded.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from flask import Blueprint, Flask, Response, current_app, redirect, request, url_for
from werkzeug.exceptions import HTTPException

from .build import load_site
from .config import Settings, load_settings
from .feeds import ARCHIVE
from .site import INDEX, Document, Site

log = logging.getLogger(__name__)
feeds = Blueprint("feeds", __name__)


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
    app.extensions["feedpub"] = _Documents(build.site)
    app.register_blueprint(feeds)
    app.register_error_handler(HTTPException, _plain_error)
    return app


class _Documents:
    """Rendered documents by path, rendered once on first request."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self._cache: dict[str, tuple[Document, str] | None] = {}

    def get(self, path: str) -> tuple[Document, str] | None:
        if path not in self._cache:
            document = self.site.render(path)
            etag = hashlib.sha256(document.body).hexdigest()[:32] if document else ""
            self._cache[path] = (document, etag) if document else None
        return self._cache[path]


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
    documents: _Documents = current_app.extensions["feedpub"]
    found = documents.get(path) if len(path) < 512 else None
    if found is None:
        return Response(f"No feed at /feeds/{path}. The list of feeds is at /feeds/\n", 404, mimetype="text/plain")
    document, etag = found
    response = Response(document.body, content_type=document.content_type)
    response.set_etag(etag)
    if document.last_modified is not None:
        response.last_modified = document.last_modified
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["ARCHIVE_MAX_AGE" if ARCHIVE in path else "CACHE_MAX_AGE"]
    return response.make_conditional(request)


def _plain_error(error: HTTPException) -> Response:
    return Response(f"{error.code} {error.name}: {error.description}\n", error.code or 500, mimetype="text/plain")
