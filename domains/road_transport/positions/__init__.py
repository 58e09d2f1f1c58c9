"""Vehicle positions (车辆动态位置): the batch shape, parsing of reports, the per-store tables and the
ingest pipeline (parse → store → the rules woken by the `positions` event).

May import: `layers`, `domains.framework`, this domain's modules; never `gis_server`.
"""
