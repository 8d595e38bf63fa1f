"""The two icons a Teams app package needs, drawn with the standard library only (zlib + struct).

* ``color.png``: 192x192, a white magnifying glass on the app's accent colour;
* ``outline.png``: 32x32, the same glass in white on a transparent background (Teams requires exactly that).

Edges are anti-aliased by supersampling, and the output is deterministic (same bytes every build).
"""

from __future__ import annotations

import math
import struct
import zlib
from functools import lru_cache

ACCENT = (0x1D, 0x4F, 0x91)
WHITE = (255, 255, 255)
COLOR_SIZE = 192
OUTLINE_SIZE = 32
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(width: int, height: int, rgba: bytes) -> bytes:
    """An 8-bit RGBA PNG from ``width * height * 4`` bytes, rows top to bottom (filter 0 on each row)."""
    if len(rgba) != width * height * 4:
        raise ValueError("pixel data does not match the size")
    stride = width * 4
    raw = b"".join(b"\x00" + rgba[y * stride : (y + 1) * stride] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")


def _segment_distance(px: float, py: float, ax: float, ay: float, bx: float, by: float) -> float:
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def magnifier(x: float, y: float) -> bool:
    """Whether the point (in a unit square, y down) is on the glass: a ring and a round-ended handle."""
    ring = math.hypot(x - 0.42, y - 0.42)
    if 0.21 <= ring <= 0.33:
        return True
    return _segment_distance(x, y, 0.64, 0.64, 0.86, 0.86) <= 0.075


def coverage(size: int, *, margin: float, samples: int = 4) -> list[float]:
    """The glass's coverage (0..1) of each pixel, the glass scaled into the square minus ``margin`` per side."""
    scale = 1.0 - 2 * margin
    out = []
    for py in range(size):
        for px in range(size):
            hits = 0
            for sy in range(samples):
                for sx in range(samples):
                    x = ((px + (sx + 0.5) / samples) / size - margin) / scale
                    y = ((py + (sy + 0.5) / samples) / size - margin) / scale
                    hits += magnifier(x, y)
            out.append(hits / (samples * samples))
    return out


@lru_cache(maxsize=1)
def color_png() -> bytes:
    """192x192: white glass blended onto the accent colour, fully opaque."""
    pixels = bytearray()
    for c in coverage(COLOR_SIZE, margin=0.2):
        pixels += bytes(round(bg + (fg - bg) * c) for bg, fg in zip(ACCENT, WHITE, strict=True)) + b"\xff"
    return encode_png(COLOR_SIZE, COLOR_SIZE, bytes(pixels))


@lru_cache(maxsize=1)
def outline_png() -> bytes:
    """32x32: white glass, transparent elsewhere (alpha carries the anti-aliasing)."""
    pixels = bytearray()
    for c in coverage(OUTLINE_SIZE, margin=0.04):
        pixels += bytes((*WHITE, round(255 * c))) if c else b"\x00\x00\x00\x00"
    return encode_png(OUTLINE_SIZE, OUTLINE_SIZE, bytes(pixels))
