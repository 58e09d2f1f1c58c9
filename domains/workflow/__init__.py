"""The workflow engine (办理流程) and supervision of the supervisors (再监管).

Runs the state machines layers declare (`layers.workflow.WorkflowSpec`): creates items in their
initial state (`items`), lists and performs the transitions a caller may make (`engine`, with the
evidence checks in `requirements`), keeps deadlines and the overdue flag (`deadlines`, `sweep`),
maintains the map layer of overdue items (`overdue_layer`), lists open items across layers
(`listing`) and computes timeliness statistics (`statistics`). `samples.insert_items` is the bulk
path domain sample loaders use; `guard` keeps plain feature writes off the supervision fields.

Every write goes through the store (`FeatureStore.transition`, `insert_with_history`,
`sweep_overdue`), so feature versions, data versions and the edit log move as for any write.
May import: `layers` (never `gis_server`, never a business domain).
"""

from domains.workflow.actor import Actor
from domains.workflow.engine import TransitionRequest, perform, workflow_view
from domains.workflow.items import create_item
from domains.workflow.samples import insert_items
from domains.workflow.sweep import sweep

__all__ = ["Actor", "TransitionRequest", "create_item", "insert_items", "perform", "sweep", "workflow_view"]
