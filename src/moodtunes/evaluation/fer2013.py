"""FER2013 as arrays: (N, 48, 48) uint8 images and (N,) int64 labels in EMOTIONS order.

Reads the formats people actually have: the project's npz copies, Kaggle's `fer2013.csv`, the
image-folder copy (`train/<emotion>/Training_*.jpg`, `test/<emotion>/PublicTest_*.jpg`, ...)
and, as optional soft targets, the Microsoft FER+ votes (`fer2013new.csv`). `load_faces` picks
the reader from the path.

Bad rows and files are never dropped silently. By default they are skipped and each one is
described, with its line number or path, in the `problems` list the loader returns; with
`strict=True` the first one raises ValueError instead.

This module uses numpy and OpenCV only (no torch): `moodtunes evaluate` and the training both
read faces through it.
"""

from __future__ import annotations

import csv
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import cv2
import numpy as np
import numpy.typing as npt

from moodtunes.emotions import EMOTIONS
from moodtunes.vision.preprocess import FACE_SIZE

USAGES: tuple[str, ...] = ("Training", "PublicTest", "PrivateTest")
PIXELS = FACE_SIZE * FACE_SIZE
FERPLUS_COLUMNS: tuple[str, ...] = (
    "neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear",
    "contempt", "unknown", "NF",
)
# FER+ columns that name one of our seven emotions; contempt, unknown and NF (not a face) do not.
FERPLUS_TO_EMOTION: dict[str, str] = {
    "neutral": "neutral", "happiness": "happy", "surprise": "surprise", "sadness": "sad",
    "anger": "angry", "disgust": "disgust", "fear": "fear",
}
FOLDER_EMOTIONS: dict[str, str] = {
    **{name: name for name in EMOTIONS},
    "disgusted": "disgust", "fearful": "fear", "surprised": "surprise",
}
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
# Files at least this big get a progress bar (the real fer2013.csv is about 300 MB).
_PROGRESS_BYTES = 32 * 1024 * 1024
_PROGRESS_FILES = 5000
_CHUNK_ROWS = 1024


@dataclass(frozen=True)
class FaceSet:
    """Faces with their labels; `name` says where they came from (for reports and metadata).

    `soft_targets`, when present, is an (N, 7) float32 distribution over EMOTIONS per face
    (the FER+ votes); a row of NaN means the face has no usable votes.
    """

    images: npt.NDArray[np.uint8]
    labels: npt.NDArray[np.int64]
    name: str
    soft_targets: npt.NDArray[np.float32] | None = None

    def __post_init__(self) -> None:
        if self.images.ndim != 3 or self.images.shape[1:] != (FACE_SIZE, FACE_SIZE):
            raise ValueError(
                f"{self.name}: images must be (N, {FACE_SIZE}, {FACE_SIZE}), "
                f"got {self.images.shape}"
            )
        if self.labels.shape != (self.images.shape[0],):
            raise ValueError(
                f"{self.name}: {self.images.shape[0]} images but labels of shape "
                f"{self.labels.shape}"
            )
        if self.labels.size and (self.labels.min() < 0 or self.labels.max() >= len(EMOTIONS)):
            raise ValueError(f"{self.name}: labels must lie in 0..{len(EMOTIONS) - 1}")
        if self.soft_targets is not None and (
            self.soft_targets.shape != (self.images.shape[0], len(EMOTIONS))
        ):
            raise ValueError(
                f"{self.name}: soft targets must be ({self.images.shape[0]}, {len(EMOTIONS)}), "
                f"got {self.soft_targets.shape}"
            )

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def subset(self, count: int) -> FaceSet:
        """The first `count` faces (for quick runs and tests)."""
        soft = None if self.soft_targets is None else self.soft_targets[:count]
        return FaceSet(self.images[:count], self.labels[:count], f"{self.name}[:{count}]", soft)


class FaceSplits(NamedTuple):
    """What a multi-split reader found: one FaceSet per Usage, and what it skipped or changed."""

    sets: dict[str, FaceSet]
    problems: list[str]


class LoadedFaces(NamedTuple):
    """What `load_faces` found: one FaceSet, and what was skipped or changed on the way."""

    faces: FaceSet
    problems: list[str]


def load_npz(path: str | Path) -> FaceSet:
    """Faces from an npz with keys `images` (N, 48, 48) uint8 and `labels` (N,).

    When the npz also holds `ferplus_votes` (N, 10) (with `ferplus_vote_columns`, else the
    FER+ column order is assumed), they become the set's soft targets.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such data file: {path}")
    votes: npt.NDArray[np.int64] | None = None
    columns: tuple[str, ...] = FERPLUS_COLUMNS
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = {"images", "labels"} - set(data.files)
            if missing:
                raise ValueError(
                    f"{path}: missing key(s) {', '.join(sorted(missing))}; "
                    f"found {', '.join(data.files) or 'none'}"
                )
            images = np.ascontiguousarray(data["images"], dtype=np.uint8)
            labels = np.asarray(data["labels"], dtype=np.int64)
            if "ferplus_votes" in data.files:
                votes = np.asarray(data["ferplus_votes"], dtype=np.int64)
                if "ferplus_vote_columns" in data.files:
                    columns = tuple(str(c) for c in data["ferplus_vote_columns"])
    except (OSError, ValueError) as exc:
        if isinstance(exc, ValueError) and str(exc).startswith(str(path)):
            raise
        raise ValueError(f"{path}: not a readable npz file ({exc})") from exc
    soft = None
    if votes is not None:
        try:
            soft = ferplus_soft_targets(votes, columns)
        except ValueError as exc:
            raise ValueError(f"{path}: ferplus_votes: {exc}") from exc
    return FaceSet(images, labels, path.name, soft)


def load_faces(
    path: str | Path,
    usage: str | None = None,
    *,
    strict: bool = False,
    ferplus: str | Path | None = None,
    progress: bool | None = None,
) -> LoadedFaces:
    """Faces from an npz file, a fer2013.csv-style file or a train/test image folder.

    `usage` picks one split (Training, PublicTest or PrivateTest) of a csv file or folder;
    None takes all of them, in that order. An npz file holds a single split already and
    records no Usage, so `usage` does not apply to it. `ferplus` (a fer2013new.csv) adds
    soft targets to a csv file. A split with no faces at all is an error.
    """
    path = Path(path)
    _check_usage(usage)
    if path.is_dir():
        if ferplus is not None:
            raise ValueError(
                f"{path}: FER+ votes follow fer2013.csv rows; an image folder cannot take them"
            )
        splits = load_fer2013_folders(path, usage, strict=strict, progress=progress)
    elif not path.is_file():
        raise FileNotFoundError(f"no such data file or folder: {path}")
    elif path.suffix.lower() == ".npz":
        if ferplus is not None:
            raise ValueError(f"{path}: an npz file carries its own FER+ votes (ferplus_votes)")
        return LoadedFaces(load_npz(path), [])
    elif path.suffix.lower() == ".csv":
        splits = load_fer2013_csv(path, usage, strict=strict, ferplus=ferplus, progress=progress)
    else:
        raise ValueError(
            f"{path}: unknown data format; expected an .npz file, a fer2013.csv-style .csv "
            "file, or a folder with train/<emotion>/ and test/<emotion>/ images"
        )
    sets = splits.sets
    if usage is not None:
        if not len(sets[usage]):
            # Only on this error path: read every split to say what the source does hold.
            everything = (load_fer2013_folders(path, progress=False) if path.is_dir()
                          else load_fer2013_csv(path, progress=False)).sets
            found = ", ".join(f"{u} {len(s)}" for u, s in everything.items()) or "none"
            raise ValueError(f"{path}: no faces with Usage {usage} (found: {found})")
        return LoadedFaces(sets[usage], splits.problems)
    if not sets:
        raise ValueError(f"{path}: no faces found")
    return LoadedFaces(_concatenate(list(sets.values()), path.name), splits.problems)


def load_fer2013_csv(
    path: str | Path,
    usage: str | None = None,
    *,
    strict: bool = False,
    ferplus: str | Path | None = None,
    progress: bool | None = None,
) -> FaceSplits:
    """Kaggle's fer2013.csv (columns emotion, pixels, Usage), one FaceSet per Usage.

    Without `usage` the result holds every Usage that has rows; with it, just that one
    (possibly empty). `ferplus` names a fer2013new.csv whose votes become soft targets; it
    must have one row per row of this file. `progress`: None shows a bar on big files.
    """
    path = _existing_file(path)
    _check_usage(usage)
    wanted = USAGES if usage is None else (usage,)
    problems = _Problems(strict)
    parser = _PixelRows(path.name, problems)
    row_usages: list[tuple[int, str | None]] = []  # line, Usage: to check FER+ alignment
    size = path.stat().st_size
    show = size >= _PROGRESS_BYTES if progress is None else progress
    bar = _progress_bar(size, path.name, "B", show)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(_counted(handle, bar))
            line = 0  # the last line read whole
            header = next(reader, None)
            if header is None:
                raise ValueError(f"{path}: empty file; expected the header emotion,pixels,Usage")
            at = _column_positions(path, header, ("emotion", "pixels", "Usage"))
            line = reader.line_num
            for row in reader:
                if not row:
                    continue  # a blank line is not a row
                line = reader.line_num
                row_usages.append((line, None))
                if len(row) != len(header):
                    parser.problem(line, f"{len(row)} fields, expected {len(header)}")
                    continue
                row_usage = row[at["Usage"]].strip()
                if row_usage not in USAGES:
                    parser.problem(
                        line, f"unknown Usage {row_usage!r}, expected {_listing(USAGES)}"
                    )
                    continue
                row_usages[-1] = (line, row_usage)
                if row_usage not in wanted:
                    continue
                label = _emotion_code(row[at["emotion"]])
                if label is None:
                    parser.problem(
                        line, f"emotion {row[at['emotion']].strip()!r} is not a label "
                        f"0..{len(EMOTIONS) - 1} ({', '.join(EMOTIONS)})"
                    )
                    continue
                parser.add(line, row[at["pixels"]], label, row_usage, len(row_usages) - 1)
    except csv.Error as exc:
        # Name where the broken row starts: an unclosed quote only fails many lines later.
        raise ValueError(f"{path.name} line {line + 1}: not valid CSV ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not a text CSV file ({exc})") from exc
    finally:
        bar.close()
    parser.flush()

    rows = parser.result()
    soft: npt.NDArray[np.float32] | None = None
    if ferplus is not None:
        soft = _aligned_ferplus(Path(ferplus), path, row_usages)
    sets: dict[str, FaceSet] = {}
    for name in wanted:
        chosen = rows.usages == name
        if usage is None and not chosen.any():
            continue
        sets[name] = FaceSet(
            np.ascontiguousarray(rows.images[chosen]), rows.labels[chosen],
            f"{path.name}:{name}", None if soft is None else soft[rows.data_rows[chosen]],
        )
    return FaceSplits(sets, problems.messages)


def load_fer2013_folders(
    root: str | Path,
    usage: str | None = None,
    *,
    strict: bool = False,
    progress: bool | None = None,
) -> FaceSplits:
    """The image-folder copy of FER2013: ROOT/train/<emotion>/*.jpg and ROOT/test/<emotion>/.

    The split comes from each file name's prefix (Training_, PublicTest_, PrivateTest_), the
    label from its folder (angry, disgust(ed), fear(ful), happy, sad, surprise(d), neutral, in
    any case). Faces are read as grey; any that are not 48x48 are resized with INTER_AREA and
    counted in one line of `problems`. Within a split, faces are in natural file-name order.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"no such data folder: {root}")
    _check_usage(usage)
    wanted = USAGES if usage is None else (usage,)
    problems = _Problems(strict)
    tops = sorted(d for d in root.iterdir() if d.is_dir() and d.name.lower() in ("train", "test"))
    if not tops:
        raise ValueError(
            f"{root}: no train/ or test/ folder; expected ROOT/train/<emotion>/*.jpg "
            "and ROOT/test/<emotion>/*.jpg"
        )
    found: list[tuple[str, int, Path]] = []
    for top in tops:
        for entry in sorted(top.iterdir()):
            if _is_image(entry):
                problems.add(f"{entry}: not inside an emotion folder")
                continue
            if not entry.is_dir():
                continue
            images = sorted(p for p in entry.iterdir() if _is_image(p))
            emotion = FOLDER_EMOTIONS.get(entry.name.lower())
            if emotion is None:
                if images:
                    problems.add(
                        f"{entry}: {len(images)} image(s) in a folder that names no emotion "
                        f"(expected {_listing(tuple(FOLDER_EMOTIONS))})"
                    )
                continue
            for image in images:
                split = _usage_from_name(image.name)
                if split is None:
                    problems.add(
                        f"{image}: cannot tell its split; the name starts with none of "
                        f"{', '.join(u + '_' for u in USAGES)}"
                    )
                elif split in wanted:
                    found.append((split, EMOTIONS.index(emotion), image))
    found.sort(key=lambda item: (_natural_key(item[2].name), item[1]))

    faces: dict[str, list[npt.NDArray[np.uint8]]] = {name: [] for name in wanted}
    labels: dict[str, list[int]] = {name: [] for name in wanted}
    resized: list[tuple[Path, tuple[int, ...]]] = []
    show = len(found) >= _PROGRESS_FILES if progress is None else progress
    bar = _progress_bar(len(found), root.name, "img", show)
    try:
        for split, label, image_path in found:
            bar.update(1)
            face = _read_grey(image_path)
            if face is None:
                problems.add(f"{image_path}: not a readable image")
                continue
            if face.shape != (FACE_SIZE, FACE_SIZE):
                resized.append((image_path, face.shape))
                face = np.asarray(
                    cv2.resize(face, (FACE_SIZE, FACE_SIZE), interpolation=cv2.INTER_AREA),
                    np.uint8,
                )
            faces[split].append(face)
            labels[split].append(label)
    finally:
        bar.close()
    messages = problems.messages
    if resized:
        first, shape = resized[0]
        messages.append(
            f"{root}: {len(resized)} image(s) were not {FACE_SIZE}x{FACE_SIZE} "
            f"(first: {first}, {shape[1]}x{shape[0]}); resized with INTER_AREA"
        )
    sets = {
        name: FaceSet(
            np.stack(faces[name]) if faces[name]
            else np.zeros((0, FACE_SIZE, FACE_SIZE), np.uint8),
            np.asarray(labels[name], np.int64), f"{root.resolve().name}:{name}",
        )
        for name in wanted
        if usage is not None or faces[name]
    }
    return FaceSplits(sets, messages)


def load_ferplus_csv(path: str | Path) -> tuple[npt.NDArray[np.int64], tuple[str, ...]]:
    """The (N, 10) vote counts of Microsoft's fer2013new.csv, and their column names.

    Rows follow fer2013.csv row for row, so a malformed row cannot be skipped without
    shifting every later one: it raises ValueError with its line number.
    """
    votes, _ = _read_ferplus(_existing_file(path))
    return votes, FERPLUS_COLUMNS


def ferplus_soft_targets(
    votes: npt.ArrayLike, columns: Iterable[str]
) -> npt.NDArray[np.float32]:
    """FER+ votes as (N, 7) float32 distributions over EMOTIONS, each row summing to 1.

    Votes for contempt, unknown and NF (not a face) are dropped; a face with no vote left
    gets a row of NaN (check with `np.isnan(soft[:, 0])`).
    """
    names = [str(c).strip().lower() for c in columns]
    counts = np.asarray(votes)
    if counts.ndim != 2 or counts.shape[1] != len(names):
        raise ValueError(f"votes must be (N, {len(names)}) for columns {names}, "
                         f"got {counts.shape}")
    known = {c.lower() for c in FERPLUS_COLUMNS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown FER+ column(s) {', '.join(unknown)}; "
                         f"expected {', '.join(FERPLUS_COLUMNS)}")
    missing = [n for n in FERPLUS_TO_EMOTION if n not in names]
    if missing:
        raise ValueError(f"missing FER+ column(s) {', '.join(missing)}")
    if counts.size and counts.min() < 0:
        raise ValueError("FER+ votes must not be negative")
    sums = np.zeros((counts.shape[0], len(EMOTIONS)), np.float64)
    for j, name in enumerate(names):
        if name in FERPLUS_TO_EMOTION:
            sums[:, EMOTIONS.index(FERPLUS_TO_EMOTION[name])] += counts[:, j]
    total = sums.sum(axis=1)
    soft = np.full(sums.shape, np.nan, np.float32)
    voted = total > 0
    soft[voted] = sums[voted] / total[voted, None]
    return soft


# -- helpers -------------------------------------------------------------------------------


class _Problems:
    """Collects problem lines, or raises at the first one when strict."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.messages: list[str] = []

    def add(self, message: str) -> None:
        if self.strict:
            raise ValueError(message)
        self.messages.append(message)


class _Rows(NamedTuple):
    images: npt.NDArray[np.uint8]
    labels: npt.NDArray[np.int64]
    usages: npt.NDArray[np.str_]
    data_rows: npt.NDArray[np.int64]


class _PixelRows:
    """Parses pixel strings in chunks, fast (np.loadtxt) when a chunk is clean.

    A chunk that fails is parsed again row by row to name each bad row. The pending chunk is
    flushed before any other problem is reported, so problems come in line order.
    """

    def __init__(self, file_name: str, problems: _Problems) -> None:
        self.file_name = file_name
        self.problems = problems
        self.pending: list[tuple[int, str, int, str, int]] = []
        self.blocks: list[npt.NDArray[np.uint8]] = []
        self.labels: list[int] = []
        self.usages: list[str] = []
        self.data_rows: list[int] = []

    def add(self, line: int, pixels: str, label: int, usage: str, data_row: int) -> None:
        self.pending.append((line, pixels, label, usage, data_row))
        if len(self.pending) >= _CHUNK_ROWS:
            self.flush()

    def problem(self, line: int, message: str) -> None:
        self.flush()
        self.problems.add(f"{self.file_name} line {line}: {message}")

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        if not pending:
            return
        block = _parse_pixel_block([p[1] for p in pending])
        if block is not None:
            self.blocks.append(block)
            kept = pending
        else:
            kept = []
            for row in pending:
                pixels, message = _parse_pixel_row(row[1])
                if pixels is None:
                    self.problems.add(f"{self.file_name} line {row[0]}: {message}")
                else:
                    self.blocks.append(pixels[None])
                    kept.append(row)
        self.labels.extend(r[2] for r in kept)
        self.usages.extend(r[3] for r in kept)
        self.data_rows.extend(r[4] for r in kept)

    def result(self) -> _Rows:
        images = (np.concatenate(self.blocks) if self.blocks
                  else np.zeros((0, PIXELS), np.uint8)).reshape(-1, FACE_SIZE, FACE_SIZE)
        return _Rows(images, np.asarray(self.labels, np.int64),
                     np.asarray(self.usages, np.str_), np.asarray(self.data_rows, np.int64))


def _parse_pixel_block(texts: list[str]) -> npt.NDArray[np.uint8] | None:
    """(len(texts), 2304) pixels, or None if any row is not 2304 integers in 0..255."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # e.g. "input contained no data": not a clean chunk
            block = np.loadtxt(texts, dtype=np.uint8, comments=None, ndmin=2)
    except (ValueError, Warning):
        return None
    # loadtxt skips blank lines, and a chunk of rows all 2303 long parses without complaint.
    return block if block.shape == (len(texts), PIXELS) else None


def _parse_pixel_row(text: str) -> tuple[npt.NDArray[np.uint8] | None, str]:
    """One row's pixels, or None and what is wrong with them."""
    tokens = text.split()
    if len(tokens) != PIXELS:
        return None, f"{len(tokens)} pixels, expected {PIXELS}"
    try:
        values = np.array(tokens, dtype=np.int64)
    except (ValueError, OverflowError):
        for k, token in enumerate(tokens, 1):
            try:
                value = int(token)
            except ValueError:
                return None, f"pixel {k} is {token!r}, not an integer"
            if not 0 <= value <= 255:
                return None, f"pixel {k} is {value}, outside 0..255"
        return None, "pixels are not integers"  # not reached: int() accepts what numpy does
    outside = np.flatnonzero((values < 0) | (values > 255))
    if outside.size:
        k = int(outside[0])
        return None, f"pixel {k + 1} is {values[k]}, outside 0..255"
    return values.astype(np.uint8), ""


def _emotion_code(text: str) -> int | None:
    try:
        code = int(text.strip())
    except ValueError:
        return None
    return code if 0 <= code < len(EMOTIONS) else None


def _read_ferplus(path: Path) -> tuple[npt.NDArray[np.int64], list[tuple[int, str]]]:
    """Votes in FERPLUS_COLUMNS order, and each row's line and Usage ('' if there is none)."""
    votes: list[list[int]] = []
    usages: list[tuple[int, str]] = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            line = 0
            header = next(reader, None)
            if header is None:
                raise ValueError(f"{path}: empty file; expected the FER+ header "
                                 f"Usage,Image name,{','.join(FERPLUS_COLUMNS)}")
            at = _column_positions(path, header, FERPLUS_COLUMNS)
            usage_at = at.get("usage")
            line = reader.line_num
            for row in reader:
                if not row:
                    continue
                line = reader.line_num
                where = f"{path.name} line {line}"
                if len(row) != len(header):
                    raise ValueError(f"{where}: {len(row)} fields, expected {len(header)}")
                counts = []
                for name in FERPLUS_COLUMNS:
                    text = row[at[name]].strip()
                    if not text.isdigit():
                        raise ValueError(f"{where}: {name} vote {text!r} is not a count")
                    counts.append(int(text))
                votes.append(counts)
                usages.append((line, row[usage_at].strip() if usage_at is not None else ""))
    except csv.Error as exc:
        raise ValueError(f"{path.name} line {line + 1}: not valid CSV ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not a text CSV file ({exc})") from exc
    array = np.asarray(votes, np.int64).reshape(-1, len(FERPLUS_COLUMNS))
    return array, usages


def _aligned_ferplus(
    ferplus: Path, fer_path: Path, row_usages: list[tuple[int, str | None]]
) -> npt.NDArray[np.float32]:
    """Soft targets for every data row of fer2013.csv, after checking the files line up."""
    votes, usages = _read_ferplus(_existing_file(ferplus))
    if len(votes) != len(row_usages):
        raise ValueError(
            f"{ferplus}: {len(votes)} rows but {fer_path.name} has {len(row_usages)}; "
            "fer2013new.csv must have one row per fer2013.csv row, in the same order"
        )
    for (line, theirs), (our_line, ours) in zip(usages, row_usages, strict=True):
        if theirs and ours is not None and theirs != ours:
            raise ValueError(
                f"{ferplus.name} line {line} has Usage {theirs} but {fer_path.name} "
                f"line {our_line} has {ours}; the two files are not in the same order"
            )
    return ferplus_soft_targets(votes, FERPLUS_COLUMNS)


def _column_positions(path: Path, header: list[str], required: Iterable[str]) -> dict[str, int]:
    """Where each required column is (matched without case); also every column, lowercased."""
    positions = {name.strip().lower(): i for i, name in enumerate(header)}
    required = tuple(required)
    missing = [name for name in required if name.lower() not in positions]
    if missing:
        raise ValueError(
            f"{path}: missing column(s) {', '.join(missing)}; "
            f"found {', '.join(h.strip() for h in header) or 'none'}"
        )
    return {**positions, **{name: positions[name.lower()] for name in required}}


def _concatenate(sets: list[FaceSet], name: str) -> FaceSet:
    soft = None
    if all(s.soft_targets is not None for s in sets):
        soft = np.concatenate([s.soft_targets for s in sets if s.soft_targets is not None])
    return FaceSet(np.concatenate([s.images for s in sets]),
                   np.concatenate([s.labels for s in sets]), name, soft)


def _check_usage(usage: str | None) -> None:
    if usage is not None and usage not in USAGES:
        raise ValueError(f"unknown usage {usage!r}; expected {_listing(USAGES)}")


def _existing_file(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such data file: {path}")
    return path


def _usage_from_name(name: str) -> str | None:
    lower = name.lower()
    return next((u for u in USAGES if lower.startswith(u.lower() + "_")), None)


def _natural_key(name: str) -> list[Any]:
    """Training_2 before Training_10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _is_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()


def _read_grey(path: Path) -> npt.NDArray[np.uint8] | None:
    # imdecode from bytes rather than imread: imread cannot open non-ASCII paths on Windows.
    try:
        data = np.fromfile(path, np.uint8)
    except OSError:
        return None
    if not data.size:
        return None
    face = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    return None if face is None else np.asarray(face, np.uint8)


def _listing(names: tuple[str, ...]) -> str:
    return ", ".join(names[:-1]) + " or " + names[-1]


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _progress_bar(total: int, desc: str, unit: str, show: bool) -> Any:
    """A tqdm bar when asked for and tqdm is installed (the train extra), else a silent one."""
    if show:
        try:
            from tqdm import tqdm
        except ImportError:
            pass
        else:
            return tqdm(total=total, desc=desc, unit=unit, unit_scale=True, leave=False)
    return _NoBar()


def _counted(lines: Iterable[str], bar: Any) -> Iterator[str]:
    for line in lines:
        bar.update(len(line))
        yield line
