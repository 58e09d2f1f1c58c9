"""S-58 validation of chart cells (issue 4, point 2): `validate_cell(cell) -> list[Finding]`.

One module per group of checks, each a function `Cell -> list[Finding]` (or, for what only the
S-57 file shows, `Path -> list[Finding]`): `coverage` (skin of the earth: gaps 519a, overlaps
519b), `depths` (depth ranges, soundings against their depth area 1768/1769), `clearance` (507),
`mandatory` (mandatory attributes from the Inland ENC feature catalogue, meta objects 505),
`geometry` (validity as read, 12), `identity` (shared FOIDs, 560a/560b), `topology` (area rings
as encoded: 14, 15, 16, 17, 80a–c), `updates` (update sequence, 533/1522b), `dataset` (DSPM
units and datums: 524, 525, 1504, 1510, 1513). `encoded` reads which attributes each feature
encodes (empty values included) and `source` what GDAL gives of the file. `finding` holds the
`Finding` model and the table of checks with their S-58 class; `runner` runs them all. The
mandatory-attribute table is built by `python -m enc_chart.validate.build_mandatory` from the IEHG
catalogue and committed.

May import: `enc_chart.cell`, `enc_chart.catalogue`, `enc_chart.errors`, `enc_chart.iso8211`,
`enc_chart.exchange_set` (update sequence, which cells a path names) and `enc_chart.reader` (in
`validate_path`); never `layers` directly, never `gis_server`.
"""

from enc_chart.validate.finding import CHECKS, CheckSpec, Finding
from enc_chart.validate.runner import validate_cell, validate_path

__all__ = ["CHECKS", "CheckSpec", "Finding", "validate_cell", "validate_path"]
