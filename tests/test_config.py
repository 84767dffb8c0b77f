from pathlib import Path

import pytest

from moodtunes.config import Settings, data_dir, load_settings


def test_defaults() -> None:
    assert load_settings(environ={}) == Settings()


def test_file_then_environment_then_overrides(tmp_path: Path) -> None:
    config = tmp_path / "moodtunes.toml"
    config.write_text('[moodtunes]\nmax_upload_mb = 3\ndetector = "whole"\ncamera = "0"\n')
    settings = load_settings(config, environ={"MOODTUNES_MAX_UPLOAD_MB": "5"}, camera="clip.mp4")
    assert settings.detector == "whole"  # from the file
    assert settings.max_upload_mb == 5  # the environment beats the file
    assert settings.camera == "clip.mp4"  # the command line beats both


def test_config_file_from_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("recommendations = 4\n")
    assert load_settings(environ={"MOODTUNES_CONFIG": str(config)}).recommendations == 4


@pytest.mark.parametrize(
    ("text", "message"),
    [("max_upload_mb = 'lots'", "whole number"), ("colour = 'red'", "unknown setting"),
     ("not toml at all [", "not valid TOML"), ("max_upload_mb = 0", "at least 1")],
)
def test_bad_files_are_explained(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_settings(config, environ={})


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read config file"):
        load_settings(tmp_path / "none.toml", environ={})


def test_secrets_are_hidden_from_the_log() -> None:
    public = Settings(secret_key="hunter2").public()
    assert public["secret_key"] == "***" and "hunter2" not in str(public)


def test_data_dir(tmp_path: Path) -> None:
    assert data_dir({"MOODTUNES_HOME": str(tmp_path)}) == tmp_path
    assert data_dir({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "moodtunes"
    assert data_dir({}).parts[-3:] == (".local", "share", "moodtunes")


def test_settings_come_back_as_their_field_types(tmp_path: Path) -> None:
    settings = load_settings(environ={"MOODTUNES_MOOD_ALPHA": "0.5",
                                      "MOODTUNES_SESSION_COOKIE_SECURE": "true",
                                      "MOODTUNES_INFERENCE_THREADS": " 2 ",
                                      "MOODTUNES_CAMERA": ""})
    assert settings.mood_alpha == 0.5 and isinstance(settings.mood_alpha, float)
    assert settings.session_cookie_secure is True and settings.inference_threads == 2
    assert settings.camera is None  # an empty optional setting is unset
    for text, expected in (("1", True), ("yes", True), ("off", False), ("False", False)):
        found = load_settings(environ={"MOODTUNES_SESSION_COOKIE_SECURE": text})
        assert found.session_cookie_secure is expected
    config = tmp_path / "c.toml"
    config.write_text("mood_alpha = 1\nsession_cookie_secure = true\n")  # TOML's own types
    from_file = load_settings(config, environ={})
    assert from_file.mood_alpha == 1.0 and from_file.session_cookie_secure is True


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [("SESSION_COOKIE_SECURE", "maybe", "true or false"), ("MOOD_ALPHA", "fast", "a number"),
     ("MOOD_ALPHA", "nan", "a number"), ("MOOD_ALPHA", "2", r"\(0, 1\]"),
     ("INFERENCE_THREADS", "1.5", "whole number"), ("DETECTOR", "", "needs a value")],
)
def test_bad_typed_values_are_explained(name: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_settings(environ={f"MOODTUNES_{name}": value})
