"""The web application: OGC API endpoints (Features now; Tiles, styles and domain routers later),
HTML pages, the security dependency, problem+json errors, and the `onemap` CLI.

Owns: `app` (the application factory), routers, request parameters, links, OpenAPI, HTML.
May import: `layers` (and later `tiles`, `domains`, `enc_chart`, `styles`); nothing imports it back.
"""
