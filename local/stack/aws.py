"""Embedded AWS for the local stack: moto's server on 127.0.0.1, provisioned from the template.

:class:`EmbeddedAws` starts a ``ThreadedMotoServer`` (on the requested port, or a free one when
that port is busy), hands out boto3 clients pointed at it, and :meth:`EmbeddedAws.provision`
creates every table, queue, DLQ, bus and bucket of ``template.yaml`` through
:func:`local.stack.template.provision` — the only place resources are defined.

:func:`local_environment` is what the functions' process needs to talk to it: the endpoint,
fake credentials, the region and Powertools switches for local use.
"""

from __future__ import annotations

import errno
import logging
import socket
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from local.stack.moto_patches import item_level_transaction_rollback
from local.stack.template import REGION, ProvisionedStack, StackModel, provision

#: Environment for any process that runs the functions locally (the endpoint comes on top).
BASE_ENV = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_DEV": "false",
    "SHOPHUB_ALLOW_LOCAL_SHOPS": "true",
}


def local_environment(endpoint: str, *, allow_local_shops: bool = True) -> dict[str, str]:
    """Variables that point every boto3 client of the process at the embedded AWS.
    ``allow_local_shops=False`` keeps the URL guard on (``http://127.0.0.1`` shops refused)."""
    return {
        **BASE_ENV,
        "AWS_ENDPOINT_URL": endpoint,
        "SHOPHUB_ALLOW_LOCAL_SHOPS": "true" if allow_local_shops else "false",
    }


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen on ``host:port`` now (as the servers do, with SO_REUSEADDR,
    so a closed connection lingering in TIME_WAIT does not count as busy)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class EmbeddedAws:
    """moto's server in a background thread.

    ``port=0`` picks a free port; a busy ``port`` falls back to a free one unless ``strict``.
    moto keeps its state per process, so :meth:`start` resets it: every start is an empty AWS.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 4566, *, strict: bool = False) -> None:
        self.host = host
        self.requested_port = port
        self.strict = strict
        self.port: int | None = None
        self._server: ThreadedMotoServer | None = None
        self._patches: ExitStack | None = None

    @property
    def endpoint(self) -> str:
        if self.port is None:
            raise RuntimeError("the embedded AWS is not running")
        return f"http://{self.host}:{self.port}"

    @property
    def port_changed(self) -> bool:
        """True when the requested port was busy and another one was used."""
        return self.requested_port not in (0, self.port)

    def start(self) -> str:
        port = self.requested_port
        # ThreadedMotoServer waits forever when its port cannot be bound: check first.
        if port and not port_is_free(self.host, port):
            if self.strict:
                raise OSError(errno.EADDRINUSE, f"port {port} on {self.host} is in use")
            port = 0
        if port == 0:
            port = free_port(self.host)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per AWS request
        server = ThreadedMotoServer(ip_address=self.host, port=port, verbose=False)
        self._patches = ExitStack()
        self._patches.enter_context(item_level_transaction_rollback())
        server.start()
        self._server = server
        self.port = int(server.get_host_and_port()[1])
        self.reset()
        return self.endpoint

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._patches is not None:
            self._patches.close()
            self._patches = None

    def reset(self) -> None:
        """Forget every resource (moto's state lives in the process, not in the server)."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()

    def client(self, service: str) -> Any:
        # any service, named at run time (the boto3 stubs type clients by a literal name)
        make_client: Callable[..., Any] = boto3.client
        return make_client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=BASE_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=BASE_ENV["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=BASE_ENV["AWS_SESSION_TOKEN"],
        )

    def provision(self, model: StackModel) -> ProvisionedStack:
        """Create the template's table, queues (with DLQs), buses and buckets on this server."""
        return provision(
            model,
            dynamodb=self.client("dynamodb"),
            sqs=self.client("sqs"),
            events=self.client("events"),
            s3=self.client("s3"),
        )

    def __enter__(self) -> EmbeddedAws:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
