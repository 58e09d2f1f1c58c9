"""CQL2 filters: parsing (text and JSON) with validation against a layer, and translation to SQL.

May import: `layers.model`, `layers.errors`, `layers.crs`, `layers.query`.
"""
