"""The feedpub web app, for ``granian --interface wsgi server:app``, ``gunicorn server:app`` and
``flask --app server run``; ``python server.py [--host H] [--port P] [--seeds DIR]`` runs the development
server, as ``feedpub serve`` does (``python server.py --help`` lists the options).

Settings come from ``feedpub.toml`` and ``FEEDPUB_*`` environment variables (see README). A setting that
cannot be used stops the server at start with a one-line message, never on each request.
"""

import sys

if __name__ == "__main__":
    from feedpub.cli import main

    sys.exit(main(["serve", *sys.argv[1:]]))

from feedpub.errors import FeedpubError  # noqa: E402
from feedpub.web import create_app  # noqa: E402

try:
    app = create_app()
except FeedpubError as error:
    sys.exit(f"feedpub: {error}")
