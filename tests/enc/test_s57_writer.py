"""S-57 export with GDAL's writer: GDAL reads the file back with the same classes, counts, geometry.

The files are read back with GDAL itself (pyogrio, the extended catalogue, the shared open options).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon

from enc_chart.catalogue import configure_gdal
from enc_chart.cell import Cell, CellInfo
from enc_chart.pilot.frames import FrameMaker
from enc_chart.reader import OPEN_OPTIONS, read_cell
from enc_chart.s57_writer import S57WriteError, write_cell
from tests.enc.ingest_support import N230, enc_path
from tests.enc.test_pilot_build import built

TOLERANCE_DEG = 2e-7  # S-57 coordinates are integers of 1e-7 degree


def _flat(value: object) -> object:
    if isinstance(value, (list, tuple, np.ndarray)):
        return ",".join(str(v) for v in value)
    return value


def gdal_read(path: Path) -> SimpleNamespace:
    """Every object class GDAL reads from `path` (list attributes flattened), and its DSID row."""
    configure_gdal()
    layers: dict[str, gpd.GeoDataFrame] = {}
    for name, _ in pyogrio.list_layers(path):
        frame = pyogrio.read_dataframe(path, layer=str(name), **OPEN_OPTIONS)
        for column in frame.columns:
            if frame[column].dtype == object and column != "geometry":
                frame[column] = frame[column].map(_flat)
        layers[str(name)] = frame
    dsid = layers.pop("DSID").iloc[0]
    return SimpleNamespace(layers=layers, dsid=dsid)


def _by_lnam(cell: Cell | SimpleNamespace, acronym: str) -> dict[str, list]:
    frame = cell.layers[acronym]
    out: dict[str, list] = {}
    geoms = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else [None] * len(frame)
    for lnam, geom in zip(frame["LNAM"], geoms, strict=True):
        out.setdefault(lnam, []).append(geom)
    return out


def _same_geometry(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    """The same geometry up to S-57's coordinate unit (rings may start elsewhere or run the other way)."""
    if a is None or a.is_empty:
        return b is None or b.is_empty
    if shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), tolerance=TOLERANCE_DEG):
        return True
    return shapely.hausdorff_distance(a, b) < TOLERANCE_DEG and shapely.symmetric_difference(a, b).area < 1e-12


@pytest.fixture(scope="module")
def pilot_round_trip(tmp_path_factory):
    cell = built()
    path = write_cell(cell, tmp_path_factory.mktemp("s57") / f"{cell.info.name}.000")
    return cell, path, gdal_read(path)


def test_the_pilot_chart_reads_back_with_the_same_classes_and_counts(pilot_round_trip):
    cell, _, back = pilot_round_trip
    assert {k: len(v) for k, v in back.layers.items()} == {k: len(v) for k, v in cell.layers.items()}
    assert "Generic" not in back.layers  # inland classes keep their own layers
    dsid = back.dsid
    assert dsid["DSID_DSNM"] == f"{cell.info.name}.000" and dsid["DSID_AGEN"] == cell.info.agency
    assert (dsid["DSID_EDTN"], dsid["DSID_UPDN"]) == (str(cell.info.edition), str(cell.info.update))
    assert dsid["DSID_ISDT"] == cell.info.issue_date.strftime("%Y%m%d")
    assert (dsid["DSSI_AALL"], dsid["DSSI_NALL"]) == (1, 2)


def test_geometry_and_identity_survive_the_round_trip(pilot_round_trip):
    cell, _, back = pilot_round_trip
    for acronym, frame in cell.layers.items():
        written, read = _by_lnam(cell, acronym), _by_lnam(back, acronym)
        assert written.keys() == read.keys(), acronym
        for lnam, geoms in written.items():
            assert len(geoms) == len(read[lnam])
            for a, b in zip(geoms, read[lnam], strict=True):
                assert _same_geometry(a, b), (acronym, lnam)
        mine = frame.drop_duplicates("LNAM").set_index("LNAM")
        theirs = back.layers[acronym].drop_duplicates("LNAM").set_index("LNAM").loc[mine.index]
        for column in ("RCID", "OBJL", "PRIM", "GRUP", "FIDN", "FIDS"):
            assert (mine[column].to_numpy() == theirs[column].to_numpy()).all(), (acronym, column)


def test_attributes_survive_including_chinese_names(pilot_round_trip):
    cell, _, back = pilot_round_trip
    for acronym, column in [("bridge", "NOBJNM"), ("bridge", "VERCLR"), ("bridge", "HORCLR"), ("DEPARE", "DRVAL1"),
                            ("DEPARE", "DRVAL2"), ("DEPCNT", "VALDCO"), ("boylat", "COLOUR"), ("boylat", "catlam"),
                            ("dismar", "wtwdis"), ("wtwgag", "sdrval"), ("wtwgag", "NOBJNM"), ("OBSTRN", "VALSOU"),
                            ("RESARE", "RESTRN"), ("M_NSYS", "NINFOM"), ("FAIRWY", "DRVAL1")]:
        mine = cell.layers[acronym].set_index("LNAM")[column]
        theirs = back.layers[acronym].set_index("LNAM")[column].loc[mine.index]
        assert mine.astype(str).tolist() == theirs.astype(str).tolist(), (acronym, column)
    depths = back.layers["SOUNDG"].sort_values(["LNAM", "RCID"])["DEPTH"].to_numpy()
    assert np.allclose(np.sort(depths), np.sort(cell.layers["SOUNDG"]["DEPTH"].to_numpy()))
    assert "吉林大桥" in set(back.layers["bridge"]["NOBJNM"])


def test_a_real_inland_cell_round_trips(tmp_path):
    source = read_cell(enc_path(N230))
    path = write_cell(source, tmp_path / "5I7IN230.000")
    back = gdal_read(path)
    assert {k: len(v) for k, v in back.layers.items()} == {k: len(v) for k, v in source.layers.items()}
    for acronym in ("DEPARE", "bridge", "wtwaxs", "dismar", "boylat"):
        written, read = _by_lnam(source, acronym), _by_lnam(back, acronym)
        assert written.keys() == read.keys()
        assert all(_same_geometry(a, b) for lnam in written for a, b in zip(written[lnam], read[lnam], strict=True))


def _tiny_cell(name: str, objnam: str) -> Cell:
    maker = FrameMaker(70, 1)
    maker.add("boylat", [(Point(126.5, 43.8), {"catlam": 1, "OBJNAM": objnam})])
    return Cell(CellInfo(name, 1, 0, date(2026, 11, 1), agency=70), maker.frames)


def test_bad_output_is_refused_and_nothing_is_left_behind(tmp_path):
    with pytest.raises(S57WriteError, match="named after the cell"):
        write_cell(_tiny_cell("CN7TEST1", "P01"), tmp_path / "other.000")
    with pytest.raises(S57WriteError, match=r"\.000"):
        write_cell(_tiny_cell("CN7TEST1", "P01"), tmp_path / "CN7TEST1.gpkg")
    with pytest.raises(S57WriteError, match="ISO 8859-1"):
        write_cell(_tiny_cell("CN7TEST1", "左侧标"), tmp_path / "CN7TEST1.000")  # Chinese belongs in NOBJNM
    assert list(tmp_path.iterdir()) == []
    ok = write_cell(_tiny_cell("CN7TEST1", "P01"), tmp_path / "CN7TEST1.000")
    assert gdal_read(ok).layers["boylat"]["OBJNAM"].tolist() == ["P01"]
    assert list(tmp_path.iterdir()) == [ok]


def test_adjacent_areas_and_a_contour_on_their_edge_share_one_edge(tmp_path):
    west = Polygon([(126.50, 43.80), (126.51, 43.80), (126.51, 43.81), (126.50, 43.81)])
    east = Polygon([(126.51, 43.80), (126.52, 43.80), (126.52, 43.81), (126.51, 43.81)])
    maker = FrameMaker(70, 1)
    maker.add("DEPARE", [(west, {"DRVAL1": 0.0, "DRVAL2": 2.0}), (east, {"DRVAL1": 2.0, "DRVAL2": 5.0})])
    maker.add("DEPCNT", [(LineString([(126.51, 43.80), (126.51, 43.81)]), {"VALDCO": 2.0})])
    path = write_cell(Cell(CellInfo("CN7TEST2", 1, 0, date(2026, 11, 1), agency=70), maker.frames),
                      tmp_path / "CN7TEST2.000")
    configure_gdal()
    options = {**OPEN_OPTIONS, "RETURN_PRIMITIVES": "ON", "RETURN_LINKAGES": "ON"}
    edges = pyogrio.read_dataframe(path, layer="Edge", **options)
    assert len(edges) == 3  # west's outer chain, east's outer chain, and the shared side once
    areas = pyogrio.read_dataframe(path, layer="DEPARE", **options)
    contour = pyogrio.read_dataframe(path, layer="DEPCNT", **options)
    shared = set(areas["NAME_RCID"].iloc[0]) & set(areas["NAME_RCID"].iloc[1])
    assert shared == set(contour["NAME_RCID"].iloc[0]) and len(shared) == 1
    orientations = [dict(zip(row["NAME_RCID"], row["ORNT"], strict=True))[next(iter(shared))]
                    for _, row in areas.iterrows()]
    assert sorted(orientations) == [1, 2]  # each area runs along it its own way (area on the right)
    back = gdal_read(path)
    assert shapely.equals(back.layers["DEPARE"].geometry.iloc[0], west)
    assert shapely.equals(back.layers["DEPARE"].geometry.iloc[1], east)


def test_the_exported_pilot_imports_again_with_its_chinese_names(pilot_round_trip, tmp_path):
    """The written cell passes our own ISO 8211 checks (UCS-2 national fields end in 1E 00) and imports."""
    from enc_chart.exchange_set import find_cells
    from enc_chart.importer import import_files
    from layers.stores import open_store

    cell, path, _ = pilot_round_trip
    store = open_store(f"geopackage://{tmp_path / 'chart.gpkg'}")
    try:
        (files,) = find_cells(path)
        report = import_files(store, files)
        assert report is not None
        again = read_cell(path)
        assert again.feature_count == cell.feature_count
        bridges = next(frame for name, frame in again.layers.items() if name.lower() == "bridge")
        assert "临江门大桥" in set(bridges["NOBJNM"])
    finally:
        store.close()
