"""The feedpub web app, for ``python server.py``, ``flask --app server run`` and ``gunicorn server:app``.

Settings come from ``feedpub.toml`` and ``FEEDPUB_*`` environment variables (see README).
"""

from feedpub.web import create_app

app = create_app()

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
