"""The simulator as an HTTP server: ``ShopSimulator`` wires data, webservice, log and faults."""

from __future__ import annotations

import contextlib
import gc
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType, TracebackType
from typing import Any
from urllib.parse import urlsplit

from local.prestashop.data import Clock, ShopData
from local.prestashop.demo import load_demo
from local.prestashop.generator import build_fixture, build_generated
from local.prestashop.instrumentation import (
    FAULT_KINDS,
    Fault,
    FaultPlan,
    FaultRule,
    RequestLog,
    RequestRecord,
)
from local.prestashop.messy import build_messy
from local.prestashop.resources import ALL_METHODS, CATALOGUE_NAMES
from local.prestashop.webservice import Webservice, WsRequest, WsResponse, all_permissions

HTML = ("Content-Type", "text/html; charset=UTF-8")
# "generated": a clean catalogue of any size; "fixture": the records of the recorded requests;
# "demo": the recorded demo shop; "messy": the demo shop plus a generated real-world mess (messy.py).
DATASETS: tuple[str, ...] = ("generated", "fixture", "demo", "messy")
FAULT_PAGES: dict[str, tuple[int, str]] = {
    "500": (
        500,
        "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>"
        "<body><h1>Internal Server Error</h1><p>The server encountered an internal error.</p></body></html>\n",
    ),
    "503": (
        503,
        "<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head>"
        "<body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your request."
        "</p></body></html>\n",
    ),
    "429": (
        429,
        "<!DOCTYPE html>\n<html><head><title>429 Too Many Requests</title></head>"
        "<body><h1>Too Many Requests</h1></body></html>\n",
    ),
    "html": (
        200,
        '<!DOCTYPE html>\n<html lang="en"><head><title>Just a moment...</title></head>'
        "<body><h1>Checking your browser before accessing the shop.</h1>"
        "<p>This process is automatic. Your browser will redirect to your requested content shortly.</p>"
        "</body></html>\n",
    ),
}


@dataclass(frozen=True)
class SimulatorConfig:
    """How the simulated shop starts: ``dataset`` is one of DATASETS.

    ``products``, ``combinations``, ``orders`` and ``customers`` size "generated" and the part
    "messy" adds to the demo shop; "fixture" and "demo" ignore them.
    """

    key: str = "SHOPHUBSIMULATORKEY0000000000001"
    products: int = 20
    combinations: int = 3
    orders: int = 10
    seed: int = 1
    latency_ms: float = 0
    fault_rate: float = 0.0
    fault_kinds: tuple[str, ...] = FAULT_KINDS
    timezone: str = "Europe/Warsaw"
    version: str = "8.1.2"
    port: int = 0
    host: str = "127.0.0.1"
    dataset: str = "generated"
    customers: int | None = None
    shop_name: str | None = None
    fault_seed: int | None = None
    timeout_hang_s: float = 5.0


def build_dataset(data: ShopData, config: SimulatorConfig) -> str:
    """Fill ``data`` with the configured dataset; returns the shop's name."""
    if config.dataset == "fixture":
        shop_name = config.shop_name or "RealShop"
        build_fixture(data, shop_name=shop_name)
        return shop_name
    if config.dataset == "demo":
        return load_demo(data, config.shop_name)
    if config.dataset == "messy":
        return build_messy(
            data,
            products=config.products,
            combinations=config.combinations,
            orders=config.orders,
            customers=config.customers,
            seed=config.seed,
            shop_name=config.shop_name,
        )
    shop_name = config.shop_name or "ShopHub Demo"
    build_generated(
        data,
        products=config.products,
        combinations=config.combinations,
        orders=config.orders,
        customers=config.customers,
        seed=config.seed,
        shop_name=shop_name,
    )
    return shop_name


def serve_until_stopped(stop: Callable[[], None]) -> None:
    """Block until SIGTERM or Ctrl-C (the servers run in their own threads), then ``stop()``."""
    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        stop()


class ShopHTTPServer(ThreadingHTTPServer):
    """A thread per connection; every request goes to ``dispatch`` (one shop, or a fleet of them)."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], dispatch: Callable[[ShopRequestHandler], None]) -> None:
        self.dispatch = dispatch
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, ShopRequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up before its answer was written (it gave up waiting, as a hub
        that spent its time budget on a slow shop does) is not an error of the shop's."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)

    def stop_serving(self) -> None:
        """Stop accepting, close the socket and cut every open connection (hanging requests too)."""
        self.shutdown()
        self.server_close()
        with self.connections_lock:
            open_connections = list(self.connections)
        for connection in open_connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class ShopRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections are closed after this many seconds
    server: ShopHTTPServer

    def setup(self) -> None:
        super().setup()
        # headers and body leave in separate writes; without this Nagle's algorithm and delayed
        # ACKs add ~40 ms to every small answer
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def _serve(self) -> None:
        self.server.dispatch(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:
        return


class ShopSimulator:
    """A PrestaShop 8.1 webservice on 127.0.0.1, in a daemon thread or as a process.

    >>> with ShopSimulator(SimulatorConfig(products=5, orders=2)) as sim:
    ...     base_url = sim.url  # "http://127.0.0.1:PORT"; the key is sim.config.key
    """

    def __init__(self, config: SimulatorConfig | None = None, clock: Clock | None = None) -> None:
        self.config = config = config or SimulatorConfig()
        if config.dataset not in DATASETS:
            raise ValueError(f"unknown dataset {config.dataset!r} (one of {', '.join(DATASETS)})")
        self.data = ShopData(clock, config.timezone, config.seed)
        collecting = gc.isenabled()
        gc.disable()  # hundreds of thousands of new dicts: collection passes would only cost time
        try:
            shop_name = build_dataset(self.data, config)
        finally:
            if collecting:
                gc.enable()
        self.webservice = Webservice(self.data, version=config.version, shop_name=shop_name)
        self.add_key(config.key)
        self._log = RequestLog()
        self._faults = FaultPlan(
            config.fault_rate, config.fault_kinds, config.seed if config.fault_seed is None else config.fault_seed
        )
        self._latency_ms = float(config.latency_ms)
        self.timeout_hang_s = config.timeout_hang_s
        self._stopping = threading.Event()
        self._server: ShopHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> str:
        """Bind and serve in a daemon thread; returns the base URL ``http://127.0.0.1:PORT``."""
        if self._server is not None:
            return self.url
        self._stopping.clear()
        self._server = ShopHTTPServer((self.config.host, self.config.port), self._serve)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="prestashop-simulator", daemon=True
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving; returns promptly even while a ``timeout`` fault or latency is sleeping."""
        server, self._server = self._server, None
        self._stopping.set()  # also releases requests served through serve_http() without start()
        if server is None:
            return
        server.stop_serving()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the simulator is not running; call start() first")
        port = self._server.server_address[1]
        return f"http://{self.config.host}:{port}"

    @property
    def key(self) -> str:
        return self.config.key

    def __enter__(self) -> ShopSimulator:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------- switches
    @property
    def webservice_enabled(self) -> bool:
        return self.webservice.enabled

    @webservice_enabled.setter
    def webservice_enabled(self, value: bool) -> None:
        self.webservice.enabled = bool(value)

    @property
    def waf_blocks_put_patch(self) -> bool:
        return self.webservice.waf_blocks_put_patch

    @waf_blocks_put_patch.setter
    def waf_blocks_put_patch(self, value: bool) -> None:
        self.webservice.waf_blocks_put_patch = bool(value)

    @property
    def version(self) -> str:
        return self.webservice.version

    @version.setter
    def version(self, value: str) -> None:
        self.webservice.version = value

    def add_key(self, key: str, permissions: Mapping[str, Iterable[str]] | None = None) -> None:
        """Register a key: ``{"orders": {"GET", "HEAD"}, ...}``, or every resource and method (None)."""
        if permissions is None:
            self.webservice.keys[key] = all_permissions()
            return
        granted = {}
        for resource, methods in permissions.items():
            if resource not in CATALOGUE_NAMES:
                raise ValueError(f"unknown resource {resource!r}")
            upper = {m.upper() for m in methods}
            if not upper <= ALL_METHODS:
                raise ValueError(f"unknown methods {sorted(upper - ALL_METHODS)}")
            if upper:
                granted[resource] = upper
        self.webservice.keys[key] = granted

    def remove_key(self, key: str) -> None:
        self.webservice.keys.pop(key, None)

    def set_latency(self, ms: float) -> None:
        """Added delay before every request is handled (0 turns it off)."""
        self._latency_ms = max(0.0, float(ms))

    @property
    def latency_ms(self) -> float:
        return self._latency_ms

    def inject_fault(
        self,
        kind: str,
        count: int = 1,
        method: str | None = None,
        path_prefix: str | None = None,
        apply_first: bool = False,
    ) -> None:
        """Fail the next ``count`` matching requests with ``kind``.

        ``method`` matches the HTTP method or the ``ps_method`` override; ``path_prefix`` matches the
        request path (``"stock_availables"`` means ``"/api/stock_availables"``). With
        ``apply_first`` the request is processed (a write is saved) before the fault replaces the
        answer; otherwise a faulted request changes nothing.
        """
        self._faults.inject(FaultRule(kind, count, method, path_prefix, apply_first))

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def pending_faults(self) -> int:
        return self._faults.pending

    def set_fault_rate(self, rate: float, seed: int | None = None, kinds: Iterable[str] | None = None) -> None:
        """Random faults for a share of requests, reproducible from ``seed`` (default: config seed)."""
        self._faults.set_rate(
            rate,
            tuple(kinds) if kinds is not None else self._faults.kinds,
            self.config.seed if seed is None else seed,
        )

    # ---------------------------------------------------------------- request log
    @property
    def requests(self) -> list[RequestRecord]:
        return self._log.snapshot()

    @property
    def request_count(self) -> int:
        return len(self._log)

    def count(self, method: str | None = None, path_prefix: str | None = None, status: int | None = None) -> int:
        """How many logged requests match (``method`` compares the effective method)."""
        prefix = path_prefix if path_prefix is None or path_prefix.startswith("/") else "/api/" + path_prefix
        return sum(
            1
            for r in self._log.snapshot()
            if (method is None or r.effective_method == method.upper())
            and (prefix is None or r.path.startswith(prefix))
            and (status is None or r.status == status)
        )

    def reset_requests(self) -> None:
        self._log.clear()

    # ------------------------------------------------------------------- serving
    def _serve(self, handler: ShopRequestHandler) -> None:
        split = urlsplit(handler.path)
        host = handler.headers.get("Host")
        self.serve_http(handler, split.path, split.query, f"http://{host}" if host else self.url)

    def serve_http(self, handler: ShopRequestHandler, path: str, query: str, base_url: str) -> None:
        """Answer one HTTP request as this shop, at ``path`` (``/api/...``) of ``base_url``.

        ``base_url`` is the shop's address as the client reached it (``http://host:port``, or with
        a path prefix when a fleet serves the shop); the answer's links point below it.
        """
        started = time.perf_counter()
        wall = time.time()
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length > 0 else b""
        headers = {k.lower(): v for k, v in handler.headers.items()}
        request = WsRequest(handler.command, path, query, headers, body)
        if self._latency_ms:
            self._stopping.wait(self._latency_ms / 1000)
        override = request.params.get("ps_method", "").upper() if request.method == "POST" else ""
        effective = override if override in ALL_METHODS else request.method
        fault = self._faults.pick((request.method, effective), path)
        response: WsResponse | None
        applied = True
        if fault is None:
            response = self._handle(request, base_url)
        elif fault.apply_first:
            response = self._faulted(fault, self._handle(request, base_url))
        else:
            applied = fault.kind == "truncated" and effective in ("GET", "HEAD")
            real = self._handle(request, base_url) if applied else None
            response = self._faulted(fault, real)
        self._log.append(
            RequestRecord(
                method=request.method,
                path=path,
                query=query,
                status=response.status if response else 0,
                effective_method=effective,
                resource=self._resource_of(path),
                fault=fault.kind if fault else None,
                applied=applied,
                body=body,
                started_at=wall,
                duration_ms=(time.perf_counter() - started) * 1000,
            )
        )
        if response is None:  # a hang: keep the client waiting, then drop the connection
            self._stopping.wait(self.timeout_hang_s)
            handler.close_connection = True
            return
        self._write(handler, response)

    def _handle(self, request: WsRequest, base_url: str) -> WsResponse:
        try:
            return self.webservice.handle(request, base_url)
        except Exception as exc:
            # a bug of the simulator, not a PrestaShop behaviour: answer loudly instead of hanging up
            detail = "".join(traceback.format_exception(exc)).encode()
            return WsResponse(500, [("Content-Type", "text/plain; charset=utf-8")], b"simulator error\n" + detail)

    @staticmethod
    def _resource_of(path: str) -> str | None:
        parts = [p for p in path.split("/") if p]
        return parts[1] if len(parts) > 1 and parts[0] == "api" else None

    def _faulted(self, fault: Fault, real: WsResponse | None) -> WsResponse | None:
        if fault.kind == "timeout":
            return None
        if fault.kind == "truncated":
            if real is None or not real.body:
                placeholder = (
                    '<?xml version="1.0" encoding="UTF-8"?>\n'
                    '<prestashop xmlns:xlink="http://www.w3.org/1999/xlink">\n<errors>\n</errors>\n</prestashop>\n'
                )
                headers = [("X-Powered-By", "PrestaShop Webservice"), ("Content-type", "text/xml;charset=utf-8")]
                real = WsResponse(200, headers, placeholder.encode())
            return WsResponse(real.status, real.headers, real.body[: max(1, len(real.body) // 2)])
        status, page = FAULT_PAGES[fault.kind]
        headers = [HTML]
        if fault.kind == "429":
            headers.append(("Retry-After", "1"))
        return WsResponse(status, headers, page.encode())

    @staticmethod
    def _write(handler: ShopRequestHandler, response: WsResponse) -> None:
        handler.send_response(response.status)
        for name, value in response.headers:
            handler.send_header(name, value)
        if handler.command != "HEAD":
            handler.send_header("Content-Length", str(len(response.body)))
        handler.end_headers()
        if response.body and handler.command != "HEAD":
            handler.wfile.write(response.body)
