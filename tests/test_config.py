import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from moodtunes.config import (
    MAKE_A_KEY,
    SecretKeyError,
    Settings,
    check_secret_key,
    data_dir,
    load_settings,
    make_private_dir,
    read_secret_key,
    write_secret_key,
)
from moodtunes.web import create_app
from tests.support import file_mode, umask


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
     ("INFERENCE_THREADS", "1.5", "whole number"), ("DETECTOR", "", "needs a value"),
     ("DETECTOR", "retinaface", "detector must be one of mtcnn, haar, whole")],
)
def test_bad_typed_values_are_explained(name: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_settings(environ={f"MOODTUNES_{name}": value})


# --- the secret key -----------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "why"), [
    ("a", "1 character, fewer than 32"),
    ("x" * 31, "fewer than 32"),
    ("a" * 64, "only 1 distinct"),
    ("0123456" * 6, "only 7 distinct"),
    ("abcdefgh" * 5, "repeated"),
    ("correct horse battery staple" * 2, "repeated"),
])
def test_a_weak_configured_key_is_refused_saying_how_to_make_one(key: str, why: str) -> None:
    with pytest.raises(SecretKeyError, match="MOODTUNES_SECRET_KEY") as found:
        load_settings(environ={"MOODTUNES_SECRET_KEY": key})
    message = str(found.value)
    assert why in message and MAKE_A_KEY in message
    assert len(key) < 8 or key not in message  # the key itself is not echoed
    with pytest.raises(SecretKeyError, match="too weak"):
        create_app(settings=Settings(secret_key=key))


@pytest.mark.parametrize("key", [secrets.token_hex(32), secrets.token_hex(16),
                                 secrets.token_urlsafe(32), "please rotate me: 7Qp!xZ2#kL9@wR4$"])
def test_a_strong_key_is_taken(key: str) -> None:
    assert check_secret_key(key, "a test") == key
    assert load_settings(environ={"MOODTUNES_SECRET_KEY": key}).secret_key == key


def test_the_command_in_the_message_makes_a_key_that_is_taken() -> None:
    made = subprocess.run([sys.executable, "-c", MAKE_A_KEY.split('"')[1]], check=True,
                          capture_output=True, text=True).stdout.strip()
    assert len(made) == 64 and check_secret_key(made, "a test") == made


def test_a_weak_key_file_is_refused_and_replaced(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    path.write_text("0" * 64 + "\n")
    with pytest.raises(SecretKeyError, match="no usable key"):
        read_secret_key(path)
    key, made = write_secret_key(path)
    assert made and key != "0" * 64 and read_secret_key(path) == key


def test_the_key_file_and_its_folder_are_private_whatever_the_umask(tmp_path: Path) -> None:
    path = tmp_path / "home" / "secret_key"
    with umask(0):  # the most open umask there is
        write_secret_key(path)
    assert file_mode(path) == 0o600 and file_mode(path.parent) == 0o700


def test_an_open_data_folder_is_closed_but_a_shared_one_is_only_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    mine, shared = tmp_path / "mine", tmp_path / "shared"
    mine.mkdir()
    shared.mkdir()
    os.chmod(mine, 0o755)
    os.chmod(shared, 0o1777)  # like /tmp
    with caplog.at_level(logging.WARNING, logger="moodtunes.config"):
        assert make_private_dir(mine) is True
        assert make_private_dir(mine) is False
        assert make_private_dir(shared) is False
    assert file_mode(mine) == 0o700 and file_mode(shared) == 0o1777
    assert [r.message.split(" ")[0] for r in caplog.records] == ["made", "the"]
    assert "MOODTUNES_HOME" in caplog.records[1].message


def test_the_detector_names_are_the_registry() -> None:
    from moodtunes.config import DETECTOR_NAMES
    from moodtunes.vision.faces import DEFAULT_DETECTOR, DETECTORS

    assert set(DETECTOR_NAMES) == set(DETECTORS) and Settings().detector == DEFAULT_DETECTOR
