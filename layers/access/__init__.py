"""Who may see what of a layer: callers, per-layer and per-field rules, row-level regions, masking.

Owns `Principal` (who is calling), `AccessRules` (what a layer declares), and `LayerView` — one
caller's view of one layer: whether they may read or write it, the fields they see (hidden ones
removed, sensitive ones marked for masking), the row filter of their region, and a key that tells
the tile and page caches which callers see the same thing. Every endpoint reads through a view.
May import `layers.model`, `layers.filters` and the standard library; nothing from `gis_server`,
`tiles` or `domains`.
"""
