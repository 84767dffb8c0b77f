"""Typed settings, read once: defaults, then a TOML file, then MOODTUNES_* variables."""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SECRET_FIELDS = {"secret_key", "database_url"}


@dataclass(frozen=True)
class Settings:
    """What an operator can set. Every field can come from MOODTUNES_<FIELD> too."""

    model: str | None = None  # an .onnx file; None means the model shipped in the package
    detector: str = "haar"
    camera: str | None = None  # camera index or video file for /video_feed
    playlists: str | None = None  # the paper's per-emotion CSVs (a folder or a file)
    database_url: str | None = None  # SQLAlchemy URL; DATABASE_URL, else SQLite in data_dir()
    max_upload_mb: int = 8
    recommendations: int = 10
    inference_threads: int = 1
    secret_key: str | None = None
    # The client id of a Spotify app (developer.spotify.com); $SPOTIFY_CLIENT_ID works too.
    spotify_client_id: str | None = None
    spotify_api_url: str = "https://api.spotify.com/v1/"
    spotify_accounts_url: str = "https://accounts.spotify.com"
    deezer_api_url: str = "https://api.deezer.com"

    def public(self) -> dict[str, Any]:
        """The settings without secrets, for the start-up log."""
        return {k: ("***" if k in SECRET_FIELDS and v else v) for k, v in asdict(self).items()}


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where moodtunes keeps its files: $MOODTUNES_HOME, else $XDG_DATA_HOME/moodtunes, else
    ~/.local/share/moodtunes. Nothing is created here; callers make it when they write."""
    environ = os.environ if environ is None else environ
    if environ.get("MOODTUNES_HOME"):
        return Path(environ["MOODTUNES_HOME"]).expanduser()
    base = environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base).expanduser() / "moodtunes"


def _coerce(name: str, value: Any, default: Any) -> Any:
    kind = type(default) if default is not None else str
    if kind is int:
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ValueError(f"setting {name} must be a whole number, got {value!r}") from None
    return None if value in ("", None) else str(value)


def load_settings(config_file: str | Path | None = None,
                  environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults < config file (or MOODTUNES_CONFIG) < MOODTUNES_* variables < `overrides`."""
    environ = os.environ if environ is None else environ
    defaults = Settings()
    known = {f.name: getattr(defaults, f.name) for f in fields(Settings)}
    values: dict[str, Any] = {}
    config_file = config_file or environ.get("MOODTUNES_CONFIG")
    if config_file:
        path = Path(config_file)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ValueError(f"cannot read config file {path}: {exc.strerror}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"config file {path} is not valid TOML: {exc}") from exc
        section = data.get("moodtunes", data)
        unknown = set(section) - set(known)
        if unknown:
            raise ValueError(f"config file {path}: unknown setting(s) {', '.join(sorted(unknown))}"
                             f"; known: {', '.join(known)}")
        values.update(section)
    for name in known:
        env_value = environ.get(f"MOODTUNES_{name.upper()}")
        if env_value is not None:
            values[name] = env_value
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = replace(defaults, **{k: _coerce(k, v, known[k]) for k, v in values.items()})
    if settings.max_upload_mb < 1:
        raise ValueError("max_upload_mb must be at least 1")
    if settings.recommendations < 1:
        raise ValueError("recommendations must be at least 1")
    return settings
