"""feedpub.config: defaults, then feedpub.toml, then FEEDPUB_* variables; bad values are SettingsErrors."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedpub.config import SettingsError, Settings, load_settings


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_toml(folder: Path, text: str, name: str = "feedpub.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_without_a_file_or_variables_the_defaults_apply(cwd):
    settings = load_settings(environ={})
    assert settings == Settings()
    assert (settings.seeds, settings.out, settings.limit) == (Path("seeds"), Path("feeds"), 50)


def test_feedpub_toml_in_the_current_folder_is_read_with_types(cwd):
    write_toml(
        cwd,
        '[feedpub]\ntitle = "AI News"\ndescription = "The day\'s news"\nbase_url = "https://news.example.org"\n'
        'language = "de"\nauthor = "Desk"\nlimit = 20\nseeds = "articles"\nout = "public/feeds"\n'
        "max_file_size = 2048\n",
    )
    settings = load_settings(environ={})
    assert settings.title == "AI News"
    assert settings.description == "The day's news"
    assert settings.base_url == "https://news.example.org"
    assert (settings.language, settings.author) == ("de", "Desk")
    assert settings.limit == 20
    assert settings.seeds == Path("articles")
    assert settings.out == Path("public/feeds")
    assert settings.max_file_size == 2048


def test_environment_variables_override_the_file_and_are_converted(cwd):
    write_toml(cwd, '[feedpub]\ntitle = "From TOML"\nlimit = 20\n')
    settings = load_settings(environ={"FEEDPUB_LIMIT": "7", "FEEDPUB_SEEDS": "/srv/news", "OTHER_LIMIT": "1"})
    assert settings.limit == 7
    assert settings.seeds == Path("/srv/news")
    assert settings.title == "From TOML"


def test_the_process_environment_is_used_when_none_is_given(cwd, monkeypatch):
    monkeypatch.setenv("FEEDPUB_TITLE", "From the process")
    assert load_settings().title == "From the process"


def test_feedpub_config_names_another_settings_file(cwd, monkeypatch):
    other = write_toml(cwd, '[feedpub]\ntitle = "Elsewhere"\n', name="other.toml")
    write_toml(cwd, '[feedpub]\ntitle = "Default file"\n')
    monkeypatch.setenv("FEEDPUB_CONFIG", str(other))
    assert load_settings().title == "Elsewhere"


def test_feedpub_config_is_read_from_the_environment_given(cwd):
    other = write_toml(cwd, '[feedpub]\ntitle = "Elsewhere"\n', name="other.toml")
    assert load_settings(environ={"FEEDPUB_CONFIG": str(other)}).title == "Elsewhere"


def test_an_explicit_config_file_wins_over_feedpub_toml(cwd):
    other = write_toml(cwd, '[feedpub]\ntitle = "Explicit"\n', name="explicit.toml")
    write_toml(cwd, '[feedpub]\ntitle = "Default file"\n')
    assert load_settings(other, environ={}).title == "Explicit"


def test_a_missing_explicit_config_file_is_an_error_naming_it(cwd):
    with pytest.raises(SettingsError, match="missing.toml"):
        load_settings(cwd / "missing.toml", environ={})


def test_a_settings_file_that_is_not_toml_is_an_error_naming_it(cwd):
    write_toml(cwd, "[feedpub\ntitle = 1\n")
    with pytest.raises(SettingsError, match="feedpub.toml"):
        load_settings(environ={})


@pytest.mark.parametrize("text", ["feedpub = 3\n", "feedpub = 'x'\n"])
def test_a_feedpub_key_that_is_not_a_table_is_an_error_naming_the_file(cwd, text):
    write_toml(cwd, text)
    with pytest.raises(SettingsError, match="feedpub.toml: 'feedpub' must be the table"):
        load_settings(environ={})


def test_a_settings_file_that_is_not_utf8_is_an_error_naming_it(cwd):
    (cwd / "feedpub.toml").write_bytes(b"\xff\xfe[feedpub]\n")
    with pytest.raises(SettingsError, match="feedpub.toml: cannot read the settings file: it is not UTF-8"):
        load_settings(environ={})


def test_a_settings_file_named_in_the_environment_must_be_there(cwd):
    with pytest.raises(SettingsError, match="nowhere.toml"):
        load_settings(environ={"FEEDPUB_CONFIG": str(cwd / "nowhere.toml")})


def test_whole_numbers_may_be_written_as_such_in_any_form_toml_has(cwd):
    write_toml(cwd, "[feedpub]\nlimit = 20.0\narchive_size = 0x20\n")
    settings = load_settings(environ={"FEEDPUB_CACHE_MAX_AGE": "600"})
    assert (settings.limit, settings.archive_size, settings.cache_max_age) == (20, 32, 600)


def test_an_unknown_setting_is_an_error_naming_it(cwd):
    write_toml(cwd, '[feedpub]\ntitel = "typo"\n')
    with pytest.raises(SettingsError, match="titel"):
        load_settings(environ={})


@pytest.mark.parametrize(
    ("toml", "environ", "name"),
    [
        ("[feedpub]\nlimit = 0\n", {}, "limit"),
        ("[feedpub]\nlimit = -5\n", {}, "limit"),
        ("[feedpub]\nlimit = 'ten'\n", {}, "limit"),
        ("[feedpub]\nlimit = true\n", {}, "limit"),
        ("", {"FEEDPUB_LIMIT": "ten"}, "limit"),
        ("", {"FEEDPUB_LIMIT": ""}, "limit"),
        ("[feedpub]\nmax_file_size = 0\n", {}, "max_file_size"),
        ("[feedpub]\nbase_url = 'news.example.org'\n", {}, "base_url"),
        ("", {"FEEDPUB_BASE_URL": "ftp://news.example.org"}, "base_url"),
        ("[feedpub]\nlimit = 1.5\n", {}, "limit"),
        ("[feedpub]\nlimit = inf\n", {}, "limit"),
        ("[feedpub]\narchive_size = nan\n", {}, "archive_size"),
        ("[feedpub]\nmax_file_size = inf\n", {}, "max_file_size"),
        ("[feedpub]\ncache_max_age = 1e300\n", {}, "cache_max_age"),
        ("[feedpub]\ncache_max_age = 31536001\n", {}, "cache_max_age"),
        ("[feedpub]\nreload_interval = inf\n", {}, "reload_interval"),
        ("", {"FEEDPUB_HUB_DEADLINE": "nan"}, "hub_deadline"),
        ("[feedpub]\ntitle = ['a', 1]\n", {}, "title"),
        ("[feedpub]\nlanguage = 5\n", {}, "language"),
        ("[feedpub]\nout = ''\n", {}, "out"),
        ("[feedpub]\nseeds = ' '\n", {}, "seeds"),
        ("", {"FEEDPUB_OUT": ""}, "out"),
        ("[feedpub]\nseeds = {a = 1}\n", {}, "seeds"),
    ],
)
def test_values_that_cannot_work_are_errors_naming_the_setting(cwd, toml, environ, name):
    write_toml(cwd, toml)
    with pytest.raises(SettingsError, match=name):
        load_settings(environ=environ)


def test_overrides_apply_given_values_and_ignore_none():
    settings = Settings(title="Base").with_overrides(title=None, limit=5, out=Path("x"))
    assert (settings.title, settings.limit, settings.out) == ("Base", 5, Path("x"))


def test_overrides_are_validated():
    with pytest.raises(SettingsError, match="limit"):
        Settings().with_overrides(limit=0)


@pytest.mark.parametrize("base_url", ["https://news.example.org", "https://news.example.org/"])
def test_feeds_are_served_from_the_feeds_folder_of_the_base_url(base_url):
    assert Settings(base_url=base_url).feeds_url == "https://news.example.org/feeds/"


@pytest.mark.parametrize("tag", ["en", "en-GB", "pt-BR", "zh-Hant-TW", "es-419", "de-CH-1996", "x-local"])
def test_language_accepts_bcp_47_tags(cwd, tag):
    assert load_settings(environ={"FEEDPUB_LANGUAGE": tag}).language == tag


@pytest.mark.parametrize("tag", ["english", "en_US", "", "en-", "e", "fr--CA", "de CH"])
def test_language_that_is_not_a_bcp_47_tag_is_refused_with_an_example(cwd, tag):
    with pytest.raises(SettingsError, match="BCP 47 language tag such as 'en'"):
        load_settings(environ={"FEEDPUB_LANGUAGE": tag})


def test_icon_and_logo_are_absolute_urls_made_safe_for_every_format(cwd):
    write_toml(cwd, '[feedpub]\nicon = "https://news.example.org/icon.png"\nlogo = "https://news.example.org/ló go.png"\n')
    settings = load_settings(environ={})
    assert settings.icon == "https://news.example.org/icon.png"
    assert settings.logo == "https://news.example.org/l%C3%B3%20go.png"
    assert (Settings().icon, Settings().logo) == ("", "")


@pytest.mark.parametrize("name", ["icon", "logo"])
@pytest.mark.parametrize("value", ["icon.png", "/static/icon.png", "javascript:alert(1)", "data:image/png;base64,AAAA"])
def test_icon_or_logo_that_is_not_an_absolute_http_url_is_refused(cwd, name, value):
    with pytest.raises(SettingsError, match=f"{name} must be an absolute http"):
        load_settings(environ={f"FEEDPUB_{name.upper()}": value})
