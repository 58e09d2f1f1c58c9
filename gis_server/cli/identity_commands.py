"""`onemap users`, `onemap roles`, `onemap keys`: local accounts, the roles the platform knows, and API
keys, in the store ONEMAP_DATABASE_URL names. Every change is audited with the actor `cli:<OS user>`."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import typer

from gis_server.cli.context import open_registry
from layers.identity import Account, Identity, open_identity
from layers.identity.roles import known_roles

users_app = typer.Typer(help="本地账户 / local accounts (sign in with POST /auth/token)", no_args_is_help=True)
roles_app = typer.Typer(help="平台已知的角色 / roles the platform knows", no_args_is_help=True)
keys_app = typer.Typer(help="机器客户端的 API 密钥 / API keys of machine clients", no_args_is_help=True)

PASSWORD_STDIN_HELP = "从标准输入读取密码（一行）/ read the password from standard input (one line), no prompt"


def actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@contextmanager
def identity() -> Iterator[Identity]:
    with open_registry() as registry:
        yield open_identity(registry.store)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    return str(typer.prompt("密码 / password", hide_input=True,
                            confirmation_prompt="再次输入密码 / repeat the password"))


def _state(account: Account, now: datetime) -> str:
    if account.disabled:
        return "已停用 / disabled"
    if account.locked(now) and account.locked_until is not None:
        return f"已锁定至 / locked until {account.locked_until.strftime('%Y-%m-%d %H:%M:%SZ')}"
    return "正常 / active"


# -- users --------------------------------------------------------------------------------------------
@users_app.command("add")
def add_user(
    name: str = typer.Argument(..., help="登录名（小写）/ login name, lower case, e.g. li.si"),
    role: list[str] = typer.Option([], "--role", help="角色，可多次给出 / role, repeatable (e.g. safety_officer)"),
    org: str | None = typer.Option(None, "--org", help="单位 / organisation, e.g. 长春市交通运输局"),
    region: str | None = typer.Option(None, "--region", help="行政区划代码 / 6-digit region code, e.g. 220100"),
    display_name: str | None = typer.Option(None, "--display-name", help="姓名 / display name, e.g. 李四"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=PASSWORD_STDIN_HELP),
) -> None:
    """新建本地账户（密码输入两次）/ Create a local account; the password is asked for twice."""
    password = _password(password_stdin)
    with identity() as ident:
        account = ident.accounts.create(actor(), name=name, password=password, roles=role, organisation=org,
                                        region=region, display_name=display_name)
    typer.echo(f"已创建账户 / account created: {account.name} roles={','.join(account.roles) or '-'}")


@users_app.command("list")
def list_users(as_json: bool = typer.Option(False, "--json", help="每行一个 JSON 对象 / one JSON object per line")
               ) -> None:
    """列出本地账户及其状态（停用、锁定）/ List local accounts and their state (disabled, locked)."""
    now = datetime.now(UTC)
    with identity() as ident:
        accounts = ident.accounts.all()
    if not accounts:
        typer.echo("没有本地账户 / no local accounts")
    for account in accounts:
        if as_json:
            typer.echo(json.dumps(account.as_json(now), ensure_ascii=False))
        else:
            typer.echo("\t".join([account.name, account.display_name or "-", ",".join(account.roles) or "-",
                                  account.organisation or "-", account.region or "-", _state(account, now),
                                  f"failed={account.failed_logins}"]))


@users_app.command("passwd")
def change_password(
    name: str = typer.Argument(..., help="登录名 / login name"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=PASSWORD_STDIN_HELP),
) -> None:
    """设置新密码（已签发的令牌失效，锁定解除）/ Set a new password: ends the account's sessions, lifts a lock."""
    password = _password(password_stdin)
    with identity() as ident:
        ident.accounts.set_password(actor(), name, password)
    typer.echo(f"已更改密码 / password changed: {name}")


@users_app.command("disable")
def disable_user(name: str = typer.Argument(..., help="登录名 / login name")) -> None:
    """停用账户（已签发的令牌与其 API 密钥随即失效）/ Disable an account: its tokens and keys stop working."""
    with identity() as ident:
        ident.accounts.set_disabled(actor(), name, True)
    typer.echo(f"已停用 / disabled: {name}")


@users_app.command("enable")
def enable_user(name: str = typer.Argument(..., help="登录名 / login name")) -> None:
    """启用已停用的账户 / Enable a disabled account."""
    with identity() as ident:
        ident.accounts.set_disabled(actor(), name, False)
    typer.echo(f"已启用 / enabled: {name}")


@users_app.command("unlock")
def unlock_user(name: str = typer.Argument(..., help="登录名 / login name")) -> None:
    """解除登录失败造成的锁定 / Lift the lock that failed sign-ins put on an account."""
    with identity() as ident:
        account = ident.accounts.unlock(actor(), name)
    typer.echo(f"已解锁 / unlocked: {account.name}")


@users_app.command("roles")
def change_roles(
    name: str = typer.Argument(..., help="登录名 / login name"),
    add: list[str] = typer.Option([], "--add", help="加上的角色，可多次给出 / role to add, repeatable"),
    remove: list[str] = typer.Option([], "--remove", help="去掉的角色，可多次给出 / role to remove, repeatable"),
) -> None:
    """增减账户的角色（已签发的令牌失效）/ Add or remove roles of an account (ends its sessions)."""
    if not add and not remove:
        typer.echo("请给出 --add 或 --remove / give --add or --remove", err=True)
        raise typer.Exit(2)
    with identity() as ident:
        account = ident.accounts.change_roles(actor(), name, add=add, remove=remove)
    typer.echo(f"{account.name} roles={','.join(account.roles) or '-'}")


# -- roles --------------------------------------------------------------------------------------------
@roles_app.command("list")
def list_roles() -> None:
    """列出图层与账户中出现的角色及持有的账户数 / List the roles layers name and accounts hold, with counts."""
    with open_registry() as registry:
        layers = registry.all()
        counts = open_identity(registry.store).accounts.role_counts()
    for entry in known_roles(layers, counts):
        grants = "; ".join(f"{layer}:{'+'.join(what)}" for layer, what in sorted(entry["layers"].items()))
        typer.echo(f"{entry['role']}\t账户 / accounts={entry['accounts']}\t{grants or '-'}")


# -- keys ---------------------------------------------------------------------------------------------
@keys_app.command("create")
def create_key(
    name: str = typer.Option(..., "--name", help="名称 / label, e.g. 省应急平台"),
    scope: list[str] = typer.Option(..., "--scope", help="权限范围 layer:read 或 layer:write（* 为全部图层），"
                                                         "可多次给出 / scope, repeatable (* for every layer)"),
    role: list[str] = typer.Option([], "--role", help="授予的角色，可多次给出 / role granted, repeatable"),
    region: str | None = typer.Option(None, "--region", help="行政区划代码 / 6-digit region code"),
    expires_days: int | None = typer.Option(None, "--expires-days", min=1, help="有效天数 / days until it expires"),
    owner: str | None = typer.Option(None, "--owner", help="所属账户 / owning account"),
    org: str | None = typer.Option(None, "--org", help="所属单位 / owning organisation"),
) -> None:
    """签发 API 密钥（只显示这一次）/ Issue an API key; it is shown this once and never again."""
    with identity() as ident:
        key, text = ident.keys.create(actor(), name=name, scopes=scope, roles=role, region=region,
                                      expires_days=expires_days, owner_account=owner, owner_organisation=org)
    typer.echo(f"已签发密钥 / key issued: id={key.id}")
    typer.echo("请妥善保存，此后无法再次查看 / keep it now, it cannot be shown again:")
    typer.echo(text)


@keys_app.command("list")
def list_keys() -> None:
    """列出 API 密钥（不含密钥本身）/ List API keys (never the secret)."""
    now = datetime.now(UTC)
    with identity() as ident:
        keys = ident.keys.all()
    if not keys:
        typer.echo("没有 API 密钥 / no API keys")
    for key in keys:
        shown = key.as_json(now)
        typer.echo("\t".join([key.id, key.name, shown["state"], ",".join(shown["scopes"]),
                              ",".join(key.roles) or "-", key.owner_account or key.owner_organisation or "-",
                              f"expires={shown['expires_at'] or '-'}", f"last_used={shown['last_used_at'] or '-'}"]))


@keys_app.command("revoke")
def revoke_key(key_id: str = typer.Argument(..., help="密钥编号 / key id (from keys list)")) -> None:
    """吊销 API 密钥 / Revoke an API key."""
    with identity() as ident:
        ident.keys.revoke(actor(), key_id)
    typer.echo(f"已吊销 / revoked: {key_id}")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(roles_app, name="roles")
    app.add_typer(keys_app, name="keys")
