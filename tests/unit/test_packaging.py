"""The layer pins what pyproject pins; the template keeps the design's guarantees."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from local.stack.template import load_stack, read_template
from shophub.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_layer_requirements_match_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    layer = [
        line.strip()
        for line in (ROOT / "shared" / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    assert sorted(layer) == sorted(project)
    assert all("==" in pin for pin in layer)


def test_every_queue_has_a_dlq_after_five_receives_and_a_long_enough_visibility():
    model = load_stack("test")
    queues = model.of_type("AWS::SQS::Queue")
    timeouts = {}
    for spec in model.functions.values():
        for source in spec.sqs:
            timeouts[source.queue] = spec.timeout
            assert source.report_failures, f"{spec.logical_id} must report batch item failures"
    main_queues = {k: v for k, v in queues.items() if not k.endswith("DLQ")}
    assert set(main_queues) == set(timeouts), "every work queue has exactly its consumer"
    for logical, resource in main_queues.items():
        props = resource["Properties"]
        assert props["RedrivePolicy"]["maxReceiveCount"] == 5
        assert props["RedrivePolicy"]["deadLetterTargetArn"].endswith("-dlq")
        assert props["VisibilityTimeout"] >= 6 * timeouts[logical], logical


def test_table_has_the_designed_keys_ttl_and_recovery():
    props = read_template()["Resources"]["HubTable"]["Properties"]

    assert [k["AttributeName"] for k in props["KeySchema"]] == ["PK", "SK"]
    assert props["GlobalSecondaryIndexes"][0]["IndexName"] == "GSI1"
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["BillingMode"] == "PAY_PER_REQUEST"


def test_every_function_in_the_template_has_its_handler():
    for spec in load_stack("test").functions.values():
        assert (ROOT / spec.code_uri / "handler.py").is_file(), spec.code_uri


def test_ssm_access_is_scoped_to_the_stages_account_keys():
    text = (ROOT / "template.yaml").read_text()
    for match in re.finditer(r"parameter/?(\S*)|ParameterName: (\S.*)", text):
        scope = match.group(1) or match.group(2)
        assert "shophub/${Stage}/accounts/*" in scope, scope


def test_runtime_is_python_313_everywhere():
    template = read_template()
    assert template["Globals"]["Function"]["Runtime"] == "python3.13"
    layer = template["Resources"]["SharedLayer"]
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    # built by shared/Makefile: the platform's wheels for CPython 3.13 and their bytecode
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert layer["Metadata"]["BuildArchitecture"] == "arm64"
    recipe = (ROOT / "shared" / "Makefile").read_text()
    assert "build-SharedLayer:" in recipe
    assert "--python-version 3.13" in recipe and "manylinux2014_aarch64" in recipe
    assert "compileall" in recipe and "--invalidation-mode unchecked-hash" in recipe


def test_local_shops_are_never_allowed_in_a_deployed_function(monkeypatch):
    # The template never sets the switch ...
    assert "ALLOW_LOCAL" not in (ROOT / "template.yaml").read_text()
    # ... and even a stray variable on a deployed function does not open the URL guard
    monkeypatch.setenv("SHOPHUB_ALLOW_LOCAL_SHOPS", "true")
    assert Settings().allow_local_shops is True  # the local stack and tests
    monkeypatch.setenv("AWS_EXECUTION_ENV", "AWS_Lambda_python3.13")
    assert Settings().allow_local_shops is False


# --- the merchant panel -------------------------------------------------------------------------


def test_the_panel_bucket_is_private_and_read_only_by_its_distribution():
    resources = read_template()["Resources"]
    bucket = resources["PanelBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    (allow,) = [
        s for s in resources["PanelBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"
    ]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert allow["Resource"] == {"Fn::Sub": "${PanelBucket.Arn}/panel/*"}
    source = allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert source.endswith(":distribution/${PanelDistribution}")
    access = resources["PanelOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert (access["SigningProtocol"], access["SigningBehavior"]) == ("sigv4", "always")
    config = resources["PanelDistribution"]["Properties"]["DistributionConfig"]
    (origin,) = config["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["PanelOriginAccessControl", "Id"]}
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert (config["PriceClass"], config["HttpVersion"]) == ("PriceClass_100", "http2and3")


def test_the_api_answers_browsers_of_the_panels_origin_only_and_the_panel_does_not_name_the_api():
    resources = read_template()["Resources"]
    cors = resources["HttpApi"]["Properties"]["CorsConfiguration"]
    assert cors["AllowOrigins"] == [{"Fn::Sub": "https://${PanelDistribution.DomainName}"}]
    # the headers the API reads (shophub.http, the authorizer) and those it sets that a page needs
    assert set(cors["AllowHeaders"]) == {"authorization", "content-type", "accept-language"}
    assert set(cors["ExposeHeaders"]) == {"location", "content-disposition"}
    # no cycle: nothing the distribution depends on refers to the API
    panel = {k: v for k, v in resources.items() if k.startswith("Panel") and k != "PanelBucketPolicy"}
    assert "HttpApi" not in repr(panel)
    headers = resources["PanelResponseHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    policy = headers["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    assert "connect-src 'self' https://*.execute-api.${AWS::Region}.${AWS::URLSuffix}" in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.skipif(shutil.which("node") is None, reason="node runs the CloudFront function")
@pytest.mark.parametrize(
    ("uri", "answer"),
    [
        ("/", "302 /panel/"),
        ("/panel", "302 /panel/"),
        ("/panel/", "/panel/index.html"),
        ("/panel/accounts/abc/mappings/payments", "/panel/index.html"),
        ("/panel/assets/index-abc123.js", "/panel/assets/index-abc123.js"),
        ("/panel/config.json", "/panel/config.json"),
        ("/panel/favicon.svg", "/panel/favicon.svg"),
    ],
)
def test_the_panel_router_redirects_to_the_panel_and_serves_client_routes_the_index(uri, answer):
    code = read_template()["Resources"]["PanelRouterFunction"]["Properties"]["FunctionCode"]
    script = code + (
        f"var out = handler({{request: {{uri: {json.dumps(uri)}, headers: {{}}}}}});\n"
        "console.log(out.statusCode ? out.statusCode + ' ' + out.headers.location.value : out.uri);\n"
    )
    run = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True, timeout=30)
    assert run.stdout.strip() == answer
