"""The permits domain's deterministic samples and their loader.

`generate(layer, events_layer, now)` returns the 300 applications (pure: no store). They are
laid out against the expressway samples' closures for the same `now`, which it regenerates
(cheap and deterministic) rather than reading them from a store. `load_samples` writes the
applications with their histories through the workflow engine.
"""

from __future__ import annotations

from datetime import datetime

from domains.expressway.events import generate_events
from domains.framework.domain import SampleContext
from domains.framework.sample_items import load_items
from domains.permits.applications import Application, generate_applications
from domains.permits.sample_closures import closures_of
from layers.model import LayerDefinition


def generate(layer: LayerDefinition, events_layer: LayerDefinition, now: datetime) -> list[Application]:
    """The sample applications for the reference time `now`."""
    return generate_applications(layer, now, closures_of(generate_events(events_layer, now)))


def layers() -> tuple[LayerDefinition, LayerDefinition]:
    """The applications layer and the expressway events layer, as declared."""
    from domains.expressway import DOMAIN as EXPRESSWAY
    from domains.permits import DOMAIN

    own = {layer.id: layer for layer in DOMAIN.layers()}
    events = {layer.id: layer for layer in EXPRESSWAY.layers()}
    return own["per_oversize_applications"], events["exp_events"]


def load_samples(context: SampleContext) -> dict[str, int]:
    """Load the applications, then run the route check on each one just loaded, as the rule would have
    when it was submitted (check status, summary, duplicates and the findings layer)."""
    from domains.permits.rules import APPLICATIONS_LAYER, check_application

    applications = generate(*layers(), context.now)
    written = load_items(context, APPLICATIONS_LAYER, [a.item for a in applications])
    if written.get(APPLICATIONS_LAYER):
        layer = context.registry.get(APPLICATIONS_LAYER)
        fids = [feature.fid for batch in context.registry.store.iter_records(layer) for feature in batch]
        for done, fid in enumerate(fids, 1):
            check_application(context.registry, fid, context.now)
            if done % 50 == 0 or done == len(fids):
                context.progress("per_oversize_applications 路线核查 / route checks", done, len(fids))
    return written
