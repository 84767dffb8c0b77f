from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from moodtunes.music.links import Link, listening_links

SPOTIFY_ID = "4uLU6hMCjMI75M1A2tKUQC"
AWKWARD_TITLE = "Für Elise / AC?DC & Friends #1"
AWKWARD_ARTIST = "Beyoncé & Björk"


def by_name(links: list[Link]) -> dict[str, str]:
    return {link.name: link.url for link in links}


def test_known_ids_link_to_the_tracks_themselves() -> None:
    links = listening_links("Never Gonna Give You Up", "Rick Astley",
                            spotify_id=SPOTIFY_ID, deezer_id=781592622)
    assert [link.name for link in links] == ["Spotify", "YouTube Music", "Deezer"]
    urls = by_name(links)
    assert urls["Spotify"] == f"https://open.spotify.com/track/{SPOTIFY_ID}"
    assert urls["Deezer"] == "https://www.deezer.com/track/781592622"
    assert urls["YouTube Music"] == (
        "https://music.youtube.com/search?q=Never+Gonna+Give+You+Up+Rick+Astley"
    )


def test_deezer_id_may_be_given_as_text() -> None:
    urls = by_name(listening_links("Song", "Band", deezer_id="3135556"))
    assert urls["Deezer"] == "https://www.deezer.com/track/3135556"


def test_unknown_ids_link_to_searches_that_survive_reserved_and_non_ascii_characters() -> None:
    urls = by_name(listening_links(AWKWARD_TITLE, AWKWARD_ARTIST))
    query = f"{AWKWARD_TITLE} {AWKWARD_ARTIST}"

    for name, prefix in (("Spotify", "https://open.spotify.com/search/"),
                         ("Deezer", "https://www.deezer.com/search/")):
        url = urls[name]
        assert url.startswith(prefix)
        assert url.isascii()
        parts = urlsplit(url)
        # One path segment holding the whole query: "/" "?" "#" "&" all stayed inside it.
        assert parts.query == "" and parts.fragment == ""
        segment = parts.path.rsplit("/", 1)[-1]
        assert parts.path == urlsplit(prefix).path + segment
        assert unquote(segment) == query

    youtube = urlsplit(urls["YouTube Music"])
    assert urls["YouTube Music"].isascii()
    assert (youtube.scheme, youtube.netloc, youtube.path) == ("https", "music.youtube.com",
                                                              "/search")
    assert youtube.fragment == ""
    assert parse_qs(youtube.query) == {"q": [query]}


def test_spotify_search_encodes_non_ascii_as_utf8() -> None:
    urls = by_name(listening_links("Für Elise", "Beethoven"))
    assert urls["Spotify"] == "https://open.spotify.com/search/F%C3%BCr%20Elise%20Beethoven"


def test_runs_of_whitespace_collapse_in_the_search_query() -> None:
    urls = by_name(listening_links("  Clair   de\tlune ", " Debussy "))
    assert parse_qs(urlsplit(urls["YouTube Music"]).query) == {"q": ["Clair de lune Debussy"]}


def test_preview_comes_last_when_known() -> None:
    preview = "https://cdnt-preview.dzcdn.net/api/1/1/a/b/c/0/abc.mp3?hdnea=exp=1&x=y"
    links = listening_links("Song", "Band", preview_url=preview)
    assert links[-1] == Link("Preview", preview)
    assert links[-1].to_dict() == {"name": "Preview", "url": preview}


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "ftp://example.org/a.mp3", "/a.mp3", ""])
def test_a_preview_that_is_not_http_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not an http"):
        listening_links("Song", "Band", preview_url=bad)


@pytest.mark.parametrize("bad", ["abc", "../../evil?x=1", SPOTIFY_ID + "x", "spotify:track:1"])
def test_a_malformed_spotify_id_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not a Spotify track id"):
        listening_links("Song", "Band", spotify_id=bad)


@pytest.mark.parametrize("bad", ["12a", "0", -5, "1/2"])
def test_a_malformed_deezer_id_is_refused(bad: str | int) -> None:
    with pytest.raises(ValueError, match="not a Deezer track id"):
        listening_links("Song", "Band", deezer_id=bad)


@pytest.mark.parametrize(("title", "artist"), [("", "Band"), ("Song", "  ")])
def test_title_and_artist_are_required(title: str, artist: str) -> None:
    with pytest.raises(ValueError, match="title and an artist"):
        listening_links(title, artist)
