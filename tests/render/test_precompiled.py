"""feedpub.render.precompiled: the page templates ship compiled, are used only while they are those of the
sources, and give the very bytes the sources give."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading

import jinja2
import pytest

from feedpub.render import pages, precompiled

from ..conftest import REPO, article, render_path, write_article


def test_the_shipped_compiled_templates_are_those_of_the_sources():
    assert precompiled.loader() is not None, (
        "feedpub/render/compiled/ is not what the installed Jinja makes of feedpub/render/templates/: "
        "run scripts/compile-templates and commit the result"
    )
    assert isinstance(pages._templates().loader, jinja2.ModuleLoader)


@pytest.mark.parametrize("path", ["index.html", "all.html", "topics/ai.html", "providers/example.com.html"])
def test_pages_are_the_same_bytes_from_compiled_templates_as_from_the_sources(build, seeds, monkeypatch, path):
    write_article(seeds, "a.md", **article("a", topics=["AI"], title='Fish & "chips"',
                                           provider={"name": "Example", "domain": "example.com"}))
    write_article(seeds, "b.md", **article("b", topics=["AI", "Robots"], publishedDateTime="2024-04-01T00:00:00Z"))
    compiled = precompiled.loader()
    assert compiled is not None
    bodies = []
    for environment in (pages._environment(compiled), pages.source_templates()):
        monkeypatch.setattr(pages, "_templates", lambda environment=environment: environment)
        document = render_path(build(), path)
        assert document is not None
        bodies.append(document.body)
    assert bodies[0] == bodies[1]
    # Something of the site, escaped as the sources escape it: feed pages list the titles, the index the feeds.
    assert (b"Robots" if path == "index.html" else b"Fish &amp; &#34;chips&#34;") in bodies[0]


def test_a_template_edited_without_compiling_again_is_compiled_from_its_source(tmp_path):
    templates = shutil.copytree(precompiled.TEMPLATES, tmp_path / "templates")
    assert precompiled.loader(templates) is not None
    page = templates / "index.html"
    page.write_text(page.read_text(encoding="utf-8") + "<!-- edited -->\n", encoding="utf-8")
    assert precompiled.loader(templates) is None


@pytest.mark.parametrize("damage", ["edited", "cut short", "missing"])
def test_compiled_modules_edited_or_cut_short_are_not_used(tmp_path, damage):
    compiled = shutil.copytree(precompiled.COMPILED, tmp_path / "compiled")
    assert precompiled.loader(compiled=compiled) is not None
    module = sorted(compiled.glob("tmpl_*.py"))[0]
    if damage == "missing":
        module.unlink()
    else:
        text = module.read_text(encoding="utf-8")
        module.write_text(text[: len(text) // 2] if damage == "cut short" else text + "\n# edited\n", encoding="utf-8")
    assert precompiled.loader(compiled=compiled) is None


def test_many_threads_taking_their_first_templates_at_once_all_get_them():
    """The server's threads may all render a page on first use; Jinja's ModuleLoader is not safe for that
    alone (it takes each module it imports out of sys.modules again: a KeyError about once in a hundred first uses here)."""
    failures: list[str] = []
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(800):
            pages._loaded_templates.cache_clear()  # a fresh process's first use, again
            environment = pages._templates()
            start = threading.Barrier(8)

            def take(name: str) -> None:
                start.wait()
                try:
                    environment.get_template(name)
                except Exception as error:  # noqa: BLE001 - counted, not lost with the thread
                    failures.append(f"{name}: {error!r}")

            threads = [threading.Thread(target=take, args=(name,)) for name in ["feed.html", "index.html"] * 4]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
    finally:
        sys.setswitchinterval(interval)
        pages._loaded_templates.cache_clear()
    assert failures == []


def test_a_new_template_not_yet_compiled_means_compiling_from_source(tmp_path):
    templates = shutil.copytree(precompiled.TEMPLATES, tmp_path / "templates")
    (templates / "about.html").write_text("{% extends 'layout.html' %}\n", encoding="utf-8")
    assert precompiled.loader(templates) is None


def test_another_jinja_means_compiling_from_source(monkeypatch):
    monkeypatch.setattr(jinja2, "__version__", "99.0")
    assert precompiled.loader() is None


@pytest.mark.parametrize("record", [None, b"", b"{not json", b"[]", b'{"jinja2": "3"}'])
def test_a_missing_or_damaged_record_means_compiling_from_source(tmp_path, record):
    compiled = shutil.copytree(precompiled.COMPILED, tmp_path / "compiled")
    if record is None:
        (compiled / precompiled.SOURCES).unlink()
    else:
        (compiled / precompiled.SOURCES).write_bytes(record)
    assert precompiled.loader(compiled=compiled) is None


def test_compiling_again_gives_the_shipped_files(tmp_path):
    written = tmp_path / "compiled"
    subprocess.run([sys.executable, str(REPO / "scripts" / "compile-templates"), str(written)], check=True,
                   capture_output=True, timeout=60)
    shipped = {path.name: path.read_bytes() for path in precompiled.COMPILED.glob("*") if path.is_file()}
    assert {path.name: path.read_bytes() for path in written.glob("*") if path.is_file()} == shipped
