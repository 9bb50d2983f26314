"""The front matter of an article file: its bytes decoded, the YAML between the ``---`` lines parsed safely.

The entries no feed reads are blanked first, since they are most of each file. What is left is read by a
small line-oriented parser for the plain subset of YAML that article files use (`_parse_fast`, several
times faster than PyYAML), which gives up on anything else. It types the plain values article files hold
itself (YAML 1.1's words for booleans and null, decimal integers, dates, ISO 8601 times) and leaves any other
number or time to PyYAML's resolver. PyYAML's safe loader (`feedpub.ingest.safe_yaml`) reads whatever the
fast parser gives up on; it also refuses aliases before anything is expanded. Either way the result is the
one PyYAML gives: the same data, key lines, duplicates and errors. PyYAML is imported only when needed.
"""

from __future__ import annotations

import codecs
import functools
import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

# The top-level keys feedpub reads. The others (``related`` lists whole articles, ``secured`` is a long
# token) are most of each file's bytes, so they are blanked before parsing (see `_keep_used_keys`).
FIELDS = frozenset({
    "title", "webUrl", "publishedDateTime", "updatedDateTime", "excerpt", "published",
    "heat", "quality", "type", "provider", "topics", "images",
})
# A line that starts a top-level entry, found after its line break (a leading ``^`` with re.MULTILINE makes
# the regex engine try every character of the text; a literal ``\n`` lets it skip between line breaks).
_TOP_LEVEL_KEY = re.compile(r"\n([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?=[ \t\n]|\Z)([^\n]*)")
_SIMPLE_VALUE = re.compile(
    r"""[ \t]*(?:"[^"\\\n]*(?:\\.[^"\\\n]*)*"|'[^'\n]*(?:''[^'\n]*)*'|[^-\s"'\[\]{}|>&*!%@`#?:,][^#\n]*)?[ \t]*"""
)
_CLOSING = re.compile(r"\n(?:---|\.\.\.)[ \t]*(?=\n|\Z)")


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
    fast = _parse_fast(kept)
    if fast is not None:
        return fast
    try:
        return _parse_yaml(kept)
    except LoadError:
        if kept == yaml_text:
            raise
        # A quoted value can wrap onto a line that looks like a key: parse everything.
        return _parse_yaml(yaml_text)


def _decode(raw: bytes) -> str:
    """The file's text, without a byte order mark, with every line ending made ``\\n``."""
    if not raw.strip():
        raise LoadError("the file is empty")
    # As ``raw.decode("utf-8-sig")`` (same text, same error offsets), without that codec's Python layer.
    body = raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise LoadError(f"the file is not valid UTF-8 (byte {error.start}); save it as UTF-8", line) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _front_matter(text: str) -> str:
    """Return the YAML between the opening and closing ``---`` lines; its first line is the file's second."""
    first_end = text.find("\n")
    if first_end < 0:
        first_end = len(text)
    if text[:first_end].rstrip() != "---":
        raise LoadError("no front matter: the file must start with a line '---'", 1)
    closing = _CLOSING.search(text, first_end)
    if closing is None:
        raise LoadError("the front matter is not closed: no line '---' after the opening one", 1)
    return text[first_end + 1 : closing.start() + 1]


def _keep_used_keys(yaml_text: str) -> str:
    """``yaml_text`` with the top-level entries no feed reads blanked, so YAML parses less; line numbers stay.

    An entry runs from its ``key:`` line to the next top-level key. Only entries whose first line holds
    nothing, a one-line quoted value or a plain value are blanked. A caller whose parse of the result
    fails parses the original instead (a quoted value can wrap onto a line that looks like a key).
    """
    text = "\n" + yaml_text  # so that the first line, too, follows a line break; offsets shift by one
    keys = list(_TOP_LEVEL_KEY.finditer(text))
    if not keys:
        return yaml_text
    parts = [yaml_text[: keys[0].start()]]
    for index, key in enumerate(keys):
        end = keys[index + 1].start() if index + 1 < len(keys) else len(yaml_text)
        if key.group(1) in FIELDS or not _SIMPLE_VALUE.fullmatch(key.group(2)):
            parts.append(yaml_text[key.start() : end])
        else:
            parts.append("\n" * yaml_text.count("\n", key.start(), end))
    return "".join(parts)


class _Unsupported(Exception):
    """Raised inside `_parse_fast` on anything it does not fully understand; the caller then uses PyYAML."""


# One line of YAML that holds something: (its index in the YAML text, its indentation, the rest of it).
_Line = tuple[int, int, str]
_Result = tuple[dict[str, Any], dict[str, int], list[tuple[str, int]]]

# The characters the fast parser refuses outright: those PyYAML's reader refuses (its NON_PRINTABLE: PyYAML
# raises for them, so it must be the one to read the file), and tab, CR, NEL, LS, PS (YAML reads the last
# four as line breaks) and the byte order mark. One class, so that the text is scanned once; a test checks
# that it holds every character NON_PRINTABLE does. Spelled as the characters it holds, not as the
# complement of those it lets through: compiling that took 5 ms of every command's start, this 0.5 ms.
_UNHANDLED_CHARACTER = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
# ``key:`` then nothing or a value after spaces. A longer key is left to PyYAML, which allows at most
# 1,024 characters for a simple key (and so reports an error past that).
_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]{0,199}):(?: +|$)(.*)")
# A quoted scalar on one line (with at most the escapes below), then at most a comment.
_QUOTED = re.compile(r"""(?:"((?:[^"\\]|\\["\\/])*)"|'((?:[^']|'')*)')(?: +(?:#.*)?)?""")
# The escapes a one-line double-quoted scalar may hold on the fast path: quotes in titles, mostly. The other
# escapes of YAML (``\n``, ``\x41``, ``\u00e9``, an escaped line break, ...) are left to PyYAML.
_ESCAPE = re.compile(r"\\(.)")
# A plain scalar may not start with one of these (``-`` may, when a character other than a space follows).
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
# The deepest column a block may start at on the fast path. Article files nest a few levels; a hostile one
# nested hundreds deep would exhaust the recursion of the block readers (each level of nesting moves a
# block at least one column right, or two for ``- - item``), so it goes to PyYAML, which says what is wrong.
MAX_COLUMN = 40
# How YAML 1.1 types a plain scalar depends on its first character (PyYAML's resolver tries only the types
# that may start with it): one starting with none of these is text. A test holds this to PyYAML's table.
_TYPED_FIRST = frozenset("!&*+-.0123456789<=FNOTYfnoty~")
# Starting with one of these, a plain scalar is a boolean or null only when it is one of these words (as
# Jekyll's YAML 1.1 has it: ``yes`` and ``on`` are true), and text otherwise.
_WORD_FIRST = frozenset("FNOTYfnoty~")
_WORDS: dict[str, bool | None] = {
    **dict.fromkeys(("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
    **dict.fromkeys(("~", "null", "Null", "NULL"), None),
}
# The numbers and times article files hold, typed here (ISO 8601 times with a ``T``, to the second or finer,
# in UTC, at an offset or with none); any other value starting with a digit, a sign or a dot (``1.5``,
# ``017``, ``1_000``, ``1:20``, ``2021-01-01 10:00:00``) is typed by PyYAML.
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?(Z|[-+][0-9]{2}:[0-9]{2})?)?"
)


def _parse_fast(yaml_text: str) -> _Result | None:
    """What `_parse_yaml` returns for ``yaml_text``, read without PyYAML's parser; or None, when the text
    holds anything beyond block mappings and sequences of one-line scalars, keys and comments.

    None means "ask PyYAML": it is never a verdict on the text, so every doubt (escapes, multi-line or
    flow values, anchors, aliases, tags, tabs, odd indentation, ...) ends here instead of in a guess.
    """
    if _UNHANDLED_CHARACTER.search(yaml_text):
        return None
    # The lines that hold something; comments go (as PyYAML skips them, wherever they start).
    lines: list[_Line] = [
        (number, len(line) - len(text), text)
        for number, line in enumerate(yaml_text.split("\n"))
        if line and (text := line.lstrip(" ")) and text[0] != "#"
    ]
    if not lines or lines[0][1] != 0 or max(column for _, column, _ in lines) > MAX_COLUMN:
        return None  # empty, or indented as a whole: PyYAML says what it makes of it
    keys: list[tuple[str, int]] = []
    try:
        data, _ = _mapping(lines, 0, 0, keys)  # at column 0 it reads to the end, or gives up
    except _Unsupported:
        return None
    key_lines: dict[str, int] = {}
    duplicates: list[tuple[str, int]] = []
    for key, number in keys:
        if key in key_lines:
            duplicates.append((key, number + 2))
        key_lines[key] = number + 2
    return data, key_lines, duplicates


def _mapping(lines: list[_Line], index: int, indent: int, keys: list[tuple[str, int]] | None = None
             ) -> tuple[dict[str, Any], int]:
    """The block mapping whose keys start at column ``indent`` from ``lines[index]`` on, and the index of
    the line after it; ``keys`` collects (key, line index) for each key, duplicates included."""
    data: dict[str, Any] = {}
    while index < len(lines):
        number, column, text = lines[index]
        if column < indent:
            break
        entry = _KEY_LINE.match(text) if column == indent else None
        if entry is None:
            raise _Unsupported  # deeper than the entry before, or not a key where one must be
        key, value_text = entry.groups()
        if not _is_text_key(key):
            raise _Unsupported
        if value_text:
            data[key], index = _scalar(value_text), index + 1
        else:
            data[key], index = _nested(lines, index + 1, indent, in_mapping=True)
        if keys is not None:
            keys.append((key, number))
    return data, index


def _sequence(lines: list[_Line], index: int, indent: int) -> tuple[list[Any], int]:
    """The block sequence whose ``-`` are at column ``indent`` from ``lines[index]`` on, and the index of
    the line after it (which its caller must own)."""
    items: list[Any] = []
    while index < len(lines):
        number, column, text = lines[index]
        if column > indent:
            raise _Unsupported
        if column < indent or not _is_entry(text):
            break
        item = text[1:].lstrip(" ")
        if not item:
            value, index = _nested(lines, index + 1, indent, in_mapping=False)
        else:
            # ``- key: value`` or ``- - item`` open a block at the item's column: read it from there.
            column += len(text) - len(item)
            if column > MAX_COLUMN:
                raise _Unsupported
            lines[index] = (number, column, item)
            value, index = _block(lines, index, allow_scalar=True)
        items.append(value)
    return items, index


def _nested(lines: list[_Line], index: int, indent: int, in_mapping: bool) -> tuple[Any, int]:
    """The value of a ``key:`` or ``-`` (at column ``indent``) with nothing after it on its line: a block on
    the lines below, deeper, or right below a key (YAML's "indentless" sequence); else null."""
    if index < len(lines):
        column, text = lines[index][1], lines[index][2]
        if column > indent:
            return _block(lines, index, allow_scalar=False)
        if column == indent and in_mapping and _is_entry(text):
            return _sequence(lines, index, indent)
    return None, index


def _block(lines: list[_Line], index: int, allow_scalar: bool) -> tuple[Any, int]:
    """The mapping, sequence or (when allowed: after ``- `` on the same line) scalar at ``lines[index]``."""
    column, text = lines[index][1], lines[index][2]
    if _is_entry(text):
        return _sequence(lines, index, column)
    if _KEY_LINE.match(text):
        return _mapping(lines, index, column)
    if not allow_scalar:
        raise _Unsupported  # a scalar on a line of its own may go on over the next lines
    return _scalar(text), index + 1


def _is_entry(text: str) -> bool:
    return text == "-" or text.startswith("- ")


def _scalar(text: str) -> Any:
    """The value of a one-line scalar (what follows ``key:`` or ``-``), as PyYAML constructs it."""
    if text[0] in "\"'":
        quoted = _QUOTED.fullmatch(text)
        if quoted is None:
            raise _Unsupported  # other escapes, a value going on over lines, or something after the quotes
        double, single = quoted.groups()
        if double is None:
            return single.replace("''", "'")
        return _ESCAPE.sub(r"\1", double) if "\\" in double else double
    return _plain(text.rstrip(" "))


def _plain(text: str) -> Any:
    """A plain scalar's value, typed as YAML 1.1 types it (``yes`` is true, ``017`` is 15, ``1:20`` is 80).

    Short ones are cached, since most values recur across files (``article``, ``50``, ``true``) and all are
    immutable; long ones are not, or a few thousand hostile files could keep gigabytes alive.
    """
    return _short_plain(text) if len(text) <= 100 else _typed_plain(text)


def _typed_plain(text: str) -> Any:
    if text[0] in _INDICATORS and not (text[0] == "-" and len(text) > 1 and text[1] != " "):
        raise _Unsupported
    if ": " in text or " #" in text or text.endswith(":"):
        raise _Unsupported
    first = text[0]
    if first not in _TYPED_FIRST:
        return text
    if first in _WORD_FIRST:
        return _WORDS.get(text, text)
    if _DECIMAL.fullmatch(text):
        try:
            return int(text)
        except ValueError:  # past Python's limit of digits: PyYAML says so, as an error in the file
            raise _Unsupported from None
    stamp = _TIMESTAMP.fullmatch(text)
    if stamp is not None:
        year, month, day, hour, minute, second, fraction, zone = stamp.groups()
        try:
            if hour is None:
                return date(int(year), int(month), int(day))
            if zone is None or zone == "Z":
                tzinfo = None if zone is None else timezone.utc
            else:
                offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
                tzinfo = timezone(-offset if zone[0] == "-" else offset)
            microsecond = int(fraction[:6].ljust(6, "0")) if fraction else 0
            return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), microsecond, tzinfo)
        except ValueError:
            return text  # an impossible date stays text, as `safe_yaml.SafeLoader` keeps it
    from . import safe_yaml  # the rest of YAML 1.1's numbers and times: PyYAML's own resolver and constructors

    try:
        return safe_yaml.typed_plain(text)
    except ValueError:
        raise _Unsupported from None


_short_plain = functools.lru_cache(maxsize=4096)(_typed_plain)


def _is_text_key(key: str) -> bool:
    """Whether PyYAML reads ``key`` (a `_KEY_LINE` key, which starts with a letter or ``_``) as text:
    ``yes``, ``on``, ``null`` ... are other things in YAML 1.1."""
    return key not in _WORDS


def _parse_yaml(yaml_text: str) -> tuple[Mapping[str, Any], dict[str, int], list[tuple[str, int]]]:
    from . import safe_yaml  # only for files beyond the fast parser's subset

    return safe_yaml.parse(yaml_text)
