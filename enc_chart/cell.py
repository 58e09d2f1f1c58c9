"""What a chart cell is once read: its identity (DSID) and its features per object class.

`Cell` is the one shape every part of `enc_chart` passes around: the reader builds it from an
S-57 file (`enc_chart.reader`), the pilot-chart builder builds it from survey data, the importer
stores it, the validator checks it and the S-57 writer writes it.

`Cell.layers` maps an object-class acronym exactly as S-57/GDAL spell it (`DEPARE`, `SOUNDG`,
inland `boylat`, `wtwgag`) to a GeoDataFrame in lon/lat degrees (EPSG:4326; S-57 is WGS 84) whose
columns are the class's attributes under their acronyms (list attributes flattened to
comma-joined text, e.g. COLOUR "3,1"), the record identity columns GDAL gives (RCID, PRIM, GRUP,
OBJL, RVER, AGEN, FIDN, FIDS, LNAM) and, for soundings, DEPTH (one point per sounding).

May import: nothing of ours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import geopandas as gpd


@dataclass(frozen=True)
class CellInfo:
    """The data-set identification (DSID) of a cell after its updates were applied."""

    name: str  # DSNM without extension, e.g. "5I7IN230"
    edition: int  # EDTN
    update: int  # UPDN of the last update applied (0: base cell only)
    issue_date: date | None  # ISDT of the last file applied
    edition_date: date | None = None  # UADT of the base cell
    agency: int | None = None  # AGEN
    path: Path | None = None  # the base cell file, when read from disk
    updates_applied: tuple[str, ...] = ()  # update file names in the order applied


@dataclass
class Cell:
    info: CellInfo
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)

    @property
    def feature_count(self) -> int:
        return sum(len(frame) for frame in self.layers.values())
