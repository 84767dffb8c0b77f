"""A corpus of well-formed, odd, damaged and hostile images, made here rather than committed:
OpenCV's encoders for the ordinary ones, and small writers of our own (PNG chunks, BMP
headers, JPEG segments) for what no encoder writes on purpose."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

Pixels = npt.NDArray[np.generic]


def picture(width: int, height: int, channels: int = 3, seed: int = 0) -> npt.NDArray[np.uint8]:
    """Smooth random colours (they compress like a photo, unlike noise)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (max(1, height // 8), max(1, width // 8), channels), np.uint8)
    big = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    return big.reshape(height, width, channels)


def encode(ext: str, image: Pixels, *params: int) -> bytes:
    ok, buffer = cv2.imencode(ext, image, list(params))
    assert ok, ext
    return buffer.tobytes()


# --- JPEG -------------------------------------------------------------------------------

def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, the segment's bytes from its FF) for each segment; a scan keeps its data."""
    assert data[:2] == b"\xff\xd8"
    segments, pos = [(0xD8, data[:2])], 2
    while pos < len(data):
        marker = data[pos + 1]
        if marker == 0xD9:
            segments.append((marker, data[pos:pos + 2]))
            break
        end = pos + 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
        if marker == 0xDA:
            while not (data[end] == 0xFF and data[end + 1] not in (0, *range(0xD0, 0xD8))):
                end += 1
        segments.append((marker, data[pos:end]))
        pos = end
    return segments


def join(segments: list[tuple[int, bytes]]) -> bytes:
    return b"".join(part for _, part in segments)


def jpeg_sized(data: bytes, width: int, height: int) -> bytes:
    """The JPEG with its frame header declaring another size (the classic bomb)."""
    out = []
    for marker, part in jpeg_segments(data):
        if 0xC0 <= marker <= 0xC2:
            part = part[:5] + struct.pack(">HH", height, width) + part[9:]
        out.append((marker, part))
    return join(out)


def app_segment(n: int, body: bytes) -> bytes:
    return bytes([0xFF, 0xE0 + n]) + struct.pack(">H", len(body) + 2) + body


def exif(orientation: int, thumbnail: bytes = b"") -> bytes:
    """An APP1 Exif segment with one orientation tag, and a thumbnail after its IFD."""
    ifd = struct.pack(">H", 1) + struct.pack(">HHII", 0x0112, 3, 1, orientation << 16)
    return app_segment(1, b"Exif\0\0MM\0*" + struct.pack(">I", 8) + ifd + b"\0\0\0\0"
                       + thumbnail)


def with_segment(data: bytes, segment: bytes) -> bytes:
    return data[:2] + segment + data[2:]


def cmyk_jpeg(width: int, height: int, progressive: bool = False) -> bytes:
    """A four-component (Adobe CMYK) JPEG, made from four grey JPEGs: a scan of one component
    codes the same as a grey image's, so their scans are joined under one frame."""
    params = [cv2.IMWRITE_JPEG_QUALITY, 85, cv2.IMWRITE_JPEG_PROGRESSIVE, int(progressive)]
    greys = [jpeg_segments(encode(".jpg", picture(width, height, 1, seed=k), *params))
             for k in range(4)]
    first = greys[0]
    tables = [part for marker, part in first if marker == 0xDB]
    frame = next(part for marker, part in first if marker in (0xC0, 0xC2))
    components = b"".join(bytes([k + 1, 0x11, 0]) for k in range(4))
    sof = frame[:2] + struct.pack(">H", 8 + 12) + frame[4:9] + b"\x04" + components
    adobe = app_segment(14, b"Adobe" + struct.pack(">HHHB", 100, 0, 0, 0))
    scans = []
    for k, segments in enumerate(greys):
        for marker, part in segments:
            if marker == 0xC4:
                scans.append(part)
            elif marker == 0xDA:  # the scan's one component becomes component k+1
                scans.append(part[:5] + bytes([k + 1]) + part[6:])
    return b"\xff\xd8" + adobe + b"".join(tables) + sof + b"".join(scans) + b"\xff\xd9"


def many_scans(data: bytes, copies: int) -> bytes:
    """A progressive JPEG with its last scan repeated: libjpeg decodes every one."""
    segments = jpeg_segments(data)
    last = max(i for i, (marker, _) in enumerate(segments) if marker == 0xDA)
    return join(segments[:last + 1] + [segments[last]] * copies + segments[last + 1:])


# --- PNG --------------------------------------------------------------------------------

def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(rows: list[bytes], width: int, height: int, depth: int, colour: int,
        interlace: int = 0, extra: bytes = b"") -> bytes:
    """A PNG of already filtered rows (each starts with its filter byte)."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, interlace)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + extra
            + png_chunk(b"IDAT", zlib.compress(b"".join(rows))) + png_chunk(b"IEND", b""))


def png_rgb(image: npt.NDArray[np.uint8], interlace: bool = False) -> bytes:
    """An 8-bit RGB PNG, Adam7-interlaced if asked (OpenCV writes no interlaced PNG)."""
    height, width = image.shape[:2]
    rgb = image[:, :, ::-1]
    passes = ([(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
               (0, 1, 1, 2)] if interlace else [(0, 0, 1, 1)])
    rows = []
    for x0, y0, dx, dy in passes:
        part = rgb[y0::dy, x0::dx]
        if part.size:
            rows += [b"\0" + row.tobytes() for row in part]
    return png(rows, width, height, 8, 2, int(interlace))


def png_palette(width: int, height: int) -> bytes:
    palette = bytes(range(48)) * 16
    rows = [b"\0" + bytes((x + y) % 256 for x in range(width)) for y in range(height)]
    return png(rows, width, height, 8, 3, extra=png_chunk(b"PLTE", palette[:768]))


def png_bomb(width: int, height: int) -> bytes:
    """A header declaring width x height, over a few bytes of zeros."""
    return png([b"\0" * 64], width, height, 8, 2)


def animated_png(width: int, height: int) -> bytes:
    frame = png_rgb(picture(width, height))
    actl = png_chunk(b"acTL", struct.pack(">II", 2, 0))
    return frame[:33] + actl + frame[33:]


# --- WebP -------------------------------------------------------------------------------

def riff(*chunks: bytes) -> bytes:
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def riff_chunk(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("<I", len(body)) + body + b"\0" * (len(body) & 1)


def webp_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, pos = [], 12
    while pos + 8 <= len(data):
        kind, length = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "little")
        chunks.append((kind, data[pos + 8:pos + 8 + length]))
        pos += 8 + length + (length & 1)
    return chunks


def webp_sized(data: bytes, width: int, height: int) -> bytes:
    """The WebP with its bitstream header (VP8 or VP8L) declaring another size."""
    out = []
    for kind, body in webp_chunks(data):
        if kind == b"VP8L":
            bits = int.from_bytes(body[1:5], "little") & ~((1 << 28) - 1)
            bits |= (width - 1) | (height - 1) << 14
            body = body[:1] + struct.pack("<I", bits) + body[5:]
        elif kind == b"VP8 ":
            body = body[:6] + struct.pack("<HH", width, height) + body[10:]
        out.append(riff_chunk(kind, body))
    return riff(*out)


def vp8x(data: bytes, width: int, height: int, flags: int = 0, *extra: bytes) -> bytes:
    """The simple WebP inside an extended (VP8X) file whose canvas is width x height."""
    header = bytes([flags, 0, 0, 0]) + (width - 1).to_bytes(3, "little") + (
        height - 1).to_bytes(3, "little")
    return riff(riff_chunk(b"VP8X", header), *extra,
                *(riff_chunk(kind, body) for kind, body in webp_chunks(data)))


# --- BMP --------------------------------------------------------------------------------

def bmp(width: int, height: int, bits: int, pixels: bytes, compression: int = 0,
        palette: bytes = b"", header_size: int = 40) -> bytes:
    """A BMP with a BITMAPINFOHEADER-style header (height < 0: top-down); header_size 12
    writes the old BITMAPCOREHEADER."""
    if header_size == 12:
        info = struct.pack("<IHHHH", 12, width, height, 1, bits)
    else:
        info = struct.pack("<IiiHHIIiiII", header_size, width, height, 1, bits, compression,
                           len(pixels), 2835, 2835, len(palette) // 4, 0)
        info += b"\0" * (header_size - 40)
    offset = 14 + len(info) + len(palette)
    return (b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + info + palette
            + pixels)


def bmp_rgb(image: npt.NDArray[np.uint8], top_down: bool = False, header_size: int = 40) -> bytes:
    height, width = image.shape[:2]
    pad = b"\0" * (-3 * width % 4)
    rows = [row.tobytes() + pad for row in (image if top_down else image[::-1])]
    return bmp(width, -height if top_down else height, 24, b"".join(rows),
               header_size=header_size)


GREY_PALETTE = b"".join(bytes([v, v, v, 0]) for v in range(256))


def bmp_rle8(width: int, height: int) -> bytes:
    """An RLE8 BMP declaring width x height over a handful of runs: a bomb when large."""
    runs = b"".join(bytes([min(255, width), 128, 0, 0]) for _ in range(4)) + b"\0\1"
    return bmp(width, height, 8, runs, compression=1, palette=GREY_PALETTE)


# --- Other formats ----------------------------------------------------------------------

def gif(width: int, height: int) -> bytes:
    """A one-colour GIF89a (OpenCV 4.14 reads GIF; moodtunes must not)."""
    return (b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
            + b"," + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02\x44\x01\0;")


def other_formats() -> dict[str, bytes]:
    """Images in formats OpenCV decodes and moodtunes refuses, by their usual MIME type."""
    image = picture(32, 24)
    found = {"image/gif": gif(32, 24), "image/tiff": encode(".tiff", image),
             "image/jp2": encode(".jp2", picture(256, 256)),
             "image/x-portable-pixmap": encode(".ppm", image),
             "image/vnd.radiance": encode(".hdr", image.astype(np.float32) / 255),
             "image/x-sun-raster": encode(".sr", image),
             "image/x-exr": b"\x76\x2f\x31\x01\x02\0\0\0" + b"\0" * 64}
    ok, avif = cv2.imencode(".avif", image)
    if ok:
        found["image/avif"] = avif.tobytes()
    return found


# --- The corpus -------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    mimetype: str
    # The status the API must answer; None: any of 200 or a 4xx JSON error.
    status: int | None = None


def valid_images() -> dict[str, tuple[bytes, str, tuple[int, int]]]:
    """Well-formed images of every variant decoded here: (bytes, MIME type, (width, height))."""
    w, h = 64, 48
    image, alpha, grey = picture(w, h), picture(w, h, 4), picture(w, h, 1)
    baseline = encode(".jpg", image)
    progressive = encode(".jpg", image, cv2.IMWRITE_JPEG_PROGRESSIVE, 1)
    small = encode(".jpg", picture(16, 12))
    thumbnail_exif = exif(1, jpeg_sized(small, 40000, 40000))
    return {
        "jpeg baseline": (baseline, "image/jpeg", (w, h)),
        "jpeg progressive": (progressive, "image/jpeg", (w, h)),
        "jpeg 4:4:4": (encode(".jpg", image, cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
                              cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444), "image/jpeg", (w, h)),
        "jpeg grey": (encode(".jpg", grey), "image/jpeg", (w, h)),
        "jpeg cmyk": (cmyk_jpeg(w, h), "image/jpeg", (w, h)),
        "jpeg cmyk progressive": (cmyk_jpeg(w, h, progressive=True), "image/jpeg", (w, h)),
        "jpeg exif rotated": (with_segment(baseline, exif(6)), "image/jpeg", (w, h)),
        "jpeg exif thumbnail declaring a bomb": (with_segment(baseline, thumbnail_exif),
                                                 "image/jpeg", (w, h)),
        "jpeg comment and fill bytes": (baseline[:2] + b"\xff\xfe\0\5hi!\xff\xff" + baseline[3:],
                                        "image/jpeg", (w, h)),
        "png rgb": (encode(".png", image), "image/png", (w, h)),
        "png rgba": (encode(".png", alpha), "image/png", (w, h)),
        "png 16-bit rgba": (encode(".png", alpha.astype(np.uint16) * 257), "image/png", (w, h)),
        "png 16-bit grey": (encode(".png", grey.astype(np.uint16) * 257), "image/png", (w, h)),
        "png grey": (encode(".png", grey), "image/png", (w, h)),
        "png palette": (png_palette(w, h), "image/png", (w, h)),
        "png interlaced": (png_rgb(image, interlace=True), "image/png", (w, h)),
        "webp lossy": (encode(".webp", image, cv2.IMWRITE_WEBP_QUALITY, 80), "image/webp", (w, h)),
        "webp lossy alpha": (encode(".webp", alpha, cv2.IMWRITE_WEBP_QUALITY, 80), "image/webp",
                             (w, h)),
        "webp lossless alpha": (encode(".webp", alpha, cv2.IMWRITE_WEBP_QUALITY, 101),
                                "image/webp", (w, h)),
        "bmp 24-bit": (bmp_rgb(image), "image/bmp", (w, h)),
        "bmp top-down": (bmp_rgb(image, top_down=True), "image/bmp", (w, h)),
        "bmp core header": (bmp_rgb(image, header_size=12), "image/bmp", (w, h)),
        "bmp v5 header": (bmp_rgb(image, header_size=124), "image/bmp", (w, h)),
        "bmp 32-bit": (encode(".bmp", alpha), "image/bmp", (w, h)),
        "bmp grey palette": (encode(".bmp", grey), "image/bmp", (w, h)),
        "bmp rle8": (bmp_rle8(w, h), "image/bmp", (w, h)),
    }


def bombs() -> dict[str, bytes]:
    """Small files whose headers declare far more pixels than anyone should decode."""
    image = picture(64, 48)
    baseline = encode(".jpg", image)
    lossless = encode(".webp", image, cv2.IMWRITE_WEBP_QUALITY, 101)
    lossy = encode(".webp", image, cv2.IMWRITE_WEBP_QUALITY, 80)
    progressive = encode(".jpg", image, cv2.IMWRITE_JPEG_PROGRESSIVE, 1)
    return {
        "jpeg 32000x32000": jpeg_sized(baseline, 32000, 32000),
        "jpeg 65535x65535": jpeg_sized(baseline, 65535, 65535),
        "jpeg progressive 20000x20000": jpeg_sized(progressive, 20000, 20000),
        "jpeg 20000x1 (too wide)": jpeg_sized(baseline, 20000, 1),
        "jpeg 1000 scans": many_scans(progressive, 1000),
        "png 100000x100000": png_bomb(100000, 100000),
        "png 2^31-1 wide": png_bomb(2**31 - 1, 1),
        "png 5000x5000": png_bomb(5000, 5000),
        "webp lossless 16384x16384": webp_sized(lossless, 16384, 16384),
        "webp lossy 16383x16383": webp_sized(lossy, 16383, 16383),
        "webp vp8x 16384x16384": vp8x(webp_sized(lossless, 2**14, 2**14), 2**14, 2**14),
        "bmp rle8 30000x30000": bmp_rle8(30000, 30000),
        "bmp rle8 2^31-1 wide": bmp_rle8(2**31 - 1, 1),
        "bmp top-down -2^31 high": bmp(1, -(2**31), 24, b"\0" * 4),
    }


def odd_shapes() -> dict[str, tuple[int, int]]:
    return {"1x1": (1, 1), "801x1": (801, 1), "1x801": (1, 801), "10000x10": (10000, 10),
            "10x10000": (10, 10000), "16384x2": (16384, 2), "2x16384": (2, 16384),
            "400x1001": (400, 1001), "3x3": (3, 3), "401x2": (401, 2)}


def flipped(data: bytes, seed: int, count: int = 4, within: int = 0) -> bytes:
    """`data` with `count` bits flipped at random (within its first `within` bytes if set)."""
    rng = np.random.default_rng(seed)
    out = bytearray(data)
    for _ in range(count):
        at = int(rng.integers(0, within or len(out)))
        out[at] ^= 1 << int(rng.integers(0, 8))
    return bytes(out)


def hostile_cases() -> list[Case]:
    """Every case the API must answer without a 500."""
    cases = [Case(f"valid {name}", data, mime, 200)
             for name, (data, mime, _) in valid_images().items()]
    types = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "bmp": "image/bmp"}
    cases += [Case(f"bomb {name}", data, types[name.split()[0]], 413)
              for name, data in bombs().items()]
    for name, (w, h) in odd_shapes().items():
        image = picture(w, h)
        cases.append(Case(f"shape {name} png", encode(".png", image), "image/png", 200))
        cases.append(Case(f"shape {name} jpeg", encode(".jpg", image), "image/jpeg", 200))
    cases.append(Case("shape 16385x1 png", encode(".png", picture(16385, 1)), "image/png", 413))
    for mime, data in other_formats().items():
        cases.append(Case(f"other {mime} as itself", data, mime, 415))
        cases.append(Case(f"other {mime} as image/jpeg", data, "image/jpeg", 415))
    valid = valid_images()
    for name, (data, mime, _) in valid.items():
        wrong = "image/png" if mime != "image/png" else "image/jpeg"
        cases.append(Case(f"mismatch {name} as {wrong}", data, wrong, 415))
    cases += [
        Case("animated png", animated_png(16, 16), "image/png", 415),
        Case("animated webp", vp8x(valid["webp lossless alpha"][0], 64, 48, 0x12,
                                   riff_chunk(b"ANIM", b"\0" * 6)), "image/webp", 415),
        Case("webp canvas and image differ", vp8x(valid["webp lossless alpha"][0], 640, 480),
             "image/webp", 400),
        Case("jpeg inside bmp", bmp(8, 8, 0, valid["jpeg baseline"][0], compression=4),
             "image/bmp", 415),
        Case("empty", b"", "image/jpeg", 400),
        Case("text as jpeg", b"hello, world", "image/jpeg", 400),
        Case("jpeg soi only", b"\xff\xd8\xff", "image/jpeg", 400),
        Case("jpeg without frame", b"\xff\xd8" + app_segment(0, b"JFIF\0") + b"\xff\xd9",
             "image/jpeg", 400),
        Case("jpeg height 0 (DNL)", jpeg_sized(valid["jpeg baseline"][0], 64, 0), "image/jpeg",
             400),
    ]
    for name in ("jpeg baseline", "jpeg progressive", "png rgb", "png interlaced", "webp lossy",
                 "webp lossless alpha", "bmp 24-bit", "bmp rle8", "jpeg cmyk"):
        data, mime, _ = valid[name]
        for cut in sorted({1, 2, 3, 4, 8, 12, 16, 20, 26, 30, 33, 40, 60, 100, 200,
                           len(data) // 2, len(data) - 1}):
            if cut < len(data):
                cases.append(Case(f"truncated {name} at {cut}", data[:cut], mime))
        for seed in range(12):
            cases.append(Case(f"flipped {name} header #{seed}", flipped(data, seed, 1, 64), mime))
            cases.append(Case(f"flipped {name} #{seed}", flipped(data, 100 + seed, 8), mime))
    return cases


# --- What decoding costs ------------------------------------------------------------------

# The peak is read from /proc/self/status (VmHWM, this process's own memory) rather than from
# getrusage: Linux carries ru_maxrss over exec from the parent, here pytest and its corpus.
_COST = """
import json, sys, time
from moodtunes.errors import MoodtunesError
from moodtunes.vision.images import decode_image

def peak_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

decode_image(open(sys.argv[1], "rb").read())  # warm: libraries loaded, first buffers made
costs = []
for path in sys.argv[2:]:  # one after another: each grows the peak only past the last one's
    data = open(path, "rb").read()
    before = peak_kb()
    start = time.perf_counter()
    try:
        decode_image(data)
        outcome = "decoded"
    except MoodtunesError as exc:
        outcome = exc.code
    seconds = time.perf_counter() - start
    costs.append({"mb": (peak_kb() - before) / 1024, "seconds": seconds, "outcome": outcome})
    del data
print(json.dumps(costs))
"""


def decode_costs(paths: list[Path], tmp: Path) -> list[dict[str, float | str]]:
    """What `decode_image` of each file costs a fresh process, in turn: the growth of its peak
    resident memory (MB), the seconds, and the outcome ("decoded" or an error code). Files
    are measured in the order given; a file costs nothing here if an earlier one peaked
    higher, so put the one that matters first."""
    warm = tmp / "warm.jpg"
    warm.write_bytes(encode(".jpg", picture(64, 48)))
    done = subprocess.run([sys.executable, "-c", _COST, str(warm), *map(str, paths)],
                          check=True, capture_output=True, text=True, timeout=120)
    result: list[dict[str, float | str]] = json.loads(done.stdout)
    return result
