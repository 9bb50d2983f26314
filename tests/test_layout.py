"""The package's folders are the stages data flows through; these rules keep the layout a true map.

- ingest, feeds and render write no files (the article cache, in ingest, is the one exception: it writes
  only under the cache folder, through `feedpub.atomic`);
- static, web and deploy never import each other, and no stage imports the command line;
- nothing below reaches back up: ingest knows nothing of feeds, feeds nothing of render.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "feedpub"
STAGES = ("ingest", "feeds", "render", "static", "web", "deploy")
# What each stage may import of feedpub, besides the top-level modules model, errors, changes, config and recent.
ALLOWED = {
    "ingest": {"ingest", "atomic"},
    "feeds": {"feeds", "atomic"},  # atomic's reader for the archive ledger (the stage still writes nothing)
    "render": {"render", "feeds"},
    "static": {"static", "site", "atomic", "locking", "feeds", "render", "ingest"},
    "web": {"web", "site", "headers", "feeds", "render", "ingest"},
    "deploy": {"deploy", "headers", "locking", "atomic", "feeds"},
}
COMMON = {"model", "errors", "changes", "config", "recent", "workers", "__init__"}
WRITES = ("write_text", "write_bytes", "replace_file", "Staging", "os.replace", "os.rename", "os.unlink", "mkdir")


def _modules(stage: str) -> list[Path]:
    return sorted((PACKAGE / stage).rglob("*.py"))


def _imported(path: Path) -> set[str]:
    """The feedpub modules (first part below the package) that ``path`` imports."""
    parts = path.relative_to(PACKAGE).parts
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(parts[: len(parts) - node.level])
            target = [*base, *(node.module.split(".") if node.module else [])]
            found.add(target[0] if target else "__init__")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("feedpub."):
            found.add(node.module.split(".")[1])
    return {name.removesuffix(".py") for name in found}


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_imports_only_what_comes_before_it(stage: str) -> None:
    for path in _modules(stage):
        reached = _imported(path) - COMMON - ALLOWED[stage]
        assert not reached, f"{path.relative_to(PACKAGE)} reaches {sorted(reached)}"


@pytest.mark.parametrize("stage", ("ingest", "feeds", "render"))
def test_the_pure_stages_write_no_files(stage: str) -> None:
    for path in _modules(stage):
        if path.name == "cache.py":
            continue
        text = path.read_text()
        assert not [word for word in WRITES if word in text], f"{path.relative_to(PACKAGE)} writes files"
