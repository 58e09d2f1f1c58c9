"""Road transport key areas (道路运输重点领域监管): dangerous-goods vehicles, restricted zones, vehicle
positions with speeding and fatigue alerts, the dangerous-goods restricted-zone rule, bus stations.

- `layers.yaml`: `rt_dg_vehicles`, `rt_restricted_zones`, `rt_alerts`, `rt_bus_stations`;
- `positions/`: position reports — parsing, the per-store tables (PostGIS partitioned by day,
  GeoPackage plain table), the ingest pipeline behind `POST /positions`;
- `alerts/`: speeding and fatigue episodes → `rt_alerts` (`DrivingAlertsRule`);
- `zones/`: banned hours, entries into restricted zones → enforcement clues (`DangerousGoodsZoneRule`);
- `samples/`: 1,000 vehicles with 24 h of positions every 30 s, zones, stations.

May import: `layers`, `domains.framework`, `domains.base`; never `gis_server`.
"""

from __future__ import annotations

import os
from pathlib import Path

from domains.framework.domain import Domain, SampleContext
from domains.road_transport.alerts.rule import DrivingAlertsRule
from domains.road_transport.zones.rule import DangerousGoodsZoneRule


def layer_file() -> Path:
    """The YAML file declaring the domain's layers."""
    return Path(__file__).resolve().parent / "layers.yaml"


def _load_samples(context: SampleContext) -> dict[str, int]:
    """The whole sample day, or its last ONEMAP_SAMPLE_POSITION_HOURS hours of positions (alerts and
    clues always come from the whole day)."""
    from domains.road_transport.samples.loader import load

    hours = int(os.environ.get("ONEMAP_SAMPLE_POSITION_HOURS") or 24)
    return load(context, hours=min(max(hours, 1), 24))


DOMAIN = Domain(
    id="road_transport",
    title_zh="道路运输重点领域监管",
    title_en="Road transport key areas",
    layer_files=(layer_file(),),
    rules=(DrivingAlertsRule(), DangerousGoodsZoneRule()),
    samples=_load_samples,
    depends_on=("base",),
    # after the enforcement domain, whose clue layer the restricted-zone rule writes to
    order=80,
    description_zh="危险货物运输车辆、限行区域、车辆动态位置与超速/疲劳驾驶报警、闯禁行线索、道路客运站。",
)

__all__ = ["DOMAIN", "layer_file"]
