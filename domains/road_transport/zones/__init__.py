"""Restricted zones (限行区域) and the dangerous-goods entry rule: banned hours, entry detection with
its evidence track, and the enforcement clues (线索) it writes.

May import: `layers`, `domains.framework`, this domain's modules; never `gis_server`.
"""
