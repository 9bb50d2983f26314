"""feedpub.rendering: rendering in worker processes writes exactly what rendering in one process writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedpub import rendering
from feedpub.publish import write_site
from feedpub.site import Site

from .conftest import article, files_under, write_article


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
    one = write_site(build().site, tmp_path / "one", workers=1)
    two = write_site(build().site, tmp_path / "two", workers=2)
    assert files_under(tmp_path / "two") == files_under(tmp_path / "one")
    assert (two.written, two.unchanged, two.removed) == (one.written, one.unchanged, one.removed)
    assert len(two.written) > 20


def test_a_rebuild_in_processes_rewrites_only_what_changed(many: Path, build, settings, in_processes: None) -> None:
    write_site(build().site, settings.out, workers=2)
    write_article(many, "05.md", **article("a5", title="Changed", topics=["Space"], heat=5,
                                           publishedDateTime="2024-05-06T05:00:00Z"))
    report = write_site(build().site, settings.out, workers=2)
    assert "topics/space.atom" in report.written and "topics/robots.atom" not in report.written
    assert b"Changed" in (settings.out / "topics" / "space.atom").read_bytes()


def test_progress_counts_up_to_every_document_when_rendering_in_processes(
    many: Path, build, settings, in_processes: None
) -> None:
    calls: list[tuple[int, int]] = []
    site = build().site
    write_site(site, settings.out, lambda done, total: calls.append((done, total)), workers=2)
    assert calls[-1] == (len(list(site.paths())),) * 2
    assert all(done <= total for done, total in calls)


def test_a_failing_worker_fails_the_build_and_leaves_the_published_files_as_they_were(
    many: Path, build, settings, monkeypatch: pytest.MonkeyPatch, in_processes: None
) -> None:
    write_site(build().site, settings.out, workers=1)
    before = files_under(settings.out)
    write_article(many, "new.md", **article("new", topics=["AI"], publishedDateTime="2024-06-01T00:00:00Z"))
    real_render = Site.render

    def render(self: Site, path: str, query=None):  # type: ignore[no-untyped-def]
        if path.endswith(".json"):
            raise RuntimeError("a renderer bug")
        return real_render(self, path, query)

    monkeypatch.setattr(Site, "render", render)
    with pytest.raises(RuntimeError, match="a renderer bug"):
        write_site(build().site, settings.out, workers=2)
    assert files_under(settings.out) == before  # no new file and nothing half-replaced
    assert not list(settings.out.rglob("*.tmp"))  # and no temporary file left behind by either worker


def test_documents_are_grouped_by_format_largest_group_first() -> None:
    groups = rendering.by_format(["all.atom", "all.rss", "a.atom", "index.html", "all.html", "b.atom", "x.json"])
    assert groups[0] == ["all.atom", "a.atom", "b.atom"]
    assert sorted(map(sorted, groups)) == [["a.atom", "all.atom", "b.atom"], ["all.html", "index.html"], ["all.rss"], ["x.json"]]
