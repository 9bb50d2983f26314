"""Serving a site over HTTP: the Flask app and its fast path, reloading, and WebSub."""

from .app import create_app

__all__ = ["create_app"]
