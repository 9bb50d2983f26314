"""Turning untrusted text and URLs into values every feed format can carry safely.

Article files come from scrapers and people: titles hold HTML and entities, excerpts hold control
characters, URLs are relative or use odd schemes. Everything leaving the loader passes through here, so the
formats never have to second-guess their input.
"""

from __future__ import annotations

import html
import ipaddress
import re
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit, urlunsplit

# Characters XML 1.0 forbids (C0 controls except tab/newline/return, lone surrogates, U+FFFE/U+FFFF).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What plain text drops besides: DEL and the C1 controls (U+009B starts a terminal's escape sequences; HTML
# calls them parse errors), but U+0085, a line break (made a space).
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# The bidirectional embeddings, overrides and isolates, and the two that close them: kept when each is
# closed in order (right-to-left names need them), dropped when one is left open, since it would then
# reverse whatever a page or reader shows after the text (the page's own words and dates).
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_CLOSES = {"\u202c": "\u202a\u202b\u202d\u202e", "\u2069": "\u2066\u2067\u2068"}
_SPACES = re.compile(r"\s+")
_MARKUP = re.compile(r"[<&]")
# Anything `plain_text` would change: markup, characters it drops, whitespace other than single spaces
# between words. Most titles and names have none, and one search is cheaper than the clean-up.
_UNCLEAN = re.compile(
    "[<&\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
    "|(?! )\\s|  |^ | $"
)
# Characters of a URL as written (percent-encoded): a non-ASCII slug takes six a letter, and some news sites'
# slugs run to hundreds of letters; without a bound, one file's URL was copied into every feed listing it.
MAX_URL = 8192
_SAFE_SCHEMES = frozenset({"http", "https"})
_HOST_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.?", re.IGNORECASE)
# Characters left alone when percent-encoding a URL: the reserved set but '[' and ']' (which only an IPv6
# host may hold), plus '%' where it starts an escape (already-encoded bytes; a bare one is encoded).
_URL_SAFE = "%/:=&?~#+!$,;'@()*"
_BARE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# A URL that `_normalised_url` would return unchanged, as nearly every URL of a news site is: lower-case
# http(s), a lower-case ASCII host name (labels of at most 63 characters), no port or credentials, then only
# characters that percent-encoding leaves alone, and no empty query or fragment (which would be dropped).
# Checking this costs a regular expression instead of splitting, IDNA-encoding and quoting every URL.
_NORMAL_URL = re.compile(
    r"https?://[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?"
    r"(?:/(?:[A-Za-z0-9_.~/:=&+!$,;'@()*-]|%[0-9A-Fa-f]{2}|[?#](?![#?]|$))*)?"
)


class _TextExtractor(HTMLParser):
    """Collects the text a browser would show, dropping script and style contents."""

    _SKIPPED = frozenset({"script", "style", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in self._SKIPPED:
            self._skipping += 1
        elif tag in ("br", "p", "div", "li"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def plain_text(value: str, max_length: int | None = None) -> str:
    """Reduce ``value`` to the plain text a reader should show: no markup, entities decoded, one line.

    The formats escape this text for their own syntax, so nothing here is escaped.
    """
    return _shortened(value if _UNCLEAN.search(value) is None else _cleaned(value), max_length)


def _cleaned(value: str) -> str:
    if _MARKUP.search(value):
        if "<" in value:
            extractor = _TextExtractor()
            extractor.feed(value)
            extractor.close()
            value = "".join(extractor.parts)
        else:
            value = html.unescape(value)
    return _SPACES.sub(" ", _closed_bidi(_NOT_TEXT.sub("", value))).strip()


def _closed_bidi(value: str) -> str:
    """``value`` without its direction changes when one is left open (see `_BIDI`)."""
    return _BIDI.sub("", value) if _BIDI.search(value) and not _bidi_closed(value) else value


def _bidi_closed(value: str) -> bool:
    """Whether every bidirectional embedding, override and isolate in ``value`` is closed, in order."""
    opened: list[str] = []
    for control in _BIDI.findall(value):
        if control in _CLOSES:
            if not opened or opened.pop() not in _CLOSES[control]:
                return False
        else:
            opened.append(control)
    return not opened


def _shortened(value: str, max_length: int | None) -> str:
    if max_length is not None and len(value) > max_length:
        value = _closed_bidi(value[: max_length - 1].rstrip() + "…")  # the cut may fall inside a pair
    return value


def safe_url(value: str) -> str | None:
    """Return ``value`` as an absolute http(s) URL in ASCII, or None when it cannot be one.

    Non-ASCII characters and spaces are percent-encoded (an IRI becomes a URI); relative URLs and other
    schemes (``javascript:``, ``data:``) are refused, since a feed reader would follow them blindly.
    """
    url = _written(value)
    return url if url is None or len(url) <= MAX_URL else None


def over_length(value: str) -> bool:
    """Whether `safe_url` refuses ``value`` for its length alone."""
    url = _written(value)
    return url is not None and len(url) > MAX_URL


def _written(value: str) -> str | None:
    """``value`` as a URL is written in a feed, whatever its length; None when it cannot be one."""
    return value if _NORMAL_URL.fullmatch(value) else _normalised_url(value)


def _normalised_url(value: str) -> str | None:
    value = _XML_INVALID.sub("", value).strip()
    try:
        parts = urlsplit(value)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in _SAFE_SCHEMES or not host:
        return None
    if ":" in host:
        if "%" in host:
            return None  # a zone (fe80::1%eth0) names an interface of the reader's own machine, and its text went unchecked
        try:
            ascii_host = f"[{ipaddress.IPv6Address(host)}]"
        except ValueError:
            return None
    else:
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
        if not _HOST_NAME.fullmatch(ascii_host):
            return None
    netloc = ascii_host if port is None else f"{ascii_host}:{port}"
    if parts.username or parts.password:
        return None
    return urlunsplit(
        (
            parts.scheme.lower(),
            netloc,
            quote(_BARE_PERCENT.sub("%25", parts.path), safe=_URL_SAFE),
            quote(_BARE_PERCENT.sub("%25", parts.query), safe=_URL_SAFE),
            quote(_BARE_PERCENT.sub("%25", parts.fragment), safe=_URL_SAFE),
        )
    )
