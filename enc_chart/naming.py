"""Layer ids and field names of chart layers in the store.

Object classes become layers `enc_<acronym in lower case>` (`DEPARE` → `enc_depare`). Inland ENC
classes, spelt in lower case by the IEHG catalogue, get `enc_i_` (`boylat` → `enc_i_boylat`),
because several of them repeat an IHO acronym (`BOYLAT` and `boylat` are different classes) and
GeoPackage table names ignore case. A store layer holds one geometry type, so a class whose
features come as more than one primitive keeps its plain id for the main one (areas, else lines,
else points) and adds `_l` or `_p` for the others (`BUAARE` points → `enc_buaare_p`).

Attribute acronyms become lower-case field names (`DRVAL1` → `drval1`); an inland attribute that
repeats an IHO acronym in the same class gets `_i` (`catgag` next to `CATGAG` → `catgag_i`).

May import: nothing of ours.
"""

from __future__ import annotations

PREFIX = "enc_"
INLAND_PREFIX = "enc_i_"
_SUFFIX = {"Point": "_p", "Line": "_l", "Area": ""}
#: Primitive preference for the plain layer id.
_MAIN_ORDER = ("Area", "Line", "Point")


def is_inland_acronym(acronym: str) -> bool:
    return acronym.islower() or acronym.startswith(("m_", "c_"))


def layer_id(acronym: str, primitive: str | None = None, primitives: tuple[str, ...] = ()) -> str:
    """The store layer id of `acronym`'s features of `primitive` ("Point", "Line", "Area").

    `primitives` are the primitives the class may have (the catalogue's); the main one gets the plain id.
    """
    base = (INLAND_PREFIX if is_inland_acronym(acronym) else PREFIX) + acronym.lower()
    if primitive is None:
        return base
    main = next((p for p in _MAIN_ORDER if p in primitives), primitive)
    return base if primitive == main else base + _SUFFIX[primitive]


def field_name(acronym: str, taken: set[str] | None = None) -> str:
    """The field name of an attribute; `taken` holds the names already given in the same class."""
    name = acronym.lower()
    if taken is not None and name in taken:
        name += "_i"
    return name
