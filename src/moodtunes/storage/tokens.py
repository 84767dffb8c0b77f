"""Each profile's Spotify sign-in, kept on the server and encrypted at rest.

The sign-in (Spotify's access and refresh tokens, the user's name on Spotify, and the id of
this connection) is sealed with AES-256-GCM under a key derived by HKDF-SHA256 from the app's
secret key, with the profile id as associated data: a row copied to another profile does not
open, a database copied without the secret key opens nowhere, and a new secret key makes every
stored sign-in unreadable (`UnreadableTokenError`), which the web app answers by forgetting it
and asking the user to connect again.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from moodtunes.errors import MoodtunesError
from moodtunes.storage.models import SpotifyTokenRow

# HKDF's "info": a key for this purpose only, never the one that signs the cookies.
KEY_PURPOSE = b"moodtunes spotify tokens v1"
# The sealed text starts with its format, so a later one can be told apart.
FORMAT = "v1"
NONCE_BYTES = 12


class UnreadableTokenError(MoodtunesError):
    """A stored sign-in that the current secret key does not open: the key changed, or the
    row was altered or copied from another profile."""

    code = "spotify_reconnect"
    status = 401


@dataclass(frozen=True)
class SpotifySignIn:
    """What is kept of one profile's Spotify connection. `connection` is a random id that the
    browser which connected also keeps, so a copy of its cookie taken before a disconnect does
    not reach a later connection of the same profile."""

    token: Mapping[str, Any]
    user: str | None
    connection: str

    def to_dict(self) -> dict[str, Any]:
        return {"token": dict(self.token), "user": self.user, "connection": self.connection}

    @classmethod
    def from_dict(cls, data: object) -> SpotifySignIn:
        """`ValueError` for anything but what `to_dict` makes."""
        if not isinstance(data, dict):
            raise ValueError("a sign-in is an object")
        token, user, connection = data.get("token"), data.get("user"), data.get("connection")
        if not (isinstance(token, dict) and isinstance(connection, str)
                and (user is None or isinstance(user, str))):
            raise ValueError("a sign-in has a token, a connection and perhaps a user")
        return cls(token, user, connection)


class TokenCipher:
    """Seals and opens sign-ins under a key derived from the app's secret key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("an AES-256 key has 32 bytes")
        self._aead = AESGCM(key)

    @classmethod
    def from_secret(cls, secret: str | bytes) -> TokenCipher:
        """The cipher of the app whose secret key is `secret` (`SECRET_KEY`)."""
        raw = secret.encode("utf-8") if isinstance(secret, str) else secret
        if not raw:
            raise ValueError("no secret key to derive the token key from")
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_PURPOSE)
        return cls(hkdf.derive(raw))

    def seal(self, profile_id: str, sign_in: SpotifySignIn) -> str:
        """`sign_in` as text that only this key opens, and only for `profile_id`."""
        nonce = os.urandom(NONCE_BYTES)
        plain = json.dumps(sign_in.to_dict(), separators=(",", ":")).encode("utf-8")
        sealed = self._aead.encrypt(nonce, plain, _associated(profile_id))
        return f"{FORMAT}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"

    def open(self, profile_id: str, text: str) -> SpotifySignIn:
        """The sign-in sealed in `text` for `profile_id`; `UnreadableTokenError` when this
        key did not seal it for that profile, or it was altered."""
        form, _, body = text.partition(":")
        try:
            if form != FORMAT:
                raise ValueError(f"unknown format {form!r}")
            raw = base64.urlsafe_b64decode(body.encode("ascii"))
            plain = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:],
                                       _associated(profile_id))
            return SpotifySignIn.from_dict(json.loads(plain))
        except (InvalidTag, ValueError, binascii.Error) as exc:
            raise UnreadableTokenError(
                "the Spotify sign-in kept for this browser cannot be read with this server's "
                "secret key (it changed since); connect Spotify again") from exc


def _associated(profile_id: str) -> bytes:
    return b"spotify_tokens:" + profile_id.encode("utf-8")


# --- repository -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredSignIn:
    """A sign-in as read, with the sealed text it was read from (to replace only that)."""

    sign_in: SpotifySignIn
    sealed: str


def save_spotify_sign_in(session: Session, cipher: TokenCipher, profile_id: str,
                         sign_in: SpotifySignIn) -> StoredSignIn:
    """Keeps `sign_in` for the profile (which must exist), replacing the one it had."""
    sealed = cipher.seal(profile_id, sign_in)
    values = {"profile_id": profile_id, "ciphertext": sealed, "updated_at": datetime.now(UTC)}
    # One statement, so two requests saving at once (a refresh in each) cannot both insert.
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        lite = sqlite_insert(SpotifyTokenRow).values(values)
        session.execute(lite.on_conflict_do_update(
            index_elements=["profile_id"],
            set_={"ciphertext": lite.excluded.ciphertext,
                  "updated_at": lite.excluded.updated_at}))
    elif dialect == "postgresql":
        pg = postgresql_insert(SpotifyTokenRow).values(values)
        session.execute(pg.on_conflict_do_update(
            index_elements=["profile_id"],
            set_={"ciphertext": pg.excluded.ciphertext, "updated_at": pg.excluded.updated_at}))
    else:
        session.merge(SpotifyTokenRow(**values))
    session.flush()
    return StoredSignIn(sign_in, sealed)


def replace_spotify_sign_in(session: Session, cipher: TokenCipher, profile_id: str,
                            read: StoredSignIn, sign_in: SpotifySignIn) -> StoredSignIn | None:
    """Replaces the sign-in `read` by `sign_in` (a refreshed token); None, and nothing
    written, when the profile's row is no longer the one read: disconnected or connected
    anew meanwhile, which a late refresh must not undo."""
    sealed = cipher.seal(profile_id, sign_in)
    done = session.execute(
        update(SpotifyTokenRow)
        .where(SpotifyTokenRow.profile_id == profile_id,
               SpotifyTokenRow.ciphertext == read.sealed)
        .values(ciphertext=sealed, updated_at=datetime.now(UTC)))
    return StoredSignIn(sign_in, sealed) if getattr(done, "rowcount", 0) == 1 else None


def load_spotify_sign_in(session: Session, cipher: TokenCipher, profile_id: str
                         ) -> StoredSignIn | None:
    """The profile's sign-in; None when it has none. `UnreadableTokenError` for one that
    `cipher` cannot open."""
    row = session.get(SpotifyTokenRow, profile_id)
    if row is None:
        return None
    return StoredSignIn(cipher.open(profile_id, row.ciphertext), row.ciphertext)


def delete_spotify_sign_in(session: Session, profile_id: str) -> bool:
    """Forgets the profile's sign-in; True when there was one."""
    done = session.execute(delete(SpotifyTokenRow).where(SpotifyTokenRow.profile_id == profile_id))
    return bool(getattr(done, "rowcount", 0))
