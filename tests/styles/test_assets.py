"""The committed sprites and glyph ranges are what `python -m styles.build` makes, and the SDF is right."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np
from PIL import Image

from styles.assets import FONT_DIR, SPRITE_DIR, font_manifest
from styles.build import DEFAULT_FONT, build_glyphs, build_sprites
from styles.glyph_pbf import Glyph, GlyphRange, encode_range
from styles.sdf import signed_distance_field
from tests.conftest import missing
from tests.styles.pbf import decode_glyphs


def square(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([(x0, y0), (x0, y1), (x1, y1), (x1, y0)], dtype=float)


def test_sdf_follows_the_fontnik_scale():
    field = signed_distance_field([square(5, 5, 15, 15)], 20, 20)
    # value = 255 - trunc(distance * 32 + 64), distance negative inside, from pixel centres
    assert field[10, 15] == 255 - int(0.5 * 32 + 64)  # centre 0.5 px outside the right edge
    assert field[10, 17] == 255 - int(2.5 * 32 + 64)
    assert field[10, 14] == 255 - int(-0.5 * 32 + 64)  # 0.5 px inside
    assert field[10, 10] == 255 and field[0, 0] == 0  # deep inside; beyond the radius
    at_2x = signed_distance_field([square(10, 10, 30, 30)], 40, 40, pixel_ratio=2)
    assert at_2x[20, 30] == 255 - int(0.25 * 32 + 64)  # distances are in CSS pixels


def test_sdf_holes_and_overlaps_follow_the_non_zero_rule():
    outer, hole = square(2, 2, 18, 18), square(6, 6, 14, 14)[::-1]
    ring = signed_distance_field([outer, hole], 20, 20)
    assert ring[10, 10] < 191 and ring[4, 10] >= 191
    overlapping = signed_distance_field([square(2, 2, 12, 12), square(8, 8, 18, 18)], 20, 20)
    assert overlapping[10, 10] >= 191  # the overlap stays filled


def test_glyph_ranges_round_trip_through_an_independent_reader():
    glyphs = (Glyph(65, 3, 2, -1, -20, 9, bytes(range(45))), Glyph(32, 0, 0, 0, -22, 7))
    decoded = decode_glyphs(encode_range(GlyphRange("Test Sans", 0, 255, glyphs)))
    assert decoded["name"] == "Test Sans" and decoded["range"] == "0-255"
    assert decoded["glyphs"][65] == {"bitmap": bytes(range(45)), "width": 3, "height": 2, "left": -1,
                                     "top": -20, "advance": 9}
    assert decoded["glyphs"][32]["bitmap"] == b"" and decoded["glyphs"][32]["top"] == -22


def test_committed_sprites_are_what_the_build_makes(tmp_path: Path):
    build_sprites(tmp_path)
    for name in ("sprite", "sprite@2x"):
        index = json.loads((tmp_path / f"{name}.json").read_text())
        assert index == json.loads((SPRITE_DIR / f"{name}.json").read_text())
        built = np.asarray(Image.open(io.BytesIO((tmp_path / f"{name}.png").read_bytes())))
        committed = np.asarray(Image.open(io.BytesIO((SPRITE_DIR / f"{name}.png").read_bytes())))
        assert np.array_equal(built, committed), f"{name}.png is stale: run python -m styles.build"


def test_committed_glyph_ranges_are_what_the_build_makes(tmp_path: Path):
    manifest = font_manifest()["fontstacks"]["DejaVu Sans Book"]
    if not DEFAULT_FONT.is_file():
        missing(f"{DEFAULT_FONT} not installed (Debian fonts-dejavu-core)")
    if hashlib.sha256(DEFAULT_FONT.read_bytes()).hexdigest() != manifest["sha256"]:
        missing(f"{DEFAULT_FONT} is not the font the committed glyphs were built from ({manifest['source']})")
    build_glyphs(DEFAULT_FONT, tmp_path)
    for start in manifest["ranges"]:
        name = f"{manifest['dir']}/{start}-{start + 255}.pbf"
        assert (tmp_path / name).read_bytes() == (FONT_DIR / name).read_bytes(), f"{name} is stale"
