"""Create an API token for a tenant and print it (once; only its hash is stored).

python -m local.stack.token --tenant acme [--name NAME]
    against the running local stack (found through ``.local-stack/state.json``)
python -m local.stack.token --tenant acme --stage prod [--profile P] [--region R]
    against a deployed stack: table ``shophub-<stage>-hub``, default boto3 credentials
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


class TokenError(Exception):
    """A token cannot be created; the message says why and what to do."""


def deployed_table_name(stage: str) -> str:
    return f"shophub-{stage}-hub"


def create_token(client: Any, table_name: str, tenant: str, name: str, token: str | None = None) -> str:
    """Store a token for ``tenant`` in ``table_name`` and return the plain token."""
    ensure_import_paths()
    from shophub.store.dynamo import HubTable
    from shophub.store.tokens import TokenRepository

    return str(TokenRepository(HubTable(client, table_name)).create(tenant_id=tenant, name=name, token=token))


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.stack.token", description=__doc__.split("\n")[0])
    parser.add_argument("--tenant", required=True, help="tenant id the token acts for")
    parser.add_argument("--name", default=None, help="token name shown in the activity log (default: cli)")
    parser.add_argument("--stage", default=None, help="a deployed stage instead of the local stack")
    parser.add_argument("--profile", default=None, help="AWS profile (with --stage)")
    parser.add_argument("--region", default=None, help="AWS region (with --stage)")
    parser.add_argument("--state-file", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not _TENANT.match(args.tenant):
        parser.error("--tenant: 1-64 letters, digits, '-' or '_'")
    if args.stage is None and (args.profile or args.region):
        parser.error("--profile and --region need --stage")
    try:
        if args.stage:
            client, table = deployed_client(args.stage, args.profile, args.region)
            where = f"for stage {args.stage}"
        else:
            client, table = local_client(args.state_file)
            where = "in the local stack"
        _check_table(client, table, where)
        token = create_token(client, table, args.tenant, args.name or "cli")
    except TokenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(token)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
