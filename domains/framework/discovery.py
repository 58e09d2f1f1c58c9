"""Finding the domains at start-up: sub-packages of `domains` that export `DOMAIN`, then
installed packages registered under the `onemap.domains` entry-point group."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from importlib.metadata import entry_points

import domains
from domains.framework.domain import Domain

ENTRY_POINT_GROUP = "onemap.domains"

#: Sub-packages of `domains` that are machinery, not business domains.
NOT_DOMAINS = frozenset({"framework", "workflow"})


class DomainError(ValueError):
    """Two domains share an id, or a dependency is missing or circular."""


@cache
def discover_domains() -> tuple[Domain, ...]:
    """Every domain, dependencies first (then by `order`, then id)."""
    found: dict[str, Domain] = {}
    for domain in (*_package_domains(), *_entry_point_domains()):
        if domain.id in found and found[domain.id] is not domain:
            raise DomainError(f"两个业务域使用同一标识 {domain.id} / two domains share the id {domain.id!r}")
        found[domain.id] = domain
    return tuple(_dependency_order(found))


def domain(domain_id: str) -> Domain:
    for candidate in discover_domains():
        if candidate.id == domain_id:
            return candidate
    raise KeyError(domain_id)


def _package_domains() -> list[Domain]:
    result = []
    for info in pkgutil.iter_modules(domains.__path__):
        if not info.ispkg or info.name in NOT_DOMAINS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"domains.{info.name}")
        declared = getattr(module, "DOMAIN", None)
        if isinstance(declared, Domain):
            result.append(declared)
    return result


def _entry_point_domains() -> list[Domain]:
    result = []
    for point in entry_points(group=ENTRY_POINT_GROUP):
        declared = point.load()
        if not isinstance(declared, Domain):
            raise DomainError(f"entry point {point.name} ({point.value}) is not a Domain")
        result.append(declared)
    return result


def _dependency_order(found: dict[str, Domain]) -> list[Domain]:
    ordered: list[Domain] = []
    state: dict[str, str] = {}

    def visit(item: Domain, path: tuple[str, ...]) -> None:
        if state.get(item.id) == "done":
            return
        if state.get(item.id) == "visiting":
            raise DomainError(f"业务域循环依赖 / circular domain dependency: {' → '.join((*path, item.id))}")
        state[item.id] = "visiting"
        for dep in sorted(item.depends_on):
            if dep not in found:
                raise DomainError(f"业务域 {item.id} 依赖未知业务域 {dep} / domain {item.id} depends on unknown {dep}")
            visit(found[dep], (*path, item.id))
        state[item.id] = "done"
        ordered.append(item)

    for item in sorted(found.values(), key=lambda d: (d.order, d.id)):
        visit(item, ())
    return ordered
