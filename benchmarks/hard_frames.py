"""Webcam-like test frames made from the real faces in ../shared/data, with where each face is.

Nothing here is committed data: the frames are made on the fly, reproducibly from a seed.

- easy: one SFEW face (colour, in-the-wild people; the 80% of SFEW's crops in ordinary light,
  mean grey level 45 or more: the rest are film scenes in the dark) of 80-300 px, upright or
  tilted up to 15 degrees, on a room-like 640x480 background, with a little noise;
- hard: the same faces under one of low light, backlight, side shadow, heavy blur, low JPEG
  quality, sensor noise, a hand over part of the face, or a roll of 20-30 degrees;
- small: faces of 40-64 px; several: two or three faces in one frame;
- fer: FER2013 PublicTest faces (grey, 48x48) enlarged to 96-240 px in frames;
- tight: all of SFEW's own crops as they are (brow to chin, about 143x181), the face filling the
  image, as a photo app or a data set cuts it;
- empty: frames without a face, room-like backgrounds;
- mosaic: frames of shuffled 32 px tiles of face crops (skin, hair, whole eyes and mouths, but
  no face): an adversarial face-free set, reported on its own.

Each face is pasted through a soft-edged rounded mask, so that no rectangle's edge gives it
away.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SFEW = DATA / "sfew" / "Train"
FER_PUBLICTEST = DATA / "fer2013" / "publictest.npz"
W, H = 640, 480
Image = npt.NDArray[np.uint8]
# SFEW crops at least this bright (mean grey level) are "in ordinary light".
LIT = 45
HARD_KINDS = ("low light", "backlight", "side shadow", "blur", "jpeg", "noise", "hand", "roll")


@dataclass
class Frame:
    image: Image
    # (centre x, centre y, face width) of each face in the frame.
    faces: list[tuple[float, float, float]] = field(default_factory=list)
    kind: str = ""


@functools.cache
def sfew_faces(every: int = 1) -> list[Image]:
    """SFEW's crops, read once per process (every set is made from them; never mutated)."""
    paths = sorted(SFEW.glob("*/*.png"))[::every]
    if not paths:
        raise FileNotFoundError(f"no SFEW faces under {SFEW}")
    return [np.asarray(cv2.imread(str(p)), np.uint8) for p in paths]


@functools.cache
def lit_faces() -> list[Image]:
    """The SFEW crops in ordinary light (mean grey level at least LIT)."""
    return [f for f in sfew_faces() if cv2.cvtColor(f, cv2.COLOR_BGR2GRAY).mean() >= LIT]


def fer_faces() -> npt.NDArray[np.uint8]:
    with np.load(FER_PUBLICTEST, allow_pickle=False) as data:
        return np.asarray(data["images"])


def background(rng: np.random.Generator) -> Image:
    """A room: a smooth colour field, a few flat shapes with edges (a window, a shelf, a
    door), a little texture."""
    small = rng.uniform(40, 200, (6, 8, 3)).astype(np.float32)
    img = cv2.resize(small, (W, H), interpolation=cv2.INTER_CUBIC)
    for _ in range(int(rng.integers(2, 6))):
        x0, y0 = int(rng.integers(0, W - 40)), int(rng.integers(0, H - 40))
        x1, y1 = x0 + int(rng.integers(40, 300)), y0 + int(rng.integers(40, 300))
        colour = [float(c) for c in rng.uniform(20, 235, 3)]
        cv2.rectangle(img, (x0, y0), (x1, y1), colour, -1)
    texture = cv2.resize(rng.normal(0, 6, (H // 4, W // 4, 3)).astype(np.float32), (W, H))
    return np.clip(img + texture, 0, 255).astype(np.uint8)


def tiles(faces: list[Image], rng: np.random.Generator) -> Image:
    """Shuffled 32 px tiles of face crops: skin, hair and eyes' colours, no face."""
    out = np.empty((H, W, 3), np.uint8)
    for y in range(0, H, 32):
        for x in range(0, W, 32):
            face = faces[int(rng.integers(len(faces)))]
            fy = int(rng.integers(0, face.shape[0] - 32))
            fx = int(rng.integers(0, face.shape[1] - 32))
            out[y:y + 32, x:x + 32] = face[fy:fy + 32, fx:fx + 32]
    return out


def oval(h: int, w: int) -> npt.NDArray[np.float32]:
    """A soft-edged rounded rectangle (a superellipse): the crop's corners fade into the
    background, its hair, cheeks and chin stay."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.abs((xx - w / 2 + 0.5) / (w / 2)) ** 5 + np.abs((yy - h / 2 + 0.5) / (h / 2)) ** 5
    return np.clip((1.0 - r) / 0.35, 0, 1)


def paste(frame: Image, face: Image, cx: float, cy: float, width: float,
          angle: float = 0.0, gain: float = 1.0) -> None:
    """`face` scaled to `width`, turned `angle` degrees (clockwise), through a soft oval."""
    scale = width / face.shape[1]
    h, w = round(face.shape[0] * scale), round(width)
    big = cv2.resize(face, (w, h), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    alpha = oval(h, w)
    diag = int(math.ceil(math.hypot(h, w))) + 2
    canvas = np.zeros((diag, diag, 3), np.float32)
    mask = np.zeros((diag, diag), np.float32)
    oy, ox = (diag - h) // 2, (diag - w) // 2
    canvas[oy:oy + h, ox:ox + w] = big * gain
    mask[oy:oy + h, ox:ox + w] = alpha
    if angle:
        m = cv2.getRotationMatrix2D((diag / 2, diag / 2), -angle, 1.0)
        canvas = cv2.warpAffine(canvas, m, (diag, diag), flags=cv2.INTER_LINEAR)
        mask = cv2.warpAffine(mask, m, (diag, diag), flags=cv2.INTER_LINEAR)
    x0, y0 = round(cx - diag / 2), round(cy - diag / 2)
    fx0, fy0 = max(0, -x0), max(0, -y0)
    x1, y1 = min(W, x0 + diag), min(H, y0 + diag)
    region = frame[max(y0, 0):y1, max(x0, 0):x1].astype(np.float32)
    m3 = mask[fy0:fy0 + region.shape[0], fx0:fx0 + region.shape[1], None]
    c = canvas[fy0:fy0 + region.shape[0], fx0:fx0 + region.shape[1]]
    frame[max(y0, 0):y1, max(x0, 0):x1] = np.clip(region * (1 - m3) + c * m3, 0, 255)


def place(rng: np.random.Generator, width: float, height: float) -> tuple[float, float]:
    return (float(rng.uniform(width / 2 + 5, W - width / 2 - 5)),
            float(rng.uniform(height / 2 + 5, H - height / 2 - 5)))


def one_face(face: Image, rng: np.random.Generator, lo: int, hi: int, tilt: float,
             gain: float = 1.0) -> Frame:
    frame = background(rng)
    width = float(rng.uniform(lo, hi))
    height = width * face.shape[0] / face.shape[1]
    cx, cy = place(rng, width * 1.1, height * 1.1)
    paste(frame, face, cx, cy, width, float(rng.uniform(-tilt, tilt)), gain)
    return Frame(frame, [(cx, cy, width)])


def sensor(frame: Image, rng: np.random.Generator, sigma: float) -> Image:
    noisy = frame.astype(np.float32) + rng.normal(0, sigma, frame.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def jpeg(frame: Image, quality: int) -> Image:
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR), np.uint8)


def harden(kind: str, face: Image, rng: np.random.Generator) -> Frame:
    if kind == "roll":
        frame = background(rng)
        width = float(rng.uniform(100, 260))
        cx, cy = place(rng, width * 1.4, width * 1.4)
        angle = float(rng.choice([-1, 1]) * rng.uniform(20, 30))
        paste(frame, face, cx, cy, width, angle)
        return Frame(sensor(frame, rng, 3), [(cx, cy, width)], kind)
    if kind == "backlight":
        out = one_face(face, rng, 100, 260, 10, gain=float(rng.uniform(0.35, 0.5)))
        x, y, w = out.faces[0]
        bright = np.clip(out.image.astype(np.float32) * 1.6 + 70, 0, 255)
        keep = np.zeros((H, W), np.float32)
        cv2.ellipse(keep, (round(x), round(y)), (round(w * 0.45), round(w * 0.6)), 0, 0, 360,
                    1.0, -1)
        keep = cv2.GaussianBlur(keep, (0, 0), 6)[:, :, None]
        out.image = np.clip(out.image * keep + bright * (1 - keep), 0, 255).astype(np.uint8)
        out.kind = kind
        return out
    out = one_face(face, rng, 100, 260, 10)
    img = out.image
    x, y, w = out.faces[0]
    if kind == "low light":
        img = sensor(np.clip(img * rng.uniform(0.15, 0.25), 0, 255).astype(np.uint8), rng, 4)
    elif kind == "side shadow":
        ramp = np.clip((np.arange(W, dtype=np.float32) - (x - w / 2)) / w, 0, 1)
        if rng.random() < 0.5:
            ramp = ramp[::-1]
        img = np.clip(img * (0.2 + 0.8 * ramp)[None, :, None], 0, 255).astype(np.uint8)
    elif kind == "blur":
        img = np.asarray(cv2.GaussianBlur(img, (0, 0), float(rng.uniform(3, 4.5))), np.uint8)
    elif kind == "jpeg":
        img = jpeg(img, int(rng.integers(6, 12)))
    elif kind == "noise":
        img = sensor(img, rng, float(rng.uniform(20, 30)))
    elif kind == "hand":
        # A hand or a mug: a skin- or cup-coloured blob over a third of the face, from below
        # or from a side.
        colour = [float(c) for c in (rng.uniform(60, 120), rng.uniform(90, 160),
                                     rng.uniform(140, 210))]
        side = rng.choice(["below", "left", "right"])
        ax, ay = (w * 0.35, w * 0.3) if side == "below" else (w * 0.25, w * 0.45)
        ox = {"below": 0.0, "left": -w * 0.38, "right": w * 0.38}[side]
        oy = w * 0.45 if side == "below" else w * 0.2
        cv2.ellipse(img, (round(x + ox), round(y + oy)), (round(ax), round(ay)), 0, 0, 360,
                    colour, -1)
    out.image, out.kind = img, kind
    return out


def frames(kind: str, count: int, seed: int = 0) -> Iterator[Frame]:
    """`count` frames of one set (see the module's docstring), the same for the same seed."""
    rng = np.random.default_rng([seed, sum(map(ord, kind))])
    if kind == "fer":
        faces = fer_faces()
        for i in rng.choice(len(faces), count, replace=False):
            grey = cv2.cvtColor(faces[i], cv2.COLOR_GRAY2BGR)
            out = one_face(grey, rng, 96, 240, 0)
            out.kind = kind
            yield out
        return
    sfew = sfew_faces()
    lit = lit_faces()
    pool = sfew if kind in ("tight", "mosaic") else lit
    picks = rng.choice(len(pool), count, replace=count > len(pool))
    for n, i in enumerate(picks):
        face = pool[i]
        if kind == "easy":
            out = one_face(face, rng, 80, 300, 15)
            out.image, out.kind = sensor(out.image, rng, 3), kind
            yield out
        elif kind == "hard":
            yield harden(HARD_KINDS[n % len(HARD_KINDS)], face, rng)
        elif kind == "small":
            out = one_face(face, rng, 40, 64, 10)
            out.kind = kind
            yield out
        elif kind == "several":
            frame = Frame(background(rng), [], kind)
            count_here = 2 + n % 2
            slot = W / count_here
            for k in range(count_here):
                other = pool[int(rng.integers(len(pool)))] if k else face
                width = float(rng.uniform(80, min(170, slot * 0.8)))
                cx = slot * k + slot / 2 + float(rng.uniform(-10, 10))
                cy = float(rng.uniform(width * 0.8, H - width * 0.8))
                paste(frame.image, other, cx, cy, width, float(rng.uniform(-10, 10)))
                frame.faces.append((cx, cy, width))
            yield frame
        elif kind == "tight":
            yield Frame(face.copy(), [(face.shape[1] / 2, face.shape[0] / 2,
                                       float(face.shape[1]))], kind)
        elif kind == "empty":
            yield Frame(sensor(background(rng), rng, 3), [], kind)
        elif kind == "mosaic":
            yield Frame(sensor(tiles(sfew, rng), rng, 3), [], kind)
        else:
            raise ValueError(f"unknown set {kind!r}")


def hits(boxes: list[tuple[int, int, int, int]], face: tuple[float, float, float]) -> bool:
    """Whether a box holds the face's centre at 0.5-2x its size (shared/MEASURED.md's rule)."""
    cx, cy, width = face
    return any(x <= cx <= x + w and y <= cy <= y + h and 0.5 <= max(w, h) / width <= 2.0
               for x, y, w, h in boxes)
