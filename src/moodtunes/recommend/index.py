"""A catalog as flat numpy arrays, built once, so that one recommendation is a handful of
vectorised passes instead of a Python loop over every track.

Strings are turned into integer codes (artists, genres, "works") at build time; what the
recommender needs per call is then only arrays and two small row lists per artist and per work
(`rows_of_artist`, `rows_of_work`), which make "no artist twice in a row" and "no near
duplicate" cost a few scattered writes rather than a pass over the catalog.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from moodtunes.music.catalog import Catalog, Track
from moodtunes.music.matching import name_key, track_key, work_title


def _codes(values: Iterable[str]) -> tuple[npt.NDArray[np.int32], list[str]]:
    """Integer codes in order of first appearance, and the vocabulary they index."""
    vocabulary: dict[str, int] = {}
    codes = np.fromiter(
        (vocabulary.setdefault(v, len(vocabulary)) for v in values), dtype=np.int32
    )
    return codes, list(vocabulary)


def _grouped(codes: npt.NDArray[np.int32], groups: int) -> tuple[
    npt.NDArray[np.int64], npt.NDArray[np.int32]
]:
    """CSR layout of rows by code: rows of code c are order[starts[c]:starts[c + 1]]."""
    order = np.argsort(codes, kind="stable").astype(np.int32)
    starts = np.zeros(groups + 1, dtype=np.int64)
    np.cumsum(np.bincount(codes, minlength=groups), out=starts[1:])
    return starts, order


class Index:
    """Arrays over a catalog's tracks (row i is track i), built once and then only read.

    Build it with `from_catalog` (keeps the `Track` objects) or `from_arrays` (no `Track`
    objects are kept; they are made on demand for the few tracks recommended, which keeps a
    million-track index small).
    """

    def __init__(
        self,
        titles: Sequence[str],
        artists: Sequence[str],
        valence: npt.ArrayLike,
        arousal: npt.ArrayLike,
        genres: Sequence[Sequence[str]] | None = None,
        tracks: Sequence[Track] | None = None,
    ) -> None:
        size = len(titles)
        if len(artists) != size:
            raise ValueError(f"got {size} titles but {len(artists)} artists")
        v = np.asarray(valence, dtype=np.float32)
        a = np.asarray(arousal, dtype=np.float32)
        for name, values in (("valence", v), ("arousal", a)):
            if values.shape != (size,):
                raise ValueError(f"{name} must have shape ({size},), got {values.shape}")
            if not np.all(np.isfinite(values) & (np.abs(values) <= 1.0)):
                raise ValueError(f"{name} values must be finite and in -1..1")
        if genres is not None and len(genres) != size:
            raise ValueError(f"got {size} titles but {len(genres)} genre lists")
        if tracks is not None and len(tracks) != size:
            raise ValueError(f"got {size} titles but {len(tracks)} tracks")
        self.valence = v
        self.arousal = a
        self.titles = list(titles)
        self._tracks = tuple(tracks) if tracks is not None else None

        # Artists are told apart by their `name_key`, as `track_key` does; the first spelling
        # seen is the one shown.
        artist_keys = [name_key(artist) for artist in artists]
        self.artist_codes, self.artist_keys = _codes(artist_keys)
        first_row = np.unique(self.artist_codes, return_index=True)[1]
        self.artist_names = [artists[int(row)] for row in first_row]
        self.artist_lookup = {key: code for code, key in enumerate(self.artist_keys)}
        self.work_codes, works = _codes(work_title(t) for t in titles)
        self.n_works = len(works)

        genre_lists = [
            tuple(dict.fromkeys(name_key(g) for g in track_genres if g.strip()))
            for track_genres in (genres if genres is not None else [()] * size)
        ]
        self.genre_names: list[str] = list(
            dict.fromkeys(g for track_genres in genre_lists for g in track_genres)
        )
        self.genre_lookup = {name: code for code, name in enumerate(self.genre_names)}
        width = max((len(g) for g in genre_lists), default=0)
        # -1 pads tracks with fewer genres; scoring maps it to a zero affinity.
        self.genre_codes = np.full((size, width), -1, dtype=np.int32)
        for row, track_genres in enumerate(genre_lists):
            for column, genre in enumerate(track_genres):
                self.genre_codes[row, column] = self.genre_lookup[genre]
        self.genre_counts = (self.genre_codes >= 0).sum(axis=1).astype(np.float32)

        self._artist_starts, self._artist_order = _grouped(
            self.artist_codes, len(self.artist_keys)
        )
        self._work_starts, self._work_order = _grouped(self.work_codes, self.n_works)
        # Keys are found by hash: a sorted int64 array costs 16 bytes a track, where a dict of
        # a million (title, artist) tuples would cost over 150 MB.
        hashes = np.fromiter(
            (hash(track_key(t, ak)) for t, ak in zip(self.titles, artist_keys, strict=True)),
            dtype=np.int64,
            count=size,
        )
        self._hash_order = np.argsort(hashes, kind="stable")
        self._sorted_hashes = hashes[self._hash_order]

    @classmethod
    def from_catalog(cls, catalog: Catalog | Sequence[Track]) -> Index:
        """The index of a catalog (or of any list of tracks), keeping the tracks themselves."""
        tracks = tuple(catalog)
        return cls(
            [t.title for t in tracks],
            [t.artist for t in tracks],
            [t.valence for t in tracks],
            [t.arousal for t in tracks],
            [t.genres for t in tracks],
            tracks=tracks,
        )

    @classmethod
    def from_arrays(
        cls,
        titles: Sequence[str],
        artists: Sequence[str],
        valence: npt.ArrayLike,
        arousal: npt.ArrayLike,
        genres: Sequence[Sequence[str]] | None = None,
    ) -> Index:
        """An index of raw columns, for catalogs too large to hold as `Track` objects."""
        return cls(titles, artists, valence, arousal, genres)

    def __len__(self) -> int:
        return len(self.titles)

    def __repr__(self) -> str:
        return f"Index({len(self)} tracks, {len(self.artist_keys)} artists)"

    @property
    def nbytes(self) -> int:
        """Bytes held in numpy arrays (the Python strings come on top)."""
        arrays = (
            self.valence, self.arousal, self.artist_codes, self.work_codes, self.genre_codes,
            self.genre_counts, self._artist_starts, self._artist_order, self._work_starts,
            self._work_order, self._hash_order, self._sorted_hashes,
        )
        return sum(array.nbytes for array in arrays)

    def track(self, row: int) -> Track:
        """The track in `row`; for an index built from arrays, made on the spot."""
        if self._tracks is not None:
            return self._tracks[row]
        genres = tuple(self.genre_names[g] for g in self.genre_codes[row] if g >= 0)
        return Track(
            title=self.titles[row],
            artist=self.artist_names[int(self.artist_codes[row])],
            album="",
            year=None,
            genres=genres,
            valence=float(self.valence[row]),
            arousal=float(self.arousal[row]),
            moods=(),
            emotions=(),
            source="index",
        )

    def key(self, row: int) -> tuple[str, str]:
        return track_key(self.titles[row], self.artist_keys[int(self.artist_codes[row])])

    def row_of(self, key: tuple[str, str]) -> int | None:
        """The row of the track with this (title, artist) key, matched like `track_key`."""
        return self.lookup([key]).get(track_key(*key))

    def lookup(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """The rows of those keys (normalised like `track_key`) that are in the index."""
        wanted = list(dict.fromkeys(track_key(*key) for key in keys))
        if not wanted or not len(self):
            return {}
        hashes = np.fromiter((hash(key) for key in wanted), dtype=np.int64, count=len(wanted))
        positions = np.searchsorted(self._sorted_hashes, hashes)
        inside = np.minimum(positions, len(self) - 1)
        found: dict[tuple[str, str], int] = {}
        for i in np.flatnonzero(self._sorted_hashes[inside] == hashes).tolist():
            # Equal hashes are checked against the row's own key: a collision is unlikely at
            # 64 bits, not impossible.
            position = int(positions[i])
            while position < len(self) and self._sorted_hashes[position] == hashes[i]:
                row = int(self._hash_order[position])
                if self.key(row) == wanted[i]:
                    found[wanted[i]] = row
                    break
                position += 1
        return found

    def rows_of(self, keys: Iterable[tuple[str, str]]) -> npt.NDArray[np.int64]:
        """The rows of those keys that are in the index, in the order given, each once."""
        return np.fromiter(self.lookup(keys).values(), dtype=np.int64)

    def rows_of_artist(self, code: int) -> npt.NDArray[np.int32]:
        return self._artist_order[self._artist_starts[code]:self._artist_starts[code + 1]]

    def rows_of_work(self, code: int) -> npt.NDArray[np.int32]:
        return self._work_order[self._work_starts[code]:self._work_starts[code + 1]]
