"""The front matter of an article file: its bytes decoded, the YAML between the ``---`` lines parsed safely.

Only PyYAML's safe loader is used (its C version when present), aliases are refused before anything is
expanded, and the entries no feed reads are blanked before parsing, since they are most of each file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

# PyYAML's libyaml-backed safe loader is about eight times faster; the pure-Python one is the fallback.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SafeLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """The safe loader, except that an impossible timestamp (``2021-02-30``) stays text.

    The field check then reports it on its own line, and keys feedpub ignores cannot break a file.
    """

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> object:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)


SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", SafeLoader.construct_yaml_timestamp)

# The top-level keys feedpub reads. The others (``related`` lists whole articles, ``secured`` is a long
# token) are most of each file's bytes, so they are blanked before parsing (see `_keep_used_keys`).
FIELDS = frozenset({
    "title", "webUrl", "publishedDateTime", "updatedDateTime", "excerpt", "published",
    "heat", "quality", "type", "provider", "topics", "images",
})
_TOP_LEVEL_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?=[ \t]|$)(.*)$", re.MULTILINE)
_SIMPLE_VALUE = re.compile(
    r"""[ \t]*(?:"[^"\\\n]*(?:\\.[^"\\\n]*)*"|'[^'\n]*(?:''[^'\n]*)*'|[^-\s"'\[\]{}|>&*!%@`#?:,][^#\n]*)?[ \t]*"""
)
_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


class LoadError(Exception):
    """An article file that cannot be used; carries the line when one is known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line



def read_front_matter(raw: bytes) -> tuple[Mapping[str, Any], dict[str, int], list[tuple[str, int]]]:
    """The keys of one file's front matter, the line of each key, and the keys given twice (with their
    lines); raises `LoadError`."""
    yaml_text = _front_matter(_decode(raw))
    kept = _keep_used_keys(yaml_text)
    try:
        return _parse_yaml(kept)
    except LoadError:
        if kept == yaml_text:
            raise
        # A quoted value can wrap onto a line that looks like a key: parse everything.
        return _parse_yaml(yaml_text)


def _decode(raw: bytes) -> str:
    if not raw.strip():
        raise LoadError("the file is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise LoadError(f"the file is not valid UTF-8 (byte {error.start}); save it as UTF-8", line) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _front_matter(text: str) -> str:
    """Return the YAML between the opening and closing ``---`` lines; its first line is the file's second."""
    first, _, rest = text.partition("\n")
    if first.rstrip() != "---":
        raise LoadError("no front matter: the file must start with a line '---'", 1)
    closing = _CLOSING.search(rest)
    if closing is None:
        raise LoadError("the front matter is not closed: no line '---' after the opening one", 1)
    return rest[: closing.start()]


def _keep_used_keys(yaml_text: str) -> str:
    """``yaml_text`` with the top-level entries no feed reads blanked, so YAML parses less; line numbers stay.

    An entry runs from its ``key:`` line to the next top-level key. Only entries whose first line holds
    nothing, a one-line quoted value or a plain value are blanked. A caller whose parse of the result
    fails parses the original instead (a quoted value can wrap onto a line that looks like a key).
    """
    keys = list(_TOP_LEVEL_KEY.finditer(yaml_text))
    if not keys:
        return yaml_text
    parts = [yaml_text[: keys[0].start()]]
    for index, key in enumerate(keys):
        end = keys[index + 1].start() if index + 1 < len(keys) else len(yaml_text)
        entry = yaml_text[key.start() : end]
        if key.group(1) in FIELDS or not _SIMPLE_VALUE.fullmatch(key.group(2)):
            parts.append(entry)
        else:
            parts.append("\n" * entry.count("\n"))
    return "".join(parts)


def _parse_yaml(yaml_text: str) -> tuple[Mapping[str, Any], dict[str, int], list[tuple[str, int]]]:
    loader = SafeLoader(yaml_text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise LoadError("the front matter is empty", 2)
        if not isinstance(node, yaml.MappingNode):
            kind = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
            raise LoadError(f"the front matter is {kind}, not a mapping of keys such as 'title:'", 2)
        if "*" in yaml_text:
            _refuse_aliases(node, yaml_text)
        lines: dict[str, int] = {}
        duplicates: list[tuple[str, int]] = []
        for key_node, _ in node.value:
            key, line = str(key_node.value), key_node.start_mark.line + 2
            if key in lines:
                duplicates.append((key, line))
            lines[key] = line
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 2 if mark is not None else None
        reason = error.problem or error.context or "invalid YAML"
        raise LoadError(f"invalid YAML: {reason}", line) from None
    except yaml.YAMLError as error:
        raise LoadError(f"invalid YAML: {error}") from None
    except (ValueError, TypeError, OverflowError) as error:
        # The safe constructors raise these for values such as a timestamp out of range.
        raise LoadError(f"invalid YAML value: {error}") from None
    finally:
        loader.dispose()
    return data, lines, duplicates


def _refuse_aliases(root: yaml.Node, yaml_text: str) -> None:
    """Refuse anchors reused as aliases: article files never need them, and they enable "billion laughs"."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            # The node is shared, so its marks are the anchor's; the scanner finds the alias itself.
            alias = next(token for token in yaml.scan(yaml_text) if isinstance(token, yaml.AliasToken))
            raise LoadError("YAML aliases (*name) are not allowed in article files", alias.start_mark.line + 2)
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
