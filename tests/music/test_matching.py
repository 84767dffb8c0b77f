"""Golden tests of every normalising and matching rule: real-world spellings in, keys out."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from moodtunes.music.matching import (
    best_match,
    fold,
    match_key,
    match_score,
    name_key,
    normalise_artist,
    normalise_title,
    primary_artist,
    rank_matches,
    track_key,
    work_title,
)

# --- the stored key: byte for byte what databases already hold -------------------------------

# (title, artist) -> the key stored in the tracks table before matching.py existed. Only case
# and spacing are set aside: accents, punctuation, "feat." and version notes all stay.
TRACK_KEYS = [
    (("Yesterday", "The Beatles"), ("yesterday", "the beatles")),
    (("  Don't   Stop Me Now ", "QUEEN"), ("don't stop me now", "queen")),
    (("Déjà Vu", "Beyoncé & JAY-Z"), ("déjà vu", "beyoncé & jay-z")),
    (("Here Comes The Sun - Remastered 2009", "The Beatles"),
     ("here comes the sun - remastered 2009", "the beatles")),
    (("Get Lucky (feat. Pharrell Williams)", "Daft Punk"),
     ("get lucky (feat. pharrell williams)", "daft punk")),
    (("Straße", "Die Ärzte"), ("strasse", "die ärzte")),  # casefold, not lower
    # casefold writes every sigma as σ, a final ς too.
    (("ΣΊΣΥΦΟΣ", "Μίκης Θεοδωράκης"), ("σίσυφοσ", "μίκησ θεοδωράκησ")),
    (("강남스타일", "PSY"), ("강남스타일", "psy")),
    (("上を向いて歩こう", "坂本 九"), ("上を向いて歩こう", "坂本 九")),
    (("Tab\there", "New\nLine"), ("tab here", "new line")),
    (("", ""), ("", "")),
]


@pytest.mark.parametrize(("song", "key"), TRACK_KEYS)
def test_track_key_is_the_stored_key(song: tuple[str, str], key: tuple[str, str]) -> None:
    assert track_key(*song) == key


@pytest.mark.parametrize(("song", "key"), TRACK_KEYS)
def test_track_key_equals_the_rule_it_replaced(
    song: tuple[str, str], key: tuple[str, str]
) -> None:
    # The rule of music/catalog.py before the move, written out: it must never drift.
    old = tuple(" ".join(part.casefold().split()) for part in song)
    assert track_key(*song) == old == key


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("  Pink   Floyd ", "pink floyd"),
        ("Beyoncé", "beyoncé"),
        ("Pop Rock", "pop rock"),
        ("pop  rock", "pop rock"),
        ("K-Pop", "k-pop"),
        ("", ""),
    ],
)
def test_name_key_for_artists_and_genres(name: str, key: str) -> None:
    assert name_key(name) == key
    assert name_key(name) == track_key("", name)[1]


# --- folding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Beyoncé & JAY-Z", "beyonce and jay z"),
        ("Simon and Garfunkel", "simon and garfunkel"),
        ("Don't Stop", "dont stop"),
        ("Don\u2019t Stop", "dont stop"),
        ("Mr. Blue Sky", "mr blue sky"),
        ("Take Me Home_ Country Roads", "take me home country roads"),
        ("Şımarık", "simarik"),
        ("Águas de Março", "aguas de marco"),
        ("Straße", "strasse"),
        ("Æon Flux", "aeon flux"),
        ("Søren Østergaard", "soren ostergaard"),
        ("Łódź", "lodz"),
        ("ﬁne", "fine"),  # a ligature
        ("Ｔｏｋｙｏ", "tokyo"),  # full-width letters
        ("🔥 Fire 🔥", "fire"),
        ("AC/DC", "ac dc"),
        ("$uicide", "uicide"),
        ("Ёлка", "елка"),
        ("Ода к радости", "ода к радости"),
        # Other scripts keep every letter and mark: a virama or a dakuten makes a new letter.
        ("नमस्ते दुनिया", "नमस्ते दुनिया"),
        ("ガンダム", "ガンダム"),
        ("강남스타일!", "강남스타일"),
        ("東京、大阪", "東京 大阪"),
        ("أغنية", "أغنية"),
        ("", ""),
        ("  ?! ", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_fold_takes_the_same_view_of_ascii_on_its_fast_path() -> None:
    # "é" sends the text down the full Unicode path; it folds to "e".
    for code in range(128):
        text = f"A{chr(code)}b"
        assert fold(text) + "e" == fold(text + "é"), repr(chr(code))


# --- the work a title names ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "work"),
    [
        ("Yesterday", "yesterday"),
        ("Yesterday - Remastered 2009", "yesterday"),
        ("Yesterday (Remastered)", "yesterday"),
        ("Hallelujah (Live at the Olympia)", "hallelujah"),
        ("Hallelujah - Live", "hallelujah"),
        ("Hallelujah – Live in Paris", "hallelujah"),  # an en dash
        ("Stay With Me [Acoustic Version]", "stay with me"),
        ("Under Pressure (feat. David Bowie)", "under pressure"),
        ("Under Pressure feat. David Bowie", "under pressure"),
        ("Let It Go - From \"Frozen\"", "let it go"),
        ("Águas de Março", "aguas de marco"),
        ("No Mean Feat", "no mean feat"),
        ("  DON'T  stop me now!", "dont stop me now"),
        # Version words outside brackets are part of the title.
        ("Itsumo Nando Demo", "itsumo nando demo"),
        ("Live and Let Die", "live and let die"),
        ("(Sittin' On) The Dock of the Bay", "sittin on the dock of the bay"),
        # Brackets without a version word are part of the title.
        ("Waka Waka (This Time for Africa)", "waka waka this time for africa"),
        ("Bagatelle No. 25 (Für Elise)", "bagatelle no 25 fur elise"),
        ("(Live)", "live"),
        ("?", "?"),
        ("", ""),
    ],
)
def test_work_title(title: str, work: str) -> None:
    assert work_title(title) == work


# --- the loose key that matches across data sets ---------------------------------------------


@pytest.mark.parametrize(
    ("title", "normalised"),
    [
        ("Here Comes The Sun - Remastered 2009", "here comes the sun"),
        ("Get Lucky (feat. Pharrell Williams & Nile Rodgers) - Radio Edit", "get lucky"),
        ("Mr. Blue Sky (Album Version)", "mr blue sky"),
        ("Don’t Stop Me Now [Live]", "dont stop me now"),
        ("Yesterday - Live", "yesterday"),
        ("Waka Waka (This Time for Africa)", "waka waka"),  # looser than work_title
        ("(Sittin' On) The Dock of the Bay", "sittin on the dock of the bay"),
        ("Hey Jude - 2015 Mix", "hey jude"),
        ("Part 2 - The Return", "part 2 the return"),  # a dash without a version word stays
        ("Caf\u00e9 (Live) {Bonus}", "cafe"),
        ("(Live)", "live"),
        ("?", "?"),
        ("", ""),
    ],
)
def test_normalise_title(title: str, normalised: str) -> None:
    assert normalise_title(title) == normalised


@pytest.mark.parametrize(
    ("artist", "normalised", "primary"),
    [
        ("The Beatles", "beatles", "beatles"),
        ("The The", "the", "the"),
        ("Queen & David Bowie", "queen and david bowie", "queen"),
        ("Sting feat. Cheb Mami", "sting", "sting"),
        ("Daft Punk ft. Pharrell", "daft punk", "daft punk"),
        ("The Chainsmokers & Coldplay", "chainsmokers and coldplay", "chainsmokers"),
        ("Simon and Garfunkel", "simon and garfunkel", "simon"),
        ("Beyoncé, JAY-Z", "beyonce jay z", "beyonce"),
        ("BTS (방탄소년단)", "bts 방탄소년단", "bts 방탄소년단"),
        ("", "", ""),
    ],
)
def test_normalise_artist_and_primary_artist(artist: str, normalised: str, primary: str) -> None:
    assert normalise_artist(artist) == normalised
    assert primary_artist(artist) == primary


@pytest.mark.parametrize(
    ("theirs", "ours"),
    [
        (("Here Comes The Sun - Remastered 2009", "The Beatles"),
         ("Here Comes the Sun", "Beatles")),
        (("Get Lucky (feat. Pharrell Williams & Nile Rodgers) - Radio Edit", "Daft Punk"),
         ("Get Lucky", "Daft Punk feat. Pharrell Williams & Nile Rodgers")),
        (("Mr. Blue Sky (Album Version)", "ELECTRIC LIGHT ORCHESTRA"),
         ("Mr Blue Sky", "Electric Light Orchestra")),
        (("Aguas de Marco", "Elis Regina and Tom Jobim"),
         ("Águas de Março", "Elis Regina & Tom Jobim")),
        (("Simarik", "Tarkan"), ("Şımarık", "Tarkan")),
        (("Take Me Home_ Country Roads", "John Denver"),
         ("Take Me Home, Country Roads", "John Denver")),
        (("Sittin' On the Dock of the Bay", "Otis Redding"),
         ("(Sittin' On) The Dock of the Bay", "Otis Redding")),
        (("Don’t Stop Me Now [Live]", "Queen"), ("Don't Stop Me Now", "Queen")),
    ],
)
def test_match_key_sets_spelling_apart(theirs: tuple[str, str], ours: tuple[str, str]) -> None:
    assert match_key(*theirs) == match_key(*ours)


def test_match_key_keeps_different_songs_apart() -> None:
    assert match_key("Yesterday", "The Beatles") != match_key("Yesterday Once More", "Carpenters")
    assert match_key("Breathe", "Pink Floyd") != match_key("Breathe", "Lee Hi")
    assert match_key("?", "Band") != match_key("!", "Band")  # punctuation-only titles
    assert match_key("ハート", "A") != match_key("バート", "A")  # a dakuten is a letter


# --- scoring search results ------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    title: str
    artist: str
    artists: tuple[str, ...] = ()


@pytest.mark.parametrize(
    ("wanted", "found", "score"),
    [
        (("Hallelujah", "Jeff Buckley"), Found("Hallelujah", "Jeff Buckley"), 11),
        (("déjà vu", "Beyoncé"), Found("Deja Vu", "Beyonce"), 11),
        (("Hallelujah", "Jeff Buckley"), Found("Hallelujah - Live at Sin-é", "Jeff Buckley"), 8),
        (("Déjà Vu", "Beyoncé"), Found("Déjà Vu (Remastered 2011)", "Beyoncé",
                                       ("Beyoncé", "JAY-Z")), 8),
        (("Mrs Robinson", "Simon & Garfunkel"),
         Found("Mrs. Robinson", "Simon & Garfunkel", ("Simon & Garfunkel",)), 11),
        (("Under Pressure", "Queen & David Bowie"),
         Found("Under Pressure", "Queen", ("Queen", "David Bowie")), 11),  # all of them together
        (("Yesterday", "Beatles"), Found("Yesterday", "The Beatles"), 11),
        (("Für Elise", "Beethoven"),
         Found('Bagatelle No. 25 in A Minor, WoO 59 "Für Elise"', "Ludwig van Beethoven",
               ("Ludwig van Beethoven", "Alfred Brendel")), 4),
        (("Yesterday", "The Beatles"), Found("Yesterday", "Boyz II Men"), 0),
        (("Yesterday", "The Beatles"), Found("Yesterday Once More", "The Beatles"), 5),
        (("Let It Be", "The Beatles"), Found("Yesterday", "The Beatles"), 0),
        (("", ""), Found("Song", "Band"), 0),
    ],
)
def test_match_score(wanted: tuple[str, str], found: Found, score: int) -> None:
    assert match_score(*wanted, found.title, found.artists or (found.artist,)) == score


def test_rank_matches_puts_the_closest_first_and_keeps_the_service_order_on_ties() -> None:
    cover = Found("Hallelujah", "Some Cover Band")
    live = Found("Hallelujah - Live", "Jeff Buckley")
    first, second = Found("Hallelujah", "Jeff Buckley"), Found("HALLELUJAH", "jeff buckley")
    ranked = rank_matches("Hallelujah", "Jeff Buckley", [cover, live, first, second])
    assert [(m.track, m.score) for m in ranked] == [(first, 11), (second, 11), (live, 8),
                                                     (cover, 0)]
    assert best_match("Hallelujah", "Jeff Buckley", [cover, live, first, second]) is first
    assert best_match("Hallelujah", "Jeff Buckley", [cover]) is None
    assert best_match("Hallelujah", "Jeff Buckley", []) is None
