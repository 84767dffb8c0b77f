"""Checks a catalog's valence/arousal estimates against independent music data sets.

Each source in `SOURCES` is read with its importer from the shared music folder
(``../shared/data/music``, see its README); its songs are matched to the catalog's by
`match_key`, a normalised title and artist, and the report gives, per source:

* how many catalog songs it holds (the overlap);
* for sources with numeric valence/arousal, the Spearman rank correlation of ours and theirs on
  each axis (ranks, because the sources' scales differ from ours and from one another);
* for MoodyLyrics4Q, which only names a Russell quadrant, the rate at which our estimate falls
  in the same quadrant;
* the songs that disagree wildly on an axis (`is_wild_disagreement`).

Run it as ``python -m moodtunes.music.validation [--shared PATH] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from moodtunes.errors import CatalogError
from moodtunes.music.catalog import Catalog, Track
from moodtunes.music.importers import (
    ImportedTrack,
    ImportResult,
    read_deezer,
    read_moodylyrics4q,
    read_pmemo,
    read_spotify_features,
)
from moodtunes.music.matching import match_key, primary_artist

# Where the shared music folder sits when run from the project's root.
DEFAULT_SHARED_MUSIC = Path("..") / "shared" / "data" / "music"

# A gap this large on the -1..1 scale is half the whole range: not a matter of degree.
WILD_GAP = 1.0
# Opposite signs count as a wild disagreement only when both sides are this far from 0, so that
# a song we call slightly pleasant and a source calls slightly unpleasant is not flagged.
WILD_SIGN = 0.4


@dataclass(frozen=True)
class Source:
    """An independent data set: its files under the shared music folder, the importer that
    reads each, and whether it gives numbers per song or only a quadrant."""

    name: str
    description: str
    files: tuple[str, ...]
    reader: Callable[[Path], ImportResult]
    quadrants_only: bool = False


SOURCES: tuple[Source, ...] = (
    Source(
        "deezer_mood",
        "Deezer mood detection (Delbouys et al. 2018), tag-derived, the three splits together",
        ("deezer_mood/train.csv", "deezer_mood/validation.csv", "deezer_mood/test.csv"),
        read_deezer,
    ),
    Source(
        "pmemo",
        "PMEmo (Zhang et al. 2018), listener ratings of chorus clips",
        ("pmemo/pmemo_static_va.csv",),
        read_pmemo,
    ),
    Source(
        "spotify_moods",
        "Spotify audio features: valence, and energy as arousal",
        ("spotify_moods/data_moods.csv",),
        read_spotify_features,
    ),
    Source(
        "moodylyrics4q",
        "MoodyLyrics4Q (Çano & Morisio 2017), one quadrant per song",
        ("moodylyrics4q/MoodyLyrics4Q.csv",),
        read_moodylyrics4q,
        quadrants_only=True,
    ),
)


@dataclass(frozen=True)
class Disagreement:
    """A catalog song whose estimate a source contradicts; `axes` names the axes concerned."""

    title: str
    artist: str
    our_valence: float
    our_arousal: float
    their_valence: float
    their_arousal: float
    axes: tuple[str, ...]


@dataclass(frozen=True)
class SourceReport:
    """One source compared with the catalog. The statistics are None where they are undefined:
    too few matches, a constant column, or the wrong kind of source (Spearman for a quadrant
    source, quadrant agreement for a numeric one). `missing` lists absent files; a source with
    any is skipped."""

    name: str
    description: str
    source_songs: int
    overlap: int
    spearman_valence: float | None
    spearman_arousal: float | None
    quadrant_agreement: float | None
    disagreements: tuple[Disagreement, ...]
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class ValidationReport:
    """Every source's comparison with one catalog."""

    shared_dir: str
    catalog_songs: int
    sources: tuple[SourceReport, ...]

    def to_dict(self) -> dict[str, object]:
        """The report as plain JSON types."""
        return asdict(self)

    def source(self, name: str) -> SourceReport:
        """The report for the source called `name`; KeyError listing the names otherwise."""
        for report in self.sources:
            if report.name == name:
                return report
        names = ", ".join(report.name for report in self.sources)
        raise KeyError(f"no source {name!r} in the report; it has: {names}")


# --- statistics -----------------------------------------------------------------------------


def rank_average(values: Sequence[float] | npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """1-based ranks, tied values sharing the mean of the ranks they span."""
    x = np.asarray(values, dtype=np.float64)
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), dtype=np.float64)
    ranks[order] = np.arange(1, len(x) + 1, dtype=np.float64)
    _, group, sizes = np.unique(x, return_inverse=True, return_counts=True)
    sums = np.bincount(group, weights=ranks)
    return np.asarray(sums[group] / sizes[group], dtype=np.float64)


def spearman(
    x: Sequence[float] | npt.NDArray[np.float64], y: Sequence[float] | npt.NDArray[np.float64]
) -> float | None:
    """Spearman's rank correlation (Pearson's on tie-averaged ranks); None when it is
    undefined: fewer than 3 pairs, or a side with a single value."""
    if len(x) != len(y):
        raise ValueError(f"x and y must be as long as each other, got {len(x)} and {len(y)}")
    if len(x) < 3:
        return None
    rx = rank_average(x) - (len(x) + 1) / 2
    ry = rank_average(y) - (len(y) + 1) / 2
    scale = float(np.sqrt(np.dot(rx, rx) * np.dot(ry, ry)))
    if scale == 0.0:
        return None
    return float(np.dot(rx, ry) / scale)


def is_wild_disagreement(ours: float, theirs: float) -> bool:
    """Whether two -1..1 values contradict each other: more than `WILD_GAP` apart, or of
    opposite signs with both beyond `WILD_SIGN`."""
    if abs(ours - theirs) > WILD_GAP:
        return True
    return ours * theirs < 0 and abs(ours) > WILD_SIGN and abs(theirs) > WILD_SIGN


def _same_quadrant(ours: Track, valence: float, arousal: float) -> bool:
    # Russell's quadrants are the signs of valence and arousal; 0 is on neither side of an
    # axis, so it agrees with both.
    return ours.valence * valence >= 0 and ours.arousal * arousal >= 0


# --- the comparison -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Point:
    valence: float
    arousal: float


@dataclass(frozen=True)
class SourceIndex:
    """A source's songs by `match_key`, and by title and primary artist where that names a
    single song (a source may credit only "Queen" where we say "Queen & David Bowie")."""

    by_key: dict[tuple[str, str], _Point]
    by_primary: dict[tuple[str, str], _Point]

    def find(self, track: Track) -> _Point | None:
        key = match_key(track.title, track.artist)
        found = self.by_key.get(key)
        if found is None:
            found = self.by_primary.get((key[0], primary_artist(track.artist)))
        return found


def index_source(tracks: Iterable[ImportedTrack]) -> SourceIndex:
    """A source's songs ready to be matched; a song it lists more than once (several
    versions, or several splits) gets the mean of its values, one without values is left out."""
    gathered: dict[tuple[str, str], list[tuple[float, float]]] = {}
    primaries: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for track in tracks:
        if track.valence is None or track.arousal is None:
            continue
        key = match_key(track.title, track.artist)
        gathered.setdefault(key, []).append((track.valence, track.arousal))
        primaries.setdefault((key[0], primary_artist(track.artist)), set()).add(key)
    by_key = {
        key: _Point(
            sum(v for v, _ in values) / len(values), sum(a for _, a in values) / len(values)
        )
        for key, values in gathered.items()
    }
    by_primary = {
        primary: by_key[next(iter(keys))] for primary, keys in primaries.items() if len(keys) == 1
    }
    return SourceIndex(by_key, by_primary)


def _wild_axes(track: Track, point: _Point) -> tuple[str, ...]:
    pairs = (("valence", track.valence, point.valence), ("arousal", track.arousal, point.arousal))
    return tuple(axis for axis, ours, theirs in pairs if is_wild_disagreement(ours, theirs))


def compare(catalog: Catalog, source: Source, tracks: Iterable[ImportedTrack]) -> SourceReport:
    """The comparison of `catalog` with one source's already imported `tracks`."""
    index = index_source(tracks)
    matched = [(track, point) for track in catalog if (point := index.find(track)) is not None]
    disagreements = tuple(
        Disagreement(
            track.title,
            track.artist,
            track.valence,
            track.arousal,
            round(point.valence, 4),
            round(point.arousal, 4),
            axes,
        )
        for track, point in matched
        if (axes := _wild_axes(track, point))
    )
    rho_v = rho_a = agreement = None
    if source.quadrants_only:
        if matched:
            same = sum(_same_quadrant(track, p.valence, p.arousal) for track, p in matched)
            agreement = same / len(matched)
    else:
        rho_v = spearman([t.valence for t, _ in matched], [p.valence for _, p in matched])
        rho_a = spearman([t.arousal for t, _ in matched], [p.arousal for _, p in matched])
    return SourceReport(
        name=source.name,
        description=source.description,
        source_songs=len(index.by_key),
        overlap=len(matched),
        spearman_valence=rho_v,
        spearman_arousal=rho_a,
        quadrant_agreement=agreement,
        disagreements=disagreements,
    )


def validate_catalog(
    catalog: Catalog, shared_music_dir: str | Path, sources: Sequence[Source] = SOURCES
) -> ValidationReport:
    """Compares `catalog` with every source found in `shared_music_dir` (the shared
    ``data/music`` folder). A source whose files are absent is reported as missing; a folder
    that does not exist at all is a CatalogError."""
    folder = Path(shared_music_dir)
    if not folder.is_dir():
        raise CatalogError(
            f"the shared music folder {folder} does not exist; it should hold "
            f"{', '.join(sorted({s.files[0].split('/')[0] for s in sources}))} "
            "(see shared/data/README.md), or name it with --shared"
        )
    reports = []
    for source in sources:
        paths = [folder / name for name in source.files]
        missing = tuple(str(path) for path in paths if not path.is_file())
        if missing:
            reports.append(
                SourceReport(
                    name=source.name,
                    description=source.description,
                    source_songs=0,
                    overlap=0,
                    spearman_valence=None,
                    spearman_arousal=None,
                    quadrant_agreement=None,
                    disagreements=(),
                    missing=missing,
                )
            )
            continue
        tracks = [track for path in paths for track in source.reader(path).tracks]
        reports.append(compare(catalog, source, tracks))
    return ValidationReport(str(folder), len(catalog), tuple(reports))


# --- the command ----------------------------------------------------------------------------


def _number(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:.0%}" if percent else f"{value:+.2f}"


def format_report(report: ValidationReport, details: bool = True) -> str:
    """The report as a text table, followed by the wild disagreements when `details`."""
    lines = [
        f"catalog: {report.catalog_songs} songs; shared music folder: {report.shared_dir}",
        "",
        f"{'source':<15} {'songs':>6} {'overlap':>7} {'rho V':>6} {'rho A':>6} "
        f"{'quadrant':>8} {'wild':>5}",
    ]
    for source in report.sources:
        if source.missing:
            lines.append(f"{source.name:<15} missing: {', '.join(source.missing)}")
            continue
        lines.append(
            f"{source.name:<15} {source.source_songs:>6} {source.overlap:>7} "
            f"{_number(source.spearman_valence):>6} {_number(source.spearman_arousal):>6} "
            f"{_number(source.quadrant_agreement, percent=True):>8} "
            f"{len(source.disagreements):>5}"
        )
    if details:
        for source in report.sources:
            if not source.disagreements:
                continue
            lines += ["", f"wild disagreements with {source.name} (ours -> theirs):"]
            for d in source.disagreements:
                lines.append(
                    f"  {d.title} / {d.artist}: valence {d.our_valence:+.2f} -> "
                    f"{d.their_valence:+.2f}, arousal {d.our_arousal:+.2f} -> "
                    f"{d.their_arousal:+.2f} ({', '.join(d.axes)})"
                )
    return "\n".join(lines)


def _music_folder(path: Path) -> Path:
    # The shared data folder itself is accepted too: its music/ is what is meant.
    if (path / "music").is_dir() and not any((path / s.files[0]).exists() for s in SOURCES):
        return path / "music"
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Prints the comparison of the built-in catalog with the shared data sets."""
    parser = argparse.ArgumentParser(
        prog="python -m moodtunes.music.validation",
        description="Compare the built-in catalog's valence/arousal with independent data.",
    )
    parser.add_argument(
        "--shared",
        type=Path,
        default=DEFAULT_SHARED_MUSIC,
        help=f"the shared music folder (default {DEFAULT_SHARED_MUSIC}, from the project root)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        report = validate_catalog(Catalog.builtin(), _music_folder(args.shared))
    except CatalogError as err:
        print(f"error: {err.message}", file=sys.stderr)
        return 2
    if all(source.missing for source in report.sources):
        print(
            f"error: none of the data sets is in {report.shared_dir} "
            "(see shared/data/README.md); name the shared music folder with --shared",
            file=sys.stderr,
        )
        return 2
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
