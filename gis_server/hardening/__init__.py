"""Hardened inputs (issue 8, point 5): one raw ASGI middleware, outermost in the app, in front of the
fast paths, that limits request bodies (`body_limit`), rate-limits each caller (`rate_limit`), puts
the security headers and the pages' Content-Security-Policy on every response (`headers`), narrows
CORS to the configured allow-list (`gis_server.cors`) and answers any unexpected exception with a
500 problem+json that names an error id instead of a stack trace (`middleware`)."""

from gis_server.hardening.middleware import HardeningMiddleware

__all__ = ["HardeningMiddleware"]
