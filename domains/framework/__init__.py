"""The domain framework: what a business domain declares and how the platform finds it.

`domain.Domain` is a domain's whole declaration (layers with their workflows, rules, sample
loader); `discovery.discover_domains` finds every domain at start-up — packages under `domains/`
that export `DOMAIN`, and installed packages that name one under the `onemap.domains` entry-point
group — so adding a domain changes nothing outside its own package. `rules` is the spatial-rule
framework domains add to. May import: `layers`; never `gis_server`.
"""
