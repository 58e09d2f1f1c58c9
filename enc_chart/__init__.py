"""Electronic navigational chart for the Songhua River pilot reach (Fengman Dam – Wolongtan).

Owns S-57 / Inland ENC ingest (catalogue, ISO 8211, reader, exchange sets, importer), S-58
validation, the pilot chart built from survey data, S-57 export, water level along the reach,
unsafe areas and route checks. Every part passes `cell.Cell` around; chart layers are ordinary
registry layers (`enc_…`) in the active store. The S-52 styles are in `styles/enc/`.

May import: `layers` (to register chart layers and read/write features); never `gis_server`.
"""
