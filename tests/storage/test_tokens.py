"""Spotify sign-ins kept on the server (`moodtunes.storage.tokens`): encrypted at rest, bound
to their profile and to the secret key, on a real SQLite file migrated by Alembic."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from moodtunes.storage.db import create_db_engine, head_revision, session_factory
from moodtunes.storage.files import database_files
from moodtunes.storage.library import ensure_profile
from moodtunes.storage.models import ProfileRow, SpotifyTokenRow
from moodtunes.storage.tokens import (
    SpotifySignIn,
    TokenCipher,
    UnreadableTokenError,
    delete_spotify_sign_in,
    load_spotify_sign_in,
    replace_spotify_sign_in,
    save_spotify_sign_in,
)
from tests.support import migrate, revision

SECRET = "3b" * 32
ACCESS, REFRESH = "BQD-access-token-of-the-listener", "AQA-refresh-token-of-the-listener"


def sign_in(access: str = ACCESS, refresh: str = REFRESH, connection: str = "c-1"
            ) -> SpotifySignIn:
    return SpotifySignIn({"access_token": access, "refresh_token": refresh,
                          "expires_at": 1_900_000_000, "token_type": "Bearer"},
                         "The Listener", connection)


@pytest.fixture
def cipher() -> TokenCipher:
    return TokenCipher.from_secret(SECRET)


@pytest.fixture
def profile(sessions: sessionmaker[Session]) -> str:
    with sessions.begin() as db:
        return ensure_profile(db, None).id


def test_a_sign_in_comes_back_as_saved_and_is_replaced_whole(
    sessions: sessionmaker[Session], cipher: TokenCipher, profile: str
) -> None:
    with sessions.begin() as db:
        assert load_spotify_sign_in(db, cipher, profile) is None
        save_spotify_sign_in(db, cipher, profile, sign_in())
    with sessions() as db:
        kept = load_spotify_sign_in(db, cipher, profile)
    assert kept is not None and kept.sign_in == sign_in()

    with sessions.begin() as db:  # a second connection replaces the first, in one row
        save_spotify_sign_in(db, cipher, profile, sign_in("second", connection="c-2"))
    with sessions() as db:
        assert len(db.scalars(select(SpotifyTokenRow)).all()) == 1
        kept = load_spotify_sign_in(db, cipher, profile)
    assert kept is not None and kept.sign_in.connection == "c-2"
    assert kept.sign_in.token["access_token"] == "second"


@pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # reads the file
def test_the_stored_row_and_the_database_file_hold_no_plaintext(
    engine: Engine, sessions: sessionmaker[Session], cipher: TokenCipher, profile: str,
    tmp_path: Path,
) -> None:
    with sessions.begin() as db:
        save_spotify_sign_in(db, cipher, profile, sign_in())
    with sessions() as db:
        row = db.get(SpotifyTokenRow, profile)
        assert row is not None
        text = row.ciphertext
    assert text.startswith("v1:")
    for plain in (ACCESS, REFRESH, "The Listener", "access_token", "c-1"):
        assert plain not in text
    engine.dispose()
    raw = b"".join(f.read_bytes() for f in database_files(tmp_path / "test.db"))
    assert profile.encode() in raw  # the file does hold the row...
    for plain in (ACCESS, REFRESH, "The Listener"):
        assert plain.encode() not in raw  # ...but not what it says


@pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # reads the file
def test_a_database_copied_without_the_secret_key_cannot_be_decrypted(
    engine: Engine, sessions: sessionmaker[Session], cipher: TokenCipher, profile: str,
    tmp_path: Path,
) -> None:
    with sessions.begin() as db:
        save_spotify_sign_in(db, cipher, profile, sign_in())
    engine.dispose()
    copy = tmp_path / "copy.db"
    shutil.copyfile(tmp_path / "test.db", copy)
    stolen = session_factory(create_db_engine(f"sqlite:///{copy}"))
    guesses = [TokenCipher.from_secret(key) for key in ("", "a", "t", "3b" * 31, SECRET + "x")
               if key]
    with stolen() as db:
        for guess in guesses:
            with pytest.raises(UnreadableTokenError, match="connect Spotify again"):
                load_spotify_sign_in(db, guess, profile)
        # The copy holds the sign-in: the key alone is what was missing.
        kept = load_spotify_sign_in(db, cipher, profile)
    assert kept is not None and kept.sign_in.token["refresh_token"] == REFRESH


def test_a_row_moved_to_another_profile_or_altered_does_not_open(
    sessions: sessionmaker[Session], cipher: TokenCipher, profile: str
) -> None:
    with sessions.begin() as db:
        save_spotify_sign_in(db, cipher, profile, sign_in())
        other = ensure_profile(db, None).id
        text = db.get_one(SpotifyTokenRow, profile).ciphertext
        db.add(SpotifyTokenRow(profile_id=other, ciphertext=text))
    with sessions() as db:
        with pytest.raises(UnreadableTokenError):
            load_spotify_sign_in(db, cipher, other)
    flipped = text[:-3] + ("A" if text[-3] != "A" else "B") + text[-2:]
    for altered in (flipped, "v2:" + text[3:], "v1:not base64 at all!", "", text[:20]):
        with pytest.raises(UnreadableTokenError):
            cipher.open(profile, altered)


def test_a_refresh_replaces_only_the_sign_in_it_read(
    sessions: sessionmaker[Session], cipher: TokenCipher, profile: str
) -> None:
    with sessions.begin() as db:
        read = save_spotify_sign_in(db, cipher, profile, sign_in())
    with sessions.begin() as db:
        refreshed = replace_spotify_sign_in(db, cipher, profile, read, sign_in("fresh"))
    assert refreshed is not None
    with sessions() as db:
        kept = load_spotify_sign_in(db, cipher, profile)
    assert kept is not None and kept.sign_in.token["access_token"] == "fresh"

    # A late refresh of the first read, after a disconnect, puts nothing back...
    with sessions.begin() as db:
        assert delete_spotify_sign_in(db, profile) is True
        assert delete_spotify_sign_in(db, profile) is False
        assert replace_spotify_sign_in(db, cipher, profile, refreshed, sign_in("late")) is None
        assert load_spotify_sign_in(db, cipher, profile) is None
    # ...nor undoes a connection made since.
    with sessions.begin() as db:
        save_spotify_sign_in(db, cipher, profile, sign_in("new", connection="c-2"))
        assert replace_spotify_sign_in(db, cipher, profile, read, sign_in("late")) is None
        kept = load_spotify_sign_in(db, cipher, profile)
    assert kept is not None and kept.sign_in.token["access_token"] == "new"


def test_deleting_a_profile_deletes_its_sign_in(
    sessions: sessionmaker[Session], cipher: TokenCipher, profile: str
) -> None:
    with sessions.begin() as db:
        save_spotify_sign_in(db, cipher, profile, sign_in())
    with sessions.begin() as db:
        db.delete(db.get_one(ProfileRow, profile))
    with sessions() as db:
        assert db.scalars(select(SpotifyTokenRow)).all() == []


def test_the_key_is_derived_from_the_secret_and_nothing_else() -> None:
    one, again, other = (TokenCipher.from_secret(k) for k in (SECRET, SECRET, "4c" * 32))
    sealed = one.seal("p", sign_in())
    assert sealed != one.seal("p", sign_in())  # a fresh nonce each time
    assert again.open("p", sealed) == sign_in()
    with pytest.raises(UnreadableTokenError):
        other.open("p", sealed)
    with pytest.raises(ValueError, match="no secret key"):
        TokenCipher.from_secret("")


def test_migration_0006_adds_and_drops_the_table(engine: Engine,
                                                 sessions: sessionmaker[Session]) -> None:
    assert revision(engine) == head_revision()
    migrate(engine, "0005", down=True)
    with engine.connect() as connection:
        assert not engine.dialect.has_table(connection, "spotify_tokens")
    migrate(engine, "head")
    with sessions.begin() as db:  # usable again after the round trip
        profile = ensure_profile(db, None).id
        save_spotify_sign_in(db, TokenCipher.from_secret(SECRET), profile, sign_in())
