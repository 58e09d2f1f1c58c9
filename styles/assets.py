"""The committed sprite and glyph files under `styles/data/`, read (and cached) for the server.

Owns the layout of `styles/data/` and the rules for what a request may ask:
- `sprites/sprite{,@2x}.{json,png}` — one sprite sheet shared by every style;
- `fonts/manifest.json` names each shipped fontstack, its directory, its source font and ranges;
- `fonts/<dir>/<start>-<end>.pbf` — glyph ranges of 256 code points.

A well-formed range that is not shipped (for instance CJK ideographs, which MapLibre draws with
the browser's local font) is answered with a valid range holding no glyphs rather than an error:
MapLibre fails every label of a tile when one glyph range request fails, so a missing rare
character must cost only that character.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from styles.glyph_pbf import GlyphRange, encode_range

DATA_DIR = Path(__file__).parent / "data"
SPRITE_DIR = DATA_DIR / "sprites"
FONT_DIR = DATA_DIR / "fonts"
MANIFEST = FONT_DIR / "manifest.json"

#: The fontstack every generated style names in `text-font`.
DEFAULT_FONTSTACK = "DejaVu Sans Book"
#: First code points of the glyph ranges the build ships (about 400 KB in all): Latin-1, Latin
#: Extended-A, general punctuation (— – … ‰), letterlike symbols and number forms (℃ № Ⅰ Ⅱ Ⅲ, as
#: in waterway classes), the ideographic space and fullwidth forms (（ ） ， ：). Add a range here
#: and rerun `python -m styles.build` to ship more.
SHIPPED_RANGES = (0, 256, 8192, 8448, 12288, 65280)

_RANGE = re.compile(r"^(\d{1,5})-(\d{1,5})$")


class AssetNotFound(LookupError):
    """No such sprite file, fontstack or glyph range; `message` is for people (Chinese first)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SpriteFile:
    body: bytes
    media_type: str


def sprite_file(name: str) -> SpriteFile:
    """`sprite.json`, `sprite.png`, `sprite@2x.json` or `sprite@2x.png`."""
    files = {"sprite.json": "application/json", "sprite.png": "image/png",
             "sprite@2x.json": "application/json", "sprite@2x.png": "image/png"}
    if name not in files:
        raise AssetNotFound(f"没有该样式图标文件 / no sprite file {name!r}")
    return SpriteFile(_read(SPRITE_DIR / name), files[name])


def sprite_index(pixel_ratio: int = 1) -> dict[str, Any]:
    suffix = "" if pixel_ratio == 1 else f"@{pixel_ratio}x"
    return json.loads(_read(SPRITE_DIR / f"sprite{suffix}.json"))


@cache
def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise AssetNotFound(f"样式资源缺失，请运行 python -m styles.build / asset {path.name} not built") from None


@cache
def font_manifest() -> dict[str, Any]:
    return json.loads(_read(MANIFEST))


def fontstacks() -> tuple[str, ...]:
    return tuple(font_manifest()["fontstacks"])


def parse_range(text: str) -> int:
    """The first code point of a `start-end` range name; anything else is not a glyph range."""
    match = _RANGE.match(text)
    if match is None:
        raise AssetNotFound(f"字形范围格式错误 / glyph range {text!r} is not 'start-end'")
    start, end = int(match.group(1)), int(match.group(2))
    if start % 256 or end != start + 255 or end > 65535:
        raise AssetNotFound(f"字形范围无效 / glyph range {text!r} is not a 256-code-point block below 65536")
    return start


def glyph_range(fontstack: str, range_name: str) -> bytes:
    """The PBF for `range_name` of the first shipped font in a comma-separated `fontstack`."""
    start = parse_range(range_name)
    shipped = font_manifest()["fontstacks"]
    for name in (part.strip() for part in fontstack.split(",")):
        entry = shipped.get(name)
        if entry is None:
            continue
        if start in entry["ranges"]:
            return _read(FONT_DIR / entry["dir"] / f"{start}-{start + 255}.pbf")
        return _empty_range(name, start)
    raise AssetNotFound(f"没有该字体 / no fontstack {fontstack!r}; available: {', '.join(shipped)}")


@cache
def _empty_range(fontstack: str, start: int) -> bytes:
    return encode_range(GlyphRange(fontstack, start, start + 255))
