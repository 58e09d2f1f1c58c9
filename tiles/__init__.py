"""Vector tiles: tile matrix sets, MVT generation per store, the tile cache (to come, issue 3).

May import: `layers`; never `gis_server` (which imports this package to serve tiles).
"""
