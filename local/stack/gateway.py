"""A local HTTP API (API Gateway v2) in front of the template's functions.

Routes come from the template's ``HttpApi`` events; the most specific route wins as in API
Gateway (static segments beat ``{param}``, which beats ``{proxy+}``). A path that matches no
route answers in the API's error shape (API.md), in the language of ``Accept-Language``: 404
``not_found``, or 405 ``method_not_allowed`` with an ``Allow`` header when the path has routes
for other methods (API Gateway itself would answer ``404 {"message":"Not Found"}`` for both; the
functions answer the same way for a route they do not serve). For routes with the default
authorizer, the authorizer function runs first with a REQUEST authorizer event (payload 2.0,
simple responses): ``isAuthorized`` false → ``403 {"message":"Forbidden"}``, true → its
``context`` becomes ``requestContext.authorizer.lambda`` of the route's event. The route's function gets a real
payload 2.0 event and its answer is written back (status, headers, multi-value headers,
cookies, base64 bodies). A handler or authorizer that raises, or answers something API Gateway
cannot use, is ``500 {"message":"Internal Server Error"}`` with the traceback on stderr.
With a :class:`~local.stack.panel.PanelFiles`, ``GET /panel/...`` serves the merchant panel's
built files (same origin as the API, as CloudFront does deployed).
"""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from local.stack.events import authorizer_event, http_api_event
from local.stack.panel import PanelFiles, is_panel_path
from local.stack.runtime import FunctionUnavailable, Invoker
from local.stack.template import HttpRoute, StackModel

FORBIDDEN = (403, {"message": "Forbidden"})
INTERNAL_ERROR = (500, {"message": "Internal Server Error"})


@dataclass(frozen=True)
class RouteMatch:
    route: HttpRoute
    path_parameters: dict[str, str]

    @property
    def route_key(self) -> str:
        return f"{self.route.method} {self.route.path}"


def _segment_rank(segment: str) -> int:
    if segment.startswith("{") and segment.endswith("+}"):
        return 2
    if segment.startswith("{") and segment.endswith("}"):
        return 1
    return 0


class Router:
    """Matches ``METHOD /raw/path`` to a route the way an HTTP API does."""

    def __init__(self, routes: list[HttpRoute]) -> None:
        def specificity(route: HttpRoute) -> tuple[Any, ...]:
            ranks = tuple(_segment_rank(s) for s in route.path.strip("/").split("/"))
            return (ranks, route.method == "ANY")

        self.routes = sorted(routes, key=specificity)

    def match(self, method: str, raw_path: str) -> RouteMatch | None:
        method = method.upper()
        for route in self.routes:
            if route.method not in (method, "ANY"):
                continue
            found = route.pattern.match(raw_path)
            if found:
                return RouteMatch(route, {k: unquote(v) for k, v in found.groupdict().items()})
        return None

    def methods_for(self, raw_path: str) -> list[str]:
        """The methods that have a route for this path (sorted; empty: no route at all)."""
        return sorted({route.method for route in self.routes if route.pattern.match(raw_path)})


@dataclass
class GatewayAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _json_answer(status: int, body: Any) -> GatewayAnswer:
    return GatewayAnswer(status, [("content-type", "application/json")], json.dumps(body).encode())


def _no_route_answer(method: str, raw_path: str, allowed: list[str], headers: list[tuple[str, str]]) -> GatewayAnswer:
    """404 ``not_found`` or 405 ``method_not_allowed`` in the API's error shape and language."""
    # imported here: ``shared/`` is put on sys.path when the stack starts (runtime.ensure_import_paths)
    from shophub.errors import MethodNotAllowedError, NotFoundError, ShopHubError
    from shophub.http import error_body
    from shophub.i18n import pick_language

    language = pick_language(next((value for name, value in headers if name.lower() == "accept-language"), None))
    error: ShopHubError
    if allowed:
        error = MethodNotAllowedError(f"{method} {raw_path}")
    else:
        error = NotFoundError("route", message_key="route_not_found")
    body = json.dumps(error_body(error, language), ensure_ascii=False).encode()
    answer_headers = [("content-type", "application/json")]
    if allowed:
        answer_headers.append(("allow", ", ".join(allowed)))
    return GatewayAnswer(error.status, answer_headers, body)


class Gateway:
    """The HTTP API: :meth:`handle` turns a request into an answer; :meth:`start` serves it."""

    def __init__(
        self,
        model: StackModel,
        invoker: Invoker,
        *,
        host: str = "127.0.0.1",
        port: int = 3000,
        access_log: Callable[[str], None] | None = None,
        error_log: Callable[[str], None] | None = None,
        panel: PanelFiles | None = None,
    ) -> None:
        self.model = model
        self.panel = panel
        self.invoker = invoker
        self.router = Router(model.routes)
        self.host = host
        self.port = port
        self.access_log = access_log
        self.error_log = error_log or (lambda text: print(text, file=sys.stderr, flush=True))
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- serving --------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> str:
        """Bind (``port=0`` picks a free port) and serve in a background thread; returns the URL."""
        gateway = self

        class RequestHandler(_RequestHandler):
            pass

        RequestHandler.gateway = gateway
        server = ThreadingHTTPServer((self.host, self.port), RequestHandler)
        server.daemon_threads = True
        self._server = server
        self.port = int(server.server_address[1])
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="gateway", daemon=True
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    # --- one request ----------------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, source_ip: str = "127.0.0.1"
    ) -> GatewayAnswer:
        parts = urlsplit(target)
        raw_path = parts.path or "/"
        if self.panel is not None and method.upper() in ("GET", "HEAD") and is_panel_path(raw_path):
            static = self.panel.answer(raw_path)
            return GatewayAnswer(static.status, static.headers, static.body)
        match = self.router.match(method, raw_path)
        if match is None:
            return _no_route_answer(method.upper(), raw_path, self.router.methods_for(raw_path), headers)
        joined: dict[str, str] = {}
        for name, value in headers:
            key = name.lower()
            joined[key] = f"{joined[key]},{value}" if key in joined else value
        function = match.route.function
        try:
            context = None
            if not match.route.public and self.model.authorizer:
                function = self.model.authorizer
                decision = self._authorize(joined, match, raw_path)
                if decision is None:
                    return _json_answer(*FORBIDDEN)
                context = decision
                function = match.route.function
            event = http_api_event(
                method.upper(),
                raw_path,
                query=parts.query,
                headers=joined,
                body=body or None,
                route_key=match.route_key,
                path_parameters=match.path_parameters or None,
                authorizer_context=context,
                source_ip=source_ip,
            )
            result = self.invoker.invoke(match.route.function, event)
            return self._answer(result)
        except Exception as exc:
            self._report(function, exc)
            return _json_answer(*INTERNAL_ERROR)

    def _authorize(self, headers: dict[str, str], match: RouteMatch, raw_path: str) -> dict[str, Any] | None:
        """The authorizer's context, or ``None`` when it refuses; raises on a bad answer."""
        assert self.model.authorizer is not None
        result = self.invoker.invoke(self.model.authorizer, authorizer_event(headers, match.route_key, raw_path))
        if not isinstance(result, dict) or not isinstance(result.get("isAuthorized"), bool):
            raise ValueError(f"authorizer answered {type(result).__name__} without a boolean isAuthorized")
        if not result["isAuthorized"]:
            return None
        context = result.get("context") or {}
        if not isinstance(context, dict):
            raise ValueError("authorizer context is not an object")
        return context

    def _answer(self, result: Any) -> GatewayAnswer:
        if not (isinstance(result, dict) and "statusCode" in result):
            # Payload 2.0: a JSON answer without statusCode is a 200 with the answer as body.
            return GatewayAnswer(200, [("content-type", "application/json")], json.dumps(result).encode())
        status = int(result["statusCode"])
        if not 100 <= status <= 599:
            raise ValueError(f"invalid statusCode {status}")
        headers: list[tuple[str, str]] = []
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers.extend((str(name), str(v)) for v in values)
        for name, value in (result.get("headers") or {}).items():
            headers.append((str(name), str(value)))
        headers.extend(("set-cookie", str(cookie)) for cookie in result.get("cookies") or [])
        raw = result.get("body")
        if raw is None:
            payload = b""
        elif not isinstance(raw, str):
            raise ValueError(f"body is {type(raw).__name__}, not a string")
        elif result.get("isBase64Encoded"):
            payload = base64.b64decode(raw)
        else:
            payload = raw.encode("utf-8")
        return GatewayAnswer(status, headers, payload)

    def _report(self, function: str, exc: BaseException) -> None:
        if isinstance(exc, FunctionUnavailable):
            self.error_log(f"[gateway] {function} is not available: {exc}")
            return
        text = "".join(traceback.format_exception(exc))
        self.error_log(f"[gateway] {function} failed:\n{text.rstrip()}")


class _RequestHandler(BaseHTTPRequestHandler):
    gateway: Gateway
    protocol_version = "HTTP/1.1"
    server_version = "ShopHubLocalGateway"
    sys_version = ""

    def _serve(self) -> None:
        started = time.perf_counter()
        body = self._read_body()
        answer = self.gateway.handle(self.command, self.path, list(self.headers.items()), body, self.client_address[0])
        self.send_response(answer.status)
        sent = {name.lower() for name, _ in answer.headers}
        for name, value in answer.headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        if "apigw-requestid" not in sent:
            self.send_header("apigw-requestid", uuid.uuid4().hex[:16])
        self.send_header("content-length", str(len(answer.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)
        if self.gateway.access_log:
            took = (time.perf_counter() - started) * 1000
            self.gateway.access_log(f"{self.command} {self.path} {answer.status} {took:.0f} ms")

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the gateway writes its own access log when asked to."""
