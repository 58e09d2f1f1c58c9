"""Driving alerts (动态监控报警): speeding (超速) and fatigue driving (疲劳驾驶) found in vehicle tracks,
kept one per episode in the `rt_alerts` layer.

May import: `layers`, `domains.framework`, this domain's modules; never `gis_server`.
"""
