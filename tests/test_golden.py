"""The same seeds give the same feeds: every output file of a fixed corpus, byte for byte.

The digests in ``golden/digests.json`` were recorded before the package was reorganised into stages, so
this test proves the reorganisation changed no byte. A deliberate change of output updates the file
(``RECORD_GOLDEN=1 pytest tests/test_golden.py``) in the same commit as the change, with a reason.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .conftest import BASE_URL, files_under, write_article

GOLDEN = Path(__file__).parent / "golden" / "digests.json"
TOPICS = ["Computer Vision", "Robotics", "AI Ethics", "Self-Driving Cars", "Natural Language"]
PROVIDERS = [("CNBC", "www.cnbc.com"), ("The Verge", "theverge.com"), ("Wired", "wired.com")]


def write_corpus(folder: Path, count: int = 130) -> None:
    """A fixed corpus: several topics and providers, ties in time and heat, markup, images, unpublished."""
    for number in range(count):
        name, domain = PROVIDERS[number % len(PROVIDERS)]
        fields = {
            "title": f"Story {number} about <i>{TOPICS[number % 5]}</i> &amp; more",
            "excerpt": f"Excerpt {number}: what happened, in <b>plain</b> words.",
            "webUrl": f"https://news.example.com/{number:03d}",
            # Pairs of articles share an instant, so heat and URL decide their order.
            "publishedDateTime": f"2024-{1 + number // 60:02d}-{1 + (number // 2) % 28:02d}T{number % 24:02d}:00:00Z",
            "heat": (number * 37) % 11 - 1,
            "quality": (number * 13) % 100,
            "provider": {"name": name, "domain": domain},
            "topics": [TOPICS[number % 5], TOPICS[(number * 3) % 5]],
            "published": number % 17 != 5,
        }
        if number % 4 == 0:
            fields["images"] = [{"url": f"https://img.example.com/{number}.jpg", "width": 640, "height": 360}]
        write_article(folder, f"story-{number:03d}.md", **fields)


def digests(folder: Path) -> dict[str, str]:
    return {path: hashlib.sha256(body).hexdigest() for path, body in files_under(folder).items()}


def test_every_output_file_matches_its_recorded_digest(tmp_path: Path) -> None:
    from feedpub.cli import main

    seeds = tmp_path / "seeds"
    write_corpus(seeds)
    out = tmp_path / "out"
    for limit, archive_size, folder in ((50, 50, "default"), (12, 10, "small-pages")):
        code = main(["build", "--seeds", str(seeds), "--out", str(out / folder), "--base-url", BASE_URL,
                     "--limit", str(limit), "--archive-size", str(archive_size), "--no-cache", "--quiet"])
        assert code == 0
        (seeds / ".feedpub-archives.json").unlink(missing_ok=True)  # each build cuts its archives afresh
    found = digests(out)
    if os.environ.get("RECORD_GOLDEN"):
        GOLDEN.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
    recorded = json.loads(GOLDEN.read_text())
    assert sorted(found) == sorted(recorded), "the set of files written changed"
    changed = [path for path in recorded if found[path] != recorded[path]]
    assert not changed, f"{len(changed)} files differ, first: {changed[:5]}"
