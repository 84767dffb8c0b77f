import math
import statistics

import pytest

from moodtunes.emotions import AFFECT, EMOTIONS
from moodtunes.music.catalog import Catalog, Track
from moodtunes.recommend.playlist import recommend_for_emotion


@pytest.fixture(scope="module")
def builtin() -> Catalog:
    return Catalog.builtin()


def make_track(
    title: str, artist: str, valence: float = 0.0, arousal: float = 0.0, emotion: str = "happy"
) -> Track:
    return Track(title, artist, "", None, (), valence, arousal, (), (emotion,), "test")


def keys(tracks: list[Track]) -> list[tuple[str, str]]:
    return [(t.title, t.artist) for t in tracks]


def test_same_seed_gives_the_same_playlist(builtin: Catalog) -> None:
    for emotion in EMOTIONS:
        first = recommend_for_emotion(builtin, emotion, n=10, seed=7)
        assert keys(first) == keys(recommend_for_emotion(builtin, emotion, n=10, seed=7))


def test_another_seed_gives_a_somewhat_different_playlist(builtin: Catalog) -> None:
    for emotion in EMOTIONS:
        playlists = [keys(recommend_for_emotion(builtin, emotion, seed=s)) for s in range(5)]
        assert len({tuple(p) for p in playlists}) > 1, emotion
        # Variety, not chaos: the same best-fitting songs keep turning up.
        assert set(playlists[0]) & set(playlists[1]), emotion


def test_n_is_honoured(builtin: Catalog) -> None:
    for n in (1, 5, 25):
        assert len(recommend_for_emotion(builtin, "sad", n=n)) == n


def test_everything_tagged_fits_when_n_is_large(builtin: Catalog) -> None:
    tagged = builtin.tracks_for("disgust")
    playlist = recommend_for_emotion(builtin, "disgust", n=10_000)
    assert sorted(keys(playlist)) == sorted(keys(tagged))


@pytest.mark.parametrize("n", [0, -3])
def test_n_below_one_is_rejected(builtin: Catalog, n: int) -> None:
    with pytest.raises(ValueError, match="n must be at least 1"):
        recommend_for_emotion(builtin, "happy", n=n)


def test_unknown_emotion_is_rejected_with_the_valid_names(builtin: Catalog) -> None:
    with pytest.raises(ValueError, match="angry, disgust, fear, happy, sad, surprise, neutral"):
        recommend_for_emotion(builtin, "joyful")


def test_only_songs_tagged_for_the_emotion(builtin: Catalog) -> None:
    for emotion in EMOTIONS:
        for track in recommend_for_emotion(builtin, emotion, n=30, seed=3):
            assert emotion in track.emotions


def test_never_the_same_artist_twice_in_a_row(builtin: Catalog) -> None:
    for emotion in EMOTIONS:
        for seed in range(10):
            playlist = recommend_for_emotion(builtin, emotion, n=1000, seed=seed)
            for before, after in zip(playlist, playlist[1:], strict=False):
                assert before.key[1] != after.key[1], (emotion, seed, before, after)


def test_same_artist_is_spread_out_or_the_list_ends() -> None:
    catalog = Catalog(
        [
            make_track("A1", "Ann", 0.0, 0.0),
            make_track("A2", "ann ", 0.01, 0.0),
            make_track("A3", "ANN", 0.02, 0.0),
            make_track("B1", "Bob", 0.9, 0.9),
        ]
    )
    for seed in range(10):
        playlist = recommend_for_emotion(catalog, "happy", n=4, seed=seed)
        # Ann, Bob, Ann: a third Ann song would follow Ann, so the playlist stops short.
        assert [t.artist.strip().lower() for t in playlist] == ["ann", "bob", "ann"]


def test_exclude_leaves_songs_out_ignoring_case(builtin: Catalog) -> None:
    first = recommend_for_emotion(builtin, "fear", n=5, seed=1)
    excluded = [(t.title.upper(), f"  {t.artist} ") for t in first[:3]]
    again = recommend_for_emotion(builtin, "fear", n=5, seed=1, exclude=excluded)
    assert len(again) == 5
    assert not {t.key for t in first[:3]} & {t.key for t in again}
    # Excluding songs does not reshuffle the rest: the survivors keep their relative order.
    survivors = keys(recommend_for_emotion(builtin, "fear", n=50, seed=1))
    remaining = [k for k in survivors if k not in keys(first[:3])]
    assert keys(again) == remaining[:5]


def test_best_fits_come_first(builtin: Catalog) -> None:
    for emotion in EMOTIONS:
        tagged = builtin.tracks_for(emotion)
        valence = statistics.mean(t.valence for t in tagged)
        arousal = statistics.mean(t.arousal for t in tagged)

        def distance(track: Track, v: float = valence, a: float = arousal) -> float:
            return math.hypot(track.valence - v, track.arousal - a)

        playlist = recommend_for_emotion(builtin, emotion, n=len(tagged), seed=0)
        head = statistics.mean(distance(t) for t in playlist[:10])
        tail = statistics.mean(distance(t) for t in playlist[-10:])
        assert head < tail, emotion


def test_closest_song_leads_when_it_is_clearly_closest() -> None:
    # The centre of these songs is (0.5, 0.5); "Centre" sits on it, the others far from it.
    catalog = Catalog(
        [
            make_track("Low", "A", 0.0, 0.0),
            make_track("Centre", "B", 0.5, 0.5),
            make_track("High", "C", 1.0, 1.0),
        ]
    )
    for seed in range(20):
        assert recommend_for_emotion(catalog, "happy", n=1, seed=seed)[0].title == "Centre"


def test_fear_and_anger_get_calming_music(builtin: Catalog) -> None:
    for emotion in ("fear", "angry"):
        for seed in range(5):
            playlist = recommend_for_emotion(builtin, emotion, n=10, seed=seed)
            mean_arousal = statistics.mean(t.arousal for t in playlist)
            assert mean_arousal < AFFECT["angry"].arousal, (emotion, seed)
            assert mean_arousal < 0.1, (emotion, seed)


def test_happy_music_is_more_pleasant_than_sad_music(builtin: Catalog) -> None:
    happy = recommend_for_emotion(builtin, "happy", n=20)
    sad = recommend_for_emotion(builtin, "sad", n=20)
    assert statistics.mean(t.valence for t in happy) > statistics.mean(t.valence for t in sad)


def test_an_emotion_without_songs_gives_an_empty_playlist() -> None:
    catalog = Catalog([make_track("Only", "Band", emotion="happy")])
    assert recommend_for_emotion(catalog, "sad") == []
