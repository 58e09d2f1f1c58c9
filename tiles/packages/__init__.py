"""Offline packages for field staff (docs/packages.md): the MBTiles/PMTiles containers, planning an
area's tiles, building resumably on every core, manifests, patches from the edit log.

May import: `layers`, `styles`, the rest of `tiles`; never `gis_server`.
"""
