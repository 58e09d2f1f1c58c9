"""Electronic navigational chart for the Songhua River pilot reach (Fengman Dam – Wolongtan).

Owns (to come, issue 4): S-57/Inland ENC ingest, S-58 validation, chart building, S-52 portrayal.
May import: `layers` (to register chart layers and write features); never `gis_server`.
"""
