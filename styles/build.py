"""`python -m styles.build`: regenerate the committed sprite sheets and glyph ranges in `styles/data/`.

Owns the offline build. The outputs are committed (about 0.5 MB), so neither the server nor an
installation needs fontTools, Pillow or the font; rerun this after changing an icon
(`styles/sprites.py`), the SDF (`styles/sdf.py`), the glyph metrics (`styles/glyph_build.py`) or
the shipped ranges (`styles/assets.py`), and commit what it writes.

The font is DejaVu Sans Book (Bitstream Vera licence, redistributable), from Debian's
`fonts-dejavu-core` by default or `--font PATH` / `ONEMAP_GLYPH_FONT`; its SHA-256 is recorded in
`fonts/manifest.json` so a rebuild can tell whether it used the same font.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

from styles.assets import DATA_DIR, SHIPPED_RANGES
from styles.glyph_build import BASELINE, GLYPH_SIZE, FontRasterizer, build_range
from styles.glyph_pbf import GLYPH_BUFFER, encode_range
from styles.sdf import CUTOFF, RADIUS
from styles.sprites import PIXEL_RATIOS, build_sprite

DEFAULT_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
#: The font's licence, shipped beside the glyphs made from it (the Bitstream Vera licence asks for it).
FONT_COPYRIGHT = Path("/usr/share/doc/fonts-dejavu-core/copyright")
FONT_SOURCE = "DejaVuSans.ttf 2.37 (Debian fonts-dejavu-core), Bitstream Vera / DejaVu licence"


def font_path(given: str | None = None) -> Path:
    path = Path(given or os.environ.get("ONEMAP_GLYPH_FONT") or DEFAULT_FONT)
    if not path.is_file():
        raise FileNotFoundError(f"字体文件不存在 / font not found: {path} (apt-get install fonts-dejavu-core, "
                                "or pass --font)")
    return path


def slug(fontstack: str) -> str:
    return fontstack.lower().replace(" ", "-")


def build_sprites(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for ratio in PIXEL_RATIOS:
        sheet = build_sprite(ratio)
        suffix = "" if ratio == 1 else f"@{ratio}x"
        png, index = out_dir / f"sprite{suffix}.png", out_dir / f"sprite{suffix}.json"
        png.write_bytes(sheet.png)
        index.write_text(json.dumps(sheet.index, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        written += [png, index]
    return written


def build_glyphs(font: Path, out_dir: Path, ranges: tuple[int, ...] = SHIPPED_RANGES) -> list[Path]:
    rasterizer = FontRasterizer(font)
    stack_dir = out_dir / slug(rasterizer.fontstack)
    stack_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for start in ranges:
        path = stack_dir / f"{start}-{start + 255}.pbf"
        path.write_bytes(encode_range(build_range(rasterizer, start)))
        written.append(path)
    if FONT_COPYRIGHT.is_file():
        licence = stack_dir / "COPYRIGHT.txt"
        licence.write_bytes(FONT_COPYRIGHT.read_bytes())
        written.append(licence)
    manifest = {
        "generator": "python -m styles.build",
        "sdf": {"size": GLYPH_SIZE, "buffer": GLYPH_BUFFER, "radius": RADIUS, "cutoff": CUTOFF, "baseline": BASELINE},
        "fontstacks": {
            rasterizer.fontstack: {
                "dir": stack_dir.name,
                "source": FONT_SOURCE,
                "sha256": hashlib.sha256(font.read_bytes()).hexdigest(),
                "ranges": list(ranges),
            },
        },
    }
    manifest_path = out_dir / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return [*written, manifest_path]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成样式图标与字形 / build sprites and glyph ranges")
    parser.add_argument("--font", help=f"TrueType font (default {DEFAULT_FONT})")
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="output directory (default styles/data)")
    args = parser.parse_args(argv)
    written = build_sprites(args.out / "sprites") + build_glyphs(font_path(args.font), args.out / "fonts")
    for path in written:
        print(f"{path.stat().st_size:>8}  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
