"""One named section of docs/benchmarks.md, rewritten between its markers by each benchmark run.

`write_section(path, name, body)` replaces what lies between `<!-- {name}:start -->` and
`<!-- {name}:end -->`, or appends the section with its markers; text outside them (hand-written
readings of earlier runs) is kept.
"""

from __future__ import annotations

from pathlib import Path


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def write_section(path: Path, name: str, body: str) -> None:
    start, end = markers(name)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = f"{head}{start}\n{body}\n{end}{rest.split(end, 1)[1]}"
    else:
        text = f"{text.rstrip()}\n\n{start}\n{body}\n{end}\n"
    path.write_text(text, encoding="utf-8")
