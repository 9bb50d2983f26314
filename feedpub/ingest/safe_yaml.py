"""PyYAML's safe loader, as feedpub reads YAML: whole front matter the fast parser leaves, and the plain
values it cannot type on its own.

Imported only when one of those is met (`feedpub.ingest.frontmatter` imports it on first need): importing
PyYAML took a tenth of the start of a rebuild that parses one article, most of it compiling its
regular expressions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from .frontmatter import LoadError

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

STR_TAG = "tag:yaml.org,2002:str"
_SCALARS = SafeLoader("")  # never parses: its resolver and constructors type the plain scalars
_CONSTRUCTORS = {
    tag: SafeLoader.yaml_constructors[tag]
    for tag in (f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "timestamp"))
}


def resolved_tag(plain: str) -> str:
    """The tag YAML 1.1 gives the plain scalar ``plain`` (``tag:yaml.org,2002:str`` for text)."""
    return _SCALARS.resolve(yaml.ScalarNode, plain, (True, False))


def typed_plain(plain: str) -> Any:
    """The value of the plain scalar ``plain`` (checked by the caller to be one), as PyYAML constructs it;
    ValueError for one it has no safe constructor for (``<<``, ``=``) or cannot construct."""
    tag = resolved_tag(plain)
    if tag == STR_TAG:
        return plain
    construct = _CONSTRUCTORS.get(tag)
    if construct is None:
        raise ValueError(f"no safe constructor for {tag}")
    try:
        return construct(_SCALARS, yaml.ScalarNode(tag, plain))
    except Exception:  # PyYAML raises its own error for such a value
        raise ValueError(f"not a {tag}") from None


def parse(yaml_text: str) -> tuple[Mapping[str, Any], dict[str, int], list[tuple[str, int]]]:
    """The keys of ``yaml_text`` (a front matter), the line of each key and the keys given twice; raises
    `LoadError` saying what is wrong and where."""
    loader = None
    try:
        loader = SafeLoader(yaml_text)  # the pure-Python loader already refuses control characters here
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
    except yaml.reader.ReaderError as error:  # a character YAML does not allow; it knows where, not on which line
        code = ord(error.character) if isinstance(error.character, str) else error.character
        line = yaml_text.count("\n", 0, error.position) + 2
        raise LoadError(f"invalid YAML: the character #x{code:04x} is not allowed in YAML; remove it", line) from None
    except yaml.YAMLError as error:
        raise LoadError(f"invalid YAML: {error}") from None
    except (ValueError, TypeError, OverflowError) as error:
        # The safe constructors raise these for values such as a timestamp out of range.
        raise LoadError(f"invalid YAML value: {error}") from None
    finally:
        if loader is not None:
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
