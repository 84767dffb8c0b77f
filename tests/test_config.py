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
