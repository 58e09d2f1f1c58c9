"""Deterministic sample data of the road-transport domain: restricted zones, bus stations, 1,000
dangerous-goods vehicles and 24 hours of their positions every 30 s, with the alerts and clues those
positions imply. Everything is laid out around `SampleContext.now` and seeded (`domains.base.measure.rng`):
the same `now` gives the same rows.

May import: `layers`, `domains.framework`, `domains.base`, this domain's modules; never `gis_server`.
"""
