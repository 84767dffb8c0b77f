"""What an encoded image says about itself, read from its header before any decoder runs.

The parsers here allocate nothing in proportion to what a header declares: they read the
format, width and height (and, for JPEG, how many scans the decoder would run) so that
`moodtunes.vision.images` can refuse an image before OpenCV allocates its pixels. They are
strict about structure, since a header that a decoder would read differently from us is how
a size check is bypassed."""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass

from moodtunes.errors import InvalidImageError, UnsupportedMediaError

# The formats decoded, each with its name in messages.
FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WebP", "bmp": "BMP"}
SUPPORTED = "JPEG, PNG, WebP or BMP"


@dataclass(frozen=True)
class ImageHeader:
    format: str  # a key of FORMATS
    width: int
    height: int
    # Entropy-coded scans a JPEG decoder runs over the whole image (1 for other formats).
    scans: int = 1
    # False when the data is too short for the pixels the header declares (an uncompressed
    # BMP): damaged, once its size is known not to be too large.
    complete: bool = True

    @property
    def pixels(self) -> int:
        return self.width * self.height


def sniff(data: bytes) -> str | None:
    """The supported format whose magic number starts `data`, else None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"BM"):
        return "bmp"
    return None


# Formats OpenCV could decode (or that people send) that moodtunes refuses, by magic number.
_OTHER_MAGIC = (
    (b"GIF87a", "GIF"), (b"GIF89a", "GIF"), (b"II*\0", "TIFF"), (b"MM\0*", "TIFF"),
    (b"II+\0", "BigTIFF"), (b"MM\0+", "BigTIFF"), (b"\0\0\0\x0cjP  \r\n\x87\n", "JPEG 2000"),
    (b"\xff\x4f\xff\x51", "JPEG 2000"), (b"\x76\x2f\x31\x01", "OpenEXR"),
    (b"#?RADIANCE", "Radiance HDR"), (b"#?RGBE", "Radiance HDR"), (b"\x59\xa6\x6a\x95",
    "Sun raster"), (b"8BPS", "Photoshop"), (b"\0\0\1\0", "ICO"), (b"qoif", "QOI"),
)


def other_format(data: bytes) -> str | None:
    """The name of a known image format that is not decoded here, else None."""
    for magic, name in _OTHER_MAGIC:
        if data.startswith(magic):
            return name
    if data[4:8] == b"ftyp":
        return "HEIF/AVIF"
    if re.match(rb"P[1-7Ff]\s", data[:3]):
        return "PNM/PFM"
    return None


def read_header(data: bytes) -> ImageHeader:
    """The header of a JPEG, PNG, WebP or BMP image. `UnsupportedMediaError` for another
    format or a variant not decoded here (animations, JPEG or PNG inside BMP);
    `InvalidImageError` for bytes that are not a well-formed header."""
    kind = sniff(data)
    if kind is None:
        other = other_format(data)
        if other is not None:
            raise UnsupportedMediaError(f"{other} images are not read here; send {SUPPORTED}")
        raise InvalidImageError(f"the data is not a {SUPPORTED} image")
    return _PARSERS[kind](data)


def _invalid(kind: str, what: str) -> InvalidImageError:
    return InvalidImageError(f"the {FORMATS[kind]} image is damaged: {what}")


# --- JPEG (ITU T.81) ---------------------------------------------------------------------

# Start-of-frame markers: baseline, extended, progressive, lossless, their hierarchical
# variants and the arithmetic-coded ones. C4 (DHT), C8 (reserved) and CC (DAC) are not frames.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Inside entropy-coded data, FF is followed by 00 (a stuffed byte) or a restart marker D0-D7;
# anything else ends the scan.
_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7]")


def _jpeg(data: bytes) -> ImageHeader:
    size = len(data)
    pos = 2  # after SOI
    frame: tuple[int, int] | None = None
    scans = 0
    while pos < size:
        if data[pos] != 0xFF:
            raise _invalid("jpeg", f"no marker at byte {pos}")
        while pos < size and data[pos] == 0xFF:  # fill bytes may precede a marker
            pos += 1
        if pos >= size:
            break
        code = data[pos]
        pos += 1
        if code == 0xD9:  # EOI
            break
        if 0xD0 <= code <= 0xD7 or code == 0x01:  # markers without a segment
            continue
        if code in (0x00, 0xD8):
            raise _invalid("jpeg", f"marker FF{code:02X} out of place at byte {pos - 2}")
        if pos + 2 > size:
            break
        length = int.from_bytes(data[pos:pos + 2], "big")
        if length < 2:
            raise _invalid("jpeg", f"a segment of length {length} at byte {pos - 2}")
        body = data[pos + 2:pos + length]
        if len(body) < length - 2:
            break  # truncated inside a segment
        pos += length
        if code in _SOF:
            if frame is not None:
                raise _invalid("jpeg", "two frame headers (SOF)")
            frame = _jpeg_frame(body)
        elif code == 0xDA:  # SOS: the scan's entropy-coded data follows its header
            if frame is None:
                raise _invalid("jpeg", "image data before the frame header")
            scans += 1
            end = _SCAN_END.search(data, pos)
            pos = end.start() if end else size
    if frame is None:
        raise _invalid("jpeg", "no frame header (SOF) before the data ends")
    if scans == 0:
        raise _invalid("jpeg", "no image data (SOS) before the data ends")
    width, height = frame
    return ImageHeader("jpeg", width, height, scans)


def _jpeg_frame(body: bytes) -> tuple[int, int]:
    if len(body) < 6:
        raise _invalid("jpeg", "a frame header (SOF) too short")
    precision, height, width, components = struct.unpack(">BHHB", body[:6])
    if not 2 <= precision <= 16:
        raise _invalid("jpeg", f"a sample precision of {precision} bits")
    if height == 0 or width == 0:
        # A height of 0 defers to a DNL marker, which libjpeg does not support either.
        raise _invalid("jpeg", f"a frame of {width}x{height} pixels")
    if not 1 <= components <= 4 or len(body) < 6 + 3 * components:
        raise _invalid("jpeg", f"a frame header with {components} components")
    for i in range(components):
        sampling = body[7 + 3 * i]
        if not (1 <= sampling >> 4 <= 4 and 1 <= sampling & 15 <= 4):
            raise _invalid("jpeg", f"a sampling factor of {sampling >> 4}x{sampling & 15}")
    return width, height


# --- PNG (ISO 15948) ---------------------------------------------------------------------

# Bit depths allowed for each colour type: grey, RGB, palette, grey+alpha, RGBA.
_PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_PNG_MAX_SIDE = 2**31 - 1


def _png(data: bytes) -> ImageHeader:
    pos = 8
    width = height = 0
    while True:
        if pos + 12 > len(data):
            raise _invalid("png", "it ends before its image data (IDAT)")
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if length > _PNG_MAX_SIDE:
            raise _invalid("png", f"a chunk of {length} bytes")
        end = pos + 12 + length
        if pos == 8:
            if kind != b"IHDR" or length != 13:
                raise _invalid("png", "the first chunk is not IHDR")
            if end > len(data):
                raise _invalid("png", "it ends inside its header")
            body = data[pos + 8:pos + 21]
            if zlib.crc32(data[pos + 4:pos + 21]) != int.from_bytes(data[pos + 21:end], "big"):
                raise _invalid("png", "the header's checksum is wrong")
            width, height = _png_ihdr(body)
        elif kind == b"IDAT":
            return ImageHeader("png", width, height)
        elif kind == b"acTL":
            raise UnsupportedMediaError(f"animated PNG is not read here; send one still image "
                                        f"({SUPPORTED})")
        elif kind == b"IHDR" or kind == b"IEND":
            raise _invalid("png", f"a {kind.decode()} chunk before the image data")
        pos = end


def _png_ihdr(body: bytes) -> tuple[int, int]:
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", body)
    if not (1 <= width <= _PNG_MAX_SIDE and 1 <= height <= _PNG_MAX_SIDE):
        raise _invalid("png", f"a size of {width}x{height}")
    if depth not in _PNG_DEPTHS.get(colour, ()):
        raise _invalid("png", f"colour type {colour} at {depth} bits")
    if compression != 0 or filtering != 0 or interlace > 1:
        raise _invalid("png", "an unknown compression, filter or interlace method")
    return width, height


# --- WebP (RFC 9649) ---------------------------------------------------------------------

_VP8X_ANIMATION = 0x02


def _webp(data: bytes) -> ImageHeader:
    if len(data) < 12 + 8 + 5 or int.from_bytes(data[4:8], "little") < 4 + 8 + 5:
        raise _invalid("webp", "it ends inside its header")
    kind, length, body = _riff_chunk(data, 12)
    if kind == b"VP8X":
        if length < 10:
            raise _invalid("webp", "an extended header (VP8X) too short")
        if body[0] & _VP8X_ANIMATION:
            raise UnsupportedMediaError(f"animated WebP is not read here; send one still image "
                                        f"({SUPPORTED})")
        width = int.from_bytes(body[4:7], "little") + 1
        height = int.from_bytes(body[7:10], "little") + 1
        pos = 12 + 8 + length + (length & 1)
        while True:  # the bitstream's own size must be the canvas's: a decoder reads both
            if pos + 8 > len(data):
                raise _invalid("webp", "it ends before its image data")
            kind, length, body = _riff_chunk(data, pos)
            if kind in (b"VP8 ", b"VP8L"):
                if _webp_bitstream(kind, body) != (width, height):
                    raise _invalid("webp", "its image and canvas sizes differ")
                break
            if kind in (b"ANIM", b"ANMF"):
                raise UnsupportedMediaError(f"animated WebP is not read here; send {SUPPORTED}")
            pos += 8 + length + (length & 1)
    elif kind in (b"VP8 ", b"VP8L"):
        width, height = _webp_bitstream(kind, body)
    else:
        raise _invalid("webp", f"an unknown first chunk {kind!r}")
    return ImageHeader("webp", width, height)


def _riff_chunk(data: bytes, pos: int) -> tuple[bytes, int, bytes]:
    kind = data[pos:pos + 4]
    length = int.from_bytes(data[pos + 4:pos + 8], "little")
    return kind, length, data[pos + 8:pos + 8 + min(length, 16)]


def _webp_bitstream(kind: bytes, body: bytes) -> tuple[int, int]:
    if kind == b"VP8L":
        if len(body) < 5 or body[0] != 0x2F:
            raise _invalid("webp", "a lossless header without its signature")
        bits = int.from_bytes(body[1:5], "little")
        if bits >> 29:
            raise _invalid("webp", f"lossless version {bits >> 29}")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if len(body) < 10 or body[3:6] != b"\x9d\x01\x2a":
        raise _invalid("webp", "a lossy header without its start code")
    if body[0] & 1:
        raise _invalid("webp", "a lossy image that is not a key frame")
    width = int.from_bytes(body[6:8], "little") & 0x3FFF
    height = int.from_bytes(body[8:10], "little") & 0x3FFF
    if width == 0 or height == 0:
        raise _invalid("webp", f"a size of {width}x{height}")
    return width, height


# --- BMP ---------------------------------------------------------------------------------

# BITMAPCOREHEADER (12), BITMAPINFOHEADER (40), its V2/V3 variants (52, 56), OS/2's
# BITMAPINFOHEADER2 (64), BITMAPV4HEADER (108) and BITMAPV5HEADER (124).
_BMP_HEADERS = (12, 40, 52, 56, 64, 108, 124)
_BI_RGB, _BI_RLE8, _BI_RLE4, _BI_BITFIELDS = 0, 1, 2, 3
_BMP_COMPRESSION = {_BI_RGB: (1, 4, 8, 16, 24, 32), _BI_RLE8: (8,), _BI_RLE4: (4,),
                    _BI_BITFIELDS: (16, 32)}


def _bmp(data: bytes) -> ImageHeader:
    if len(data) < 14 + 4:
        raise _invalid("bmp", "it ends inside its header")
    offset, header = struct.unpack("<II", data[10:18])
    if header not in _BMP_HEADERS:
        raise _invalid("bmp", f"an unknown header of {header} bytes")
    if len(data) < 14 + max(header, 16):
        raise _invalid("bmp", "it ends inside its header")
    if header == 12:
        width, height, planes, bits = struct.unpack("<HHHH", data[18:26])
        compression = _BI_RGB
    else:
        width, height, planes, bits, compression = struct.unpack("<iiHHI", data[18:34])
    if compression in (4, 5):
        raise UnsupportedMediaError("a BMP holding a JPEG or PNG is not read here; send the "
                                    "JPEG or PNG itself")
    if planes != 1 or bits not in _BMP_COMPRESSION.get(compression, ()):
        raise _invalid("bmp", f"{planes} planes of {bits} bits with compression {compression}")
    top_down = height < 0
    height = abs(height)
    if width <= 0 or height == 0:
        raise _invalid("bmp", f"a size of {width}x{height}")
    if top_down and compression in (_BI_RLE8, _BI_RLE4):
        raise _invalid("bmp", "a top-down image that is run-length encoded")
    if not 14 + header <= offset < len(data):
        raise _invalid("bmp", f"its pixels at byte {offset} of {len(data)}")
    complete = True
    if compression in (_BI_RGB, _BI_BITFIELDS):
        stride = (width * bits + 31) // 32 * 4
        complete = offset + stride * (height - 1) + (width * bits + 7) // 8 <= len(data)
    return ImageHeader("bmp", width, height, complete=complete)


_PARSERS = {"jpeg": _jpeg, "png": _png, "webp": _webp, "bmp": _bmp}
