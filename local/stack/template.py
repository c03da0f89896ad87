"""Reads ``template.yaml`` and turns it into the local stack's plan, so no resource is ever
defined twice.

``load_stack(stage)`` parses the SAM template (CloudFormation short-form tags included),
resolves ``Ref`` / ``Fn::Sub`` / ``Fn::GetAtt`` for the given stage, and returns a
:class:`StackModel` with the table, queues (and their redrive policies), event buses and every
function with its handler, timeout, environment and events (HTTP API routes, SQS sources,
schedules). ``provision(model, clients)`` creates the AWS resources (table, queues, buses,
buckets) through boto3 clients — the moto server of ``make run`` or moto's in-process mock in
tests — and returns the physical names and URLs that the functions' environment refers to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = ROOT / "template.yaml"
REGION = "eu-central-1"
ACCOUNT_ID = "123456789012"


#: Concurrent invocations of one queue source on this machine at most: a deployed stack may run
#: many (``StockPusherConcurrency``), the local pump runs each in a thread with its own modules.
LOCAL_MAX_CONCURRENCY = 2


def _local_concurrency(scaling: dict[str, Any]) -> int | None:
    value = scaling.get("MaximumConcurrency")
    return None if value is None else min(int(value), LOCAL_MAX_CONCURRENCY)


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that understands ``!Ref``, ``!Sub``, ``!GetAtt`` and friends."""


def _tag_constructor(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag_constructor)


def read_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_CfnLoader)


@dataclass(frozen=True)
class HttpRoute:
    method: str
    path: str
    function: str
    public: bool = False

    @property
    def pattern(self) -> re.Pattern[str]:
        regex = re.sub(r"\{(\w+)\+\}", r"(?P<\1>.+)", self.path)
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex)
        return re.compile(f"^{regex}$")


@dataclass(frozen=True)
class SqsSource:
    function: str
    queue: str  # logical id
    batch_size: int = 10
    batching_window: int = 0
    report_failures: bool = False
    max_concurrency: int | None = None


@dataclass(frozen=True)
class ScheduleSource:
    function: str
    expression: str
    name: str = ""  # the event's logical name in the template (names the local rule)


@dataclass
class FunctionSpec:
    logical_id: str
    code_uri: str
    handler: str
    timeout: int
    memory: int
    environment: dict[str, Any]
    routes: list[HttpRoute] = field(default_factory=list)
    sqs: list[SqsSource] = field(default_factory=list)
    schedules: list[ScheduleSource] = field(default_factory=list)
    #: the function behind the HTTP API's ``$default`` route (requests no route matches)
    default_route: bool = False

    @property
    def name(self) -> str:
        """The folder under ``functions/`` (``order_poller`` for ``functions/order_poller/``)."""
        return Path(self.code_uri.rstrip("/")).name

    @property
    def module(self) -> str:
        """Importable module of the handler, e.g. ``functions.api.handler``.

        ``CodeUri`` is read relative to the repository root (``functions/api/`` →
        ``functions.api``), so a test template may point a function at any importable package.
        """
        module_file, _, _ = self.handler.rpartition(".")
        package = ".".join(part for part in self.code_uri.strip("/").split("/") if part not in ("", "."))
        return (package or "functions." + self.name) + "." + module_file

    @property
    def attribute(self) -> str:
        return self.handler.rpartition(".")[2]


@dataclass
class StackModel:
    stage: str
    parameters: dict[str, Any]
    resources: dict[str, dict[str, Any]]
    functions: dict[str, FunctionSpec]
    authorizer: str | None

    def of_type(self, cfn_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v.get("Type") == cfn_type}

    @property
    def routes(self) -> list[HttpRoute]:
        return [r for fn in self.functions.values() for r in fn.routes]


class _Resolver:
    """Resolves intrinsic functions against parameters and physical resource ids."""

    def __init__(self, parameters: dict[str, Any], physical: dict[str, dict[str, str]]) -> None:
        self.parameters = parameters
        self.physical = physical  # logical id -> {"Ref": ..., "Arn": ..., "QueueName": ...}

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "shophub-local",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return str(self.parameters[name])
        if name in self.physical:
            return self.physical[name]["Ref"]
        raise KeyError(f"unresolved Ref {name}")

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            ((fn, arg),) = value.items()
            if fn == "Ref":
                return self.ref(arg)
            if fn == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
                return re.sub(
                    r"\$\{([^}]+)\}",
                    lambda m: (
                        str(self.resolve(variables[m.group(1)]))
                        if m.group(1) in variables
                        else (self.get_att(*m.group(1).split(".", 1)) if "." in m.group(1) else self.ref(m.group(1)))
                    ),
                    text,
                )
            if fn == "Fn::GetAtt":
                return self.get_att(arg[0], arg[1])
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def get_att(self, logical: str, attribute: str) -> str:
        try:
            return self.physical[logical][attribute]
        except KeyError:
            raise KeyError(f"unresolved GetAtt {logical}.{attribute}") from None


def _physical_ids(template: dict[str, Any], parameters: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Predict physical names/ARNs/URLs from the template's explicit names."""
    partial = _Resolver(parameters, {})
    physical: dict[str, dict[str, str]] = {}
    for logical, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        kind = resource["Type"]
        if kind == "AWS::DynamoDB::Table":
            name = partial.resolve(props["TableName"])
            arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}"
            physical[logical] = {"Ref": name, "Arn": arn}
        elif kind == "AWS::SQS::Queue":
            name = partial.resolve(props["QueueName"])
            arn = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"
            physical[logical] = {"Ref": f"__QUEUE_URL__{name}", "Arn": arn, "QueueName": name}
        elif kind == "AWS::Events::EventBus":
            name = partial.resolve(props["Name"])
            physical[logical] = {
                "Ref": name,
                "Arn": f"arn:aws:events:{REGION}:{ACCOUNT_ID}:event-bus/{name}",
                "Name": name,
            }
        elif kind == "AWS::S3::Bucket":
            name = partial.resolve(props["BucketName"])
            physical[logical] = {
                "Ref": name,
                "Arn": f"arn:aws:s3:::{name}",
                "DomainName": f"{name}.s3.amazonaws.com",
                "RegionalDomainName": f"{name}.s3.{REGION}.amazonaws.com",
            }
        elif kind == "AWS::CloudFront::Distribution":
            # not provisioned locally (the gateway serves the panel); names for what refers to it
            physical[logical] = {"Ref": logical, "Id": logical, "DomainName": f"{logical.lower()}.cloudfront.net"}
        elif kind == "AWS::CloudFront::Function":
            arn = f"arn:aws:cloudfront::{ACCOUNT_ID}:function/{logical}"
            physical[logical] = {"Ref": arn, "FunctionARN": arn, "Arn": arn}
        elif kind in ("AWS::CloudFront::OriginAccessControl", "AWS::CloudFront::ResponseHeadersPolicy"):
            physical[logical] = {"Ref": logical, "Id": logical, "Arn": f"arn:aws:local:::{logical}"}
        elif kind == "AWS::Serverless::Function":
            physical[logical] = {"Ref": logical, "Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{logical}"}
        else:
            physical[logical] = {"Ref": logical, "Arn": f"arn:aws:local:::{logical}"}
    return physical


def load_stack(stage: str = "local", path: Path = TEMPLATE_PATH, overrides: dict[str, Any] | None = None) -> StackModel:
    """The template as a plan for ``stage`` (parameter defaults, then ``overrides``)."""
    template = read_template(path)
    parameters = {k: v.get("Default") for k, v in template.get("Parameters", {}).items()}
    parameters["Stage"] = stage
    parameters.update(overrides or {})
    physical = _physical_ids(template, parameters)
    resolver = _Resolver(parameters, physical)
    globals_fn = template.get("Globals", {}).get("Function", {})
    functions: dict[str, FunctionSpec] = {}
    authorizer = None
    for logical, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::HttpApi":
            auth = resource["Properties"].get("Auth", {})
            default = auth.get("DefaultAuthorizer")
            if default:
                arn = auth["Authorizers"][default]["FunctionArn"]
                authorizer = arn["Fn::GetAtt"][0]
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        env = dict(globals_fn.get("Environment", {}).get("Variables", {}))
        env.update(props.get("Environment", {}).get("Variables", {}))
        spec = FunctionSpec(
            logical_id=logical,
            code_uri=props["CodeUri"],
            handler=props["Handler"],
            timeout=int(props.get("Timeout", globals_fn.get("Timeout", 3))),
            memory=int(props.get("MemorySize", globals_fn.get("MemorySize", 128))),
            environment={k: str(v) for k, v in resolver.resolve(env).items()},
        )
        for event_name, event in (props.get("Events") or {}).items():
            ep = event.get("Properties", {})
            if event["Type"] == "HttpApi" and "Path" not in ep:
                spec.default_route = True  # $default: what no route matches (the gateway answers it itself)
            elif event["Type"] == "HttpApi":
                public = ep.get("Auth", {}).get("Authorizer") == "NONE"
                spec.routes.append(HttpRoute(ep["Method"].upper(), ep["Path"], logical, public))
            elif event["Type"] == "SQS":
                spec.sqs.append(
                    SqsSource(
                        function=logical,
                        queue=ep["Queue"]["Fn::GetAtt"][0],
                        batch_size=int(ep.get("BatchSize", 10)),
                        batching_window=int(ep.get("MaximumBatchingWindowInSeconds", 0)),
                        report_failures="ReportBatchItemFailures" in ep.get("FunctionResponseTypes", []),
                        max_concurrency=_local_concurrency(resolver.resolve(ep.get("ScalingConfig", {}))),
                    )
                )
            elif event["Type"] in ("Schedule", "ScheduleV2"):
                expression = ep.get("Schedule") or ep.get("ScheduleExpression")
                spec.schedules.append(ScheduleSource(logical, str(resolver.resolve(expression)), event_name))
        functions[logical] = spec
    resources = {
        k: {"Type": v["Type"], "Properties": resolver.resolve(v.get("Properties", {}))}
        for k, v in template["Resources"].items()
    }
    return StackModel(stage, parameters, resources, functions, authorizer)


@dataclass
class ProvisionedStack:
    model: StackModel
    queue_urls: dict[str, str]  # logical id -> URL
    table_name: str
    bus_names: dict[str, str]
    bucket_names: dict[str, str] = field(default_factory=dict)  # logical id -> bucket name

    def environment(self, function: str) -> dict[str, str]:
        """The function's environment with queue URLs filled in."""
        env = {}
        for k, v in self.model.functions[function].environment.items():
            for logical, url in self.queue_urls.items():
                name = self.model.resources[logical]["Properties"]["QueueName"]
                v = v.replace(f"__QUEUE_URL__{name}", url)
            env[k] = v
        return env

    def queue_arn(self, logical: str) -> str:
        return f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{self.model.resources[logical]['Properties']['QueueName']}"

    def dead_letter_queue(self, logical: str) -> str | None:
        """Logical id of the queue's DLQ (from its ``RedrivePolicy``), if it has one."""
        policy = self.model.resources[logical]["Properties"].get("RedrivePolicy")
        if not policy:
            return None
        target = policy["deadLetterTargetArn"]
        return next((other for other in self.queue_urls if self.queue_arn(other) == target), None)

    def common_environment(self) -> dict[str, str]:
        """Variables every function has with the same value (today: all of them, from Globals)."""
        envs = [self.environment(name) for name in self.model.functions]
        if not envs:
            return {}
        return {k: v for k, v in envs[0].items() if all(env.get(k) == v for env in envs[1:])}

    def union_environment(self) -> dict[str, str]:
        env: dict[str, str] = {}
        for name in self.model.functions:
            env.update(self.environment(name))
        return env


def provision(model: StackModel, *, dynamodb: Any, sqs: Any, events: Any, s3: Any = None) -> ProvisionedStack:
    """Create the template's table, queues (DLQs first), buses and buckets through the given
    clients (``s3`` is required when the template has buckets)."""
    table_name = ""
    for props in (r["Properties"] for r in model.of_type("AWS::DynamoDB::Table").values()):
        table_name = props["TableName"]
        request: dict[str, Any] = {
            "TableName": table_name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if props.get("GlobalSecondaryIndexes"):
            request["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        dynamodb.create_table(**request)
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=table_name, TimeToLiveSpecification=ttl)
    queues = model.of_type("AWS::SQS::Queue")
    urls: dict[str, str] = {}
    ordered = sorted(queues, key=lambda k: "RedrivePolicy" in queues[k]["Properties"])
    for logical in ordered:
        props = queues[logical]["Properties"]
        attributes = {}
        if "VisibilityTimeout" in props:
            attributes["VisibilityTimeout"] = str(props["VisibilityTimeout"])
        if "MessageRetentionPeriod" in props:
            attributes["MessageRetentionPeriod"] = str(props["MessageRetentionPeriod"])
        if "RedrivePolicy" in props:
            import json

            attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
        urls[logical] = sqs.create_queue(QueueName=props["QueueName"], Attributes=attributes)["QueueUrl"]
    buses = {}
    for logical, resource in model.of_type("AWS::Events::EventBus").items():
        name = resource["Properties"]["Name"]
        events.create_event_bus(Name=name)
        buses[logical] = name
    buckets = _provision_buckets(model, s3)
    return ProvisionedStack(model, urls, table_name, buses, buckets)


def _provision_buckets(model: StackModel, s3: Any) -> dict[str, str]:
    """Each ``AWS::S3::Bucket`` with its encryption, public access block and lifecycle."""
    resources = model.of_type("AWS::S3::Bucket")
    if resources and s3 is None:
        raise ValueError("the template has S3 buckets: provision() needs an s3 client")
    names: dict[str, str] = {}
    for logical, resource in resources.items():
        props = resource["Properties"]
        name = props["BucketName"]
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        if "BucketEncryption" in props:
            rules = [
                {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}  # CFN → API name
                for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            ]
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
            )
        lifecycle = props.get("LifecycleConfiguration", {}).get("Rules", [])
        if lifecycle:
            s3.put_bucket_lifecycle_configuration(
                Bucket=name, LifecycleConfiguration={"Rules": [_lifecycle_rule(rule) for rule in lifecycle]}
            )
        names[logical] = name
    return names


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule in the S3 API's shape."""
    out: dict[str, Any] = {"ID": rule.get("Id", "rule"), "Status": rule["Status"], "Filter": {"Prefix": ""}}
    if "ExpirationInDays" in rule:
        out["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    abort = rule.get("AbortIncompleteMultipartUpload")
    if abort:
        out["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": int(abort["DaysAfterInitiation"])}
    return out
