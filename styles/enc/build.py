"""`python -m styles.enc.build`: write the committed chart styles and the chart sprite sheets.

Writes `styles/enc-day.json`, `styles/enc-dusk.json`, `styles/enc-night.json` (default mariner
settings, every chart collection, root-relative URLs — see `styles.enc.document`) and
`styles/enc/data/sprites/sprite{,@2x}.{json,png}`. Rerun it after changing a recipe, a colour or
an icon, and commit what it writes; a test checks the committed styles equal the generator's.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from styles.enc.colours import PALETTES
from styles.enc.document import chart_style, style_id
from styles.enc.sprites import SPRITE_DIR, build_sheets

STYLES_DIR = Path(__file__).resolve().parents[1]


def style_path(palette_name: str, out_dir: Path = STYLES_DIR) -> Path:
    return out_dir / f"{style_id(palette_name)}.json"


def style_text(style: dict[str, Any]) -> str:
    """How a committed style is serialised (stable, UTF-8, one trailing newline)."""
    return json.dumps(style, indent=1, ensure_ascii=False) + "\n"


def write_styles(out_dir: Path = STYLES_DIR) -> list[Path]:
    written = []
    for name in PALETTES:
        path = style_path(name, out_dir)
        path.write_text(style_text(chart_style(name)), encoding="utf-8")
        written.append(path)
    return written


def write_sprites(out_dir: Path = SPRITE_DIR) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for sheet in build_sheets():
        suffix = "" if sheet.pixel_ratio == 1 else f"@{sheet.pixel_ratio}x"
        png, index = out_dir / f"sprite{suffix}.png", out_dir / f"sprite{suffix}.json"
        png.write_bytes(sheet.png)
        index.write_text(json.dumps(sheet.index, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        written += [png, index]
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成电子航道图样式 / build the chart styles and sprites")
    parser.add_argument("--styles-only", action="store_true", help="skip the sprite sheets")
    args = parser.parse_args(argv)
    written = write_styles() + ([] if args.styles_only else write_sprites())
    for path in written:
        print(f"{path.stat().st_size:>8}  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
