"""feedpub.formats: RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents of one feed.

Feeds are built the way users get them: article files, loaded, catalogued and rendered through the site.
RSS and Atom are checked with feedparser (what feed readers use) and ElementTree; JSON Feed with the JSON
Feed 1.1 specification's required keys (feedparser 6.0 does not read JSON Feed).
"""

from __future__ import annotations

import dataclasses
import html
import json
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import feedparser
import pytest

from feedpub.site import load_site
from feedpub.render import FORMATS

from ..conftest import document_paths, render_path, FEEDS_URL, article, write_article

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "dc": "http://purl.org/dc/elements/1.1/",
    "media": "http://search.yahoo.com/mrss/",
}
UTC = timezone.utc
IMAGE = "https://img.example.com/photos/first.jpg"


def render(build, path: str) -> dict[str, bytes]:
    """The document at ``path`` (``all``, ``topics/ai``) in every format, by extension."""
    site = build()
    documents = {extension: render_path(site, f"{path}.{extension}") for extension in FORMATS}
    assert None not in documents.values(), f"no feed at {path}"
    return {extension: document.body for extension, document in documents.items()}


def parsed(body: bytes) -> feedparser.FeedParserDict:
    result = feedparser.parse(body)
    assert result.bozo == 0, result.get("bozo_exception")
    return result


def entry_urls(extension: str, body: bytes) -> list[str]:
    if extension == "json":
        return [item["url"] for item in json.loads(body)["items"]]
    return [entry.link for entry in parsed(body).entries]


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@pytest.fixture
def three_articles(seeds):
    """Three articles whose file names, publication and update order all differ."""
    write_article(
        seeds,
        "b-first.md",
        **article(
            "first",
            title="First story",
            excerpt="What happened first.",
            publishedDateTime="2024-05-03T10:00:00Z",
            updatedDateTime="2024-05-03T12:00:00Z",
            provider={"name": "CNBC", "domain": "cnbc.com"},
            topics=["AI", "Computer Vision"],
            images=[{"url": IMAGE, "width": 640, "height": 480}],
        ),
    )
    write_article(
        seeds,
        "c-second.md",
        **article("second", title="Second story", publishedDateTime="2024-05-02T10:00:00Z", topics=["AI"]),
    )
    write_article(
        seeds,
        "a-third.md",
        **article(
            "third",
            title="Third story",
            publishedDateTime="2024-05-01T10:00:00+02:00",
            updatedDateTime="2024-05-04T00:00:00Z",
            topics=["AI"],
        ),
    )
    return [f"https://news.example.com/{slug}" for slug in ("first", "second", "third")]


# --- RSS 2.0 -----------------------------------------------------------------------------------------


def test_rss_has_the_channel_and_item_elements_readers_need(three_articles, build, settings):
    channel = ET.fromstring(render(build, "all")["rss"]).find("channel")
    assert channel.findtext("title") == settings.title
    assert channel.findtext("link") == FEEDS_URL + "all.html"  # the feed's own page
    assert channel.findtext("description") == settings.description
    assert channel.find("atom:link[@rel='self']", NS).get("href") == FEEDS_URL + "all.rss"

    items = channel.findall("item")
    assert len(items) == 3
    first = items[0]
    assert first.findtext("title") == "First story"
    assert first.findtext("link") == three_articles[0]
    guid = first.find("guid")
    assert (guid.text, guid.get("isPermaLink")) == (three_articles[0], "true")
    assert parsedate_to_datetime(first.findtext("pubDate")) == datetime(2024, 5, 3, 10, tzinfo=UTC)
    assert first.findtext("description") == "What happened first."
    assert first.findtext("dc:creator", namespaces=NS) == "CNBC"
    assert [c.text for c in first.findall("category")] == ["AI", "Computer Vision"]
    content = first.find("media:content", NS)
    assert (content.get("url"), content.get("medium")) == (IMAGE, "image")
    assert (content.get("width"), content.get("height")) == ("640", "480")
    assert first.find("media:thumbnail", NS).get("url") == IMAGE


def test_rss_items_without_provider_or_image_leave_those_elements_out(three_articles, build):
    second = ET.fromstring(render(build, "all")["rss"]).findall("channel/item")[1]
    assert second.findtext("title") == "Second story"
    assert second.find("dc:creator", NS) is None
    assert second.find("media:content", NS) is None
    assert second.find("media:thumbnail", NS) is None


# --- Atom 1.0 ----------------------------------------------------------------------------------------


def test_atom_has_the_feed_and_entry_elements_rfc_4287_requires(three_articles, build, settings):
    root = ET.fromstring(render(build, "all")["atom"])
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    feed_id = root.findtext("atom:id", namespaces=NS)
    assert urlsplit(feed_id).scheme in ("http", "https")
    assert root.findtext("atom:title", namespaces=NS) == settings.title
    assert when(root.findtext("atom:updated", namespaces=NS)) == datetime(2024, 5, 4, tzinfo=UTC)
    assert root.find("atom:link[@rel='self']", NS).get("href") == FEEDS_URL + "all.atom"
    assert root.find("atom:author/atom:name", NS) is not None

    entries = root.findall("atom:entry", NS)
    assert len(entries) == 3
    first = entries[0]
    assert first.findtext("atom:id", namespaces=NS) == three_articles[0]
    assert first.findtext("atom:title", namespaces=NS) == "First story"
    assert when(first.findtext("atom:updated", namespaces=NS)) == datetime(2024, 5, 3, 12, tzinfo=UTC)
    # A link without rel is an alternate link (RFC 4287, 4.2.7.2).
    alternates = [link for link in first.findall("atom:link", NS) if link.get("rel", "alternate") == "alternate"]
    assert [link.get("href") for link in alternates] == [three_articles[0]]
    summary = first.find("atom:summary", NS)
    assert (summary.get("type"), summary.text) == ("text", "What happened first.")
    enclosure = first.find("atom:link[@rel='enclosure']", NS)
    assert (enclosure.get("href"), enclosure.get("type")) == (IMAGE, "image/jpeg")
    assert [c.get("term") for c in first.findall("atom:category", NS)] == ["AI", "Computer Vision"]


def test_atom_links_as_feed_readers_see_them(three_articles, build):
    document = parsed(render(build, "all")["atom"])
    assert {(link.rel, link.href) for link in document.feed.links} >= {("self", FEEDS_URL + "all.atom")}
    first = document.entries[0]
    assert [(link.rel, link.href) for link in first.links if link.rel == "alternate"] == [
        ("alternate", three_articles[0])
    ]
    assert [(link.href, link.type) for link in first.links if link.rel == "enclosure"] == [(IMAGE, "image/jpeg")]


# --- JSON Feed 1.1 -----------------------------------------------------------------------------------


def test_json_feed_has_the_keys_json_feed_1_1_defines(three_articles, build, settings):
    document = json.loads(render(build, "all")["json"])
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["title"] == settings.title
    assert document["feed_url"] == FEEDS_URL + "all.json"
    assert document["home_page_url"] == FEEDS_URL + "all.html"

    items = document["items"]
    assert len(items) == 3
    first = items[0]
    assert first["id"] == first["url"] == three_articles[0]
    assert first["title"] == "First story"
    assert first["content_text"] == "What happened first."
    assert "summary" not in first, "the excerpt is the content; a summary repeating it would show twice"
    assert when(first["date_published"]) == datetime(2024, 5, 3, 10, tzinfo=UTC)
    assert when(first["date_modified"]) == datetime(2024, 5, 3, 12, tzinfo=UTC)
    assert first["image"] == IMAGE
    assert first["tags"] == ["AI", "Computer Vision"]
    assert first["authors"] == [{"name": "CNBC"}]
    for item in items:
        assert isinstance(item["id"], str) and item["id"]
        assert "content_text" in item or "content_html" in item


# --- every format ------------------------------------------------------------------------------------


def test_every_feed_document_is_well_formed(three_articles, build):
    site = build()
    checked = set()
    for path in document_paths(site):
        extension = path.rpartition(".")[2]
        body = render_path(site, path).body
        if extension in ("rss", "atom"):
            assert parsed(body).version in ("rss20", "atom10"), path
        elif extension == "json":
            assert json.loads(body)["version"] == "https://jsonfeed.org/version/1.1"
        checked.add(extension)
    assert checked >= {"rss", "atom", "json"}


@pytest.mark.parametrize("feed", ["all", "topics/ai", "topics/computer-vision"])
def test_all_formats_list_the_same_entries_newest_first(three_articles, build, feed):
    documents = render(build, feed)
    expected = [url for url in three_articles if feed != "topics/computer-vision" or url.endswith("first")]
    for extension, body in documents.items():
        assert entry_urls(extension, body) == expected, extension


def test_entry_order_is_kept_for_many_entries(seeds, build):
    for n in range(12):
        # Files are found oldest first; feeds list newest first, so a reversal (feedgen prepends) shows.
        write_article(seeds, f"{n:02d}.md", **article(f"n{n:02d}", publishedDateTime=f"2024-05-{n + 1:02d}T00:00:00Z"))
    expected = [f"https://news.example.com/n{n:02d}" for n in reversed(range(12))]
    for extension, body in render(build, "all").items():
        assert entry_urls(extension, body) == expected, extension


def test_the_feed_update_time_is_the_newest_entry_update_not_the_build_time(three_articles, build):
    documents = render(build, "all")
    newest_update = datetime(2024, 5, 4, tzinfo=UTC)  # the third story: oldest, but updated last
    rss = ET.fromstring(documents["rss"]).find("channel")
    assert parsedate_to_datetime(rss.findtext("lastBuildDate")) == newest_update
    atom = ET.fromstring(documents["atom"])
    assert when(atom.findtext("atom:updated", namespaces=NS)) == newest_update
    assert render(build, "all") == documents


def test_a_topic_feed_is_updated_by_its_own_entries_only(three_articles, build):
    documents = render(build, "topics/computer-vision")
    rss = ET.fromstring(documents["rss"]).find("channel")
    assert parsedate_to_datetime(rss.findtext("lastBuildDate")) == datetime(2024, 5, 3, 12, tzinfo=UTC)
    assert ET.fromstring(documents["rss"]).findtext("channel/title").endswith("Computer Vision")


def test_a_feed_holds_at_most_limit_entries_the_newest(seeds, settings):
    for n in range(5):
        write_article(seeds, f"{n}.md", **article(f"n{n}", publishedDateTime=f"2024-05-0{n + 1}T00:00:00Z"))
    site = load_site(dataclasses.replace(settings, limit=2, archive_size=2))
    for extension in FORMATS:
        body = render_path(site, f"all.{extension}").body
        assert entry_urls(extension, body) == ["https://news.example.com/n4", "https://news.example.com/n3"]


def test_a_feed_without_entries_is_still_valid_and_reproducible(settings, build):
    documents = render(build, "all")
    assert entry_urls("rss", documents["rss"]) == []
    assert entry_urls("atom", documents["atom"]) == []
    assert json.loads(documents["json"])["items"] == []
    assert render(build, "all") == documents


# --- hostile text --------------------------------------------------------------------------------------

HOSTILE = [
    # (what the file says, the plain text a reader must see)
    ("Tom &amp; Jerry's \"Great\" <script>alert('x')</script>Escape\x07\x0b", "Tom & Jerry's \"Great\" Escape"),
    ("Less &lt;script&gt;alert(1)&lt;/script&gt; &amp; more", "Less <script>alert(1)</script> & more"),
    ("CDATA ]]> end & 'quotes' \"too\" &amp;amp; <b>bold</b>\x1b", "CDATA ]]> end & 'quotes' \"too\" &amp; bold"),
]


@pytest.fixture
def hostile(seeds):
    for n, (title, _) in enumerate(HOSTILE):
        excerpt, _ = HOSTILE[(n + 1) % len(HOSTILE)]
        write_article(
            seeds,
            f"{n}.md",
            **article(
                f"n{n}",
                title=title,
                excerpt=excerpt,
                publishedDateTime=f"2024-05-0{9 - n}T00:00:00Z",
                provider={"name": "Smith &amp; Sons &lt;News&gt;"},
                topics=["R&amp;D &lt;Lab&gt;"],
            ),
        )
    titles = [text for _, text in HOSTILE]
    excerpts = [HOSTILE[(n + 1) % len(HOSTILE)][1] for n in range(len(HOSTILE))]
    return titles, excerpts


def test_hostile_titles_reach_rss_readers_as_the_intended_plain_text(hostile, build):
    titles, excerpts = hostile
    document = parsed(render(build, "all")["rss"])
    assert [entry.title for entry in document.entries] == titles
    # RSS descriptions are HTML: the plain text arrives escaped once, so it shows as written.
    assert [html.unescape(entry.summary) for entry in document.entries] == excerpts
    assert {entry.author for entry in document.entries} == {"Smith & Sons <News>"}
    assert {tag.term for entry in document.entries for tag in entry.tags} == {"R&D <Lab>"}


def test_hostile_titles_reach_atom_readers_as_the_intended_plain_text(hostile, build):
    titles, excerpts = hostile
    document = parsed(render(build, "all")["atom"])
    assert [entry.title for entry in document.entries] == titles
    assert [entry.summary for entry in document.entries] == excerpts
    assert {entry.author for entry in document.entries} == {"Smith & Sons <News>"}
    assert {tag.term for entry in document.entries for tag in entry.tags} == {"R&D <Lab>"}


def test_hostile_titles_reach_json_feed_readers_as_the_intended_plain_text(hostile, build):
    titles, excerpts = hostile
    items = json.loads(render(build, "all")["json"])["items"]
    assert [item["title"] for item in items] == titles
    assert [item["content_text"] for item in items] == excerpts
    assert {item["authors"][0]["name"] for item in items} == {"Smith & Sons <News>"}
    assert {tag for item in items for tag in item["tags"]} == {"R&D <Lab>"}


def test_a_hostile_site_title_is_escaped_in_every_format(seeds, settings):
    write_article(seeds, "a.md", **article("a"))
    title = 'News & "Views" <Daily>'
    site = load_site(dataclasses.replace(settings, title=title))
    assert parsed(render_path(site, "all.rss").body).feed.title == title
    assert parsed(render_path(site, "all.atom").body).feed.title == title
    assert json.loads(render_path(site, "all.json").body)["title"] == title


# --- links to each feed's page, icons and logos, descriptions ------------------------------------------

ICON = "https://news.example.org/icon.png"
LOGO = "https://news.example.org/logo.png"
CNBC_LOGO = "https://img.example.com/cnbc-50x50.jpg"


@pytest.mark.parametrize("path", ["all", "topics/ai", "topics/computer-vision", "providers/cnbc.com"])
def test_every_format_links_to_the_feeds_own_page(three_articles, build, path):
    documents = render(build, path)
    page = f"{FEEDS_URL}{path}.html"
    assert parsed(documents["rss"]).feed.link == page
    assert [link.href for link in parsed(documents["atom"]).feed.links if link.rel == "alternate"] == [page]
    assert json.loads(documents["json"])["home_page_url"] == page
    assert render_path(build(), f"{path}.html") is not None, "the page the feed links to exists"


def test_archives_link_to_the_page_of_their_feed(seeds, settings):
    for n in range(4):
        write_article(seeds, f"{n}.md", **article(f"n{n}", publishedDateTime=f"2024-05-0{n + 1}T00:00:00Z", topics=["AI"]))
    site = load_site(dataclasses.replace(settings, archive_size=2, limit=2))
    assert parsed(render_path(site, "topics/ai/archive/1.atom").body).feed.link == FEEDS_URL + "topics/ai.html"


def test_site_icon_and_logo_reach_readers_in_every_format(three_articles, seeds, settings):
    site = load_site(dataclasses.replace(settings, icon=ICON, logo=LOGO))
    rss = parsed(render_path(site, "topics/ai.rss").body).feed
    assert (rss.image.href, rss.image.title, rss.image.link) == (LOGO, "Test News: AI", FEEDS_URL + "topics/ai.html")
    assert rss.image.link == rss.link, "RSS requires the image's link to be the channel's link"
    atom = parsed(render_path(site, "topics/ai.atom").body).feed
    assert (atom.icon, atom.logo) == (ICON, LOGO)
    document = json.loads(render_path(site, "topics/ai.json").body)
    assert (document["icon"], document["favicon"]) == (ICON, ICON)
    # What the W3C validator asks: RSS <image> with url, title and link matching the channel's title and
    # link; Atom <icon> and <logo> once each, as IRIs, among the feed's metadata before any entry.
    channel = ET.fromstring(render_path(site, "topics/ai.rss").body).find("channel")
    (image,) = channel.findall("image")
    assert [child.tag for child in image] == ["url", "title", "link"]
    assert (image.findtext("title"), image.findtext("link")) == (channel.findtext("title"), channel.findtext("link"))
    root = ET.fromstring(render_path(site, "topics/ai.atom").body)
    tags = [child.tag.split("}")[1] for child in root]
    assert tags.count("icon") == tags.count("logo") == 1
    assert max(tags.index("icon"), tags.index("logo")) < tags.index("entry")


def test_rss_image_falls_back_to_the_icon_and_nothing_is_written_without_either(three_articles, settings):
    with_icon = load_site(dataclasses.replace(settings, icon=ICON))
    assert parsed(render_path(with_icon, "all.rss").body).feed.image.href == ICON
    atom = parsed(render_path(with_icon, "all.atom").body).feed
    assert atom.icon == ICON and "logo" not in atom, "a square icon is no wide logo"
    plain = load_site(settings)
    channel = ET.fromstring(render_path(plain, "all.rss").body).find("channel")
    assert channel.find("image") is None
    root = ET.fromstring(render_path(plain, "all.atom").body)
    assert root.find("atom:icon", NS) is None and root.find("atom:logo", NS) is None
    assert not {"icon", "favicon"} & set(json.loads(render_path(plain, "all.json").body))


def test_a_provider_feed_shows_the_providers_own_logo(seeds, settings):
    write_article(seeds, "a.md", **article(
        "a", provider={"name": "CNBC", "domain": "cnbc.com", "images": [{"url": CNBC_LOGO, "width": 50, "height": 50}]},
    ))
    write_article(seeds, "b.md", **article("b", provider={"name": "Wired", "domain": "wired.com"}))
    site = load_site(dataclasses.replace(settings, icon=ICON, logo=LOGO))
    assert parsed(render_path(site, "providers/cnbc.com.rss").body).feed.image.href == CNBC_LOGO
    atom = parsed(render_path(site, "providers/cnbc.com.atom").body).feed
    assert (atom.icon, atom.logo) == (CNBC_LOGO, CNBC_LOGO)
    assert json.loads(render_path(site, "providers/cnbc.com.json").body)["icon"] == CNBC_LOGO
    # A provider without a logo of its own, and every other feed, show the site's.
    assert parsed(render_path(site, "providers/wired.com.atom").body).feed.icon == ICON
    assert parsed(render_path(site, "all.atom").body).feed.icon == ICON


def test_topic_and_provider_descriptions_are_sentences_about_them(three_articles, build):
    assert parsed(render(build, "topics/computer-vision")["atom"]).feed.subtitle == (
        "Articles about Computer Vision from Test News."
    )
    assert json.loads(render(build, "providers/cnbc.com")["json"])["description"] == (
        "Articles from CNBC, collected by Test News."
    )


def test_opml_points_readers_at_each_feed_and_people_at_its_page(three_articles, build):
    outlines = ET.fromstring(render_path(build(), "opml.xml").body).iter("outline")
    links = {o.get("xmlUrl"): o.get("htmlUrl") for o in outlines if o.get("xmlUrl")}
    assert links == {
        f"{FEEDS_URL}{path}.atom": f"{FEEDS_URL}{path}.html"
        for path in ("all", "topics/ai", "topics/computer-vision", "providers/cnbc.com")
    }


TRICKY = ['plain', 'quote " backslash \\ slash /', 'tab\tnew\nline\r\x00\x1f\x7f', 'é ß 漢字 😀', '\u2028\u2029 \ufeff', '']


@pytest.mark.parametrize("text", TRICKY)
def test_json_items_are_the_bytes_json_dumps_indents(text):
    """`json_entry` writes items itself (for speed); they must stay what ``json.dumps(indent=2)`` writes."""
    from feedpub.feeds.document import Entry
    from feedpub.model import Image
    from feedpub.render.jsonfeed import _item, json_entry

    moment = datetime(2024, 3, 9, 18, 54, 7, 123, tzinfo=UTC)
    for author, categories, image in ((None, (), None), (text, (text, "b"), Image(f"https://x.test/{text}.jpg", 1, 2)),
                                      ("a", (text,), Image("https://x.test/i.png"))):
        entry = Entry(f"id {text}", text, "https://x.test/a?b=1&c=2", text, moment, moment, author, categories, image)
        expected = json.dumps(_item(entry), ensure_ascii=False, indent=2)
        assert json_entry(entry) == ("    " + expected.replace("\n", "\n    ")).encode("utf-8")


@pytest.mark.parametrize("text", TRICKY)
def test_json_envelopes_are_the_bytes_json_dumps_indents(text):
    """`json_envelope` writes documents itself (for speed); they must stay what ``json.dumps(indent=2)`` writes."""
    from feedpub.feeds.document import Feed, History
    from feedpub.feeds.keys import FeedKey
    from feedpub.render.jsonfeed import _document, json_envelope

    topic = FeedKey("topic", ("ai",))
    moment = datetime(2024, 3, 9, 18, 54, 7, tzinfo=UTC)
    for icon, hub, history in ((None, None, History(topic)), (f"https://x.test/{text}.png", None, History(topic, None, topic.page(2))),
                               (None, f"https://hub.test/{text}", History(topic, 2, topic.page(1), None)),
                               ("https://x.test/i.png", "https://hub.test/", History(topic, 3, topic.page(2), topic.page(4)))):
        feed = Feed(topic, text, f"about {text}", "https://x.test/feeds/", "en", text, moment, (), history, icon=icon, hub=hub)
        expected = json.dumps(_document(feed), ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
        assert json_envelope(feed) == expected
