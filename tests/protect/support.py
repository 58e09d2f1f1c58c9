"""Helpers for audit-trail tests: a trail with a few records, and tampering with its table directly."""

from __future__ import annotations

import sqlalchemy as sa

from layers.protect import AuditTrail

ACTIONS = (("alice", "login", "", {"ip": "10.0.0.1"}),
           ("alice", "write", "enf_cases/7", {"fields": ["status"], "ratio": 0.1}),
           ("bob", "transition", "hazards/3", {"from": "上报", "to": "核查"}),
           ("bob", "export", "roads", {"format": "gpkg", "rows": 1200}),
           ("carol", "permission_change", "role:prefecture", {"layer": "roads", "grant": "write"}))


def filled(store: object) -> AuditTrail:
    trail = AuditTrail(store)
    for actor, action, target, detail in ACTIONS:
        trail.append(actor, action, target, detail)
    return trail


def tamper(store: object, *statements: str) -> None:
    """Run SQL on onemap_audit as an intruder with table-owner rights would: past the append-only triggers."""
    engine: sa.Engine = store.engine  # type: ignore[attr-defined]
    with engine.begin() as conn:
        if store.kind == "postgis":  # type: ignore[attr-defined]
            conn.exec_driver_sql("ALTER TABLE onemap_audit DISABLE TRIGGER USER")
        else:
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS onemap_audit_no_update")
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS onemap_audit_no_delete")
        for statement in statements:
            conn.exec_driver_sql(statement)
        if store.kind == "postgis":  # type: ignore[attr-defined]
            conn.exec_driver_sql("ALTER TABLE onemap_audit ENABLE TRIGGER USER")


SWAP_2_AND_3 = ("UPDATE onemap_audit SET seq = -2 WHERE seq = 2",
                "UPDATE onemap_audit SET seq = 2 WHERE seq = 3",
                "UPDATE onemap_audit SET seq = 3 WHERE seq = -2")
