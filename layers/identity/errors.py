"""Errors of the identity package; each carries the HTTP status the web layer answers with."""

from __future__ import annotations

from layers.errors import OneMapError


class IdentityError(OneMapError):
    """Base class of the errors raised by `layers.identity`."""

    status = 400


class InvalidIdentityInput(IdentityError):
    """A name, role, region, scope, password or other input is not acceptable (400)."""


class AccountNotFound(IdentityError):
    """No local account with that name (404)."""

    status = 404


class AccountExists(IdentityError):
    """A local account with that name already exists (409)."""

    status = 409


class KeyNotFound(IdentityError):
    """No API key with that id (404)."""

    status = 404


class KeyStateConflict(IdentityError):
    """The key is already revoked (409)."""

    status = 409
