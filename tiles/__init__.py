"""Vector tiles: tile matrix sets, MVT generation per store, the tile cache, seeding, offline packages.

May import: `layers`, and `styles` (only `tiles.packages`, for the style a package carries); never
`gis_server` (which imports this package to serve tiles).
"""
