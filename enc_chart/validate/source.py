"""The few things the file-level checks read from an S-57 file through GDAL (pyogrio).

`feature_layers(path)` lists the object-class layers; `read_dsid(path)` returns the data-set
identification of one file (base cell or update) as GDAL's DSID layer gives it (`DSID_EDTN`,
`DSID_UPDN`, `DSID_UADT`, …), without applying updates. Every call configures GDAL with the
extended object-class tables first (inland classes must not fall into "Generic").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyogrio

from enc_chart.catalogue import configure_gdal

#: The open options of the reader (see the issue 4 shared context).
OPEN_OPTIONS = {"UPDATES": "APPLY", "SPLIT_MULTIPOINT": "ON", "ADD_SOUNDG_DEPTH": "ON", "LNAM_REFS": "ON",
                "RETURN_PRIMITIVES": "OFF", "RECODE_BY_DSSI": "ON"}
_NOT_FEATURES = {"DSID", "IsolatedNode", "ConnectedNode", "Edge", "Face"}
_S57_CONFIG = "OGR_S57_OPTIONS"


@contextmanager
def s57_updates(apply: bool) -> Iterator[None]:
    """Make GDAL open S-57 files with UPDATES=APPLY or IGNORE also where no open option can be passed
    (`pyogrio.list_layers`): GDAL's S-57 driver reads its defaults from the OGR_S57_OPTIONS config
    option, and opening with updates fails outright when an update file beside the cell is bad."""
    previous = pyogrio.get_gdal_config_option(_S57_CONFIG)
    pyogrio.set_gdal_config_options({_S57_CONFIG: f"UPDATES={'APPLY' if apply else 'IGNORE'}"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({_S57_CONFIG: previous})


def feature_layers(path: Path, *, apply_updates: bool = True) -> list[str]:
    configure_gdal()
    with s57_updates(apply_updates):
        return [str(name) for name, _ in pyogrio.list_layers(path) if name not in _NOT_FEATURES]


def read_dsid(path: Path) -> dict[str, Any]:
    """The DSID record of one file (no update applied); text fields stripped."""
    configure_gdal()
    frame = pyogrio.read_dataframe(path, layer="DSID", read_geometry=False, UPDATES="IGNORE")
    if not len(frame):
        raise ValueError(f"{path.name}: 没有 DSID 记录 / no DSID record")
    row = frame.iloc[0].to_dict()
    return {key: value.strip() if isinstance(value, str) else value for key, value in row.items()}
