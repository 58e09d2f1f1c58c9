"""Commands run for a named person (`onemap export --as NAME`): who they are, and their view of a layer.

The person is looked up in the users file (ONEMAP_USERS_FILE), then among the local accounts of the
store; what the command reads is their view of the layer (`layers.access.view`): their region's rows,
without the fields they may not see and with the ones they see masked, masked.
"""

from __future__ import annotations

from typing import Any

import typer

from gis_server.access_policy import make_policy
from gis_server.settings import get_settings
from gis_server.users import UsersFileError, load_users
from layers.access.principal import Principal
from layers.identity import open_identity
from layers.model import LayerDefinition
from layers.registry import LayerRegistry


def principal_named(name: str, store: Any) -> Principal:
    """The person `name`, from the users file or the store's local accounts (BadParameter if nowhere)."""
    path = get_settings().users_file
    if path is not None:
        try:
            user = load_users(path).by_name(name)
        except UsersFileError as exc:
            raise typer.BadParameter(str(exc)) from None
        if user is not None:
            return Principal(user.name, user.roles, user.display_name, user.organisation, user.region,
                             method="users_file")
    account = open_identity(store).accounts.get(name)
    if account is None or account.disabled:
        raise typer.BadParameter(f"没有名为 {name!r} 的可用用户 / no enabled user {name!r} in the users file or "
                                 "the local accounts")
    return Principal(account.name, frozenset({"public", *account.roles}), account.display_name,
                     account.organisation, account.region, method="account")


def view_for(registry: LayerRegistry, layer: LayerDefinition, name: str) -> LayerDefinition:
    """`name`'s view of `layer`; BadParameter when they may not read it."""
    principal = principal_named(name, registry.store)
    view = make_policy(get_settings(), registry.store, registry).view(layer, principal).layer
    if view is None:
        raise typer.BadParameter(f"{name} 无权读取图层 {layer.id} / {name} may not read layer {layer.id}")
    return view
