"""Where to listen to a track: links built from service ids or search queries, never scraped.

A link made from an id opens the track itself; without an id the link opens the service's search
for "title artist", which is the best a page can offer without asking the service first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

# Spotify ids are 22 base-62 characters; Deezer track ids are positive whole numbers. Checking
# them keeps anything else (a URL, a path with "/" or "?") out of the links we build.
_SPOTIFY_ID = re.compile(r"[0-9A-Za-z]{22}")
_DEEZER_ID = re.compile(r"[1-9][0-9]{0,19}")


@dataclass(frozen=True)
class Link:
    """One place to listen: the service's name as shown to people, and the URL."""

    name: str
    url: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "url": self.url}


def listening_links(
    title: str,
    artist: str,
    spotify_id: str | None = None,
    deezer_id: str | int | None = None,
    preview_url: str | None = None,
) -> list[Link]:
    """Spotify, YouTube Music and Deezer links for a track, then "Preview" when a preview URL is
    known. A malformed id or a preview URL that is not http(s) is a ValueError, since it would
    become a broken or unsafe link on the page."""
    if not title.strip() or not artist.strip():
        raise ValueError("a listening link needs both a title and an artist")
    query = " ".join(f"{title} {artist}".split())
    # quote(safe="") also encodes "/", which would otherwise split the search path in two.
    search_path = quote(query, safe="")

    if spotify_id is None:
        spotify = f"https://open.spotify.com/search/{search_path}"
    elif _SPOTIFY_ID.fullmatch(spotify_id):
        spotify = f"https://open.spotify.com/track/{spotify_id}"
    else:
        raise ValueError(f"{spotify_id!r} is not a Spotify track id (22 letters and digits)")

    if deezer_id is None:
        deezer = f"https://www.deezer.com/search/{search_path}"
    elif _DEEZER_ID.fullmatch(str(deezer_id)):
        deezer = f"https://www.deezer.com/track/{deezer_id}"
    else:
        raise ValueError(f"{deezer_id!r} is not a Deezer track id (a positive whole number)")

    links = [
        Link("Spotify", spotify),
        Link("YouTube Music", "https://music.youtube.com/search?" + urlencode({"q": query})),
        Link("Deezer", deezer),
    ]
    if preview_url is not None:
        parts = urlsplit(preview_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"preview URL {preview_url!r} is not an http(s) URL")
        links.append(Link("Preview", preview_url))
    return links
