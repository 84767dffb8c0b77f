from typing import Any

import numpy as np
import pytest

from moodtunes.music.catalog import Catalog, Track
from moodtunes.recommend.index import Index


def track(title: str, artist: str, valence: float = 0.0, arousal: float = 0.0,
          genres: tuple[str, ...] = ()) -> Track:
    return Track(title, artist, "", None, genres, valence, arousal, (), ("happy",), "test")


def test_index_keeps_catalog_order_and_tracks(catalog: Catalog) -> None:
    index = Index.from_catalog(catalog)
    assert len(index) == len(catalog)
    assert index.track(5) is catalog.tracks[5]
    assert index.valence[5] == pytest.approx(catalog.tracks[5].valence)
    assert index.valence.dtype == np.float32


def test_keys_are_found_blind_to_case_and_spacing(catalog: Catalog) -> None:
    index = Index.from_catalog(catalog)
    target = catalog.tracks[42]
    assert index.row_of((target.title.upper(), "  " + target.artist + " ")) == 42
    assert index.row_of(("No Such Song", target.artist)) is None
    rows = index.rows_of([catalog.tracks[3].key, ("nope", "nobody"), catalog.tracks[1].key])
    assert rows.tolist() == [3, 1]


def test_versions_share_a_work_and_artists_share_a_code() -> None:
    index = Index.from_catalog([
        track("Song", "A"), track("Song (Live)", "a"), track("Other", "B"), track("song", "C"),
    ])
    assert len(index.artist_keys) == 3
    assert index.artist_names[0] == "A"
    assert index.rows_of_artist(0).tolist() == [0, 1]
    assert sorted(index.rows_of_work(int(index.work_codes[0])).tolist()) == [0, 1, 3]


def test_an_index_from_arrays_makes_tracks_on_demand() -> None:
    index = Index.from_arrays(["One", "Two"], ["X", "Y"], [0.5, -0.5], [0.1, 0.2],
                              [["Pop", "rock"], []])
    made = index.track(0)
    assert (made.title, made.artist, made.genres) == ("One", "X", ("pop", "rock"))
    assert made.valence == pytest.approx(0.5)
    assert index.track(1).genres == ()
    assert index.row_of(("two", "y")) == 1
    assert index.nbytes > 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"artists": ["X"]}, "got 2 titles but 1 artists"),
        ({"valence": [0.1]}, r"valence must have shape \(2,\)"),
        ({"arousal": [0.1, 1.5]}, "arousal values must be finite and in -1..1"),
        ({"genres": [["pop"]]}, "got 2 titles but 1 genre lists"),
    ],
)
def test_bad_columns_are_rejected(kwargs: dict[str, Any], message: str) -> None:
    columns: dict[str, Any] = {"titles": ["One", "Two"], "artists": ["X", "Y"],
                                  "valence": [0.1, 0.2], "arousal": [0.1, 0.2]}
    columns.update(kwargs)
    with pytest.raises(ValueError, match=message):
        Index.from_arrays(**columns)


def test_an_empty_index_finds_nothing() -> None:
    index = Index.from_arrays([], [], [], [])
    assert len(index) == 0
    assert index.row_of(("a", "b")) is None
