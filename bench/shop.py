"""The PrestaShop simulator in its own process, with a control channel for the benchmarks.

A real shop is another machine: its work does not compete with the hub's functions for this
interpreter's lock, and its memory is not the functions' memory. :class:`ShopProcess` therefore
runs :class:`local.prestashop.ShopSimulator` in a child process (``forkserver``) and asks it
over a pipe for what the benchmarks measure: request counts (by method and resource), the time window
of the shop's writes, and the data (stock rows, orders, order carriers) to check results.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local.prestashop import ShopSimulator, SimulatorConfig

WRITE_METHODS = frozenset({"PUT", "PATCH", "POST", "DELETE"})


@dataclass(frozen=True)
class RequestStats:
    total: int
    by_method: dict[str, int]
    by_resource: dict[str, int]
    #: wall-clock (time.time()) start of the first and end of the last write, if any
    first_write_start: float | None
    last_write_end: float | None
    last_end: float | None
    #: sum of the requests' durations as the shop measured them (latency included)
    busy_s: float


def _stats(sim: ShopSimulator) -> RequestStats:
    records = sim.requests
    writes = [r for r in records if r.effective_method in WRITE_METHODS]
    return RequestStats(
        total=len(records),
        by_method=dict(Counter(r.effective_method for r in records)),
        by_resource=dict(Counter(f"{r.effective_method} {r.resource or '/'}" for r in records)),
        first_write_start=min((r.started_at for r in writes), default=None),
        last_write_end=max((r.started_at + r.duration_ms / 1000 for r in writes), default=None),
        last_end=max((r.started_at + r.duration_ms / 1000 for r in records), default=None),
        busy_s=sum(r.duration_ms for r in records) / 1000,
    )


def _stock_rows(sim: ShopSimulator) -> list[tuple[int, int, int, int]]:
    """(stock id, id_product, id_product_attribute, quantity) of every stock row."""
    with sim.data.lock:
        rows = list(sim.data.tables["stock_availables"].rows.values())
    return [(int(r["id"]), int(r["id_product"]), int(r["id_product_attribute"]), int(r["quantity"])) for r in rows]


def _orders(sim: ShopSimulator) -> list[int]:
    with sim.data.lock:
        return sorted(int(rid) for rid in sim.data.tables["orders"].rows)


def _order_carrier(sim: ShopSimulator, id_order: int) -> dict[str, Any] | None:
    row = sim.data.order_carrier(id_order)
    return dict(row) if row is not None else None


_COMMANDS: dict[str, Callable[..., Any]] = {
    "stats": _stats,
    "reset": lambda sim: sim.reset_requests(),
    "latency": lambda sim, ms: sim.set_latency(ms),
    "stock_rows": _stock_rows,
    "orders": _orders,
    "order_carrier": _order_carrier,
}


def _serve(connection: Any, config: dict[str, Any]) -> None:
    sim = ShopSimulator(SimulatorConfig(**config))
    try:
        connection.send(("ok", sim.start()))
    except Exception as exc:  # the parent gets the reason instead of a hang
        connection.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    try:
        while True:
            command, args = connection.recv()
            if command == "stop":
                break
            try:
                connection.send(("ok", _COMMANDS[command](sim, *args)))
            except Exception as exc:
                connection.send(("error", f"{type(exc).__name__}: {exc}"))
    except EOFError:
        pass
    finally:
        sim.stop()
        connection.close()


class ShopProcess:
    """A simulator in a child process; ``url`` and ``key`` once started."""

    def __init__(
        self,
        *,
        key: str,
        products: int,
        combinations: int,
        orders: int,
        seed: int = 1,
        latency_ms: float = 0.0,
        customers: int | None = None,
    ) -> None:
        self.key = key
        self.config: dict[str, Any] = {
            "key": key,
            "products": products,
            "combinations": combinations,
            "orders": orders,
            "seed": seed,
            "latency_ms": latency_ms,
            "customers": customers,
        }
        self.url = ""
        # A fork server that has imported the simulator once: later shops start in a fraction
        # of a second, from a clean process (no threads, no AWS mock) instead of a fresh spawn.
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["bench.shop"])
        self._connection: Any = None
        self._process: Any = None
        self._lock = threading.Lock()

    def start(self) -> str:
        parent, child = self._context.Pipe()
        self._process = self._context.Process(target=_serve, args=(child, self.config), daemon=True)
        self._process.start()
        child.close()
        self._connection = parent
        if not parent.poll(300):
            self.stop()
            raise RuntimeError("the simulator process did not start within 300 s")
        try:
            status, value = parent.recv()
        except EOFError:
            status, value = "error", "it exited (see its output above)"
        if status != "ok":
            self.stop()
            raise RuntimeError(f"the simulator process failed to start: {value}")
        self.url = str(value)
        return self.url

    def _ask(self, command: str, *args: Any) -> Any:
        with self._lock:
            self._connection.send((command, args))
            status, value = self._connection.recv()
        if status != "ok":
            raise RuntimeError(f"simulator command {command!r} failed: {value}")
        return value

    def stats(self) -> RequestStats:
        result: RequestStats = self._ask("stats")
        return result

    @property
    def request_count(self) -> int:
        return self.stats().total

    def reset_requests(self) -> None:
        self._ask("reset")

    def set_latency(self, ms: float) -> None:
        self._ask("latency", ms)

    def stock_rows(self) -> list[tuple[int, int, int, int]]:
        rows: list[tuple[int, int, int, int]] = self._ask("stock_rows")
        return rows

    def orders(self) -> list[int]:
        ids: list[int] = self._ask("orders")
        return ids

    def order_carrier(self, id_order: int) -> dict[str, Any] | None:
        row: dict[str, Any] | None = self._ask("order_carrier", id_order)
        return row

    def stop(self) -> None:
        if self._connection is not None:
            try:
                with self._lock:
                    self._connection.send(("stop", ()))
            except (OSError, BrokenPipeError):
                pass
            self._connection.close()
            self._connection = None
        if self._process is not None:
            self._process.join(timeout=10)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(timeout=5)
            self._process = None

    def __enter__(self) -> ShopProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
