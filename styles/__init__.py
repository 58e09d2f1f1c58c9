"""Map styles (MapLibre style JSON per `style_id`), to come with the tiles issue.

May import: `layers` (to read layer declarations); never `gis_server`.
"""
