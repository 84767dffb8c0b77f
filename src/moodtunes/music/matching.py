"""How songs are told apart and matched: every rule for normalising a title, an artist or a
genre, and for scoring a music service's search result, lives here.

From strictest to loosest:

* `track_key` is the catalog's identity of a song: case and spacing set aside, nothing else.
  It is stored (the tracks table's `title_key`/`artist_key`, feedback, libraries), so its
  output must never change, or stored keys stop finding their songs.
* `name_key` is an artist or a genre as the recommender tells them apart (the artist half of
  `track_key`, so that favourite artists find the catalog's).
* `work_title` is the song a title names, for "no near duplicate in one playlist": version
  marks in brackets or after a dash ("(Live)", "- Remastered 2009") and "feat." credits go,
  and so do case, accents and punctuation; other brackets stay ("Waka Waka (This Time for
  Africa)"), since they often tell pieces apart.
* `match_key` finds one song across data sets and music services, whose spellings differ
  most: every bracketed note goes but one that opens the title, and the artist also loses a
  leading "The" (`normalise_title`, `normalise_artist`, `primary_artist`).

`match_score`, `rank_matches` and `best_match` judge what a service's search found against the
song asked for. Apart from `track_key` and `name_key`, the keys are computed, never stored, so
they may improve.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Generic, Protocol, TypeVar

# --- folding text ---------------------------------------------------------------------------

# Latin letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans(
    {"ı": "i", "ø": "o", "đ": "d", "ł": "l", "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d"}
)
# The accents of Latin, Greek and Cyrillic letters. Other scripts' combining marks stay: a
# Devanagari virama or a Japanese dakuten makes another letter, not an accented one.
_ACCENTS = re.compile("[\u0300-\u036f]")
# Characters beyond the Basic Multilingual Plane that are not letters or digits (emoji, mostly).
_ASTRAL_SYMBOL = re.compile(r"[^\w\x00-\uffff]")
_APOSTROPHES = str.maketrans({"'": None, "\u2019": None})
# ASCII's punctuation and symbols, for the fast path of plain ASCII text (most titles).
_ASCII_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")


@cache
def _punctuation_to_spaces() -> dict[int, str]:
    # Built on first use (some 65,000 look-ups), not at import. Punctuation and symbols go by
    # their Unicode category rather than as "not \w", which would also cut off the combining
    # marks that Indic scripts write their vowels with.
    return {
        code: " "
        for code in range(0x10000)
        if unicodedata.category(chr(code))[0] in "PS"
    }


def fold(text: str) -> str:
    """Text as loose keys compare it: lower case, no Latin accents, "&" as "and", apostrophes
    dropped, other punctuation and symbols as spaces, single spaces. "Beyoncé & JAY-Z" ->
    "beyonce and jay z"; "Don't" -> "dont"; other scripts keep their letters."""
    if text.isascii():
        # The same result as below, at twice the speed: an index folds every title it holds.
        text = text.casefold().replace("&", " and ").replace("'", "")
        return " ".join(_ASCII_PUNCTUATION.sub(" ", text).split())
    text = unicodedata.normalize("NFKD", text.casefold().translate(_UNDECOMPOSED))
    text = unicodedata.normalize("NFC", _ACCENTS.sub("", text))
    text = text.replace("&", " and ").translate(_APOSTROPHES)
    text = _ASTRAL_SYMBOL.sub(" ", text.translate(_punctuation_to_spaces()))
    return " ".join(text.split())


# --- the stored key -------------------------------------------------------------------------


def name_key(name: str) -> str:
    """An artist or a genre as the recommender tells them apart: case and spacing set aside."""
    return " ".join(name.casefold().split())


def track_key(title: str, artist: str) -> tuple[str, str]:
    """The identity of a song across tables, blind to case and to spacing. Stored in the
    database: its output must stay as it is."""
    return (name_key(title), name_key(artist))


# --- version notes --------------------------------------------------------------------------

# Words that mark another recording of the same song rather than another song. They only count
# inside brackets or after a " - " ("Yesterday - Remastered 2009", "Hallelujah (Live)"), since
# plain titles contain them too ("Itsumo Nando Demo", "Live and Let Die").
_VERSION_WORDS = (
    r"live|remaster(?:ed)?|version|edit|mix|remix|mono|stereo|demo|acoustic|unplugged|"
    r"instrumental|deluxe|bonus|single|radio|session|from|recorded|feat\.?|ft\.?|featuring"
)
_BRACKETED_VERSION = re.compile(
    rf"[(\[{{][^)\]}}]*\b(?:{_VERSION_WORDS})\b[^)\]}}]*[)\]}}]", re.IGNORECASE
)
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|\{[^}]*\}")
# A bracket that opens a title is part of its name: "(Sittin' On) The Dock of the Bay".
_LEADING_BRACKET = re.compile(r"\s*[(\[{]([^)\]}]*)[)\]}]")
_DASHED_VERSION = re.compile(rf"\s[-–—]\s(?:.*\b)?(?:{_VERSION_WORDS})\b.*$", re.IGNORECASE)
# A featured artist, in a title or an artist: everything from the word on. The space after it
# keeps "No Mean Feat" whole.
_FEATURING = re.compile(r"\s(?:feat\.?|ft\.?|featuring)\s.*$", re.IGNORECASE)
# Where a list of artists splits; the first one is the primary artist.
_ARTIST_SEPARATOR = re.compile(r"\s*(?:,|&|\+|/|\band\b|\bwith\b|\bx\b|\bvs\.?)\s*")


def _folded_or_kept(stripped: str, original: str) -> str:
    # A title of version marks or punctuation only keeps its own words, or failing that its
    # characters, rather than become empty.
    return fold(stripped) or fold(original) or name_key(original)


def work_title(title: str) -> str:
    """The song a title names (see the module docstring): "Yesterday - Remastered 2009",
    "Yesterday (Live)" and "yesterday" are one work. Covers (the same title by another artist)
    thereby count as the same work too, which is what a playlist wants: nobody wants two
    "Hallelujah"s in ten songs, even by different singers."""
    text = _BRACKETED_VERSION.sub(" ", title)
    text = _DASHED_VERSION.sub(" ", text)
    return _folded_or_kept(_FEATURING.sub(" ", text), title)


def normalise_title(title: str) -> str:
    """A title without case, accents, punctuation, featured artists or version notes (the
    bracketed parts, and dashed ones that name a version); a bracket that opens the title is
    kept."""
    text = _FEATURING.sub("", title)
    lead = _LEADING_BRACKET.match(text)
    head, rest = (lead.group(1) + " ", text[lead.end():]) if lead else ("", text)
    return _folded_or_kept(_DASHED_VERSION.sub("", head + _BRACKETED.sub(" ", rest)), title)


def normalise_artist(artist: str) -> str:
    """An artist without case, accents, punctuation, featured artists or a leading "the"."""
    plain = _folded_or_kept(_FEATURING.sub("", artist), artist)
    return plain.removeprefix("the ") or plain


def primary_artist(artist: str) -> str:
    """The first of several credited artists ("Queen & David Bowie" -> "queen"), normalised."""
    first = _ARTIST_SEPARATOR.split(_FEATURING.sub("", artist).casefold(), maxsplit=1)[0]
    return normalise_artist(first) or normalise_artist(artist)


def match_key(title: str, artist: str) -> tuple[str, str]:
    """The key that matches a song across data sets and music services (`normalise_title`,
    `normalise_artist`)."""
    return normalise_title(title), normalise_artist(artist)


# --- scoring search results -----------------------------------------------------------------


class SearchResult(Protocol):
    """What scoring needs of a music service's track: its title and credited artists."""

    @property
    def title(self) -> str: ...

    @property
    def artist(self) -> str: ...

    @property
    def artists(self) -> tuple[str, ...]: ...


ResultT = TypeVar("ResultT", bound=SearchResult)


@dataclass(frozen=True)
class Match(Generic[ResultT]):
    """A search result and how well it matches the song asked for (`match_score`)."""

    track: ResultT
    score: int


def _contains_words(outer: str, inner: str) -> bool:
    return bool(inner) and f" {inner} " in f" {outer} "


def title_score(wanted: str, found: str) -> int:
    """3 when the titles are the same once folded, 2 when they are without version notes, 1
    when one holds the other word for word ("Für Elise" in "Bagatelle No. 25 ... "Für
    Elise""), 0 otherwise."""
    if fold(wanted) == fold(found):
        return 3
    bare_wanted, bare_found = normalise_title(wanted), normalise_title(found)
    if bare_wanted == bare_found:
        return 2
    if _contains_words(bare_found, bare_wanted) or _contains_words(bare_wanted, bare_found):
        return 1
    return 0


def artist_score(wanted: str, found: Sequence[str]) -> int:
    """2 when `wanted` is one of the credited artists, or all of them together; 1 when it and
    one of them hold each other word for word ("Beethoven", "Ludwig van Beethoven"); else 0."""
    name = normalise_artist(wanted)
    names = [normalise_artist(artist) for artist in found]
    if name in names or name == normalise_artist(" & ".join(found)):
        return 2
    if any(_contains_words(name, n) or _contains_words(n, name) for n in names):
        return 1
    return 0


def match_score(title: str, artist: str, found_title: str, found_artists: Sequence[str]) -> int:
    """How well a result is the song `title` by `artist`: 0 when it is not (title or artist
    does not match at all), else higher for closer, the title weighing three times the
    artist."""
    by_title = title_score(title, found_title)
    by_artist = artist_score(artist, found_artists)
    return by_title * 3 + by_artist if by_title and by_artist else 0


def rank_matches(title: str, artist: str, results: Iterable[ResultT]) -> list[Match[ResultT]]:
    """Every result with its `match_score`, best first; equal scores keep the service's
    order."""
    scored = [
        Match(found, match_score(title, artist, found.title, found.artists or (found.artist,)))
        for found in results
    ]
    return sorted(scored, key=lambda match: -match.score)


def best_match(title: str, artist: str, results: Iterable[ResultT]) -> ResultT | None:
    """The result that is the song `title` by `artist` most closely, or None when none is."""
    ranked = rank_matches(title, artist, results)
    return ranked[0].track if ranked and ranked[0].score > 0 else None
