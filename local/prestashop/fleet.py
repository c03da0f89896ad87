"""Many simulated PrestaShop shops behind one HTTP server (one port): ``ShopFleet``.

Shop ``n`` (1..N) answers at ``http://127.0.0.1:PORT/s/<n>/api/...`` exactly as a single
simulator answers at ``/api/...``: every shop is a :class:`ShopSimulator` (its own data,
webservice, keys, request log, latency and faults) that is never started on a port of its own;
the fleet's server strips ``/s/<n>`` and hands the request to that shop's ``serve_http``. The
answers' links point below ``/s/<n>``, so a client follows them back to the same shop.

Each shop's catalogue is the "generated" dataset with its own seed (``seed + n - 1``): by default
25 products x 4 combinations = 100 variants (each combination is a variant with its own reference
and EAN; with ``combinations=0`` every product is one variant), 5 orders. A shop is built on its
first request (about 3.5 ms and 0.45 MB for 100 variants), so 500 shops start at once;
:meth:`ShopFleet.build_all` builds them up front.

The key of shop ``n`` is ``SHOPHUBFLEET`` followed by ``n`` in 20 digits (:func:`fleet_key`); a
key of one shop is unknown to every other shop (401 there).

A dead shop (``down``):

* ``refuse``: the request is read and the connection closed without an answer. A refused TCP
  connection is impossible on a port the other shops share; an HTTP status (even a bare 503) would
  be an answer from a running web server, which the hub reads as the shop's reply. A connection
  that ends without any answer is, like a refused one, a transport failure: the hub sees it as an
  unreachable shop.
* ``timeout``: the request is read and never answered; the connection is held until the client
  gives up (closes it), the fleet stops or ``max_hang_s`` passes, then closed. No thread is held
  longer than ``max_hang_s``.

Per-shop latency (ms added to every request) and fault rate are the single simulator's own
(``set_latency``, ``set_fault_rate``; a latency sleep holds no lock shared with other shops).
Requests are counted per shop: those a shop served (its request log) plus those it met while down.

Control API (JSON) on the same port, usable while the fleet serves:

* ``GET /fleet``: shops, shops built so far, URL pattern, total requests;
* ``GET /fleet/shops/<n>``: the shop's URL, key, latency, fault rate, down mode and request counts;
* ``POST /fleet/shops/<n>`` ``{"latency_ms": 50, "fault_rate": 0.1, "down": "refuse"}``: change
  any of them (``"down": null`` brings the shop back); answers the new state;
* ``GET /fleet/requests``: ``{"total": T, "shops": {"<n>": count}}`` for shops with requests;
* ``POST /fleet/requests/reset``: forget every shop's requests.

``python -m local.prestashop.fleet --shops 500 --variants 100 --port 8090`` serves a fleet.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import re
import selectors
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from local.prestashop.server import (
    ShopHTTPServer,
    ShopRequestHandler,
    ShopSimulator,
    SimulatorConfig,
    serve_until_stopped,
)

DOWN_MODES: tuple[str, ...] = ("refuse", "timeout")
KEY_PREFIX = "SHOPHUBFLEET"
SETTINGS = ("latency_ms", "fault_rate", "down")
_SHOP_PATH = re.compile(r"/s/([0-9]{1,9})(/.*)?")
_SHOP_ROUTE = re.compile(r"/fleet/shops/([0-9]{1,9})")
_HANG_POLL_S = 0.25


def fleet_key(n: int) -> str:
    """The webservice key of shop ``n``: 32 characters, as PrestaShop keys are."""
    return f"{KEY_PREFIX}{n:020d}"


@dataclass(frozen=True)
class FleetConfig:
    """How many shops, and how each one starts (every shop alike but for its seed and key).

    ``orders`` and ``customers`` size each shop's history; ``latency_ms`` and ``fault_rate`` are
    every shop's initial values; ``max_hang_s`` bounds how long a ``timeout`` shop (or a
    ``timeout`` fault) holds a request.
    """

    shops: int = 2
    products: int = 25
    combinations: int = 4
    orders: int = 5
    customers: int | None = None
    seed: int = 1
    latency_ms: float = 0.0
    fault_rate: float = 0.0
    max_hang_s: float = 30.0
    host: str = "127.0.0.1"
    port: int = 0

    @property
    def variants(self) -> int:
        return self.products * max(self.combinations, 1)

    def shop_config(self, n: int) -> SimulatorConfig:
        """The configuration of shop ``n`` (its own seed and key)."""
        return SimulatorConfig(
            key=fleet_key(n),
            products=self.products,
            combinations=self.combinations,
            orders=self.orders,
            customers=self.customers,
            seed=self.seed + n - 1,
            latency_ms=self.latency_ms,
            fault_rate=self.fault_rate,
            host=self.host,
            dataset="generated",
            shop_name=f"Fleet Shop {n}",
            timeout_hang_s=self.max_hang_s,
        )


def products_for(variants: int, combinations: int) -> int:
    """Products needed for at least ``variants`` variants with ``combinations`` per product."""
    return math.ceil(variants / combinations) if combinations > 0 else variants


class _FleetShop:
    """One shop of the fleet: its settings, built lazily into a ShopSimulator."""

    def __init__(self, number: int, config: SimulatorConfig) -> None:
        self.number = number
        self.config = config
        self.latency_ms = float(config.latency_ms)
        self.fault_rate = float(config.fault_rate)
        self.down: str | None = None
        self.down_requests = 0
        self._lock = threading.Lock()
        self._simulator: ShopSimulator | None = None

    @property
    def built(self) -> ShopSimulator | None:
        return self._simulator

    def simulator(self) -> ShopSimulator:
        """The shop, built on first use (other shops' requests do not wait for the build)."""
        simulator = self._simulator
        if simulator is not None:
            return simulator
        with self._lock:
            if self._simulator is None:
                config = dataclasses.replace(self.config, latency_ms=self.latency_ms, fault_rate=self.fault_rate)
                self._simulator = ShopSimulator(config)
            return self._simulator

    def apply(self, changes: Mapping[str, Any]) -> None:
        """Set ``latency_ms``, ``fault_rate`` and ``down`` (already validated)."""
        with self._lock:
            simulator = self._simulator
            if "latency_ms" in changes:
                self.latency_ms = changes["latency_ms"]
                if simulator is not None:
                    simulator.set_latency(self.latency_ms)
            if "fault_rate" in changes:
                self.fault_rate = changes["fault_rate"]
                if simulator is not None:
                    simulator.set_fault_rate(self.fault_rate)
            if "down" in changes:
                self.down = changes["down"]

    def count_down_request(self) -> None:
        with self._lock:
            self.down_requests += 1

    @property
    def request_count(self) -> int:
        simulator = self._simulator
        return self.down_requests + (simulator.request_count if simulator is not None else 0)

    def reset_requests(self) -> None:
        with self._lock:
            self.down_requests = 0
            if self._simulator is not None:
                self._simulator.reset_requests()


def validate_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """``{"latency_ms", "fault_rate", "down"}`` checked and normalised; ValueError names the problem."""
    unknown = sorted(set(changes) - set(SETTINGS))
    if unknown:
        raise ValueError(f"unknown settings {unknown}; expected some of {list(SETTINGS)}")
    valid: dict[str, Any] = {}
    if "latency_ms" in changes:
        valid["latency_ms"] = _number(changes["latency_ms"], "latency_ms", 0.0, 3_600_000.0)
    if "fault_rate" in changes:
        valid["fault_rate"] = _number(changes["fault_rate"], "fault_rate", 0.0, 1.0)
    if "down" in changes:
        down = changes["down"]
        if down is False or down is None or down == "up":
            valid["down"] = None
        elif down in DOWN_MODES:
            valid["down"] = down
        else:
            raise ValueError(f"down must be null or one of {list(DOWN_MODES)}, not {down!r}")
    return valid


def _number(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValueError(f"{name} must be a number from {low:g} to {high:g}, not {value!r}")
    return float(value)


class _FleetHTTPServer(ShopHTTPServer):
    request_queue_size = 1024  # many clients connect at once; the default backlog of 5 drops SYNs


class ShopFleet:
    """N simulated PrestaShop shops on one port, each at ``/s/<n>``.

    >>> with ShopFleet(FleetConfig(shops=500)) as fleet:
    ...     url, key = fleet.shop_url(7), fleet.key(7)  # "http://127.0.0.1:PORT/s/7"
    ...     fleet.set_down(8, "timeout")

    ``shop_config`` gives shop ``n`` another configuration than ``config.shop_config(n)`` (another
    size, dataset or key).
    """

    def __init__(
        self, config: FleetConfig | None = None, *, shop_config: Callable[[int], SimulatorConfig] | None = None
    ) -> None:
        self.config = config = config or FleetConfig()
        if config.shops < 1:
            raise ValueError("a fleet has at least one shop")
        make = shop_config or config.shop_config
        self._shops = {n: _FleetShop(n, make(n)) for n in range(1, config.shops + 1)}
        self._stopping = threading.Event()
        self._server: ShopHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> str:
        """Bind and serve in a daemon thread; returns the base URL ``http://127.0.0.1:PORT``."""
        if self._server is not None:
            return self.url
        if self._stopping.is_set():
            raise RuntimeError("a stopped fleet does not start again; build a new ShopFleet")
        self._server = _FleetHTTPServer((self.config.host, self.config.port), self._dispatch)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="prestashop-fleet", daemon=True
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving; returns promptly even while shops sleep (latency) or hang (timeout)."""
        server, self._server = self._server, None
        self._stopping.set()
        if server is None:
            return
        for shop in self._shops.values():
            if (simulator := shop.built) is not None:
                simulator.stop()  # releases its latency sleeps and timeout faults
        server.stop_serving()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ShopFleet:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The fleet's base URL; shop ``n`` is ``{url}/s/{n}``."""
        if self._server is None:
            raise RuntimeError("the fleet is not running; call start() first")
        return f"http://{self.config.host}:{self._server.server_address[1]}"

    def build_all(self) -> None:
        """Build every shop now instead of on its first request."""
        for shop in self._shops.values():
            shop.simulator()

    @property
    def built_count(self) -> int:
        return sum(1 for shop in self._shops.values() if shop.built is not None)

    # ---------------------------------------------------------------------- shops
    @property
    def numbers(self) -> range:
        return range(1, self.config.shops + 1)

    def _shop(self, n: int) -> _FleetShop:
        try:
            return self._shops[n]
        except KeyError:
            raise KeyError(f"no shop {n} in a fleet of {self.config.shops}") from None

    def shop_url(self, n: int) -> str:
        """What a client connects to shop ``n`` with (its ``/api/`` is below)."""
        self._shop(n)
        return f"{self.url}/s/{n}"

    def key(self, n: int) -> str:
        return self._shop(n).config.key

    def shop(self, n: int) -> ShopSimulator:
        """Shop ``n`` (built if it was not yet): its data, keys, request log and fault injection."""
        return self._shop(n).simulator()

    def set_latency(self, n: int, ms: float) -> None:
        self.configure(n, {"latency_ms": ms})

    def set_fault_rate(self, n: int, rate: float) -> None:
        self.configure(n, {"fault_rate": rate})

    def set_down(self, n: int, mode: str | None) -> None:
        """``"refuse"`` or ``"timeout"`` takes shop ``n`` down; None brings it back."""
        self.configure(n, {"down": mode})

    def configure(self, n: int, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Change shop ``n``'s ``latency_ms``, ``fault_rate`` and ``down``; returns its state."""
        shop = self._shop(n)
        shop.apply(validate_changes(changes))
        return self.state(n)

    def state(self, n: int) -> dict[str, Any]:
        shop = self._shop(n)
        simulator = shop.built
        records = simulator.requests if simulator is not None else []
        return {
            "shop": n,
            "url": f"{self.url}/s/{n}" if self._server is not None else None,
            "key": shop.config.key,
            "latency_ms": shop.latency_ms,
            "fault_rate": shop.fault_rate,
            "down": shop.down,
            "built": simulator is not None,
            "requests": shop.down_requests + len(records),
            "down_requests": shop.down_requests,
            "by_method": dict(Counter(r.effective_method for r in records)),
        }

    # ------------------------------------------------------------------- requests
    def request_count(self, n: int) -> int:
        """Requests shop ``n`` received: served ones plus those it met while down."""
        return self._shop(n).request_count

    def request_counts(self) -> dict[int, int]:
        """Requests per shop, for the shops that received any."""
        counts = {n: shop.request_count for n, shop in self._shops.items()}
        return {n: count for n, count in counts.items() if count}

    def reset_requests(self, n: int | None = None) -> None:
        """Forget the requests of shop ``n`` (of every shop without ``n``)."""
        shops = [self._shop(n)] if n is not None else list(self._shops.values())
        for shop in shops:
            shop.reset_requests()

    # -------------------------------------------------------------------- serving
    def _dispatch(self, handler: ShopRequestHandler) -> None:
        split = urlsplit(handler.path)
        if split.path == "/fleet" or split.path.startswith("/fleet/"):
            self._control(handler, split.path)
            return
        match = _SHOP_PATH.fullmatch(split.path)
        shop = self._shops.get(int(match[1])) if match else None
        if match is None or shop is None:
            _drain(handler)
            _write(handler, 404, b"Not Found", "text/plain; charset=utf-8")
            return
        down = shop.down
        if down is not None:
            self._serve_down(handler, shop, down)
            return
        host = handler.headers.get("Host") or f"{self.config.host}:{handler.server.server_address[1]}"
        shop.simulator().serve_http(handler, match[2] or "/", split.query, f"http://{host}/s/{shop.number}")

    def _serve_down(self, handler: ShopRequestHandler, shop: _FleetShop, mode: str) -> None:
        """No answer at all: at once (``refuse``) or when the client gives up (``timeout``)."""
        shop.count_down_request()
        _drain(handler)
        handler.close_connection = True
        if mode == "timeout":
            self._hang(handler.connection)

    def _hang(self, connection: socket.socket) -> None:
        """Wait until the client closes the connection, the fleet stops or ``max_hang_s`` passes."""
        deadline = time.monotonic() + self.config.max_hang_s
        with selectors.DefaultSelector() as selector:
            selector.register(connection, selectors.EVENT_READ)
            while not self._stopping.is_set():
                left = deadline - time.monotonic()
                if left <= 0 or selector.select(min(left, _HANG_POLL_S)):
                    return  # the time is up, or the client closed (or sent something unasked)

    # ---------------------------------------------------------------- control API
    def _control(self, handler: ShopRequestHandler, path: str) -> None:
        body = _drain(handler)
        try:
            status, payload = self._control_answer(handler.command, path.rstrip("/"), body)
        except ValueError as exc:
            status, payload = 400, {"error": str(exc)}
        except KeyError as exc:
            status, payload = 404, {"error": str(exc.args[0]) if exc.args else "not found"}
        _write(handler, status, json.dumps(payload).encode(), "application/json")

    def _control_answer(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        if (method, path) == ("GET", "/fleet"):
            return 200, self._summary()
        if (method, path) == ("GET", "/fleet/requests"):
            counts = self.request_counts()
            return 200, {"total": sum(counts.values()), "shops": {str(n): c for n, c in counts.items()}}
        if (method, path) == ("POST", "/fleet/requests/reset"):
            self.reset_requests()
            return 200, {"total": 0, "shops": {}}
        route = _SHOP_ROUTE.fullmatch(path)
        if route is None:
            raise KeyError(f"no route {method} {path}")
        n = int(route[1])
        if method == "GET":
            return 200, self.state(n)
        if method == "POST":
            return 200, self.configure(n, _json_object(body))
        return 405, {"error": f"{method} is not allowed here (GET or POST)"}

    def _summary(self) -> dict[str, Any]:
        return {
            "shops": self.config.shops,
            "built": self.built_count,
            "url_pattern": f"{self.url}/s/{{n}}/api/",
            "requests": sum(self.request_counts().values()),
            "down": {str(n): shop.down for n, shop in self._shops.items() if shop.down},
        }


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"the body is not JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ValueError("the body must be a JSON object")
    return value


def _drain(handler: ShopRequestHandler) -> bytes:
    """Read the request's body, so the connection can carry the next request."""
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length > 0 else b""


def _write(handler: ShopRequestHandler, status: int, body: bytes, content_type: str) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


# ------------------------------------------------------------------------------ command line
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    defaults = FleetConfig()
    parser = argparse.ArgumentParser(prog="python -m local.prestashop.fleet", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default=defaults.host)
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--shops", type=int, default=500)
    parser.add_argument("--variants", type=int, default=defaults.variants, help="variants per shop")
    parser.add_argument(
        "--combinations",
        type=int,
        default=defaults.combinations,
        help="combinations per product (0: products without combinations, one variant each)",
    )
    parser.add_argument("--orders", type=int, default=defaults.orders, help="orders per shop")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="seed of shop 1 (shop n: seed + n - 1)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="every shop's initial latency")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="every shop's initial fault rate")
    parser.add_argument("--max-hang-s", type=float, default=defaults.max_hang_s)
    parser.add_argument("--prebuild", action="store_true", help="build every shop before serving")
    parser.add_argument("--keys", action="store_true", help="print every shop's URL and key")
    args = parser.parse_args(argv)
    if args.shops < 1 or args.variants < 1 or args.combinations < 0:
        parser.error("--shops and --variants must be at least 1, --combinations at least 0")
    return args


def config_from(args: argparse.Namespace) -> FleetConfig:
    return FleetConfig(
        shops=args.shops,
        products=products_for(args.variants, args.combinations),
        combinations=args.combinations,
        orders=args.orders,
        seed=args.seed,
        latency_ms=args.latency_ms,
        fault_rate=args.fault_rate,
        max_hang_s=args.max_hang_s,
        host=args.host,
        port=args.port,
    )


def describe(fleet: ShopFleet, *, all_keys: bool) -> list[str]:
    config, url = fleet.config, fleet.url
    lines = [
        f"PrestaShop fleet: {config.shops} shops at {url}/s/<n>/api/ (n = 1..{config.shops})",
        f"key of shop n: {KEY_PREFIX} + n in 20 digits (shop 1: {fleet.key(1)}, shop {config.shops}: "
        f"{fleet.key(config.shops)})",
        f"each shop: {config.products} products x {max(config.combinations, 1)} = {config.variants} variants, "
        f"{config.orders} orders, seed {config.seed} + n - 1; {fleet.built_count} built, the rest on first request",
        f"control: GET {url}/fleet, GET|POST {url}/fleet/shops/<n> "
        '{"latency_ms": 50, "fault_rate": 0.1, "down": "refuse"|"timeout"|null}, '
        f"GET {url}/fleet/requests, POST {url}/fleet/requests/reset",
    ]
    if all_keys:
        lines.extend(f"{n}\t{url}/s/{n}\t{fleet.key(n)}" for n in fleet.numbers)
    return lines


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    fleet = ShopFleet(config_from(args))
    if args.prebuild:
        fleet.build_all()
    fleet.start()
    for line in describe(fleet, all_keys=args.keys):
        print(line, flush=True)
    print(f"started in {time.perf_counter() - started:.2f} s", flush=True)
    serve_until_stopped(fleet.stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
