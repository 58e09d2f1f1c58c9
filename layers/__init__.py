"""Layers: the registry of layer declarations, their validation, CRS handling, filters and stores.

Owns: `model` (LayerDefinition), `registry`, `validation`, `crs`, `query`, `filters` (CQL2 → SQL),
`stores` (PostGIS, GeoPackage), `io` (import/export).
May import: third-party libraries only — never `gis_server`, `tiles`, `domains` or `enc_chart`.
"""
