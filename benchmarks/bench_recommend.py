"""Speed and memory of the recommendation engine on synthetic catalogs of growing size.

    .venv/bin/python benchmarks/bench_recommend.py [--sizes 10000 100000 1000000]
        [--repeat 200] [--plot docs/recommender_scaling.png] [--json] [--tracemalloc]

Synthetic catalogs are the built-in catalog's songs jittered: each synthetic track copies a
real one's valence/arousal (plus Gaussian noise, sd 0.08), genres and artist (as one of
several namesakes, about 8 tracks per artist, like real catalogs), under a title of its own.
Each timed call is one playlist of 10 for a fresh random mood (a Dirichlet draw over the seven
emotions), cycling through the strategies, for a listener with 150 feedback events, 40 library
songs and 20 recently played songs excluded. The process is pinned to one core. Goal: p95
<= 20 ms at 100k tracks.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
import tracemalloc
from pathlib import Path

import numpy as np

from moodtunes.emotions import EMOTIONS
from moodtunes.music.catalog import Catalog
from moodtunes.recommend.engine import recommend
from moodtunes.recommend.index import Index
from moodtunes.recommend.strategies import STRATEGIES
from moodtunes.recommend.taste import EVENT_KINDS, FeedbackEvent, TasteModel

DEFAULT_PLOT = Path(__file__).resolve().parents[1] / "docs" / "recommender_scaling.png"
GOAL_MS = 20.0


Columns = tuple[list[str], list[str], np.ndarray, np.ndarray, list[tuple[str, ...]]]


def synthetic_columns(catalog: Catalog, size: int, seed: int = 0) -> Columns:
    """Columns for `Index.from_arrays` (titles, artists, valence, arousal, genres): `size`
    jittered copies of the catalog's songs."""
    rng = np.random.default_rng(seed)
    tracks = catalog.tracks
    base = rng.integers(0, len(tracks), size)
    valence = np.array([t.valence for t in tracks])[base] + rng.normal(0, 0.08, size)
    arousal = np.array([t.arousal for t in tracks])[base] + rng.normal(0, 0.08, size)
    namesakes = max(1, size // (8 * len({t.artist for t in tracks})))
    variant = rng.integers(0, namesakes, size)
    titles = [f"{tracks[b].title} {i}" for i, b in enumerate(base.tolist())]
    artists = [
        tracks[b].artist if v == 0 else f"{tracks[b].artist} {v}"
        for b, v in zip(base.tolist(), variant.tolist(), strict=True)
    ]
    genres = [tracks[b].genres for b in base.tolist()]
    return titles, artists, np.clip(valence, -1, 1), np.clip(arousal, -1, 1), genres


def listener(index: Index, seed: int) -> tuple[TasteModel, list[tuple[str, str]]]:
    """A listener with 150 events on random tracks, 40 library songs, and 20 recent songs."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(index), 210, replace=False)
    events = [
        FeedbackEvent("bench", index.key(int(row)), EVENT_KINDS[int(rng.integers(0, 4))],
                      timestamp=float(i))
        for i, row in enumerate(rows[:150])
    ]
    library = [index.key(int(row)) for row in rows[150:190]]
    recent = [index.key(int(row)) for row in rows[190:]]
    return TasteModel().fit(events, library=library), recent


def pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to core {core}"
    return "not pinned (no sched_setaffinity)"


def resident_mb() -> float:
    """This process's resident memory now (Linux), or NaN where /proc is missing."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return float("nan")
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def bench_size(catalog: Catalog, size: int, repeat: int, trace: bool) -> dict[str, float]:
    columns = synthetic_columns(catalog, size)
    before = resident_mb()
    started = time.perf_counter()
    index = Index.from_arrays(*columns)
    build_s = time.perf_counter() - started
    # The index keeps the title and artist strings it was given, so the growth is what the
    # index adds on top of the columns a caller already holds.
    growth = resident_mb() - before
    peak = float("nan")
    if trace:
        # A second build under tracemalloc, which slows Python allocations several times.
        tracemalloc.start()
        Index.from_arrays(*columns)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    del columns
    taste, recent = listener(index, seed=size)
    rng = np.random.default_rng(1)
    moods = rng.dirichlet(np.full(len(EMOTIONS), 0.5), repeat + 10)
    strategies = list(STRATEGIES)

    def one(i: int) -> None:
        recommend(taste, moods[i], strategies[i % len(strategies)], 10, index,
                  exclude_recent=recent, seed=i)

    for i in range(10):
        one(i)
    samples = []
    for i in range(10, repeat + 10):
        started = time.perf_counter()
        one(i)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "size": size,
        "median_ms": statistics.median(samples),
        "p95_ms": samples[int(0.95 * (len(samples) - 1))],
        "build_s": build_s,
        "index_array_mb": index.nbytes / 2**20,
        "rss_growth_mb": growth,
        "build_peak_mb": peak,
    }


def plot(results: list[dict[str, float]], path: Path, machine: str) -> None:
    """Latency against catalog size, log-log, with the goal marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    sizes = [r["size"] for r in results]
    figure, axes = plt.subplots(figsize=(6, 4), dpi=120)
    axes.plot(sizes, [r["p95_ms"] for r in results], "o-", label="p95")
    axes.plot(sizes, [r["median_ms"] for r in results], "s--", label="median")
    axes.plot([100_000], [GOAL_MS], "r*", markersize=12,
              label=f"goal: p95 <= {GOAL_MS:.0f} ms at 100k")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.yaxis.set_major_locator(FixedLocator([0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500]))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axes.yaxis.set_minor_formatter(NullFormatter())
    for size, p95 in zip(sizes, (r["p95_ms"] for r in results), strict=True):
        axes.annotate(f"{p95:.1f} ms", (size, p95), textcoords="offset points", xytext=(6, -12),
                      fontsize=8)
    axes.set_xlabel("tracks in the catalog")
    axes.set_ylabel("one playlist of 10 (ms)")
    axes.set_title("moodtunes recommend(): latency on one core")
    axes.text(0.01, 0.01, machine, transform=axes.transAxes, fontsize=6, color="grey")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--plot", type=Path, default=DEFAULT_PLOT,
                        help="where to write the PNG (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--note", default="",
                        help="appended to the machine line, e.g. 'shared with a training job'")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also build each index under tracemalloc for its peak (slow)")
    args = parser.parse_args(argv)

    pinned = pin_to_one_core()
    machine = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
               f"{pinned}, numpy {np.__version__}" + (f"; {args.note}" if args.note else ""))
    catalog = Catalog.builtin()
    results = [bench_size(catalog, size, args.repeat, args.tracemalloc) for size in args.sizes]
    plot(results, args.plot, machine)
    if args.json:
        print(json.dumps({"machine": machine, "results": results}, indent=2))
        return
    print(machine)
    print(f"{'tracks':>10} {'median ms':>10} {'p95 ms':>8} {'build s':>8} "
          f"{'arrays MB':>10} {'RSS growth MB':>14} {'traced peak MB':>15}")
    for r in results:
        print(f"{r['size']:>10,} {r['median_ms']:>10.2f} {r['p95_ms']:>8.2f} "
              f"{r['build_s']:>8.2f} {r['index_array_mb']:>10.1f} {r['rss_growth_mb']:>14.1f} "
              f"{r['build_peak_mb']:>15.1f}")
    print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()
