"""feedpub.sanitize: untrusted text becomes the plain text a reader should see; untrusted URLs become safe."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest
from lxml import etree

from feedpub.ingest.sanitize import plain_text, safe_url

# --- plain_text --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<b>Bold</b> <i>move</i>", "Bold move"),
        ('<a href="https://e.example/">a link</a> here', "a link here"),
        ("<p>one</p><p>two</p>", "one two"),
        ("line<br>break<br/>again", "line break again"),
        ("<ul><li>first</li><li>second</li></ul>", "first second"),
        ("before <!-- a comment --> after", "before after"),
        ("<img src=x onerror=alert(1)>caption", "caption"),
    ],
)
def test_plain_text_removes_tags_and_keeps_words_apart(markup, text):
    assert plain_text(markup) == text


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("Safe <script>alert('x')</script>text", "Safe text"),
        ("Safe <SCRIPT type='text/javascript'>var a = '<b>';</SCRIPT>text", "Safe text"),
        ("Safe <style>p { color: red }</style>text", "Safe text"),
        ("Safe <template><b>hidden</b></template>text", "Safe text"),
        ("Title <script>never closed", "Title"),
    ],
)
def test_plain_text_drops_what_is_inside_script_and_style(markup, text):
    assert plain_text(markup) == text


@pytest.mark.parametrize(
    ("encoded", "text"),
    [
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("&quot;Quoted&quot; and &#39;single&#39;", "\"Quoted\" and 'single'"),
        ("Caf&eacute; &#233; &#xE9;", "Café é é"),
        ("&lt;b&gt; is a tag", "<b> is a tag"),
        ("<em>AT&amp;T</em>", "AT&T"),
    ],
)
def test_plain_text_decodes_entities(encoded, text):
    assert plain_text(encoded) == text


@pytest.mark.parametrize("encoded", ["&amp;lt;", "<b>&amp;lt;</b>", "x &amp;lt; y"])
def test_plain_text_decodes_entities_exactly_once(encoded):
    # `&amp;lt;` is the HTML for the four characters "&lt;" (someone writing about entities); decoding twice
    # would turn it into "<" and change what the author wrote.
    assert "&lt;" in plain_text(encoded)
    assert "<" not in plain_text(encoded)


@pytest.mark.parametrize("text", ["1 < 2 and 3 > 2", "AT&T", "x<y", "R&D; costs", "50% off & more"])
def test_plain_text_keeps_characters_that_are_not_markup(text):
    assert plain_text(text) == text


def test_plain_text_collapses_whitespace_to_one_line():
    assert plain_text("  one\ttwo\n\nthree\r\n  four  ") == "one two three four"


@pytest.mark.parametrize(
    "dirty",
    [
        "a\x00b\x01c\x08d",
        "a\x0bb\x0cc\x1bd\x1fe",
        "lone \ud800 high and \udfff low surrogates",
        "non\ufffe characters\uffff",
        "&#1;entity &#x8; controls",
        "<b>\x07</b>in markup",
    ],
)
def test_plain_text_removes_characters_xml_cannot_carry(dirty):
    text = plain_text(dirty)
    element = etree.Element("title")
    element.text = text  # lxml refuses control characters and surrogates with ValueError
    assert not any(ord(c) < 0x20 or 0xD800 <= ord(c) <= 0xDFFF or c in "\ufffe\uffff" for c in text)


def test_plain_text_keeps_unicode_that_is_text():
    text = "Zürich 東京 🦄 \u202eRTL\u202c \u2067عربي\u2069 — “quotes”"
    assert plain_text(text) == text


@pytest.mark.parametrize(("text", "plain"), [
    ("Reuters \u202e", "Reuters"),  # left open, it reversed the page's own words after the name
    ("a\u202cb \u2066c", "ab c"),
    ("a\u2066b\u202c", "ab"),  # closed by the wrong one
    ("C1 \x7f\x80\x9b[31m\x9f ctl", "C1 [31m ctl"),  # DEL and C1 controls; U+009B starts terminal escapes
])
def test_plain_text_drops_controls_and_direction_changes_left_open(text, plain):
    assert plain_text(text) == plain


def test_plain_text_cut_short_leaves_no_direction_change_open():
    assert plain_text("x \u202eabcdefghij\u202c", 8) == "x abcd…"


def test_plain_text_trims_long_text_with_an_ellipsis_within_the_limit():
    long = " ".join(f"word{n}" for n in range(100))
    trimmed = plain_text(long, 50)
    assert len(trimmed) <= 50
    assert trimmed.endswith("…")
    assert not trimmed.endswith(" …")
    assert long.startswith(trimmed[:-1])


@pytest.mark.parametrize("text", ["short", "x" * 50])
def test_plain_text_leaves_text_within_the_limit_alone(text):
    assert plain_text(text, 50) == text


def test_plain_text_of_nothing_is_empty():
    assert plain_text("") == ""
    assert plain_text("<br><p></p>  ") == ""


# --- safe_url ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "  javascript:alert(1)",
        "java\nscript:alert(1)",
        "java\tscript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "data:image/png;base64,iVBORw0KGgo=",
        "file:///etc/passwd",
        "ftp://files.example/a",
        "mailto:news@example.org",
        "/relative/path",
        "relative/path",
        "//scheme-relative.example/a",
        "?query=only",
        "#fragment",
        "http://",
        "http:///no-host",
        "https://example.com:99999/",
        "https://example.com:port/",
        "https://user:password@example.com/",
        "https://[fe80::1%25eth0]/",
        'https://[fe80::1%"><img src=x onerror=alert(1)>]/',  # a zone's text went through unchecked
        "https://example.com/" + "a" * 8192,  # over MAX_URL: copied into every feed that lists it
        "https://example.com/" + "é" * 1400,  # 8,400 characters once percent-encoded
        "",
        "   ",
    ],
)
def test_safe_url_refuses_anything_but_absolute_http_urls(url):
    assert safe_url(url) is None


@pytest.mark.parametrize(
    "url",
    ["http://example.com/", "https://example.com/a/b?c=d&e=f#g", "https://example.com:8443/x", "https://e.example"],
)
def test_safe_url_accepts_absolute_http_and_https_urls_unchanged(url):
    assert safe_url(url) == url


def test_safe_url_lowercases_scheme_and_host_but_not_the_path():
    assert safe_url("HTTPS://News.Example.COM/Path/To?Q=A") == "https://news.example.com/Path/To?Q=A"


def test_safe_url_trims_surrounding_whitespace():
    assert safe_url("  https://example.com/a \n") == "https://example.com/a"


def test_safe_url_percent_encodes_spaces_and_non_ascii_in_path_query_and_fragment():
    url = safe_url("https://example.com/a b/ünïcode/東京?q=a b&city=Zürich#part two")
    assert url is not None
    assert url.isascii()
    assert " " not in url
    parts = urlsplit(url)
    assert unquote(parts.path) == "/a b/ünïcode/東京"
    assert unquote(parts.query) == "q=a b&city=Zürich"
    assert unquote(parts.fragment) == "part two"


def test_safe_url_does_not_encode_an_encoded_url_twice():
    url = "https://example.com/a%20b/%C3%BC?q=%26"
    assert safe_url(url) == url
    assert safe_url(safe_url("https://example.com/a b/ü")) == safe_url("https://example.com/a b/ü")


def test_safe_url_converts_international_host_names_to_idna():
    url = safe_url("https://bücher.example/katalog")
    assert url == "https://xn--bcher-kva.example/katalog"


def test_safe_url_keeps_the_port():
    assert urlsplit(safe_url("http://example.com:8080/x")).port == 8080


@pytest.mark.parametrize(("url", "normal"), [
    ("https://example.com/a[1]?b[]=2", "https://example.com/a%5B1%5D?b%5B%5D=2"),
    ("https://example.com/100%?x=5%zz#%", "https://example.com/100%25?x=5%25zz#%25"),
    ("https://example.com/%E2%82%AC", "https://example.com/%E2%82%AC"),
])
def test_safe_url_encodes_brackets_and_bare_percent_signs_outside_the_host(url, normal):
    """RFC 3986 allows '[' and ']' in an IPv6 host only, and '%' only before two hex digits."""
    assert safe_url(url) == normal


def test_a_long_url_is_measured_as_written_percent_encoded():
    from feedpub.ingest.sanitize import MAX_URL, over_length

    arabic = "https://www.aljazeera.net/news/2024/1/1/" + "ا" * 340  # 385 characters, 2,080 encoded
    assert safe_url(arabic) is not None and not over_length(arabic)
    assert safe_url("https://example.com/" + "a" * (MAX_URL - 20) + "  ") == "https://example.com/" + "a" * (MAX_URL - 20)
    assert over_length("https://example.com/" + "é" * 1400) and not over_length("javascript:alert(1)")


def test_safe_url_keeps_ipv6_hosts_valid():
    url = safe_url("http://[2001:db8::1]:8080/feed")
    assert url is not None
    parts = urlsplit(url)
    assert (parts.hostname, parts.port, parts.path) == ("2001:db8::1", 8080, "/feed")


@pytest.mark.parametrize(
    "url",
    [
        "http://exa mple.com/",
        "http://ex<ample.com/",
        'http://ex"ample.com/',
        "https://example.com/<script>",
        'https://example.com/"quoted"',
        "https://example.com/{braces}|pipe\\back^caret`tick",
    ],
)
def test_safe_url_never_returns_characters_a_url_cannot_hold(url):
    result = safe_url(url)
    if result is not None:
        bad = sorted(set(result) & set(' <>"{}|\\^`'))
        assert result.isascii() and not bad, f"safe_url({url!r}) returned {result!r}, which holds {bad}"


# --- the fast path of safe_url ------------------------------------------------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from feedpub.ingest.sanitize import _normalised_url  # noqa: E402

_URL_PIECES = st.sampled_from([
    "http://", "https://", "HTTP://", "ftp://", "//", "a", "Z", "0", "-", ".", "..", "xn--", "é", "ü", " ", "\t",
    "/", "?", "#", "??", "##", "?#", "&", "=", "%20", "%", "%zz", ":", ":80", "@", "user@", "[", "]", "[::1]",
    "'", '"', "<", "\x00", "\x7f", "\n", "~", "+", "*", "(", ")", "\\", "|", "^", "`", "{", "}", "a" * 63, "b" * 64,
    "news.example", "EXAMPLE.com", "sub.example.org.",
])


@settings(max_examples=1000, deadline=None)
@given(st.lists(_URL_PIECES, min_size=1, max_size=12).map("".join))
def test_safe_url_gives_what_the_full_normalisation_gives(value):
    # safe_url returns clean URLs unchanged without splitting and quoting them; it must never differ from
    # the full normalisation, whatever the input.
    assert safe_url(value) == _normalised_url(value)


@pytest.mark.parametrize("url", [
    "https://news.example/2021/05/a-story/", "http://a.example", "https://a.example/p?x=1&y=2#frag",
    "https://cdn.example/img.jpg?w=1200&h=630", "https://a.example/%E2%82%AC",
])
def test_safe_url_fast_path_covers_the_urls_news_sites_use(url):
    from feedpub.ingest.sanitize import _NORMAL_URL

    assert _NORMAL_URL.fullmatch(url) and safe_url(url) == url == _normalised_url(url)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab <>&;#\t\n\r\x00\x0b\x1f\x7f\x85\x9b\xa0\u2028\u3000\ufffe\ud800é\u202b\u202c\u2066\u2069")), max_size=20),
       st.one_of(st.none(), st.integers(1, 25)))
def test_plain_text_returns_clean_text_unchanged_and_cleans_the_rest_alike(value, max_length):
    from feedpub.ingest.sanitize import _cleaned, _shortened

    assert plain_text(value, max_length) == _shortened(_cleaned(value), max_length)
