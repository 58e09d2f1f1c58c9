"""Data import and export: vector files into registered layers and layers back out to files.

- `readers`: open GeoJSON, Shapefile (GBK-aware), GeoPackage, CSV (lon/lat or WKT) and any other
  GDAL vector format, read batch by batch.
- `reproject`: the source CRS (declared or `--source-crs`) and reprojection to EPSG:4490.
- `gcj02`: GCJ-02 ("Mars" coordinates of commercial Chinese maps) → WGS 84/CGCS2000.
- `columns`: which source column fills which field (`--map`), Shapefile field names.
- `checks`: the rules of `layers.validation`, vectorized over whole batches.
- `importer`: `import_file` — validate every row, write the good ones in one transaction,
  the bad ones to a rejects CSV.
- `exporter`: `export_layer` — GeoPackage, GeoJSON, Shapefile, CSV.
"""
