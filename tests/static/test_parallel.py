"""feedpub.rendering: rendering in worker processes writes exactly what rendering in one process writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedpub.static import parallel as rendering
from feedpub.static.writer import write_site
from feedpub.feeds.keys import parse_path
from feedpub.site import Site

from ..conftest import document_paths, render_path, article, files_under, write_article


@pytest.fixture
def many(seeds: Path) -> Path:
    for number in range(30):
        write_article(seeds, f"{number:02d}.md", **article(
            f"a{number}", topics=[["AI"], ["AI", "Robots"], ["Space"]][number % 3], heat=number,
            provider={"name": f"Wire {number % 4}", "domain": f"wire{number % 4}.example"},
            publishedDateTime=f"2024-05-{number % 28 + 1:02d}T{number % 24:02d}:00:00Z",
        ))
    return seeds


@pytest.fixture
def in_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rendering, "PARALLEL_FROM", 1)  # the test sites are small


def test_rendering_in_two_processes_writes_the_same_files_and_report_as_one(
    many: Path, build, settings, tmp_path: Path, in_processes: None
) -> None:
    one = write_site(build(), tmp_path / "one", workers=1)
    two = write_site(build(), tmp_path / "two", workers=2)
    assert files_under(tmp_path / "two") == files_under(tmp_path / "one")
    assert (two.written, two.unchanged, two.removed) == (one.written, one.unchanged, one.removed)
    assert len(two.written) > 20


def test_a_rebuild_in_processes_rewrites_only_what_changed(many: Path, build, settings, in_processes: None) -> None:
    write_site(build(), settings.out, workers=2)
    write_article(many, "05.md", **article("a5", title="Changed", topics=["Space"], heat=5,
                                           publishedDateTime="2024-05-06T05:00:00Z"))
    report = write_site(build(), settings.out, workers=2)
    assert "topics/space.atom" in report.written and "topics/robots.atom" not in report.written
    assert b"Changed" in (settings.out / "topics" / "space.atom").read_bytes()


def test_progress_counts_up_to_every_document_when_rendering_in_processes(
    many: Path, build, settings, in_processes: None
) -> None:
    calls: list[tuple[int, int]] = []
    site = build()
    write_site(site, settings.out, lambda done, total: calls.append((done, total)), workers=2)
    assert calls[-1] == (len(list(document_paths(site))),) * 2
    assert all(done <= total for done, total in calls)


def test_a_failing_worker_fails_the_build_and_leaves_the_published_files_as_they_were(
    many: Path, build, settings, monkeypatch: pytest.MonkeyPatch, in_processes: None
) -> None:
    write_site(build(), settings.out, workers=1)
    before = files_under(settings.out)
    write_article(many, "new.md", **article("new", topics=["AI"], publishedDateTime="2024-06-01T00:00:00Z"))
    real_render = Site.render

    def render(self: Site, key, query=None):  # type: ignore[no-untyped-def]
        if key.format == "json":
            raise RuntimeError("a renderer bug")
        return real_render(self, key, query)

    monkeypatch.setattr(Site, "render", render)
    with pytest.raises(RuntimeError, match="a renderer bug"):
        write_site(build(), settings.out, workers=2)
    assert files_under(settings.out) == before  # no new file and nothing half-replaced
    assert not list(settings.out.rglob("*.tmp"))  # and no temporary file left behind by either worker


def test_documents_are_grouped_by_format_largest_group_first() -> None:
    paths = ["all.atom", "all.rss", "topics/a.atom", "topics/a.html", "all.html", "topics/b.atom", "topics/x.json"]
    groups = [[key.path for key in group] for group in rendering.by_format([parse_path(path) for path in paths])]
    assert groups[0] == ["all.atom", "topics/a.atom", "topics/b.atom"]
    assert sorted(map(sorted, groups)) == [
        ["all.atom", "topics/a.atom", "topics/b.atom"], ["all.html", "topics/a.html"], ["all.rss"], ["topics/x.json"],
    ]
