"""Knowing callers beyond the admin token and the users file: password login with throttling and the
platform's own JWTs (`tokens`), tokens of the provincial identity platform (`oidc`), API keys, and the
short cache of verified tokens (`cache`) — put together per app by `service.IdentityService`, which
`gis_server.security.authenticate` consults. Accounts and keys themselves live in `layers.identity`.
May import: `layers`, `gis_server.settings`, PyJWT; nothing else of `gis_server`.
"""

from __future__ import annotations

from gis_server.identity.errors import IdentityUnavailable, LoginRefused, TokenRejected
from gis_server.identity.service import IdentityService, bind, service_for, unbind

__all__ = ["IdentityService", "IdentityUnavailable", "LoginRefused", "TokenRejected", "bind", "service_for",
           "unbind"]
