"""Publishes the merchant panel's built files (``web/dist``) to a deployed stack.

python -m local.deploy_panel --stage prod [--profile P] [--region R]
    the stack that holds the table ``shophub-<stage>-hub`` (as ``make token STAGE=...`` finds it)
python -m local.deploy_panel --stack NAME [--profile P] [--region R]
    a stack by name
python -m local.deploy_panel
    the stack, region and profile that ``sam deploy --guided`` saved in ``samconfig.toml``

From the stack's outputs (``PanelBucketName``, ``PanelDistributionId``, ``ApiUrl``) it writes
``panel/config.json`` (``{"apiUrl": ...}``: the panel reads it at start), uploads every file of
``web/dist`` under ``panel/`` with its content type and cache policy (content-hashed
``assets/`` for a year, everything else revalidated: ``no-cache``), ``index.html`` last, then
deletes what is under ``panel/`` and no longer in the build, and invalidates the two files
CloudFront may hold that are not content-hashed: ``/panel/index.html`` and ``/panel/config.json``.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "web" / "dist"
SAMCONFIG = ROOT / "samconfig.toml"
PREFIX = "panel/"
CONFIG_NAME = "config.json"
#: what CloudFront may cache that is not content-hashed (every other file is under assets/)
INVALIDATED = ("/panel/index.html", "/panel/config.json")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".txt": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json",
}


class PanelDeployError(Exception):
    """The panel cannot be published; the message says why and what to do."""


@dataclass(frozen=True)
class PanelTarget:
    """Where the panel goes: from the stack's outputs."""

    bucket: str
    distribution_id: str
    api_url: str
    panel_url: str = ""


@dataclass(frozen=True)
class PanelObject:
    """One object to write under ``panel/``."""

    key: str
    body: bytes
    content_type: str
    cache_control: str


@dataclass(frozen=True)
class PublishReport:
    uploaded: list[str]
    deleted: list[str]
    invalidation_id: str


def content_type(name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    return _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def cache_control(relative: str) -> str:
    """Vite names every file under ``assets/`` by its content: cached for a year; the rest
    (``index.html``, ``config.json``, files copied from ``public/``) is revalidated."""
    return IMMUTABLE if PurePosixPath(relative).parts[0] == "assets" else REVALIDATE


def plan(dist: Path, api_url: str) -> list[PanelObject]:
    """The objects of a build, in upload order: hashed assets, other files, ``config.json``,
    ``index.html`` last (a viewer never gets an index that names assets not uploaded yet)."""
    if not (dist / "index.html").is_file():
        raise PanelDeployError(f"no build in {dist} (index.html missing): run `make web` first")
    objects = []
    for path in sorted(p for p in dist.rglob("*") if p.is_file()):
        relative = path.relative_to(dist).as_posix()
        if relative == CONFIG_NAME:
            continue  # the stack's own is written below
        objects.append(
            PanelObject(PREFIX + relative, path.read_bytes(), content_type(relative), cache_control(relative))
        )
    config = json.dumps({"apiUrl": api_url}).encode()
    objects.append(PanelObject(PREFIX + CONFIG_NAME, config, content_type(CONFIG_NAME), REVALIDATE))

    def order(item: PanelObject) -> tuple[int, str]:
        if item.key == PREFIX + "index.html":
            return 3, item.key
        if item.key == PREFIX + CONFIG_NAME:
            return 2, item.key
        return (0 if item.cache_control == IMMUTABLE else 1), item.key

    return sorted(objects, key=order)


def _existing_keys(s3: Any, bucket: str) -> list[str]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=PREFIX):
        keys.extend(item["Key"] for item in page.get("Contents", []))
    return keys


def _delete(s3: Any, bucket: str, keys: list[str]) -> None:
    for start in range(0, len(keys), 1000):
        batch = [{"Key": key} for key in keys[start : start + 1000]]
        answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        if answer.get("Errors"):
            first = answer["Errors"][0]
            raise PanelDeployError(f"cannot delete {first.get('Key')}: {first.get('Code')} {first.get('Message')}")


def publish(target: PanelTarget, dist: Path, *, s3: Any, cloudfront: Any) -> PublishReport:
    """Upload the build, delete stale objects under ``panel/``, invalidate the mutable files."""
    objects = plan(dist, target.api_url)
    for item in objects:
        s3.put_object(
            Bucket=target.bucket,
            Key=item.key,
            Body=item.body,
            ContentType=item.content_type,
            CacheControl=item.cache_control,
        )
    wanted = {item.key for item in objects}
    stale = sorted(key for key in _existing_keys(s3, target.bucket) if key not in wanted)
    _delete(s3, target.bucket, stale)
    answer = cloudfront.create_invalidation(
        DistributionId=target.distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": len(INVALIDATED), "Items": list(INVALIDATED)},
            "CallerReference": f"shophub-panel-{time.time_ns()}",
        },
    )
    return PublishReport([item.key for item in objects], stale, str(answer["Invalidation"]["Id"]))


# --- the deployed stack ---------------------------------------------------------------------------


def target_from_outputs(outputs: dict[str, str], stack: str = "the stack") -> PanelTarget:
    missing = [name for name in ("PanelBucketName", "PanelDistributionId", "ApiUrl") if not outputs.get(name)]
    if missing:
        raise PanelDeployError(f"{stack} has no output {', '.join(missing)}: deploy template.yaml first (make deploy)")
    return PanelTarget(
        bucket=outputs["PanelBucketName"],
        distribution_id=outputs["PanelDistributionId"],
        api_url=outputs["ApiUrl"],
        panel_url=outputs.get("PanelUrl", ""),
    )


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    from botocore.exceptions import ClientError

    try:
        (description,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as exc:
        raise PanelDeployError(f"cannot read stack {stack}: {exc}") from None
    return {item["OutputKey"]: item["OutputValue"] for item in description.get("Outputs", [])}


def stack_of_stage(cloudformation: Any, stage: str) -> str:
    """The stack that holds the stage's table ``shophub-<stage>-hub`` (its name is the
    operator's choice at ``sam deploy --guided``; the table's is fixed by the template)."""
    from botocore.exceptions import ClientError

    from local.stack.token import deployed_table_name

    table = deployed_table_name(stage)
    try:
        resources = cloudformation.describe_stack_resources(PhysicalResourceId=table)["StackResources"]
    except ClientError as exc:
        raise PanelDeployError(f"no deployed stack holds table {table} (stage {stage}): {exc}") from None
    if not resources:
        raise PanelDeployError(f"no deployed stack holds table {table} (stage {stage})")
    return str(resources[0]["StackName"])


@dataclass(frozen=True)
class SamConfig:
    stack: str
    region: str | None = None
    profile: str | None = None


def read_samconfig(path: Path = SAMCONFIG, environment: str = "default") -> SamConfig:
    """Stack name, region and profile that ``sam deploy --guided`` saved."""
    if not path.is_file():
        raise PanelDeployError(f"no {path.name}: pass STAGE=... (or deploy first with make deploy)")
    document = tomllib.loads(path.read_text(encoding="utf-8")).get(environment, {})
    merged: dict[str, Any] = {}
    for command in ("global", "deploy"):
        merged.update(document.get(command, {}).get("parameters", {}))
    if not merged.get("stack_name"):
        raise PanelDeployError(f"{path.name} names no stack_name: pass STAGE=...")
    return SamConfig(str(merged["stack_name"]), merged.get("region"), merged.get("profile"))


def _session(profile: str | None, region: str | None) -> Any:
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except ProfileNotFound as exc:
        raise PanelDeployError(str(exc)) from None
    if not session.region_name:
        raise PanelDeployError("no AWS region configured: pass REGION=... or set AWS_REGION")
    return session


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.deploy_panel", description=__doc__.split("\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--stage", default=None, help="the stage's stack (the one holding shophub-<stage>-hub)")
    where.add_argument("--stack", default=None, help="a stack by name")
    parser.add_argument("--profile", default=None, help="AWS profile")
    parser.add_argument("--region", default=None, help="AWS region")
    parser.add_argument("--dist", type=Path, default=DIST, help="the built panel (default: web/dist)")
    return parser.parse_args(argv)


def _run(args: argparse.Namespace) -> str:
    profile, region, stack = args.profile, args.region, args.stack or ""
    if not args.stage and not stack:
        saved = read_samconfig()
        stack, profile, region = saved.stack, profile or saved.profile, region or saved.region
    session = _session(profile, region)
    cloudformation = session.client("cloudformation")
    if args.stage:
        stack = stack_of_stage(cloudformation, args.stage)
    target = target_from_outputs(stack_outputs(cloudformation, stack), f"stack {stack}")
    report = publish(target, args.dist, s3=session.client("s3"), cloudfront=session.client("cloudfront"))
    return _summary(stack, target, report)


def _summary(stack: str, target: PanelTarget, report: PublishReport) -> str:
    lines = [
        f"panel of stack {stack}: {len(report.uploaded)} files to s3://{target.bucket}/{PREFIX}",
        f"  deleted (not in the build): {len(report.deleted)}",
        f"  invalidation {report.invalidation_id}: {' '.join(INVALIDATED)}",
        f"  API: {target.api_url}",
    ]
    if target.panel_url:
        lines.append(f"  panel: {target.panel_url}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        print(_run(args))
    except PanelDeployError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
