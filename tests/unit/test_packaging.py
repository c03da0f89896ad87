"""The layer pins what pyproject pins; the template keeps the design's guarantees."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

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
