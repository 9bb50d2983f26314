"""The fast front-matter parser against PyYAML: on every kind of file feedpub meets, `read_front_matter` must
give what it gave before the fast parser existed (same data, key lines and duplicates, or the same error),
and the fast parser must really be the one reading the realistic files."""

from __future__ import annotations

import importlib.util
import math
import os
import pickle
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from feedpub.ingest import frontmatter
from feedpub.ingest.frontmatter import FIELDS, LoadError, _parse_fast, _parse_yaml, read_front_matter

from ..conftest import REPO, article

CORPUS_SAMPLE = REPO.parent / "shared" / "corpus-sample"


# --- the oracle: read_front_matter as it was before the fast parser ----------------------------------------
# Its splitting, verbatim (regular expressions over the whole text), then PyYAML alone.

_OLD_TOP_LEVEL_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?=[ \t]|$)(.*)$", re.MULTILINE)
_OLD_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


def _old_decode(raw: bytes) -> str:
    if not raw.strip():
        raise LoadError("the file is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise LoadError(f"the file is not valid UTF-8 (byte {error.start}); save it as UTF-8", line) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _old_front_matter(text: str) -> str:
    first, _, rest = text.partition("\n")
    if first.rstrip() != "---":
        raise LoadError("no front matter: the file must start with a line '---'", 1)
    closing = _OLD_CLOSING.search(rest)
    if closing is None:
        raise LoadError("the front matter is not closed: no line '---' after the opening one", 1)
    return rest[: closing.start()]


def _old_keep_used_keys(yaml_text: str) -> str:
    keys = list(_OLD_TOP_LEVEL_KEY.finditer(yaml_text))
    if not keys:
        return yaml_text
    parts = [yaml_text[: keys[0].start()]]
    for index, key in enumerate(keys):
        end = keys[index + 1].start() if index + 1 < len(keys) else len(yaml_text)
        entry = yaml_text[key.start() : end]
        if key.group(1) in FIELDS or not frontmatter._SIMPLE_VALUE.fullmatch(key.group(2)):
            parts.append(entry)
        else:
            parts.append("\n" * entry.count("\n"))
    return "".join(parts)


def pyyaml_read(raw: bytes):
    """``read_front_matter`` before the fast parser: what the fast path must always agree with."""
    yaml_text = _old_front_matter(_old_decode(raw))
    kept = _old_keep_used_keys(yaml_text)
    try:
        return _parse_yaml(kept)
    except LoadError:
        if kept == yaml_text:
            raise
        return _parse_yaml(yaml_text)


def typed(value: Any) -> Any:
    """``value`` with the type of every part spelled out: ``True == 1`` and ``1.0 == 1`` must not pass."""
    if isinstance(value, dict):
        return ("dict", [(typed(key), typed(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("list", [typed(item) for item in value])
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, repr(value))  # a datetime's repr names its time zone


def outcome(read: Callable[[Any], Any], source: Any) -> tuple:
    try:
        data, lines, duplicates = read(source)
    except LoadError as error:
        return ("error", error.message, error.line)
    return ("read", typed(data), lines, duplicates)


def takes_fast_path(raw: bytes) -> bool:
    try:
        yaml_text = frontmatter._front_matter(frontmatter._decode(raw))
    except LoadError:
        return False
    return _parse_fast(frontmatter._keep_used_keys(yaml_text)) is not None


def assert_same_as_pyyaml(raw: bytes) -> None:
    assert outcome(read_front_matter, raw) == outcome(pyyaml_read, raw)


# --- the files -------------------------------------------------------------------------------------------


def _files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir() if path.is_file() and not path.name.startswith("."))


def _corpus_sample() -> list[Path]:
    # Real article files, beside the repository where the project keeps them; the suite must pass on a
    # clone without them (the generated and hostile files above cover the same ground).
    if not CORPUS_SAMPLE.is_dir():
        pytest.skip(f"{CORPUS_SAMPLE} (real article files) is not beside this clone")
    files = _files(CORPUS_SAMPLE)
    assert files, f"{CORPUS_SAMPLE} holds no files"
    return files


def _generated(count: int) -> list[bytes]:
    """The first ``count`` articles of benchmarks/generate.py (seed 1), made in memory."""
    spec = importlib.util.spec_from_file_location("feedpub_bench_generate", REPO / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [module.article(1, index)[1].encode("utf-8") for index in range(count)]


GENERATED = _generated(300)


def _dumped(**overrides: Any) -> bytes:
    """A file as the loader tests write one: ``yaml.safe_dump`` of a valid article with ``overrides``."""
    dumped = yaml.safe_dump(article("a", **overrides), sort_keys=False, allow_unicode=True)
    return f"---\n{dumped}---\nbody\n".encode()


# The hostile and broken files of test_hostile_input.py and test_loader.py, and more of their kind.
HOSTILE: list[bytes] = [
    b"---\ntitle: Tabs\nprovider:\n\tname: CNBC\nwebUrl: https://e.org/t\n---\n",
    b"---\n# a comment\nwebUrl: https://e.example/a\npublishedDateTime: 2024-05-01\n"
    b"title: Colons: are not allowed in a plain value like this\nexcerpt: fine\n---\n",
    b"---\ntitle: A\nwebUrl: https://e.example/a\n  stray: indented\npublishedDateTime: 2024-05-01\n---\n",
    b"title: A\nwebUrl: https://e.example/a\n",
    b"\n---\ntitle: A\n---\n",
    b"---\ntitle: A\nwebUrl: https://e.example/a\npublishedDateTime: 2024-05-01\n",
    b"---\n---\nbody\n",
    b"---\n# only a comment\n---\n",
    b"---\n- title: A\n- webUrl: https://e.example/a\n---\n",
    b"---\njust a sentence\n---\n",
    b"",
    b"\n\n  \n",
    "---\ntitle: A\nexcerpt: Caf\xe9 au lait\n---\n".encode("latin-1"),
    b"\xef\xbb\xbf---\r\ntitle: Caf\xc3\xa9\r\nwebUrl: https://e.example/a\r\n---\r\nBody\r\n",
    b"\xef\xbb\xbf---\ntitle: A\n\nexcerpt: \xff\n---\n",  # the byte's offset counts from after the mark
    b"\xef\xbb---\ntitle: A\n---\n",
    b"---\rtitle: A\rwebUrl: https://e.example/a\rpublishedDateTime: 2024-05-01\rpublished: 'yes'\r---\r",
    b"---\ntitle: &a [x, x]\nexcerpt: *a\n---\n",
    b"---\na: &a [x, x, x]\nb: &b [*a, *a, *a]\ntitle: &c [*b, *b, *b]\nexcerpt: *c\n---\n",
    b"---\nrelated: &a [x]\ntitle: *a\n---\n",
    b"---\ntitle: !!python/object:os.system echo\n---\n",
    b"---\ntitle: !!python/object/apply:os.system [echo hi]\n---\n",
    b"---\ntitle: A\x07bell\n---\n",
    b"---\ntitle: A\nsecured: \"x\x07y\"\n---\n",
    b"---\ntitle: A\nrelated:\n  - title: \"x\x00y\"\n---\n",
    b"---\ntitle: \"wraps\nwebUrl: onto a line that looks like a key\"\n---\n",
    b"---\ntitle: 'wraps\nrelated: onto a line'\nwebUrl: https://e.example/a\n---\n",
    b"---\npublishedDateTime: 2021-02-30\nupdatedDateTime: 2021-13-01 10:00:00\n---\n",
    b"---\npublishedDateTime: 99999-01-01\n---\n",
    b"---\ntitle: A\ntitle: B\nwebUrl: x\nwebUrl: y\ntitle: C\n---\n",
    b"---\n%YAML 1.1\n---\ntitle: A\n---\n",
    b"---\ntitle: A\n--- x\n---\n",
    b"---\ntitle: A\n...x\n---\n",
    b"---\n" + b"k" * 1100 + b": long key\ntitle: A\n---\n",
    b"---\n" + b"title" * 300 + b": long key\n---\n",
    b"---\ntitle: [A, B]\ntopics: {a: 1}\n---\n",
    b"---\ntitle: |\n  block\n  text\nexcerpt: >\n  folded\n---\n",
    b"---\ntitle: A\n  continued\nexcerpt: B\n\n  after a blank\n---\n",
    b"---\n? title\n: A\n---\n",
    b"---\n\"title\": A\n'webUrl': B\n---\n",
    b"---\nyes: A\nno: B\non: C\nnull: D\n~: E\n1: F\n---\n",
    b"---\ntitle: A # a comment\nexcerpt: \"B\" # a comment\n---\n",
    b"---\ntitle: <<\nexcerpt: =\n---\n",
    b"---\n<<: {title: A}\n---\n",
    b"---\ntitle: A\ntopics:\n- x\n -y\n---\n",
    b"---\ntitle: A\ntopics:\n  - x\n - y\n---\n",
    b"---\ntitle: A\nprovider:\n    name: x\n  domain: y\n---\n",
    b"---\ntitle: \xc2\x85next line\n---\n",
    b"---\ntitle: a\xe2\x80\xa8b\n---\n",
    b"---\ntitle: a\xef\xbb\xbfb\n---\n",
    b"---\ntitle: \"\\u00e9\\x41\\\"\"\n---\n",
    b"---\ntitle: A\n---\n---\n",
    b"---  \ntitle: A\n...\n",
    _dumped(title="word " * 400, excerpt="long " * 3000),
    _dumped(title="AT&amp;T <b>beats</b> &quot;estimates&quot;\x07"),
    _dumped(webUrl="https://bücher.example/straße ü?q=ä b"),
    _dumped(topics=["", "   ", "🦄🦄", "x" * 500, "../../etc", "AI", None, 42]),
    *(_dumped(heat=value) for value in ("42", " 7 ", 3.6, None, -5, "hot", True, [1])),
    *(_dumped(quality=value) for value in ("88", "excellent")),
    *(_dumped(webUrl=url) for url in ("javascript:alert(1)", "data:text/html,<script>", "/relative/path")),
]


# --- the differential tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", _files(REPO / "seeds"), ids=lambda path: path.name)
def test_seeds_read_as_pyyaml_reads_them(path):
    assert_same_as_pyyaml(path.read_bytes())


def test_the_corpus_sample_reads_as_pyyaml_reads_it():
    for path in _corpus_sample():
        raw = path.read_bytes()
        assert outcome(read_front_matter, raw) == outcome(pyyaml_read, raw), path.name


@pytest.mark.parametrize("raw", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_files_read_or_fail_as_pyyaml_says(raw):
    assert_same_as_pyyaml(raw)


def test_generated_articles_read_as_pyyaml_reads_them():
    for index, raw in enumerate(GENERATED):
        assert outcome(read_front_matter, raw) == outcome(pyyaml_read, raw), index


def _splits(raw: bytes, decode, front_matter, keep_used_keys) -> tuple:
    """Each step of cutting a file down to the YAML PyYAML parses: the text, the front matter, the kept part."""
    try:
        text = decode(raw)
        yaml_text = front_matter(text)
    except LoadError as error:
        return ("error", error.message, error.line)
    return (text, yaml_text, keep_used_keys(yaml_text))


def assert_split_as_before(raw: bytes) -> None:
    new = _splits(raw, frontmatter._decode, frontmatter._front_matter, frontmatter._keep_used_keys)
    assert new == _splits(raw, _old_decode, _old_front_matter, _old_keep_used_keys)


def test_the_splitting_is_byte_for_byte_the_old_one():
    sources = [path.read_bytes() for path in _files(REPO / "seeds")] + HOSTILE + GENERATED[:50]
    if CORPUS_SAMPLE.is_dir():
        sources += [path.read_bytes() for path in _files(CORPUS_SAMPLE)]
    for raw in sources:
        assert_split_as_before(raw)


SPLIT_LINES = st.one_of(
    st.sampled_from([
        "---", "--- ", "---\t", "---x", "...", "... ", "...x", " ---", "-- -", "title: a", "related: x",
        "related:", 'secured: "x"', "secured: 'x", "related: [a]", "related: -1", "x :", "x\t: y", "x:\ty",
        "k:v", "  - a", "- a", "", " ", "\t", "# c", "é: 1", "_a: 'b''c'", "a-b:", "a: b # c", "\ufeff---",
    ]),
    st.text(alphabet=st.sampled_from(list("ab:-. #'\"\t\r\n") + ["\ufeff", "\x85", "\u2028"]), max_size=8),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(SPLIT_LINES, max_size=12), st.sampled_from(["\n", "\r\n", "\r"]), st.sampled_from(["", "\ufeff"]))
def test_generated_files_split_as_before(lines, newline, start):
    assert_split_as_before((start + newline.join(lines)).encode())


def test_without_libyaml_files_read_the_same_and_bad_characters_are_load_errors():
    """PyYAML's pure-Python loader (used when libyaml is missing) refuses a control character as soon as it
    is made: that too must be a LoadError, and everything else must read as with libyaml."""
    script = (
        "import pickle, sys, yaml\n"
        "del yaml.CSafeLoader\n"
        "from tests.ingest import test_frontmatter_fast as t\n"
        "from feedpub.ingest import safe_yaml\n"
        "assert safe_yaml.SafeLoader.__mro__[1] is yaml.SafeLoader\n"
        "outcomes = [t.outcome(t.read_front_matter, raw) for raw in t.HOSTILE + t.GENERATED]\n"
        "sys.stdout.buffer.write(pickle.dumps(outcomes))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, check=True, timeout=120)
    for raw, pure in zip(HOSTILE + GENERATED, pickle.loads(done.stdout), strict=True):
        expected = outcome(read_front_matter, raw)
        assert pure[0] == expected[0], raw
        if pure[0] == "read":
            assert pure == expected, raw


# --- how much takes the fast path ------------------------------------------------------------------------


def test_every_generated_article_takes_the_fast_path():
    assert sum(map(takes_fast_path, GENERATED)) == len(GENERATED)


def test_a_file_the_fast_parser_reads_never_reaches_pyyaml(monkeypatch):
    def pyyaml(yaml_text: str):
        raise AssertionError("PyYAML was asked")

    expected = outcome(read_front_matter, GENERATED[0])
    monkeypatch.setattr(frontmatter, "_parse_yaml", pyyaml)
    assert outcome(read_front_matter, GENERATED[0]) == expected


def test_most_of_the_corpus_sample_takes_the_fast_path():
    files = _corpus_sample()
    fast = [path.name for path in files if takes_fast_path(path.read_bytes())]
    assert len(fast) >= 0.95 * len(files), f"only {len(fast)} of {len(files)} files took the fast path"


def test_the_shipped_seeds_take_the_fast_path():
    for path in _files(REPO / "seeds"):
        assert takes_fast_path(path.read_bytes()), path.name


@pytest.mark.parametrize(("yaml_text", "title"), [
    ('title: "a \\"quoted\\" word"\n', 'a "quoted" word'),
    ('title: "back\\\\slash and a\\/slash"\n', "back\\slash and a/slash"),
])
def test_escaped_quotes_backslashes_and_slashes_take_the_fast_path(yaml_text, title):
    fast = _parse_fast(yaml_text)
    assert fast is not None and fast[0] == {"title": title}


# --- property: generated YAML-ish front matter -----------------------------------------------------------

# Values YAML 1.1 types (or keeps as text) in ways a careless reader gets wrong; the fast parser reads them.
TYPED = [
    "yes", "Yes", "No", "NO", "on", "Off", "y", "n", "Y", "true", "False", "TRUE", "null", "Null", "~", "",
    "017", "0o17", "0x1F", "0b101", "1_000", "1:20", "190:20:30", "1:20.5", "-1", "+1", "-0", "00", "1.5",
    "-.5", "1.", ".5", "1e5", "1.0e+5", "6.8523015e+5", ".inf", "-.Inf", ".NaN", "2021-02-30", "2021-01-01",
    "2021-01-01 10:00:00", "2021-01-01T10:00:00Z", "2021-01-01t10:00:00.5+02:00", "2021-1-1 1:00:00",
    "2001-12-14 21:59:43.10 -5", "9999-12-31 23:59:59 -14:00", "0001-01-01T00:00:00+01:00", "-a", "a:b",
    "a#b", "a, b", "a [b]", "a]", "x'y", 'x"y', "x\\y", "é", "日本語", "🦄", "a  b", "\u00a0x", "a\u3000b",
    ".", "+", "0.", "1__0", "0b", "0x", "_1", "Engadget", "https://e.example/a?b=c&d#e",
]
# Values it leaves to PyYAML.
UNTYPED = [
    "<<", "=", "-", "--", "- a", "? x", "?x", ":x", "a: b", "a #b", "a:", "#x", "&a x", "*a", "!x", "!!str x",
    "!!int 1", "|", ">", "@x", "`x", "%x", "[a]", "{a: 1}", "a\tb", "a\x07b", "a\x85b", "a\u2028b", "\ufeffa",
]
_ALPHABET = list("abcxyzAZ09 .é🦄_:#'\"\\-,[]{}!&*|>%@`?~")
_HOSTILE_ALPHABET = _ALPHABET + ["\t", "\x07", "\x00", "\x85", "\u2028", "\ufeff", "\r"]
_QUOTE_KINDS = st.sampled_from(["double", "single", "plain"])


def _quoted(text: str, kind: str) -> str:
    if kind == "double":
        return f'"{text}"'
    if kind == "single":
        return "'" + text.replace("'", "''") + "'"
    return text


def _scalars(values: list[str], alphabet: list[str]) -> st.SearchStrategy[str]:
    texts = st.text(alphabet=st.sampled_from(alphabet), max_size=10)
    return st.one_of(st.sampled_from(values), st.builds(_quoted, st.sampled_from(values), _QUOTE_KINDS),
                     st.builds(_quoted, texts, _QUOTE_KINDS))


CLEAN_SCALARS = _scalars(TYPED, _ALPHABET)
HOSTILE_SCALARS = _scalars(TYPED + UNTYPED, _HOSTILE_ALPHABET)
CLEAN_KEYS = st.sampled_from(sorted(FIELDS) + ["category", "related", "secured", "a", "_x", "a-b", "x1", "Yess"])
HOSTILE_KEYS = st.one_of(CLEAN_KEYS, st.sampled_from([
    "yes", "No", "on", "OFF", "y", "n", "null", "true", "title ", "ti tle", '"title"', "'x'", "1", "~", "<<",
    "- x", "k" * 1030,
]))
STRAY = st.sampled_from([
    "  stray: x", "- x", "\tkey: v", "key: |", "  text", "text", "&a x: 1", "j: *a", "k: &a 1", "? x",
    "%YAML 1.1", "--- x", "...x", "[a, b]", "key: {a: 1}", "<<: *a", "# comment", "", "   ", "  # indented",
    "-", "- ", "key:", "key: -", "key::", "key: a: b", " key: v",
])


@st.composite
def front_matter(draw: st.DrawFn) -> str:
    """YAML-ish front matter: nested mappings and sequences of tricky scalars, with duplicate keys, comments
    and blank lines. Half the documents are clean (the fast parser's subset, mostly); the others get
    odd indentation, and half of those hostile keys, values and stray lines too."""
    mess = draw(st.sampled_from([0, 0, 1, 2]))
    scalars, keys = (HOSTILE_SCALARS, HOSTILE_KEYS) if mess == 2 else (CLEAN_SCALARS, CLEAN_KEYS)
    out: list[str] = []

    def jitter() -> int:
        return draw(st.sampled_from([0] * 12 + [-1, 1, 2])) if mess else 0

    def extra_line() -> None:
        roll = draw(st.integers(0, 19))
        if roll == 0:
            out.append(draw(STRAY) if mess == 2 else "")
        elif roll == 1:
            out.append(" " * draw(st.integers(0, 6)) + "# a comment: with - things")

    def value_after(prefix: str, indent: int, depth: int) -> None:
        kinds = ["scalar"] * 4 + ["empty", "map", "seq", "indentless"] if depth < 3 else ["scalar"]
        kind = draw(st.sampled_from(kinds))
        if kind == "scalar":
            space = draw(st.sampled_from([" ", " ", "  "] + ([""] if mess else [])))
            out.append(prefix + space + draw(scalars) + draw(st.sampled_from(["", "", " ", " # c"])))
            return
        out.append(prefix + draw(st.sampled_from(["", "", " "])))
        if kind == "map":
            mapping(indent + draw(st.integers(1, 4)), depth + 1)
        elif kind == "seq":
            sequence(indent + draw(st.integers(1, 4)), depth + 1)
        elif kind == "indentless":
            sequence(indent, depth + 1)

    def mapping(indent: int, depth: int, first: str | None = None) -> None:
        for index in range(draw(st.integers(1, 4))):
            prefix = first if index == 0 and first is not None else " " * max(0, indent + jitter())
            value_after(prefix + draw(keys) + ":", indent, depth)
            extra_line()

    def sequence(indent: int, depth: int) -> None:
        for _ in range(draw(st.integers(1, 3))):
            after = draw(st.sampled_from([" ", " ", " ", "  "] + ([""] if mess else [])))
            dash = " " * max(0, indent + jitter()) + "-" + after
            kind = draw(st.sampled_from(["scalar", "scalar", "map", "empty", "seq"])) if depth < 3 else "scalar"
            if kind == "scalar":
                out.append(dash + draw(scalars))
            elif kind == "map":
                mapping(len(dash), depth + 1, first=dash)
            elif kind == "seq":
                value_after(dash.rstrip(" "), indent, depth + 1)
            else:
                out.append(dash.rstrip(" "))
            extra_line()

    mapping(0, 0)
    if mess == 2 and draw(st.booleans()):
        out.insert(draw(st.integers(0, len(out))), draw(STRAY))
    return "\n".join(out) + "\n"


@settings(max_examples=int(os.environ.get("FEEDPUB_HYPOTHESIS_EXAMPLES", "600")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(front_matter())
def test_generated_front_matter_reads_as_pyyaml_reads_it(yaml_text):
    # The fast parser alone, on the text as given (nothing blanked, so every key counts) ...
    result = _parse_fast(yaml_text)
    event("fast parser" if result is not None else "left to PyYAML")
    if result is not None:
        assert outcome(lambda text: result, yaml_text) == outcome(_parse_yaml, yaml_text)
    # ... and the whole file, blanking included.
    assert_same_as_pyyaml(f"---\n{yaml_text}---\nbody\n".encode())


REAL_FILES = [path.read_text(encoding="utf-8") for path in _files(REPO / "seeds")] + [
    raw.decode("utf-8") for raw in GENERATED[:20]
] + ([path.read_text(encoding="utf-8") for path in _files(CORPUS_SAMPLE)] if CORPUS_SAMPLE.is_dir() else [])
SNIPPETS = st.sampled_from([
    "\t", " ", "  ", "-", "- ", ":", ": ", "#", " #", "'", '"', "\\", "yes", "017", "1:20", "~", "&a ", "*a",
    "!!str ", "|", ">", "[", "{", "\x07", "\x85", "\u2028", "\ufeff", "\n", "\n  ", "\n- ", "\nrelated: ",
    "\ntitle: ", "? ", "%", "@", "`", ",", "2021-02-30", "on", "null",
])


@st.composite
def mutated_real_file(draw: st.DrawFn) -> bytes:
    """A real or generated article with a few lines of its front matter edited: a character inserted or
    removed, the indentation changed, a line repeated elsewhere."""
    lines = draw(st.sampled_from(REAL_FILES)).split("\n")
    end = lines.index("---", 1) if "---" in lines[1:] else len(lines)
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(1, max(1, end - 1)))
        line = lines[index]
        edit = draw(st.sampled_from(["insert", "delete", "indent", "repeat"]))
        at = draw(st.integers(0, len(line)))
        if edit == "insert":
            lines[index] = line[:at] + draw(SNIPPETS) + line[at:]
        elif edit == "delete":
            lines[index] = line[:at] + line[at + 1 :]
        elif edit == "indent":
            lines[index] = " " * draw(st.integers(0, 3)) + line.lstrip(" ")
        else:
            lines.insert(index, lines[draw(st.integers(1, max(1, end - 1)))])
    return "\n".join(lines).encode("utf-8")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_real_file())
def test_edited_real_files_read_as_pyyaml_reads_them(raw):
    event("fast parser" if takes_fast_path(raw) else "left to PyYAML")
    assert_same_as_pyyaml(raw)


# --- the rules, one by one -------------------------------------------------------------------------------


def fast(yaml_text: str) -> dict[str, Any] | None:
    """The fast parser's data for ``yaml_text``, checked against PyYAML's; None when it gives up."""
    result = _parse_fast(yaml_text)
    if result is not None:
        assert outcome(lambda text: result, yaml_text) == outcome(_parse_yaml, yaml_text)
        return result[0]
    return None


@pytest.mark.parametrize(("written", "value"), [
    ("yes", True), ("No", False), ("on", True), ("OFF", False), ("true", True), ("y", "y"), ("n", "n"),
    ("~", None), ("null", None), ("", None), ("017", 15), ("0o17", "0o17"), ("0x1F", 31), ("1_000", 1000),
    ("1:20", 80), ("-1", -1), ("1.5", 1.5), ("1e5", "1e5"), (".inf", math.inf), ("2021-02-30", "2021-02-30"),
    ("2021-13-45 10:00:00", "2021-13-45 10:00:00"),
    ("'yes'", "yes"), ('"017"', "017"), ("'it''s'", "it's"), ('""', ""), 
    ("Süddeutsche Zeitung", "Süddeutsche Zeitung"),
    ("a, b [c] {d}", "a, b [c] {d}"), ("a#b", "a#b"), ("a:b", "a:b"), ('"a # b: c"', "a # b: c"),
    ("'x' # a comment", "x"),
])
def test_scalars_are_typed_as_yaml_1_1_types_them(written, value):
    data = fast(f"published: {written}\n")
    assert data is not None
    assert typed(data["published"]) == typed(value)


def test_timestamps_are_datetimes_with_their_zone_and_dates_are_dates():
    data = fast("a: 2021-01-01 10:00:00\nb: 2021-01-01T10:00:00+02:00\nc: 2021-01-01\n")
    assert data is not None
    assert [type(data[key]).__name__ for key in "abc"] == ["datetime", "datetime", "date"]
    assert data["b"].utcoffset().total_seconds() == 7200


def test_the_plain_values_typed_without_pyyaml_are_those_its_table_of_types_allows():
    """The fast parser types words, decimal integers and UTC times itself, by the first character as
    PyYAML's resolver does: its list of characters, and of what may start with a letter, must be PyYAML's."""
    from feedpub.ingest.safe_yaml import SafeLoader

    table = SafeLoader.yaml_implicit_resolvers
    assert None not in table  # no type that may start with any character
    assert set(table) - {""} == set(frontmatter._TYPED_FIRST)
    words = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"}
    assert {first for first, resolvers in table.items() if {tag for tag, _ in resolvers} <= words} - {""} == set(
        frontmatter._WORD_FIRST
    )
    for word, value in frontmatter._WORDS.items():
        assert typed(yaml.load(f"k: {word}", Loader=SafeLoader)["k"]) == typed(value)


def _spellings(word: str) -> set[str]:
    """``word`` in every mix of upper and lower case."""
    spellings = {""}
    for letter in word:
        spellings = {start + case for start in spellings for case in {letter.lower(), letter.upper()}}
    return spellings


@pytest.mark.parametrize("word", ["yes", "no", "true", "false", "on", "off", "null", "y", "n", "~", "nul", "offf"])
def test_every_spelling_of_yaml_1_1_words_reads_as_pyyaml_reads_it(word):
    for spelling in _spellings(word):
        fast(f"value: {spelling}\n")


@pytest.mark.parametrize("value", [
    "0", "00", "017", "-017", "+0", "-0", "+17", "1_0", "1:0", "10:00:00", "0x10", "0b1", "1e5", "+.5", "-.inf",
    "2021-01-01", "2021-1-01", "2020-02-29", "2021-02-29", "0000-01-01", "9999-12-31", "2021-01-01T10:00:00Z",
    "2021-01-01T24:00:00Z", "2021-01-01T10:60:00Z", "2021-01-01T10:00:60Z", "2021-01-01T10:00:00",
    "2021-01-01T10:00:00.5Z", "2021-01-01t10:00:00Z", "2021-01-01T10:00:00+00:00", "2021-01-01T1:00:00Z",
    "2021-01-01 10:00:00Z", "2021-01-01T10:00:00 Z", "20210101", "2021-01-01Z", "2021-01-01T10:00:00.Z",
    "2021-01-01T10:00:00.123456789Z", "2021-01-01T10:00:00.1-05:30", "2021-01-01T10:00:00+14:00",
    "2021-01-01T10:00:00+24:00", "2021-01-01T10:00:00-99:99", "2021-01-01T10:00:00+02", "2021-01-01T10:00:00+2:00",
    "2021-01-01T10:00:00.000+00:00",
])
def test_usual_and_unusual_numbers_and_times_read_as_pyyaml_reads_them(value):
    fast(f"value: {value}\n")


@pytest.mark.parametrize("value", ["1" * 4301, "-" + "9" * 5000, "1" * 4300])
def test_a_number_past_pythons_limit_of_digits_fails_as_pyyaml_fails(value):
    assert_same_as_pyyaml(f"---\nquality: {value}\nitems:\n  - {value}\n---\n".encode())


NUMBERS_AND_TIMES = st.lists(st.sampled_from(list("0123456789-+:.TtZz _eExob") + ["2021-", "10:00:00"]), min_size=1,
                             max_size=16).map("".join)


@settings(max_examples=int(os.environ.get("FEEDPUB_HYPOTHESIS_EXAMPLES", "600")), deadline=None)
@given(st.one_of(
    NUMBERS_AND_TIMES,
    st.builds("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}{}{}".format, *[st.integers(0, 10_000)] + [st.integers(0, 99)] * 5,
              st.sampled_from(["", ".5", ".1234567", "."]), st.sampled_from(["Z", "", "+01:00", "-23:59", "+24:00", "+1"])),
    st.builds("{:04d}-{:02d}-{:02d}".format, st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32)),
    st.sampled_from(list(frontmatter._WORDS) + ["Yess", "nul", "off!", "~x", "TRUE1", "oN", "Forbes", "nodes"]),
))
def test_numbers_times_and_words_read_as_pyyaml_reads_them(value):
    # Whether typed here or handed to PyYAML's resolver, a value must come out as PyYAML gives it.
    fast(f"value: {value}\n")


def test_the_shipped_articles_are_read_without_importing_pyyaml():
    """A rebuild after an edit reads one file: importing PyYAML would be a tenth of its start."""
    script = (
        "import pathlib, sys\n"
        "from feedpub.ingest.loader import discover, load_file\n"
        "for path in discover(pathlib.Path('seeds')):\n"
        "    article, problems = load_file(str(path))\n"
        "    assert article is not None and not problems, problems\n"
        "print('yaml' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_nested_blocks_indentless_sequences_and_compact_mappings_are_read():
    data = fast(
        "provider:\n  name: X\n  images:\n    - url: \"u\"\n      width: 50\n"
        "topics:\n- AI\n-\n- ML\nimages:\n  -   url: v\n      height: 2\n  -\n    url: w\n"
        "empty:\n# a comment\n\nlast: 1\n"
    )
    assert data == {
        "provider": {"name": "X", "images": [{"url": "u", "width": 50}]},
        "topics": ["AI", None, "ML"],
        "images": [{"url": "v", "height": 2}, {"url": "w"}],
        "empty": None,
        "last": 1,
    }


def test_a_sequence_can_start_on_the_line_of_its_parent_entry():
    assert fast("topics:\n  - - a\n    - b\n  - c\n") == {"topics": [["a", "b"], "c"]}


def test_key_lines_and_duplicates_are_those_of_the_file():
    result = _parse_fast("title: A\n\nwebUrl: x\ntitle: B\nprovider:\n  name: a\n  name: b\n")
    assert result is not None
    data, lines, duplicates = result
    assert data == {"title": "B", "webUrl": "x", "provider": {"name": "b"}}
    assert lines == {"title": 5, "webUrl": 4, "provider": 6}  # YAML line + 2: the line in the file
    assert duplicates == [("title", 5)]


@pytest.mark.parametrize("yaml_text", [
    "title: &a x\nexcerpt: *a\n",  # anchors and aliases
    "title: !!str 1\n",  # tags
    "title: \"tab\\there\"\n", "title: \"\\u00e9\"\n", "title: \"a\\\n  b\"\n",  # other escapes
    "title: [a, b]\n", "title: {a: b}\n",  # flow collections
    "title: |\n  text\n", "title: >\n  text\n",  # block scalars
    "title: a\n  b\n", "title: \"a\n  b\"\n",  # scalars over several lines
    "title: a # comment\n",  # a comment after a plain value
    "yes: a\n", "null: a\n", "\"title\": a\n", "title : a\n",  # keys that are not plain text, or spaced
    "title:\ta\n", "title: a\tb\n",  # tabs
    "title: a\x85b\n", "title: a\u2028b\n",  # YAML line breaks
    "  title: a\n", "title: a\n stray: b\n",  # odd indentation
    "%YAML 1.1\n---\ntitle: a\n",  # directives
    "- a\n", "a\n", "# nothing\n", "",  # not a mapping
    "title: <<\n", "title: =\n",  # values with no safe constructor
])
def test_anything_else_is_left_to_pyyaml(yaml_text):
    assert _parse_fast(yaml_text) is None


def test_every_character_pyyaml_refuses_is_left_to_pyyaml_and_so_are_tabs_and_yaml_line_breaks():
    every = "".join(map(chr, range(0x110000)))
    refused = set(frontmatter._UNHANDLED_CHARACTER.findall(every))
    pyyaml_refuses = set(yaml.reader.Reader.NON_PRINTABLE.findall(every))
    assert pyyaml_refuses <= refused
    assert refused - pyyaml_refuses == set("\t\r\x85\u2028\u2029\ufeff")


def test_an_alias_falls_back_and_is_refused_as_before():
    raw = b"---\ntitle: &t Hello\nexcerpt: *t\nwebUrl: https://e.example/a\n---\n"
    assert not takes_fast_path(raw)
    with pytest.raises(LoadError, match="aliases") as error:
        read_front_matter(raw)
    assert error.value.line == 3


def test_a_control_character_is_refused_by_pyyaml_not_read():
    raw = b"---\ntitle: A\x07B\n---\n"
    assert not takes_fast_path(raw)
    with pytest.raises(LoadError, match="invalid YAML"):
        read_front_matter(raw)


def test_a_key_longer_than_yaml_allows_is_refused_by_pyyaml():
    yaml_text = "title: A\n" + "k" * 1100 + ": v\n"
    assert _parse_fast(yaml_text) is None
    with pytest.raises(LoadError, match="could not find expected ':'"):
        _parse_yaml(yaml_text)


def test_long_plain_values_are_not_kept_in_the_cache_of_typed_values():
    # A few thousand hostile files with a megabyte-long value each must not stay in memory.
    before = frontmatter._short_plain.cache_info().currsize
    for number in range(3):
        value = f"long {number} " + "x" * 10_000
        assert _parse_fast(f"title: {value}\n")[0] == {"title": value}
    assert frontmatter._short_plain.cache_info().currsize == before
    assert _parse_fast("type: a-short-value-never-seen-before\n")[0] == {"type": "a-short-value-never-seen-before"}
    assert frontmatter._short_plain.cache_info().currsize == before + 1
