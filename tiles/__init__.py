"""Vector tiles: tile matrix sets, MVT generation per store, the tile cache, seeding.

May import: `layers`; never `gis_server` (which imports this package to serve tiles).
"""
