"""``make deploy-panel``: the built panel goes under ``panel/`` of the panel bucket with its content
types and cache policies, ``config.json`` names the API, stale files go, CloudFront is told."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.deploy_panel import (
    IMMUTABLE,
    INVALIDATED,
    REVALIDATE,
    PanelDeployError,
    PanelTarget,
    plan,
    publish,
    read_samconfig,
    stack_of_stage,
    stack_outputs,
    target_from_outputs,
)
from local.stack.template import REGION, load_stack

API_URL = "https://abc123.execute-api.eu-central-1.amazonaws.com/test"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """What ``vite build`` writes: an index, content-hashed assets, files copied from public/."""
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text('<!doctype html><script type="module" src="/panel/assets/index-abc123.js">')
    (root / "assets" / "index-abc123.js").write_text("console.log('panel')")
    (root / "assets" / "index-def456.css").write_text("body{margin:0}")
    (root / "assets" / "logo-1a2b3c.png").write_bytes(b"\x89PNG\r\n")
    (root / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (root / "config.json").write_text('{"apiUrl": "http://127.0.0.1:3000"}')  # a dev file: replaced
    return root


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    """moto S3 with the template's panel bucket, and a CloudFront distribution in front of it."""
    saved = dict(os.environ)
    os.environ.update(
        {
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
        }
    )
    try:
        with mock_aws():
            bucket = load_stack("test").resources["PanelBucket"]["Properties"]["BucketName"]
            s3 = boto3.client("s3", region_name=REGION)
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
            cloudfront = boto3.client("cloudfront", region_name=REGION)
            distribution = cloudfront.create_distribution(
                DistributionConfig={
                    "CallerReference": "panel",
                    "Comment": "panel",
                    "Enabled": True,
                    "Origins": {
                        "Quantity": 1,
                        "Items": [
                            {
                                "Id": "PanelBucket",
                                "DomainName": f"{bucket}.s3.{REGION}.amazonaws.com",
                                "S3OriginConfig": {"OriginAccessIdentity": ""},
                            }
                        ],
                    },
                    "DefaultCacheBehavior": {
                        "TargetOriginId": "PanelBucket",
                        "ViewerProtocolPolicy": "redirect-to-https",
                        "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
                    },
                }
            )["Distribution"]
            target = PanelTarget(bucket, distribution["Id"], API_URL, f"https://{distribution['DomainName']}/panel/")
            yield {"s3": s3, "cloudfront": cloudfront, "target": target}
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _objects(s3: Any, bucket: str) -> dict[str, dict[str, Any]]:
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {key: s3.get_object(Bucket=bucket, Key=key) for key in keys}


# --- the plan ---------------------------------------------------------------------------------


def test_every_file_gets_its_content_type_and_only_hashed_assets_are_immutable(dist: Path) -> None:
    objects = {item.key: item for item in plan(dist, API_URL)}

    assert {key: (item.content_type, item.cache_control) for key, item in objects.items()} == {
        "panel/index.html": ("text/html; charset=utf-8", REVALIDATE),
        "panel/config.json": ("application/json", REVALIDATE),
        "panel/favicon.svg": ("image/svg+xml", REVALIDATE),
        "panel/assets/index-abc123.js": ("text/javascript; charset=utf-8", IMMUTABLE),
        "panel/assets/index-def456.css": ("text/css; charset=utf-8", IMMUTABLE),
        "panel/assets/logo-1a2b3c.png": ("image/png", IMMUTABLE),
    }
    assert REVALIDATE == "no-cache"
    assert IMMUTABLE == "public, max-age=31536000, immutable"


def test_config_json_names_the_stacks_api_instead_of_the_builds(dist: Path) -> None:
    (config,) = [item for item in plan(dist, API_URL) if item.key == "panel/config.json"]

    assert json.loads(config.body) == {"apiUrl": API_URL}


def test_assets_go_first_and_the_index_last(dist: Path) -> None:
    keys = [item.key for item in plan(dist, API_URL)]

    assert keys[-2:] == ["panel/config.json", "panel/index.html"]
    assert all(key.startswith("panel/assets/") for key in keys[:3])


def test_without_a_build_nothing_is_planned(tmp_path: Path) -> None:
    with pytest.raises(PanelDeployError, match="make web"):
        plan(tmp_path / "dist", API_URL)


# --- publishing -------------------------------------------------------------------------------


def test_the_build_is_uploaded_under_panel_with_its_headers(aws: dict[str, Any], dist: Path) -> None:
    s3, target = aws["s3"], aws["target"]

    report = publish(target, dist, s3=s3, cloudfront=aws["cloudfront"])

    stored = _objects(s3, target.bucket)
    assert set(stored) == set(report.uploaded) == {item.key for item in plan(dist, API_URL)}
    index = stored["panel/index.html"]
    assert index["ContentType"] == "text/html; charset=utf-8"
    assert index["CacheControl"] == "no-cache"
    assert index["Body"].read() == (dist / "index.html").read_bytes()
    script = stored["panel/assets/index-abc123.js"]
    assert script["ContentType"] == "text/javascript; charset=utf-8"
    assert script["CacheControl"] == "public, max-age=31536000, immutable"
    config = stored["panel/config.json"]
    assert config["ContentType"] == "application/json"
    assert config["CacheControl"] == "no-cache"
    assert json.loads(config["Body"].read()) == {"apiUrl": API_URL}


def test_files_no_longer_built_are_deleted_and_nothing_outside_panel(aws: dict[str, Any], dist: Path) -> None:
    s3, target = aws["s3"], aws["target"]
    for key in ("panel/assets/index-old000.js", "panel/old-page.html", "elsewhere/keep.txt"):
        s3.put_object(Bucket=target.bucket, Key=key, Body=b"old")

    report = publish(target, dist, s3=s3, cloudfront=aws["cloudfront"])

    assert report.deleted == ["panel/assets/index-old000.js", "panel/old-page.html"]
    stored = _objects(s3, target.bucket)
    assert "elsewhere/keep.txt" in stored
    assert not [key for key in stored if key.startswith("panel/") and key not in report.uploaded]


def test_a_second_publish_of_the_same_build_deletes_nothing(aws: dict[str, Any], dist: Path) -> None:
    publish(aws["target"], dist, s3=aws["s3"], cloudfront=aws["cloudfront"])

    again = publish(aws["target"], dist, s3=aws["s3"], cloudfront=aws["cloudfront"])

    assert again.deleted == []


def test_cloudfront_forgets_the_index_and_the_config(aws: dict[str, Any], dist: Path) -> None:
    cloudfront, target = aws["cloudfront"], aws["target"]

    report = publish(target, dist, s3=aws["s3"], cloudfront=cloudfront)

    invalidation = cloudfront.get_invalidation(DistributionId=target.distribution_id, Id=report.invalidation_id)
    paths = invalidation["Invalidation"]["InvalidationBatch"]["Paths"]["Items"]
    assert sorted(paths) == sorted(INVALIDATED) == ["/panel/config.json", "/panel/index.html"]


# --- the deployed stack -----------------------------------------------------------------------


class _CloudFormation:
    """The two CloudFormation calls the module makes, answered from a dict."""

    def __init__(self, stack: str, outputs: dict[str, str], table: str) -> None:
        self.stack, self.outputs, self.table = stack, outputs, table

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        assert StackName == self.stack
        outputs = [{"OutputKey": k, "OutputValue": v} for k, v in self.outputs.items()]
        return {"Stacks": [{"StackName": StackName, "Outputs": outputs}]}

    def describe_stack_resources(self, PhysicalResourceId: str) -> dict[str, Any]:
        found = PhysicalResourceId == self.table
        return {"StackResources": [{"StackName": self.stack, "LogicalResourceId": "HubTable"}] if found else []}


def test_the_target_comes_from_the_stacks_outputs() -> None:
    outputs = {
        "ApiUrl": API_URL,
        "PanelBucketName": "shophub-prod-panel-123456789012-eu-central-1",
        "PanelDistributionId": "E2ABCDEF",
        "PanelUrl": "https://d111.cloudfront.net/panel/",
        "HubTableName": "shophub-prod-hub",
    }
    cloudformation = _CloudFormation("shophub-prod", outputs, "shophub-prod-hub")

    stack = stack_of_stage(cloudformation, "prod")
    target = target_from_outputs(stack_outputs(cloudformation, stack))

    assert stack == "shophub-prod"
    assert target == PanelTarget(
        "shophub-prod-panel-123456789012-eu-central-1", "E2ABCDEF", API_URL, "https://d111.cloudfront.net/panel/"
    )


def test_a_stack_without_the_panel_says_to_deploy_first() -> None:
    with pytest.raises(PanelDeployError, match="PanelBucketName, PanelDistributionId"):
        target_from_outputs({"ApiUrl": API_URL})
    with pytest.raises(PanelDeployError, match="shophub-qa-hub"):
        stack_of_stage(_CloudFormation("shophub-prod", {}, "shophub-prod-hub"), "qa")


def test_the_stack_saved_by_sam_deploy_guided_is_found(tmp_path: Path) -> None:
    config = tmp_path / "samconfig.toml"
    config.write_text(
        'version = 0.1\n[default.global.parameters]\nstack_name = "shophub-prod"\n'
        '[default.deploy.parameters]\nregion = "eu-west-1"\nprofile = "ops"\ncapabilities = "CAPABILITY_IAM"\n'
    )

    saved = read_samconfig(config)

    assert (saved.stack, saved.region, saved.profile) == ("shophub-prod", "eu-west-1", "ops")
    with pytest.raises(PanelDeployError, match="STAGE"):
        read_samconfig(tmp_path / "absent.toml")
