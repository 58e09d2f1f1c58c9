"""Business domains that register layers (and, from issue 5, workflows and rules) on the one map.

Each domain is a sub-package owning its layer declarations and sample data generator;
`base` is the base geography of Jilin Province (boundaries, roads, bridges, the Songhua River).
May import: `layers`; never `gis_server`.
"""
