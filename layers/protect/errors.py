"""Errors of the protection package: key configuration, decryption and the audit trail."""

from __future__ import annotations

from layers.errors import OneMapError


class ProtectError(OneMapError):
    """Base class of the errors raised by `layers.protect`."""


class KeyConfigError(ProtectError):
    """The SM4 key configuration (ONEMAP_SM4_KEYS / ONEMAP_SM4_KEY_FILE) is missing or invalid."""


class DecryptionError(ProtectError):
    """An encrypted value cannot be read: malformed, tampered with, under an unknown key, or moved from
    another field."""


class AuditError(ProtectError):
    """An audit record cannot be written as given (e.g. a detail that is not JSON)."""
