"""The FER2013 readers, on small real samples written from ../shared/data/fer2013/publictest.npz."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from moodtunes.emotions import EMOTIONS
from moodtunes.evaluation import fer2013
from moodtunes.evaluation.fer2013 import (
    FERPLUS_COLUMNS,
    USAGES,
    FaceSet,
    ferplus_soft_targets,
    load_faces,
    load_fer2013_csv,
    load_fer2013_folders,
    load_ferplus_csv,
    load_npz,
)
from tests.support import FER_DIR, ROOT, require_shared

HEADER = "emotion,pixels,Usage"
FERPLUS_HEADER = "Usage,Image name," + ",".join(FERPLUS_COLUMNS)
# The 21 sample faces: 9 Training, 6 PublicTest, 6 PrivateTest (the splits are made up; the
# faces, labels and votes are real).
SPLIT_OF = ["Training"] * 9 + ["PublicTest"] * 6 + ["PrivateTest"] * 6


class Sample(NamedTuple):
    images: npt.NDArray[np.uint8]
    labels: npt.NDArray[np.int64]
    votes: npt.NDArray[np.int64]
    usages: list[str]

    def split(self, usage: str) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
        chosen = np.array([u == usage for u in self.usages])
        return self.images[chosen], self.labels[chosen]


@pytest.fixture(scope="module")
def sample() -> Sample:
    """Three real faces of each emotion, so every label and every folder name occurs."""
    with np.load(require_shared(FER_DIR / "publictest.npz"), allow_pickle=False) as npz:
        images, labels, votes = npz["images"], npz["labels"], npz["ferplus_votes"]
    picked = np.concatenate([np.flatnonzero(labels == k)[:3] for k in range(len(EMOTIONS))])
    picked = np.random.default_rng(0).permutation(picked)
    return Sample(images[picked], labels[picked], votes[picked], SPLIT_OF)


@pytest.fixture(params=[3, 1024], ids=["chunks-of-3", "one-chunk"])
def chunk_rows(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Run a test with pixel rows parsed in many small chunks and in a single one."""
    monkeypatch.setattr(fer2013, "_CHUNK_ROWS", request.param)
    return int(request.param)


def csv_lines(sample: Sample) -> list[str]:
    return [HEADER] + [
        f"{label},{' '.join(map(str, image.ravel()))},{usage}"
        for image, label, usage in zip(sample.images, sample.labels, sample.usages, strict=True)
    ]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def write_ferplus(path: Path, sample: Sample) -> Path:
    rows = [FERPLUS_HEADER] + [
        f"{usage},fer{i:07d}.png,{','.join(map(str, row))}"
        for i, (usage, row) in enumerate(zip(sample.usages, sample.votes, strict=True))
    ]
    return write_lines(path, rows)


def assert_same(faces: FaceSet, images: npt.NDArray[np.uint8],
                labels: npt.NDArray[np.int64]) -> None:
    assert faces.images.dtype == np.uint8 and faces.labels.dtype == np.int64
    np.testing.assert_array_equal(faces.images, images)
    np.testing.assert_array_equal(faces.labels, labels)


# -- npz -----------------------------------------------------------------------------------


def test_loads_an_npz(tmp_path: Path) -> None:
    path = tmp_path / "faces.npz"
    np.savez(path, images=np.zeros((3, 48, 48), np.uint8), labels=np.array([0, 3, 6]))
    faces = load_npz(path)
    assert len(faces) == 3 and faces.labels.tolist() == [0, 3, 6]
    assert len(faces.subset(2)) == 2


def test_missing_keys_and_files_are_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.npz"
    np.savez(path, pixels=np.zeros((3, 48, 48), np.uint8))
    with pytest.raises(ValueError, match="missing key.*images, labels"):
        load_npz(path)
    with pytest.raises(FileNotFoundError, match="nothing.npz"):
        load_npz(tmp_path / "nothing.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"junk")
    with pytest.raises(ValueError, match="not a readable npz"):
        load_npz(junk)


def test_wrong_shapes_and_labels() -> None:
    with pytest.raises(ValueError, match=r"\(N, 48, 48\)"):
        FaceSet(np.zeros((2, 32, 32), np.uint8), np.zeros(2, np.int64), "x")
    with pytest.raises(ValueError, match="labels must lie"):
        FaceSet(np.zeros((1, 48, 48), np.uint8), np.array([7]), "x")


# -- fer2013.csv ---------------------------------------------------------------------------


def test_csv_round_trip_reproduces_every_face(
    tmp_path: Path, sample: Sample, chunk_rows: int
) -> None:
    path = write_lines(tmp_path / "fer2013.csv", csv_lines(sample))
    sets, problems = load_fer2013_csv(path)
    assert problems == []
    assert list(sets) == list(USAGES)
    for usage in USAGES:
        assert_same(sets[usage], *sample.split(usage))
        assert sets[usage].name == f"fer2013.csv:{usage}"
        assert sets[usage].soft_targets is None


def test_csv_usage_picks_one_split(tmp_path: Path, sample: Sample) -> None:
    path = write_lines(tmp_path / "fer2013.csv", csv_lines(sample))
    sets, _ = load_fer2013_csv(path, usage="PublicTest")
    assert list(sets) == ["PublicTest"]
    assert_same(sets["PublicTest"], *sample.split("PublicTest"))
    with pytest.raises(ValueError, match="unknown usage 'Validation'; expected Training, "
                                         "PublicTest or PrivateTest"):
        load_fer2013_csv(path, usage="Validation")


def test_csv_reads_quoted_fields_crlf_and_a_bom(tmp_path: Path, sample: Sample) -> None:
    # What a spreadsheet program writes back: quotes, CRLF line ends, a byte-order mark.
    lines = ["\ufeff" + HEADER] + [
        f'{label},"{" ".join(map(str, image.ravel()))}",{usage}'
        for image, label, usage in zip(sample.images, sample.labels, sample.usages, strict=True)
    ]
    path = tmp_path / "fer2013.csv"
    path.write_bytes("\r\n".join(lines).encode())
    sets, problems = load_fer2013_csv(path)
    assert problems == []
    assert_same(sets["Training"], *sample.split("Training"))


def pixel_5(value: str) -> Callable[[list[str]], list[str]]:
    def spoil(fields: list[str]) -> list[str]:
        pixels = fields[1].split()
        pixels[4] = value
        return [fields[0], " ".join(pixels), fields[2]]
    return spoil


BAD_ROWS: list[tuple[Callable[[list[str]], list[str]], str]] = [
    # (what to do to the row's fields, the problem reported)
    (lambda f: [f[0], f[1].rsplit(" ", 1)[0], f[2]], "2303 pixels, expected 2304"),
    (lambda f: [f[0], f[1] + " 7", f[2]], "2305 pixels, expected 2304"),
    (lambda f: [f[0], "", f[2]], "0 pixels, expected 2304"),
    (pixel_5("256"), "pixel 5 is 256, outside 0..255"),
    (pixel_5("-1"), "pixel 5 is -1, outside 0..255"),
    (pixel_5("12a"), "pixel 5 is '12a', not an integer"),
    (pixel_5("1.5"), "pixel 5 is '1.5', not an integer"),
    (lambda f: ["7", f[1], f[2]],
     "emotion '7' is not a label 0..6 (angry, disgust, fear, happy, sad, surprise, neutral)"),
    (lambda f: ["happy", f[1], f[2]], "emotion 'happy' is not a label 0..6"),
    (lambda f: [f[0], f[1], "Validation"],
     "unknown Usage 'Validation', expected Training, PublicTest or PrivateTest"),
    (lambda f: f[:2], "2 fields, expected 3"),
]


@pytest.mark.parametrize(("spoil", "message"), BAD_ROWS, ids=[m for _, m in BAD_ROWS])
def test_a_bad_row_is_skipped_and_named_by_its_line(
    tmp_path: Path, sample: Sample, chunk_rows: int,
    spoil: Callable[[list[str]], list[str]], message: str,
) -> None:
    lines = csv_lines(sample)
    bad = 8  # line 8 holds sample row 6 (the header is line 1)
    lines[bad - 1] = ",".join(spoil(lines[bad - 1].split(",")))
    path = write_lines(tmp_path / "fer2013.csv", lines)

    sets, problems = load_fer2013_csv(path)
    assert len(problems) == 1
    assert problems[0].startswith(f"fer2013.csv line {bad}: {message}")
    keep = np.arange(len(sample.labels)) != bad - 2
    assert_same(sets["Training"], sample.images[keep][:8], sample.labels[keep][:8])
    with pytest.raises(ValueError, match=f"^fer2013.csv line {bad}: {re.escape(message)}"):
        load_fer2013_csv(path, strict=True)


def test_problems_come_in_line_order_and_strict_stops_at_the_first(
    tmp_path: Path, sample: Sample, chunk_rows: int
) -> None:
    lines = csv_lines(sample)
    lines[2] = lines[2].replace(",", ",300 ", 1)  # line 3: a pixel problem, found per chunk
    lines[4] = "9" + lines[4][1:]  # line 5: an emotion problem, found per row
    lines[19] = lines[19].rsplit(",", 1)[0] + ",Test"  # line 20: a Usage problem
    path = write_lines(tmp_path / "fer2013.csv", lines + [""])  # a blank line is no row
    sets, problems = load_fer2013_csv(path)
    assert [p.split(":")[0] for p in problems] == [
        "fer2013.csv line 3", "fer2013.csv line 5", "fer2013.csv line 20"
    ]
    assert sum(len(s) for s in sets.values()) == len(sample.labels) - 3
    with pytest.raises(ValueError, match="^fer2013.csv line 3: 2305 pixels"):
        load_fer2013_csv(path, strict=True)


def test_an_unclosed_quote_is_named_where_it_starts(tmp_path: Path, sample: Sample) -> None:
    lines = csv_lines(sample)
    lines[4] = lines[4].replace(",", ',"', 1)  # swallows the lines after it into one field
    path = write_lines(tmp_path / "fer2013.csv", lines * 4)
    with pytest.raises(ValueError, match="^fer2013.csv line 5: not valid CSV"):
        load_fer2013_csv(path)


def test_a_usage_filter_still_reports_rows_with_an_unknown_usage(
    tmp_path: Path, sample: Sample
) -> None:
    lines = csv_lines(sample)
    lines[3] = lines[3].rsplit(",", 1)[0] + ",Trainig"
    path = write_lines(tmp_path / "fer2013.csv", lines)
    sets, problems = load_fer2013_csv(path, usage="PrivateTest")
    assert problems == ["fer2013.csv line 4: unknown Usage 'Trainig', "
                        "expected Training, PublicTest or PrivateTest"]
    assert_same(sets["PrivateTest"], *sample.split("PrivateTest"))


def test_csv_missing_file_columns_and_contents(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such data file: .*fer2013.csv"):
        load_fer2013_csv(tmp_path / "fer2013.csv")
    path = write_lines(tmp_path / "train.csv", ["emotion,pixels", "0," + " 0" * 2304])
    with pytest.raises(ValueError, match=r"missing column\(s\) Usage; found emotion, pixels"):
        load_fer2013_csv(path)
    path = write_lines(tmp_path / "test.csv", ["id,pixels"])
    with pytest.raises(ValueError, match=r"missing column\(s\) emotion, Usage"):
        load_fer2013_csv(path)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match="empty file; expected the header emotion,pixels,Usage"):
        load_fer2013_csv(empty)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(HEADER.encode() + b"\n\xff\xfe\x00\x81")
    with pytest.raises(ValueError, match="not a text CSV file"):
        load_fer2013_csv(binary)


def test_progress_bar_with_and_without_tqdm(
    tmp_path: Path, sample: Sample, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("tqdm")
    path = write_lines(tmp_path / "fer2013.csv", csv_lines(sample))
    sets, _ = load_fer2013_csv(path, progress=True)
    assert "fer2013.csv" in capsys.readouterr().err
    assert_same(sets["Training"], *sample.split("Training"))
    monkeypatch.setitem(sys.modules, "tqdm", None)  # as if the train extra were missing
    sets, _ = load_fer2013_csv(path, progress=True)
    assert capsys.readouterr().err == ""
    assert_same(sets["Training"], *sample.split("Training"))


# -- FER+ ----------------------------------------------------------------------------------


def test_ferplus_soft_targets_map_onto_our_labels() -> None:
    votes = np.array([
        [4, 0, 0, 0, 1, 0, 0, 4, 1, 0],  # neutral 4, anger 1; contempt and unknown dropped
        [0, 2, 3, 0, 0, 0, 5, 0, 0, 0],  # happiness 2, surprise 3, fear 5
        [0, 0, 0, 1, 0, 1, 0, 0, 0, 0],  # sadness 1, disgust 1
        [0, 0, 0, 0, 0, 0, 0, 3, 2, 5],  # nothing usable
    ])
    soft = ferplus_soft_targets(votes, FERPLUS_COLUMNS)
    assert soft.dtype == np.float32 and soft.shape == (4, 7)
    expected = {0: {"neutral": 0.8, "angry": 0.2}, 1: {"happy": 0.2, "surprise": 0.3, "fear": 0.5},
                2: {"sad": 0.5, "disgust": 0.5}}
    for row, shares in expected.items():
        want = [shares.get(name, 0.0) for name in EMOTIONS]
        np.testing.assert_allclose(soft[row], want, rtol=1e-6)
    assert np.isnan(soft[3]).all()
    # Columns are matched by name, not position.
    order = np.random.default_rng(1).permutation(len(FERPLUS_COLUMNS))
    shuffled = ferplus_soft_targets(votes[:, order], [FERPLUS_COLUMNS[i] for i in order])
    np.testing.assert_array_equal(shuffled, soft)


def test_ferplus_soft_targets_reject_bad_columns_and_votes() -> None:
    votes = np.ones((2, 10), np.int64)
    with pytest.raises(ValueError, match=r"unknown FER\+ column\(s\) joy"):
        ferplus_soft_targets(votes, ("joy",) + FERPLUS_COLUMNS[1:])
    with pytest.raises(ValueError, match=r"missing FER\+ column\(s\) fear"):
        ferplus_soft_targets(votes[:, :6], FERPLUS_COLUMNS[:6])
    with pytest.raises(ValueError, match=r"votes must be \(N, 10\)"):
        ferplus_soft_targets(votes[:, :9], FERPLUS_COLUMNS)
    with pytest.raises(ValueError, match="must not be negative"):
        ferplus_soft_targets(-votes, FERPLUS_COLUMNS)


def test_ferplus_csv_round_trip(tmp_path: Path, sample: Sample) -> None:
    votes, columns = load_ferplus_csv(write_ferplus(tmp_path / "fer2013new.csv", sample))
    assert columns == FERPLUS_COLUMNS
    assert votes.dtype == np.int64
    np.testing.assert_array_equal(votes, sample.votes)


def test_ferplus_csv_malformed_rows_raise_with_their_line(tmp_path: Path, sample: Sample) -> None:
    path = write_ferplus(tmp_path / "fer2013new.csv", sample)
    lines = path.read_text().splitlines()
    lines[5] = lines[5].rsplit(",", 1)[0] + ",x"
    write_lines(path, lines)
    with pytest.raises(ValueError, match="^fer2013new.csv line 6: NF vote 'x' is not a count"):
        load_ferplus_csv(path)
    write_lines(path, ["Usage,Image name,neutral,happiness"])
    with pytest.raises(ValueError, match=r"missing column\(s\) surprise, sadness, anger"):
        load_ferplus_csv(path)


def test_csv_with_ferplus_votes_carries_soft_targets(
    tmp_path: Path, sample: Sample, chunk_rows: int
) -> None:
    # A face FER+ dropped: no image name, all ten votes "not a face".
    votes = sample.votes.copy()
    votes[10] = [0] * 9 + [10]
    dropped = sample._replace(votes=votes)
    ferplus = write_ferplus(tmp_path / "fer2013new.csv", dropped)
    lines = ferplus.read_text().splitlines()
    lines[11] = lines[11].replace("fer0000010.png", "")
    write_lines(ferplus, lines)
    # A malformed fer2013.csv row must not shift the votes of the rows after it.
    fer_lines = csv_lines(sample)
    fer_lines[3] = fer_lines[3].replace(",", ",1 ", 1)
    path = write_lines(tmp_path / "fer2013.csv", fer_lines)

    sets, problems = load_fer2013_csv(path, ferplus=ferplus)
    assert problems == ["fer2013.csv line 4: 2305 pixels, expected 2304"]
    soft = ferplus_soft_targets(votes, FERPLUS_COLUMNS)
    keep = np.arange(len(votes)) != 2
    usages = np.array(sample.usages)
    for usage in USAGES:
        chosen = keep & (usages == usage)
        got = sets[usage].soft_targets
        assert got is not None and got.dtype == np.float32
        np.testing.assert_array_equal(got, soft[chosen])
        assert_same(sets[usage], sample.images[chosen], sample.labels[chosen])
    public = sets["PublicTest"].soft_targets
    assert public is not None
    assert np.isnan(public[1]).all()  # row 10, the dropped face
    assert np.allclose(np.nansum(public, axis=1)[[0, 2, 3, 4, 5]], 1.0)
    assert sets["PublicTest"].subset(2).soft_targets.shape == (2, 7)


def test_ferplus_that_does_not_line_up_is_refused(tmp_path: Path, sample: Sample) -> None:
    path = write_lines(tmp_path / "fer2013.csv", csv_lines(sample))
    short = write_ferplus(tmp_path / "short.csv", sample._replace(
        votes=sample.votes[:-1], usages=sample.usages[:-1]))
    with pytest.raises(ValueError, match="20 rows but fer2013.csv has 21"):
        load_fer2013_csv(path, ferplus=short)
    shifted = write_ferplus(tmp_path / "shifted.csv", sample._replace(
        usages=sample.usages[1:] + ["PrivateTest"]))
    with pytest.raises(ValueError, match="shifted.csv line 10 has Usage PublicTest but "
                                         "fer2013.csv line 10 has Training"):
        load_fer2013_csv(path, ferplus=shifted)
    with pytest.raises(FileNotFoundError, match="missing.csv"):
        load_fer2013_csv(path, ferplus=tmp_path / "missing.csv")


def test_load_npz_fills_soft_targets_from_ferplus_votes(tmp_path: Path, sample: Sample) -> None:
    path = tmp_path / "faces.npz"
    np.savez(path, images=sample.images, labels=sample.labels, ferplus_votes=sample.votes,
             ferplus_vote_columns=np.array(FERPLUS_COLUMNS))
    faces = load_npz(path)
    expected = ferplus_soft_targets(sample.votes, FERPLUS_COLUMNS)
    assert faces.soft_targets is not None
    np.testing.assert_array_equal(faces.soft_targets, expected)
    np.testing.assert_array_equal(faces.subset(5).soft_targets, expected[:5])
    np.savez(path, images=sample.images, labels=sample.labels, ferplus_votes=sample.votes)
    np.testing.assert_array_equal(load_npz(path).soft_targets, expected)
    np.savez(path, images=sample.images, labels=sample.labels)
    assert load_npz(path).soft_targets is None
    np.savez(path, images=sample.images, labels=sample.labels, ferplus_votes=sample.votes[:, :9])
    with pytest.raises(ValueError, match="faces.npz: ferplus_votes: votes must be"):
        load_npz(path)


def test_shared_npz_soft_targets_agree_with_its_labels() -> None:
    faces = load_npz(require_shared(FER_DIR / "publictest.npz"))
    soft = faces.soft_targets
    assert soft is not None and soft.shape == (len(faces), 7)
    voted = ~np.isnan(soft[:, 0])
    assert voted.mean() > 0.99
    np.testing.assert_allclose(soft[voted].sum(axis=1), 1.0, rtol=1e-5)
    # FER+ relabelled FER2013, but most majorities still agree with the original label.
    agree = (soft[voted].argmax(axis=1) == faces.labels[voted]).mean()
    assert 0.6 < agree < 0.7


def test_faceset_checks_soft_target_shape() -> None:
    with pytest.raises(ValueError, match=r"soft targets must be \(2, 7\), got \(2, 10\)"):
        FaceSet(np.zeros((2, 48, 48), np.uint8), np.zeros(2, np.int64), "x",
                np.zeros((2, 10), np.float32))


# -- the image folders ---------------------------------------------------------------------

FOLDER_NAMES = ["Angry", "disgusted", "fearful", "HAPPY", "sad", "surprised", "neutral"]


def write_folders(root: Path, sample: Sample) -> Path:
    """train/<emotion>/Training_N.png and test/<emotion>/P*Test_N.png, N = 3, 6, ... 63."""
    for i, (image, label, usage) in enumerate(
        zip(sample.images, sample.labels, sample.usages, strict=True)
    ):
        folder = root / ("train" if usage == "Training" else "test") / FOLDER_NAMES[label]
        folder.mkdir(parents=True, exist_ok=True)
        # Unpadded numbers: Training_30 must come after Training_6.
        assert cv2.imwrite(str(folder / f"{usage}_{3 * (i + 1)}.png"), image)
    return root


def test_folder_round_trip_reproduces_every_face(tmp_path: Path, sample: Sample) -> None:
    root = write_folders(tmp_path / "fer2013", sample)
    (root / "train" / "Angry" / "Thumbs.db").write_bytes(b"not an image, not a problem")
    sets, problems = load_fer2013_folders(root)
    assert problems == []
    assert list(sets) == list(USAGES)
    for usage in USAGES:
        assert_same(sets[usage], *sample.split(usage))
    sets, _ = load_fer2013_folders(root, usage="PrivateTest")
    assert list(sets) == ["PrivateTest"]
    assert_same(sets["PrivateTest"], *sample.split("PrivateTest"))


def test_folder_problems_are_named_by_path(tmp_path: Path, sample: Sample) -> None:
    root = write_folders(tmp_path / "fer2013", sample)
    broken = root / "train" / "sad" / "Training_1000.jpg"
    broken.write_bytes(b"\xff\xd8 not really a jpeg")
    (root / "train" / "contempt").mkdir()
    assert cv2.imwrite(str(root / "train" / "contempt" / "Training_1001.png"), sample.images[0])
    unnamed = root / "test" / "neutral" / "im0.png"  # the other Kaggle copy's names
    unnamed.parent.mkdir(exist_ok=True)
    assert cv2.imwrite(str(unnamed), sample.images[0])
    # Twice the size, each pixel a 2x2 block: INTER_AREA gives the face back exactly.
    big = cv2.resize(sample.images[0], (96, 96), interpolation=cv2.INTER_NEAREST)
    label = FOLDER_NAMES[sample.labels[0]]
    assert cv2.imwrite(str(root / "train" / label / "Training_1.png"), big)

    sets, problems = load_fer2013_folders(root)
    assert problems == [  # test/ before train/, then unreadable files, then the resizing
        f"{unnamed}: cannot tell its split; the name starts with none of Training_, "
        "PublicTest_, PrivateTest_",
        f"{root / 'train' / 'contempt'}: 1 image(s) in a folder that names no emotion "
        "(expected angry, disgust, fear, happy, sad, surprise, neutral, disgusted, fearful "
        "or surprised)",
        f"{broken}: not a readable image",
        f"{root}: 1 image(s) were not 48x48 (first: {root / 'train' / label / 'Training_1.png'}"
        ", 96x96); resized with INTER_AREA",
    ]
    training = sets["Training"]
    images, labels = sample.split("Training")
    assert_same(training, np.concatenate([sample.images[:1], images]),
                np.concatenate([sample.labels[:1], labels]))
    with pytest.raises(ValueError, match="im0.png: cannot tell its split"):
        load_fer2013_folders(root, strict=True)
    unnamed.unlink()
    with pytest.raises(ValueError, match="contempt: 1 image"):
        load_fer2013_folders(root, strict=True)


def test_folder_layout_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such data folder: .*nowhere"):
        load_fer2013_folders(tmp_path / "nowhere")
    (tmp_path / "angry").mkdir()
    with pytest.raises(ValueError, match="no train/ or test/ folder"):
        load_fer2013_folders(tmp_path)


# -- load_faces ----------------------------------------------------------------------------


def test_load_faces_detects_each_format(tmp_path: Path, sample: Sample) -> None:
    csv_path = write_lines(tmp_path / "fer2013.csv", csv_lines(sample))
    root = write_folders(tmp_path / "images", sample)
    npz_path = tmp_path / "publictest.npz"
    np.savez(npz_path, images=sample.images, labels=sample.labels)

    for source in (csv_path, root):
        faces, problems = load_faces(source, usage="PublicTest")
        assert problems == []
        assert_same(faces, *sample.split("PublicTest"))
        faces, _ = load_faces(source)  # every split, Training first
        order = np.argsort([USAGES.index(u) for u in sample.usages], kind="stable")
        assert_same(faces, sample.images[order], sample.labels[order])
    faces, problems = load_faces(npz_path, usage="PublicTest")
    assert problems == [] and faces.name == "publictest.npz"
    assert_same(faces, sample.images, sample.labels)

    faces, _ = load_faces(csv_path, usage="Training",
                          ferplus=write_ferplus(tmp_path / "fer2013new.csv", sample))
    assert faces.soft_targets is not None and faces.soft_targets.shape == (9, 7)


def test_load_faces_says_what_it_cannot_read(tmp_path: Path, sample: Sample) -> None:
    lines = csv_lines(sample)
    path = write_lines(tmp_path / "fer2013.csv", lines[:10])
    with pytest.raises(ValueError, match="no faces with Usage PublicTest "
                                         r"\(found: Training 9\)"):
        load_faces(path, usage="PublicTest")
    with pytest.raises(FileNotFoundError, match="nothing.csv"):
        load_faces(tmp_path / "nothing.csv")
    other = tmp_path / "faces.parquet"
    other.write_bytes(b"PAR1")
    with pytest.raises(ValueError, match="unknown data format; expected an .npz file"):
        load_faces(other)
    with pytest.raises(ValueError, match="unknown usage 'test'"):
        load_faces(path, usage="test")
    with pytest.raises(ValueError, match="cannot take them"):
        load_faces(tmp_path, ferplus=path)


def test_the_loaders_do_not_import_torch() -> None:
    # `moodtunes evaluate` reads data without the train extra installed.
    code = ("import sys, moodtunes.evaluation.fer2013; "
            "sys.exit('torch' in sys.modules or 'tqdm' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
