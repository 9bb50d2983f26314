"""The production app (``server:app``) with the id of the worker process that answered in a header, so that
a test can tell the workers of one server apart. Nothing else is changed: the reload thread is feedpub's own."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from feedpub.web import create_app

app = create_app()
_serve = app.wsgi_app


def _with_worker(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        return start_response(status, [*headers, ("X-Worker", str(os.getpid()))], exc_info)

    return _serve(environ, start)


app.wsgi_app = _with_worker  # type: ignore[method-assign]
