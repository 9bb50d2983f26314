"""The page templates compiled ahead of time, as Jinja's `ModuleLoader` reads them.

Compiling the templates from source (Jinja's lexer, parser and code generator) took 15 ms of every fresh
command that renders a page: a rebuild after an edit renders the index and a few feed pages, so that was a
twentieth of it. The compiled modules ship in the package (``compiled/``, beside ``templates/``), written
by ``scripts/compile-templates``; they are used only while ``compiled/sources.json`` names the
installed Jinja, each template's digest and each compiled module's, so a template edited without compiling
it again, a module edited or cut short, or another Jinja, means compiling from source as before: never
stale pages. Nothing is read from outside the package.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jinja2 import BaseLoader

TEMPLATES = Path(__file__).parent / "templates"
COMPILED = Path(__file__).parent / "compiled"
SOURCES = "sources.json"


def is_template(name: str) -> bool:
    return name.endswith(".html")  # feed.xsl beside them is served as it is


def template_names(templates: Path = TEMPLATES) -> list[str]:
    return sorted(path.name for path in templates.iterdir() if is_template(path.name))


def record(templates: Path = TEMPLATES, compiled: Path = COMPILED) -> dict[str, object]:
    """What ``compiled/sources.json`` says of compiled templates that are current: the installed Jinja, the
    digest of each template's source, and of each compiled module (a copy cut short or edited by hand is
    not used)."""
    import jinja2

    def digests(folder: Path, names: list[str]) -> dict[str, str]:
        return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in names}

    modules = sorted(path.name for path in compiled.glob("tmpl_*.py"))
    return {"jinja2": jinja2.__version__, "templates": digests(templates, template_names(templates)),
            "compiled": digests(compiled, modules)}


def loader(templates: Path = TEMPLATES, compiled: Path = COMPILED) -> BaseLoader | None:
    """A loader of the compiled templates, or None when they are not those of ``templates`` as the
    installed Jinja compiles them (then the caller compiles from source)."""
    import jinja2

    try:
        current = json.loads((compiled / SOURCES).read_bytes()) == record(templates, compiled)
    except (OSError, ValueError):
        return None
    return jinja2.ModuleLoader(compiled) if current else None
