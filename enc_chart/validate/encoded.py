"""Which attributes each feature record encodes, empty values included, straight from the S-57 files.

S-57 lets a producer encode a mandatory attribute with an empty value, meaning "unknown" (S-58
507's own advice: "leave the value empty if unknown"), and real cells do (5I7IN230's depth areas
with DRVAL1 unknown, bridges with VERCLR unknown). GDAL drops empty values and attributes its
object-class table does not bind to the class (the inland `bridge` row binds `catbrg`, while
cells encode the IHO CATBRG), so the GeoDataFrame cannot tell "absent" from "unknown". This module
reads the feature records' ATTF/NATF labels with `enc_chart.iso8211` — the base cell, then each
update in order (insert, delete, modify; a modified attribute whose value is the S-57 delete mark
0x7F is removed) — and answers `Encoded.has(rcid, acronym)` and `Encoded.unknown(rcid, acronym)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from enc_chart.catalogue import attribute
from enc_chart.exchange_set import cell_files
from enc_chart.iso8211 import Record, read_module

_DELETE = "\x7f"
INLAND_ENC = 10
_INSERT, _REMOVE, _MODIFY = 1, 2, 3


@dataclass
class Encoded:
    """Attribute codes encoded per feature record (RCID), and which of them carry an empty value."""

    labels: dict[int, dict[int, str]] = field(default_factory=dict)  # RCID → {ATTL: ATVL}
    product: int | None = None  # DSID PRSP of the base cell: 1 ENC, 10 Inland ENC
    edition: str = ""  # DSID PRED, the product specification edition ("2.1", "2.5")

    @property
    def inland_25(self) -> bool:
        """An Inland ENC of product specification 2.5 or later (the catalogue's own edition)."""
        try:
            return self.product == INLAND_ENC and tuple(map(int, self.edition.split("."))) >= (2, 5)
        except ValueError:
            return False

    @property
    def product_label(self) -> str:
        name = {1: "ENC", INLAND_ENC: "Inland ENC"}.get(self.product or 0, f"PRSP {self.product}")
        return f"{name} {self.edition}".strip()

    def has(self, rcid: int | None, acronym: str) -> bool:
        spec = attribute(acronym)
        return rcid is not None and spec is not None and spec.code in self.labels.get(rcid, {})

    def unknown(self, rcid: int | None, acronym: str) -> bool:
        """Encoded with an empty value (S-57 "value unknown")."""
        spec = attribute(acronym)
        if rcid is None or spec is None:
            return False
        value = self.labels.get(rcid, {}).get(spec.code)
        return value is not None and not value.strip()

    def value(self, rcid: int | None, acronym: str) -> str | None:
        """The raw encoded value (ATVL), also of attributes GDAL dropped; None when not encoded."""
        spec = attribute(acronym)
        return None if rcid is None or spec is None else self.labels.get(rcid, {}).get(spec.code)

    def apply(self, record: Record) -> None:
        frid = record.field("FRID")
        if frid is None:
            return
        ident = frid.first()
        rcid, ruin = int(ident.get("RCID") or 0), int(ident.get("RUIN") or _INSERT)
        if ruin == _REMOVE:
            self.labels.pop(rcid, None)
            return
        current = {} if ruin == _INSERT else self.labels.setdefault(rcid, {})
        for tag in ("ATTF", "NATF"):
            found = record.field(tag)
            for group in found.groups() if found is not None else ():
                code, value = int(group.get("ATTL") or 0), str(group.get("ATVL") or "")
                if value == _DELETE:
                    current.pop(code, None)
                else:
                    current[code] = value
        self.labels[rcid] = current


def read_encoded(base: Path, applied: tuple[str, ...] | None = None) -> Encoded:
    """The attributes encoded per feature of the cell `base` with its update files applied in order
    (only those named in `applied` when given: the updates the cell was read with)."""
    files = cell_files(base)
    updates = [p for p in files.updates if applied is None or p.name in applied]
    encoded = Encoded()
    for path in (files.base, *updates):
        module = read_module(path)
        if path == files.base and (dsid := module.first("DSID")) is not None:
            values = dsid.first()
            encoded.product = int(values["PRSP"]) if str(values.get("PRSP") or "").isdigit() else None
            encoded.edition = str(values.get("PRED") or "").strip()
        for record in module.records:
            encoded.apply(record)
    return encoded
