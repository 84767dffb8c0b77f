"""Typed settings, read once: defaults, then a TOML file, then MOODTUNES_* variables."""

from __future__ import annotations

import logging
import math
import os
import secrets
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, get_args, get_type_hints

log = logging.getLogger(__name__)

SECRET_FIELDS = {"secret_key", "database_url", "camera_token"}
# The face detectors of moodtunes.vision.faces.DETECTORS (named here, so that reading the
# settings loads no OpenCV); "whole" takes each image as one face crop.
DETECTOR_NAMES = ("mtcnn", "haar", "whole")
# The server camera's token is a password anyone may try: long enough not to be guessed.
MIN_CAMERA_TOKEN_CHARS = 16


@dataclass(frozen=True)
class Settings:
    """What an operator can set. Every field can come from MOODTUNES_<FIELD> too."""

    model: str | None = None  # an .onnx file; None means the model shipped in the package
    detector: str = "mtcnn"  # face detector: mtcnn, haar (the fallback) or whole
    camera: str | None = None  # camera index or video file for /video_feed
    # Who may watch the server camera (web/security.py): browsers that were given this token
    # once (/?camera_token=...). Unset: only this machine's own browser (loopback).
    camera_token: str | None = None
    playlists: str | None = None  # the paper's per-emotion CSVs (a folder or a file)
    database_url: str | None = None  # SQLAlchemy URL; DATABASE_URL, else SQLite in data_dir()
    max_upload_mb: int = 8
    recommendations: int = 10
    inference_threads: int = 1
    # Weight of the newest camera frame in the mood (moodtunes.mood.MoodSettings.alpha): lower
    # is steadier, higher follows the face sooner.
    mood_alpha: float = 0.35
    secret_key: str | None = None
    # Send the session cookie over HTTPS only: turn on behind a TLS proxy.
    session_cookie_secure: bool = False
    # The client id of a Spotify app (developer.spotify.com); $SPOTIFY_CLIENT_ID works too.
    spotify_client_id: str | None = None
    spotify_api_url: str = "https://api.spotify.com/v1/"
    spotify_accounts_url: str = "https://accounts.spotify.com"
    deezer_api_url: str = "https://api.deezer.com"
    # Rate limits for each client (web/limits.py), as the `limits` package writes them
    # ("600/minute", "10 per 5 seconds", several joined by ";"); "" turns one off. Generous for
    # the page (3 camera frames a second, a preview on each click).
    ratelimit_emotion: str = "600/minute"
    ratelimit_deezer: str = "120/minute"
    ratelimit_spotify: str = "120/minute"
    # What the whole server asks Deezer, for all clients together (Deezer allows about 50
    # searches per 5 seconds from one address); answers from the cache do not count.
    ratelimit_deezer_upstream: str = "40 per 5 seconds"
    # Where the counts are kept: memory:// (each process its own), or redis://host:port/db so
    # that every process of the server counts together.
    ratelimit_storage_url: str = "memory://"
    # How many proxies in front of the server append to X-Forwarded-For: the client is the
    # address that many hops back. 0 (no proxy) ignores the header, which anyone can forge.
    trusted_proxies: int = 0

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


SECRET_KEY_FILE = "secret_key"
# A key signs the session cookies and, through HKDF, encrypts the Spotify tokens kept on the
# server: a guessable one gives both away. The key file's keys are 64 random hex digits.
MIN_SECRET_KEY_CHARS = 32
# Fewer distinct characters than this is no random key (32 random hex digits have 8 or more
# but about once in 10^7 tries).
MIN_SECRET_KEY_DISTINCT = 8
MAKE_A_KEY = 'python -c "import secrets; print(secrets.token_hex(32))"'


class SecretKeyError(ValueError):
    """No usable secret key for the session cookies."""


def secret_key_problem(key: str) -> str | None:
    """Why `key` is too weak to sign cookies and derive the token key; None when it will do:
    at least `MIN_SECRET_KEY_CHARS` characters, `MIN_SECRET_KEY_DISTINCT` distinct ones, and
    not one piece repeated ("abcd" * 8)."""
    if len(key) < MIN_SECRET_KEY_CHARS:
        plural = "" if len(key) == 1 else "s"
        return f"it has {len(key)} character{plural}, fewer than {MIN_SECRET_KEY_CHARS}"
    if len(set(key)) < MIN_SECRET_KEY_DISTINCT:
        return (f"it has only {len(set(key))} distinct characters (a random key has "
                f"{MIN_SECRET_KEY_DISTINCT} or more)")
    # A string is a repetition of a shorter one exactly when it occurs inside itself doubled,
    # other than at the start.
    if (key + key).find(key, 1) < len(key):
        return "it is one piece of text repeated"
    return None


def check_secret_key(key: str, where: str) -> str:
    """`key` when it is strong enough; else `SecretKeyError` saying why and how to make one.
    `where` names where it came from, for the message."""
    problem = secret_key_problem(key)
    if problem is not None:
        raise SecretKeyError(
            f"the secret key in {where} is too weak ({problem}): set a random one of 64 hex "
            f"digits, made with `{MAKE_A_KEY}`, or leave it unset so that `moodtunes db "
            "upgrade` keeps one in the data folder")
    return key


def make_private_dir(path: Path) -> bool:
    """Makes the folder `path` (its parents too) when missing, open to this user only (0700)
    whatever the umask. An existing one open to others is closed, with a log line; a shared
    sticky folder such as /tmp is not moodtunes' to close, and is only warned about. True
    when an existing folder was closed."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode)
    if not mode & 0o077:
        return False
    if mode & stat.S_ISVTX:
        log.warning("the data folder %s is shared (mode %04o): anyone may list it; point "
                    "MOODTUNES_HOME at a folder of your own", path, mode)
        return False
    os.chmod(path, 0o700)
    log.warning("made the data folder %s private to its owner (mode 0700, was %04o)",
                path, mode)
    return True


def make_private_file(path: Path, why: str = "") -> bool:
    """Closes the existing file `path` to its owner (0600) when others could read or write
    it, with a log line (`why` adds what that means); True when it did."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if not mode & 0o077:
        return False
    os.chmod(path, 0o600)
    log.warning("made %s private to its owner (mode 0600, was %04o)%s", path, mode, why)
    return True


def secret_key_path(environ: Mapping[str, str] | None = None) -> Path:
    return data_dir(environ) / SECRET_KEY_FILE


def read_secret_key(path: Path) -> str | None:
    """The key kept in `path`; None when there is no file. `SecretKeyError` for a file that
    cannot be read or holds no real key (empty, or truncated)."""
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretKeyError(f"cannot read the secret key file {path}: {exc}") from None
    if secret_key_problem(key) is not None:
        raise SecretKeyError(f"the secret key file {path} holds no usable key; delete it and "
                             "run `moodtunes db upgrade` to make a new one")
    return key


def write_secret_key(path: Path) -> tuple[str, bool]:
    """The key in `path`, made first when there is none: written whole to a private temporary
    file (mode 0600) and linked into place, so a reader never sees half a key, and when two
    processes race, both end up with the one that was linked first. A file holding no usable
    key is replaced. The key, and whether this call made it."""
    try:
        found = read_secret_key(path)
    except SecretKeyError:
        found, replace_bad = None, True
    else:
        replace_bad = False
    if found is not None:
        return found, False
    make_private_dir(path.parent)
    key = secrets.token_hex(32)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(key + "\n")
            out.flush()
            os.fsync(out.fileno())
        if replace_bad:
            os.replace(temporary, path)
            return key, True
        try:
            os.link(temporary, path)
        except FileExistsError:  # another process made it meanwhile: theirs is the key
            again = read_secret_key(path)
            if again is None:
                raise SecretKeyError(f"the secret key file {path} vanished") from None
            return again, False
        return key, True
    finally:
        temporary.unlink(missing_ok=True)


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _field_type(name: str) -> tuple[type, bool]:
    """The type of a Settings field, and whether it may be None."""
    hint = get_type_hints(Settings)[name]
    args = [a for a in get_args(hint) if a is not type(None)]
    optional = len(args) != len(get_args(hint))
    return (args[0] if args else hint), optional


def _coerce(name: str, value: Any) -> Any:
    """`value` (from TOML or from an environment variable's text) as the field's type."""
    kind, optional = _field_type(name)
    if value is None or value == "":
        if not optional:
            raise ValueError(f"setting {name} needs a value")
        return None
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise ValueError(f"setting {name} must be true or false, got {value!r}")
    if kind is int:
        if isinstance(value, bool) or isinstance(value, float):
            raise ValueError(f"setting {name} must be a whole number, got {value!r}")
        try:
            return int(str(value).strip())
        except ValueError:
            raise ValueError(f"setting {name} must be a whole number, got {value!r}") from None
    if kind is float:
        try:
            number = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number):
            raise ValueError(f"setting {name} must be a number, got {value!r}")
        return number
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValueError(f"setting {name} must be text, got {value!r}")
    return str(value)


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
    settings = replace(defaults, **{k: _coerce(k, v) for k, v in values.items()})
    if settings.max_upload_mb < 1:
        raise ValueError("max_upload_mb must be at least 1")
    if settings.recommendations < 1:
        raise ValueError("recommendations must be at least 1")
    if settings.detector not in DETECTOR_NAMES:
        raise ValueError(f"detector must be one of {', '.join(DETECTOR_NAMES)}, got "
                         f"{settings.detector!r}")
    if not 0.0 < settings.mood_alpha <= 1.0:
        raise ValueError(f"mood_alpha must be in (0, 1], got {settings.mood_alpha}")
    if settings.camera_token is not None and len(settings.camera_token) < MIN_CAMERA_TOKEN_CHARS:
        raise ValueError(f"camera_token must have at least {MIN_CAMERA_TOKEN_CHARS} characters "
                         "(it is a password to the server camera): make one with `python -c "
                         '"import secrets; print(secrets.token_urlsafe(24))"`')
    if settings.secret_key is not None:
        check_secret_key(settings.secret_key, "the settings (MOODTUNES_SECRET_KEY)")
    return settings
