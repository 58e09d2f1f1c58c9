"""Protection of the platform's data with commercial cryptography: owns the SM3 tamper-evident audit
trail (`audit`, `audit_chain`, the per-store persistence in `audit_postgis`/`audit_geopackage`) and
SM4 field encryption (`sm4`: key ring from configuration, self-describing encrypted tokens), the
stores' use of them (`write_audit`/`audit_events`: one audit record inside each write's transaction,
the actor from `audit_context`; `field_secrets`: encrypting `secret` fields on write and decrypting
them for the definitions that carry them; `secret_rotation`: re-encryption under the active key).

Primitives come from the `cryptography` package (`hashes.SM3`, `algorithms.SM4` in GCM mode);
nothing here implements a cipher or a hash by hand.
May import: `layers` only.
"""

from __future__ import annotations

from layers.protect.audit import AuditTrail
from layers.protect.audit_chain import GENESIS, KNOWN_ACTIONS, AuditProblem, AuditRecord
from layers.protect.errors import AuditError, DecryptionError, KeyConfigError, ProtectError
from layers.protect.sm4 import FieldCipher, KeyRing

__all__ = [
    "GENESIS",
    "KNOWN_ACTIONS",
    "AuditError",
    "AuditProblem",
    "AuditRecord",
    "AuditTrail",
    "DecryptionError",
    "FieldCipher",
    "KeyConfigError",
    "KeyRing",
    "ProtectError",
]
