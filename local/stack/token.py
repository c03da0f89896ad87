"""API tokens of a stack: create one (printed once; only its hash is stored), list them, revoke one.

python -m local.stack.token --tenant acme [--name NAME] [--days N]
    a new token for ``acme`` (name: ``acme-<date>`` unless given; expires after N days, else never)
python -m local.stack.token --operator --name alice [--days N]
    a new platform operator's token (no tenant): it reads any tenant's data through the ``/admin``
    routes, changes nothing, and each read is logged in that tenant's log under ``alice``
python -m local.stack.token --list
    every token: name, tenant (``(operator)`` for an operator's), created, expiry and state (never
    the token or its hash)
python -m local.stack.token --revoke NAME
    the token called NAME is refused from now on (the API answers 401)

Each works against the running local stack (found through ``.local-stack/state.json``), or with
``--stage prod [--profile P] [--region R]`` against a deployed stack: table ``shophub-<stage>-hub``,
default boto3 credentials.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from local.stack.aws import BASE_ENV
from local.stack.runtime import ensure_import_paths
from local.stack.state import running_state, state_file
from local.stack.template import REGION

_TENANT = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")  # = shophub.store.tokens.TOKEN_NAME
#: What the listing's tenant column shows for an operator's token (no tenant id has parentheses).
OPERATOR_LABEL = "(operator)"


class TokenError(Exception):
    """A token cannot be created, listed or revoked; the message says why and what to do."""


def deployed_table_name(stage: str) -> str:
    return f"shophub-{stage}-hub"


def _tokens(client: Any, table_name: str) -> Any:
    ensure_import_paths()
    from shophub.store.dynamo import HubTable
    from shophub.store.tokens import TokenRepository

    return TokenRepository(HubTable(client, table_name))


def create_token(
    client: Any,
    table_name: str,
    tenant: str,
    name: str | None = None,
    token: str | None = None,
    *,
    days: int | None = None,
) -> str:
    """Store a token for ``tenant`` in ``table_name`` and return the plain token (``name``:
    ``<tenant>-<date>`` unless given; ``days``: expiry, None = never)."""
    tokens = _tokens(client, table_name)
    from shophub.store.tokens import TokenNameTaken

    try:
        plain = tokens.create(tenant_id=tenant, name=name, token=token, expires_in_days=days)
    except TokenNameTaken:
        raise TokenError(f"a token named {name!r} exists already; choose another NAME") from None
    return str(plain)


def create_operator_token(client: Any, table_name: str, name: str, *, days: int | None = None) -> str:
    """Store a platform operator's token called ``name`` (the operator's name in tenants' logs)
    in ``table_name`` and return the plain token (``days``: expiry, None = never)."""
    tokens = _tokens(client, table_name)
    from shophub.store.tokens import TokenNameTaken

    try:
        plain = tokens.create_operator(name, expires_in_days=days)
    except TokenNameTaken:
        raise TokenError(f"a token named {name!r} exists already; choose another NAME") from None
    return str(plain)


def _moment(stamp: str | None) -> str:
    """``2026-11-27T09:31:00Z`` of a stored timestamp; ``never`` for none."""
    return stamp[:19] + "Z" if stamp else "never"


def list_tokens(client: Any, table_name: str) -> str:
    """Every token as a table: name, tenant, created, expires, state (never the token or its hash)."""
    tokens = _tokens(client, table_name)
    from shophub.clock import utc_now

    now = utc_now()
    rows = [("NAME", "TENANT", "CREATED", "EXPIRES", "STATE")]
    rows += [
        (
            t.name,
            OPERATOR_LABEL if t.is_operator else t.tenant_id,
            _moment(t.created_at),
            _moment(t.expires_at),
            t.state(now),
        )
        for t in tokens.list()
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def revoke_token(client: Any, table_name: str, name: str) -> None:
    """Revoke the token called ``name``."""
    tokens = _tokens(client, table_name)
    from shophub.store.tokens import TokenNotFound

    try:
        tokens.revoke_named(name)
    except TokenNotFound:
        raise TokenError(f"no token is named {name!r} (make tokens lists them)") from None


def _check_table(client: Any, table_name: str, where: str) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client.describe_table(TableName=table_name)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code == "ResourceNotFoundException":
            raise TokenError(f"table {table_name} does not exist {where}") from None
        if code in ("AccessDeniedException", "UnauthorizedOperation"):
            return  # allowed to write tokens but not to describe the table: let the write decide
        raise TokenError(f"cannot reach table {table_name} {where}: {code or exc}") from None
    except BotoCoreError as exc:
        raise TokenError(f"cannot reach DynamoDB {where}: {exc}") from None


def local_client(state_path: Path | None = None) -> tuple[Any, str]:
    """A DynamoDB client and table name for the running local stack."""
    import boto3

    state = running_state(state_path)
    if state is None:
        raise TokenError(
            f"no local stack is running (nothing live in {state_path or state_file()}); start it with `make run`"
        )
    client = boto3.client(
        "dynamodb",
        endpoint_url=state["moto_endpoint"],
        region_name=state.get("region", REGION),
        aws_access_key_id=BASE_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=BASE_ENV["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=BASE_ENV["AWS_SESSION_TOKEN"],
    )
    return client, str(state["table_name"])


def deployed_client(stage: str, profile: str | None = None, region: str | None = None) -> tuple[Any, str]:
    """A DynamoDB client (default credential chain, or ``profile``) and the stage's table name."""
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except ProfileNotFound as exc:
        raise TokenError(str(exc)) from None
    if not session.region_name:
        raise TokenError("no AWS region configured: pass --region or set AWS_REGION")
    return session.client("dynamodb"), deployed_table_name(stage)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.stack.token", description=__doc__.split("\n")[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--tenant", help="create a token for this tenant id")
    action.add_argument(
        "--operator",
        action="store_true",
        help="create a platform operator's token (read-only, any tenant; needs --name)",
    )
    action.add_argument("--list", action="store_true", help="list every token (never the token itself)")
    action.add_argument("--revoke", metavar="NAME", help="revoke the token called NAME")
    parser.add_argument(
        "--name", default=None, help="the new token's name, unique (default: <tenant>-<date>); an operator's name"
    )
    parser.add_argument("--days", type=int, default=None, help="the new token expires after this many days")
    parser.add_argument("--stage", default=None, help="a deployed stage instead of the local stack")
    parser.add_argument("--profile", default=None, help="AWS profile (with --stage)")
    parser.add_argument("--region", default=None, help="AWS region (with --stage)")
    parser.add_argument("--state-file", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.tenant is not None and not _TENANT.match(args.tenant):
        parser.error("--tenant: 1-64 letters, digits, '-' or '_'")
    if (args.name is not None or args.days is not None) and args.tenant is None and not args.operator:
        parser.error("--name and --days go with --tenant or --operator")
    if args.operator and args.name is None:
        parser.error("--operator needs --name: the operator's name, shown in the tenants' activity logs")
    for label, name in (("--name", args.name), ("--revoke", args.revoke)):
        if name is not None and not _NAME.match(name):
            parser.error(f"{label}: 1-80 letters, digits, '.', '-' or '_' (starting with a letter or digit)")
    if args.days is not None and not 1 <= args.days <= 3650:
        parser.error("--days: a whole number of days from 1 to 3650")
    if args.stage is None and (args.profile or args.region):
        parser.error("--profile and --region need --stage")
    return args


def _run(args: argparse.Namespace) -> str:
    if args.stage:
        client, table = deployed_client(args.stage, args.profile, args.region)
        where = f"for stage {args.stage}"
    else:
        client, table = local_client(args.state_file)
        where = "in the local stack"
    _check_table(client, table, where)
    if args.list:
        return list_tokens(client, table)
    if args.revoke:
        revoke_token(client, table, args.revoke)
        return f"revoked: {args.revoke}"
    if args.operator:
        return create_operator_token(client, table, args.name, days=args.days)
    return create_token(client, table, args.tenant, args.name, days=args.days)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    try:
        print(_run(args))
    except TokenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
