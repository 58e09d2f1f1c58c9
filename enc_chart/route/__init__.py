"""Route checks on the Songhua pilot reach: a route and a vessel → every violation along it.

- `chart`: the chart layers a check needs (depth areas, bridges, obstructions/wrecks/rocks,
  restricted areas) in the reach's local metres with STRtrees, cached per data version
  (`ChartService`, which also holds the `WaterLevelService`).
- `vessel`: the vessel and route a client sends, validated; the corridor and margins.
- `check`: the check itself; `messages`: what it says, Chinese and English.

May import: `layers`, `enc_chart.naming`, `enc_chart.waterlevel`; never `gis_server` or `tiles`.
"""

from enc_chart.route.chart import ChartModel, ChartService
from enc_chart.route.check import RouteCheck, Violation, check_route
from enc_chart.route.vessel import Vessel, parse_route, parse_vessel

__all__ = ["ChartModel", "ChartService", "RouteCheck", "Vessel", "Violation", "check_route", "parse_route",
           "parse_vessel"]
