"""``python -m local.demo`` (``make demo``): the merchant's whole flow against a running local stack.

Start the stack first (``make run``), then in another terminal ``make demo``. The demo talks to
the HTTP API and, to show the effects, reads the PrestaShop simulator's own webservice:

 1. add the shop account (connection check included), check it again;
 2. wait for discovery, map every payment module, carrier and order state to the hub's
    dictionaries, save the order settings (landing status, status/tracking/stock sync on) and
    a template;
 3. import the catalogue (progress bar until the import is finished);
 4. switch order fetching on, fetch now and wait until the orders are listed (fetching goes on
    after the import: an order's lines are linked to hub products once, when it is imported);
 5. change a product's stock, see the new quantity in the shop and in the stock report;
 6. add a tracking number to an order and see it on the shop's ``order_carriers`` row.

Where things are found:

* API: ``SHOPHUB_API_URL``, else the ``api_url`` of ``.local-stack/state.json``, else
  ``http://127.0.0.1:3000``;
* shop: ``SHOPHUB_SHOP_URL``, else the state file's ``shop_url``; its key ``SHOPHUB_SHOP_KEY``
  (the state file holds no secrets: start ``make run`` with ``SHOPHUB_SHOP_KEY`` set, or copy the
  key it prints);
* token: ``SHOPHUB_DEV_TOKEN``, else a new token for the tenant ``demo`` is created in the
  running stack (as ``make token TENANT=demo`` does).

Every step prints what happened; the first step that misbehaves ends the demo with exit code 1
and a message naming it. :func:`run_demo` takes the URLs, so tests run the same flow on free
ports against an in-process stack.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TextIO

import httpx

DEFAULT_API_URL = "http://127.0.0.1:3000"
DEMO_TENANT = "demo"
TRACKING_NUMBER_PREFIX = "DEMO"


class DemoError(Exception):
    """A step misbehaved; ``step`` names it."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__(f"{step}: {message}")
        self.step = step
        self.message = message


# --- HTTP ---------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: Any

    def expect(self, *statuses: int, what: str = "") -> Any:
        """The body, or an :class:`AssertionError` quoting the answer when the status differs."""
        if self.status not in statuses:
            shown = json.dumps(self.body, ensure_ascii=False)[:500] if self.body is not None else ""
            raise AssertionError(f"{what or 'the API'} answered HTTP {self.status} {shown}".rstrip())
        return self.body


class Api(Protocol):
    """What the flow needs from the HTTP API: one request, one answer."""

    def call(self, method: str, path: str, body: Any = None, *, query: str = "") -> Answer: ...


class HttpApi:
    """The ShopHub API over HTTP with a bearer token."""

    def __init__(self, base_url: str, token: str, *, language: str = "en", timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            headers={"Authorization": f"Bearer {token}", "Accept-Language": language},
        )

    def call(self, method: str, path: str, body: Any = None, *, query: str = "") -> Answer:
        target = path + (f"?{query}" if query else "")
        try:
            response = self._client.request(method, target, json=body if body is not None else None)
        except httpx.HTTPError as exc:
            raise AssertionError(f"cannot reach the API at {self.base_url} ({type(exc).__name__}: {exc})") from None
        try:
            payload = response.json() if response.content else None
        except ValueError:
            payload = response.text
        return Answer(response.status_code, payload)

    def close(self) -> None:
        self._client.close()


class ShopReader:
    """The shop's own webservice (the simulator), read with its key: what the merchant would see."""

    def __init__(self, base_url: str, key: str, *, timeout: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout, auth=(key, ""))

    def records(self, resource: str, **params: str) -> list[dict[str, Any]]:
        try:
            response = self._client.get(f"/api/{resource}", params={"output_format": "JSON", **params})
        except httpx.HTTPError as exc:
            raise AssertionError(f"cannot reach the shop at {self.base_url} ({type(exc).__name__})") from None
        if response.status_code != 200:
            raise AssertionError(f"the shop answered HTTP {response.status_code} for {resource}")
        payload = response.json() if response.content else []
        if isinstance(payload, list):  # PrestaShop's empty list
            return []
        found = payload.get(resource, [])
        return list(found) if isinstance(found, list) else [found]

    def stock_row(self, id_product: int, id_product_attribute: int) -> dict[str, Any] | None:
        rows = self.records(
            "stock_availables",
            display="full",
            **{"filter[id_product]": str(id_product), "filter[id_product_attribute]": str(id_product_attribute)},
        )
        return rows[0] if rows else None

    def order_carrier(self, id_order: int) -> dict[str, Any] | None:
        rows = self.records("order_carriers", display="full", **{"filter[id_order]": str(id_order)})
        return rows[0] if rows else None

    def close(self) -> None:
        self._client.close()


# --- choosing mappings ------------------------------------------------------------------------------


def _pick(entries: Sequence[Mapping[str, Any]], preferred: Sequence[str]) -> str:
    """The first of ``preferred`` ids (or names) present in ``entries``, else the first entry."""
    by_id = {str(e["id"]): str(e["id"]) for e in entries}
    by_name = {str(e["name"]).casefold(): str(e["id"]) for e in entries}
    for wanted in preferred:
        if wanted in by_id:
            return by_id[wanted]
        if wanted.casefold() in by_name:
            return by_name[wanted.casefold()]
    if not entries:
        raise AssertionError("the hub dictionary is empty")
    return str(entries[0]["id"])


def payment_choice(module: str, payments: Sequence[Mapping[str, Any]]) -> str:
    name = module.casefold()
    if "cashondelivery" in name or "cod" in name:
        return _pick(payments, ["pobranie"])
    if "wire" in name or "bank" in name or "transfer" in name:
        return _pick(payments, ["przelew"])
    if "check" in name or "cheque" in name:
        return _pick(payments, ["czek"])
    if "card" in name or "stripe" in name:
        return _pick(payments, ["karta-platnicza"])
    return _pick(payments, ["platnosc-online", "przelew"])


def carrier_choice(name: str, shipping: Sequence[Mapping[str, Any]]) -> str:
    lowered = name.casefold()
    if "pick" in lowered or "odbi" in lowered or "store" in lowered:
        return _pick(shipping, ["odbior-osobisty"])
    if "locker" in lowered or "paczkomat" in lowered or "inpost" in lowered:
        return _pick(shipping, ["paczkomat"])
    if "post" in lowered or "poczta" in lowered:
        return _pick(shipping, ["poczta-polska"])
    return _pick(shipping, ["kurier"])


def status_choice(state: Mapping[str, Any], statuses: Sequence[Mapping[str, Any]]) -> str:
    name = str(state.get("name", "")).casefold()
    if "cancel" in name or "anul" in name:
        return _pick(statuses, ["anulowane"])
    if "refund" in name or "return" in name or "zwrot" in name:
        return _pick(statuses, ["zwrocone"])
    if state.get("delivery") and ("deliver" in name or "dostarcz" in name):
        return _pick(statuses, ["dostarczone"])
    if state.get("shipped") or "ship" in name or "wysł" in name:
        return _pick(statuses, ["wyslane"])
    if "awaiting" in name or "oczek" in name:
        return _pick(statuses, ["oczekuje-na-platnosc"])
    if state.get("paid") or "accepted" in name or "progress" in name:
        return _pick(statuses, ["w-realizacji"])
    return _pick(statuses, ["nowe"])


def mapping_plans(
    discovery: Mapping[str, Any],
    payments: Sequence[Mapping[str, Any]],
    shipping: Sequence[Mapping[str, Any]],
    statuses: Sequence[Mapping[str, Any]],
) -> dict[str, list[dict[str, Any]]]:
    """The mapping a merchant would choose for everything discovery found, by kind (the body
    items of ``PUT /accounts/{id}/mappings/<kind>``)."""
    return {
        "payments": [
            {"module": p["module"], "hub_id": payment_choice(p["module"], payments)}
            for p in discovery["payment_methods"]
        ],
        "carriers": [
            {"id_reference": c["id_reference"], "hub_id": carrier_choice(c["name"], shipping)}
            for c in discovery["carriers"]
        ],
        "statuses": [
            {"shop_state_id": s["id"], "hub_id": status_choice(s, statuses)} for s in discovery["order_states"]
        ],
    }


# --- the flow -----------------------------------------------------------------------------------------


@dataclass
class FlowState:
    account_id: str = ""
    discovery: dict[str, Any] = field(default_factory=dict)
    landing_status: str = ""
    template_id: str = ""
    import_id: str = ""
    imported: dict[str, Any] = field(default_factory=dict)
    orders: list[dict[str, Any]] = field(default_factory=list)
    product_id: int = 0
    offer: dict[str, Any] = field(default_factory=dict)
    new_quantity: int = 0
    stock_reports_before: set[str] = field(default_factory=set)
    fetch_enabled: bool = False


class MerchantFlow:
    """The merchant's steps; each raises :class:`DemoError` naming itself when it misbehaves.

    ``wait`` is called between two looks at something asynchronous (default: sleep); tests and
    benchmarks that run the queues themselves pass a function that drives them instead.
    """

    def __init__(
        self,
        api: Api,
        *,
        shop_url: str,
        shop_key: str,
        shop: ShopReader | None = None,
        out: TextIO | None = None,
        wait: Callable[[float], None] = time.sleep,
        timeout: float = 120.0,
        account_name: str = "Demo shop",
    ) -> None:
        self.api = api
        self.shop_url = shop_url
        self.shop_key = shop_key
        self.shop = shop
        self.out = out if out is not None else sys.stdout
        self.wait = wait
        self.timeout = timeout
        self.account_name = account_name
        self.state = FlowState()

    # --- printing and waiting ------------------------------------------------------------------

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        self.say(f"\n== {name}")
        try:
            yield
        except DemoError:
            raise
        except (AssertionError, KeyError, TypeError, ValueError, TimeoutError) as exc:
            raise DemoError(name, str(exc) or type(exc).__name__) from exc

    def until(self, what: str, check: Callable[[], Any], *, interval: float = 0.5) -> Any:
        """Call ``check`` until it returns something truthy (returned) or ``timeout`` passes."""
        end = time.monotonic() + self.timeout
        while True:
            found = check()
            if found:
                return found
            if time.monotonic() > end:
                raise TimeoutError(f"{what} did not happen within {self.timeout:g} s")
            self.wait(interval)

    def _account_path(self, suffix: str = "") -> str:
        return f"/accounts/{self.state.account_id}{suffix}"

    # --- steps -----------------------------------------------------------------------------------

    def add_account(self) -> str:
        with self.step("add account"):
            request = {"name": self.account_name, "shop_url": self.shop_url, "api_key": self.shop_key}
            answer = self.api.call("POST", "/accounts", request)
            if self._remove_earlier_demo_account(answer):
                answer = self.api.call("POST", "/accounts", request)
            body = answer.expect(201, what="POST /accounts")
            connection = body["connection"]
            if not connection["ok"]:
                raise AssertionError(f"the connection check failed: {connection['message']}")
            self.state.account_id = str(body["id"])
            self.say(f"account {body['id']} ({body['name']}) at {body['shop_url']}, key {body['api_key']}")
            self.say(f"connection: {connection['message']} (PrestaShop {connection.get('shop_version')})")
            if connection.get("missing_permissions"):
                raise AssertionError(f"missing permissions: {', '.join(connection['missing_permissions'])}")
        return self.state.account_id

    def _remove_earlier_demo_account(self, answer: Answer) -> bool:
        """A tenant connects a shop once: when an earlier demo run (an account with the demo's
        name) has this shop, delete that account so the demo can start over. True when it did."""
        error = answer.body.get("error") if answer.status == 409 and isinstance(answer.body, dict) else None
        if not error or error.get("code") != "shop_already_connected":
            return False
        earlier = (error.get("details") or [{}])[0]
        if earlier.get("name") != self.account_name:
            return False
        self.api.call("DELETE", f"/accounts/{earlier['account_id']}").expect(204, what="DELETE /accounts/{id}")
        self.say(f"removed the account of an earlier demo run ({earlier['account_id']}) that had this shop")
        return True

    def check(self) -> None:
        with self.step("check"):
            body = self.api.call("POST", self._account_path("/check")).expect(200, what="POST /accounts/{id}/check")
            if not body["ok"]:
                raise AssertionError(f"the check failed: {body['message']}")
            self.say(f"check: {body['message']}")

    def discovery(self) -> dict[str, Any]:
        with self.step("discovery"):

            def done() -> dict[str, Any] | None:
                body = self.api.call("GET", self._account_path("/discovery")).expect(200, what="GET discovery")
                if body["status"] == "failed":
                    raise AssertionError(f"discovery failed: {body.get('message')}")
                return dict(body) if body["status"] == "done" else None

            found: dict[str, Any] = self.until("discovery", done)
            self.state.discovery = found
            self.say(
                f"found {len(found['payment_methods'])} payment module(s) in {found['analyzed_orders']} order(s), "
                f"{len(found['carriers'])} carrier(s), {len(found['order_states'])} order state(s); "
                f"shop timezone {found.get('timezone')}"
            )
        return found

    def mappings(self) -> None:
        with self.step("mappings"):
            discovery = self.state.discovery
            payments = self.api.call("GET", "/hub/payment-methods").expect(200, what="GET /hub/payment-methods")[
                "items"
            ]
            shipping = self.api.call("GET", "/hub/shipping-methods").expect(200, what="GET /hub/shipping-methods")[
                "items"
            ]
            statuses = self.api.call("GET", "/hub/statuses").expect(200, what="GET /hub/statuses")["items"]
            names = {str(e["id"]): str(e["name"]) for e in [*payments, *shipping, *statuses]}
            plans = mapping_plans(discovery, payments, shipping, statuses)
            for kind, items in plans.items():
                if not items:
                    raise AssertionError(f"discovery found nothing to map for {kind}")
                saved = self.api.call("PUT", self._account_path(f"/mappings/{kind}"), {"items": items}).expect(
                    200, what=f"PUT mappings/{kind}"
                )
                if len(saved["items"]) != len(items):
                    raise AssertionError(f"{kind}: {len(items)} sent, {len(saved['items'])} saved")
                shown = ", ".join(f"{_mapping_source(kind, i)} → {names.get(i['hub_id'], i['hub_id'])}" for i in items)
                self.say(f"{kind}: {shown}")
            self.state.landing_status = _pick(statuses, ["nowe"])

    def order_settings(self, *, fetch_from: datetime | None = None, fetch_enabled: bool = True) -> None:
        with self.step("order settings"):
            since = fetch_from or datetime.now(UTC) - timedelta(days=90)
            body = {
                "fetch_enabled": fetch_enabled,
                "fetch_from": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "landing_status": self.state.landing_status,
                "update_statuses": [self.state.landing_status],
                "sync": {
                    "update_statuses": True,
                    "send_tracking_numbers": True,
                    "send_documents": False,
                    "push_statuses": False,
                },
                "products": {"update_stock": True},
            }
            saved = self.api.call("PUT", self._account_path("/order-settings"), body).expect(
                200, what="PUT order-settings"
            )
            if saved["fetch_enabled"] is not fetch_enabled or not saved["products"]["update_stock"]:
                raise AssertionError(f"the settings were not saved as sent: {saved}")
            self.state.fetch_enabled = fetch_enabled
            when = "on" if fetch_enabled else "switched on once the catalogue is imported (so order lines find it)"
            self.say(
                f"orders changed since {body['fetch_from']}: fetching {when}; new orders land in "
                f"'{saved['landing_status']}'; tracking numbers and stock go to the shop"
            )

    def template(self) -> str:
        with self.step("template"):
            body = self.api.call(
                "POST",
                self._account_path("/templates"),
                {"name": "Demo", "sync": {"description": True, "shipping_prices": True, "price": True, "stock": True}},
            ).expect(201, what="POST templates")
            self.state.template_id = str(body["id"])
            if not body["default"]:
                listed = self.api.call("GET", self._account_path("/templates")).expect(200, what="GET templates")
                if not any(t["default"] for t in listed["items"]):
                    raise AssertionError("no default template after creating one")
            self.say(f"template {body['name']} ({body['id']}), default: {body['default']}, syncs stock")
        return self.state.template_id

    def import_catalogue(self) -> dict[str, Any]:
        with self.step("import"):
            started = self.api.call(
                "POST",
                self._account_path("/imports"),
                {"mode": "import", "unique_identifier": "ean", "with_stock": True},
            ).expect(202, what="POST imports")
            self.state.import_id = str(started["id"])
            bar = ProgressBar(self.out)

            def finished() -> dict[str, Any] | None:
                body = self.api.call("GET", self._account_path(f"/imports/{self.state.import_id}")).expect(
                    200, what="GET import"
                )
                bar.show(int(body["percent"]), f"{body['processed']}/{body['total']} products, stage {body['stage']}")
                if body["status"] in ("failed", "aborted"):
                    raise AssertionError(f"the import ended {body['status']}: {body.get('reason') or ''}".rstrip())
                return dict(body) if body["status"] == "finished" else None

            result: dict[str, Any] = self.until("the import", finished)
            bar.done()
            self.state.imported = result
            self.say(
                f"imported {result['total']} product(s): {result['created']} variant(s) created, "
                f"{result['linked']} linked, {result['skipped']} skipped, {result['failed']} failed"
            )
            if result["created"] + result["linked"] == 0:
                raise AssertionError("no variant was created or linked")
            if result["failed"]:
                raise AssertionError(f"{result['failed']} variant(s) failed")
        return result

    def orders(self) -> list[dict[str, Any]]:
        with self.step("orders"):
            if not self.state.fetch_enabled:
                saved = self.api.call("PUT", self._account_path("/order-settings"), {"fetch_enabled": True}).expect(
                    200, what="PUT order-settings"
                )
                if not saved["fetch_enabled"]:
                    raise AssertionError("fetching did not switch on")
                self.state.fetch_enabled = True
                self.say("fetching switched on")
            self.api.call("POST", self._account_path("/orders/fetch")).expect(202, what="POST orders/fetch")
            requested = self._newest_log("orders.fetch_requested")
            if requested is None:
                raise AssertionError("the fetch request is not in the account's log")
            self.say(f"fetch requested at {requested['at']}")
            since = _when(requested["at"])
            run = self.until("the order poll", lambda: self._poll_after(since))
            details = run.get("details") or {}
            self.say(f"poll finished: {run['message']} ({details.get('shop_requests', '?')} shop requests)")
            orders = self._all_orders()
            if not orders:
                raise AssertionError("the poll finished but no order is listed")
            self.state.orders = orders
            first = orders[0]
            self.say(
                f"{len(orders)} order(s) listed; first: shop order {first['shop_order_id']} ({first['reference']}), "
                f"status {first['status']}, {len(first['lines'])} line(s), total {first['totals'].get('paid_gross')}"
            )
            lines = [line for order in orders for line in order["lines"]]
            linked = sum(1 for line in lines if line.get("hub_product_id"))
            self.say(f"{linked} of {len(lines)} order line(s) linked to hub products")
            flagged = sum(1 for o in orders if o["unmapped"])
            if flagged:
                self.say(f"{flagged} order(s) flagged with something unmapped (imported anyway)")
        return orders

    def _newest_log(self, action: str) -> dict[str, Any] | None:
        logs = self.api.call("GET", self._account_path("/logs"), query="limit=50").expect(200, what="GET logs")["items"]
        return next((entry for entry in logs if entry["action"] == action), None)

    def _poll_after(self, since: datetime) -> dict[str, Any] | None:
        """The first complete poll run after ``since`` (None: not yet). A run that found orders
        is in the log (``orders.fetched``); one that found nothing only moves the account's
        ``last_poll_at``."""
        query = "section=orders&limit=50"
        logs = self.api.call("GET", self._account_path("/logs"), query=query).expect(200, what="GET logs")["items"]
        recent = [e for e in logs if _when(e["at"]) > since]
        failed = [e for e in recent if e["action"] == "orders.fetch_failed"]
        if failed:
            raise AssertionError(f"the order poll failed: {failed[-1]['message']}")
        runs = sorted((e for e in recent if e["action"] == "orders.fetched"), key=lambda e: _when(e["at"]))
        complete = [e for e in runs if (e.get("details") or {}).get("complete", True)]
        if complete:
            return complete[0]
        account = self.api.call("GET", self._account_path()).expect(200, what="GET account")
        last_poll = account.get("last_poll_at")
        if not runs and last_poll and _when(last_poll) > since:
            return {"message": "no new or changed orders", "details": {}}
        return None

    def _all_orders(self) -> list[dict[str, Any]]:
        orders: list[dict[str, Any]] = []
        token = ""
        while True:
            query = f"account_id={self.state.account_id}&limit=100" + (f"&next={token}" if token else "")
            page = self.api.call("GET", "/orders", query=query).expect(200, what="GET /orders")
            orders.extend(page["items"])
            token = page.get("next") or ""
            if not token:
                return orders

    def change_stock(self) -> int:
        with self.step("change stock"):
            pid, offer = self._linked_product()
            product = self.api.call("GET", f"/products/{pid}").expect(200, what=f"GET /products/{pid}")
            self.state.product_id, self.state.offer = pid, offer
            self.state.new_quantity = int(product["stock"]) + 7
            reports = self.api.call("GET", self._account_path("/reports"), query="type=stock").expect(
                200, what="GET reports"
            )
            self.state.stock_reports_before = {r["id"] for r in reports["items"]}
            self.api.call("PUT", f"/products/{pid}/stock", {"quantity": self.state.new_quantity}).expect(
                202, what="PUT stock"
            )
            self.say(
                f"product {pid} ({product['name']}, {product['variant']}): stock {product['stock']} → "
                f"{self.state.new_quantity}"
            )
        return self.state.new_quantity

    def _linked_product(self) -> tuple[int, dict[str, Any]]:
        token = ""
        for _ in range(50):
            page = self.api.call("GET", "/products", query=f"limit=20{f'&next={token}' if token else ''}").expect(
                200, what="GET /products"
            )
            for item in page["items"]:
                product = self.api.call("GET", f"/products/{item['id']}").expect(200, what="GET product")
                for offer in product["offers"]:
                    if offer["account_id"] == self.state.account_id:
                        return int(item["id"]), dict(offer)
            token = page.get("next") or ""
            if not token:
                break
        raise AssertionError("no hub product is linked to this shop")

    def stock_in_shop(self) -> None:
        with self.step("stock in the shop"):
            if self.shop is None:
                raise AssertionError("no shop reader")
            offer = self.state.offer

            def arrived() -> dict[str, Any] | None:
                assert self.shop is not None
                row = self.shop.stock_row(int(offer["shop_product_id"]), int(offer["shop_combination_id"]))
                if row is None:
                    raise AssertionError("the shop has no stock row for the linked variant")
                return row if int(row["quantity"]) == self.state.new_quantity else None

            row = self.until("the stock push", arrived)
            self.say(
                f"shop stock_availables/{row['id']} (product {offer['shop_product_id']}, combination "
                f"{offer['shop_combination_id']}): quantity {row['quantity']}"
            )

    def stock_report(self) -> None:
        with self.step("stock report"):

            def reported() -> dict[str, Any] | None:
                listed = self.api.call("GET", self._account_path("/reports"), query="type=stock").expect(
                    200, what="GET reports"
                )
                for item in listed["items"]:
                    if item["id"] in self.state.stock_reports_before:
                        continue
                    report = self.api.call("GET", self._account_path(f"/reports/{item['id']}")).expect(
                        200, what="GET report"
                    )
                    for entry in report["entries"]:
                        if entry["hub_product_id"] == self.state.product_id:
                            return {"report": report, "entry": entry}
                return None

            found = self.until("the stock report", reported)
            entry, report = found["entry"], found["report"]
            if entry["outcome"] != "ok" or int(entry["new"]) != self.state.new_quantity:
                raise AssertionError(f"the report says {entry['outcome']} with {entry['new']}: {entry['message']}")
            self.say(
                f"report {report['id']} at {report['at']}: {report['ok']} row(s) ok, {report['failed']} failed; "
                f"product {entry['hub_product_id']}: "
                f"{'never pushed' if entry['old'] is None else entry['old']} → {entry['new']} ({entry['outcome']})"
            )

    def tracking_number(self) -> None:
        with self.step("tracking number"):
            if self.shop is None:
                raise AssertionError("no shop reader")
            order = self.state.orders[0]
            number = f"{TRACKING_NUMBER_PREFIX}{int(time.time()) % 10**8:08d}"
            self.api.call("POST", f"/orders/{order['id']}/shipments", {"tracking_number": number}).expect(
                202, what="POST shipments"
            )
            self.say(f"tracking number {number} added to order {order['id']} (shop order {order['shop_order_id']})")

            def arrived() -> dict[str, Any] | None:
                assert self.shop is not None
                row = self.shop.order_carrier(int(order["shop_order_id"]))
                if row is None:
                    raise AssertionError("the shop order has no order_carriers row")
                return row if row.get("tracking_number") == number else None

            row = self.until("the tracking number in the shop", arrived)
            self.say(f"shop order_carriers/{row['id']}: tracking_number {row['tracking_number']}")
            hub = self.api.call("GET", f"/orders/{order['id']}").expect(200, what="GET order")
            syncs = [t["shop_sync"] for t in hub["tracking_numbers"] if t["number"] == number]
            self.say(f"hub order {order['id']}: tracking number shop_sync {', '.join(syncs) or '?'}")

    # --- the whole flow --------------------------------------------------------------------------

    def set_up(self, *, fetch_from: datetime | None = None, fetch_enabled: bool = True) -> str:
        """Account, check, discovery, mappings, order settings and template: a ready account."""
        self.add_account()
        self.check()
        self.discovery()
        self.mappings()
        self.order_settings(fetch_from=fetch_from, fetch_enabled=fetch_enabled)
        self.template()
        return self.state.account_id

    def run(self) -> FlowState:
        self.set_up(fetch_enabled=False)
        self.import_catalogue()
        self.orders()
        self.change_stock()
        self.stock_in_shop()
        self.stock_report()
        self.tracking_number()
        self.say("\nAll steps passed.")
        return self.state


def _when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _mapping_source(kind: str, item: Mapping[str, Any]) -> str:
    if kind == "payments":
        return str(item["module"])
    if kind == "carriers":
        return f"carrier ref {item['id_reference']}"
    return f"state {item['shop_state_id']}"


class ProgressBar:
    """``[#####-----]  50% detail`` on one line (a terminal) or one line per quarter (a file)."""

    def __init__(self, out: TextIO, width: int = 30) -> None:
        self.out = out
        self.width = width
        self.tty = bool(getattr(out, "isatty", lambda: False)())
        self._last = -1

    def show(self, percent: int, detail: str) -> None:
        percent = max(0, min(100, percent))
        filled = self.width * percent // 100
        line = f"[{'#' * filled}{'-' * (self.width - filled)}] {percent:3d}% {detail}"
        if self.tty:
            print(f"\r{line}", end="", file=self.out, flush=True)
        elif percent // 25 != self._last // 25 or self._last < 0:
            print(line, file=self.out, flush=True)
        self._last = percent

    def done(self) -> None:
        if self.tty:
            print(file=self.out, flush=True)


# --- configuration and entry point ---------------------------------------------------------------------


@dataclass(frozen=True)
class DemoConfig:
    api_url: str
    shop_url: str
    shop_key: str
    token: str
    timeout: float = 120.0


def run_demo(config: DemoConfig, *, out: TextIO | None = None, wait: Callable[[float], None] = time.sleep) -> FlowState:
    """Walk the whole flow against the API and shop at ``config``'s URLs; raises :class:`DemoError`."""
    api = HttpApi(config.api_url, config.token)
    shop = ShopReader(config.shop_url, config.shop_key)
    try:
        flow = MerchantFlow(
            api,
            shop_url=config.shop_url,
            shop_key=config.shop_key,
            shop=shop,
            out=out,
            wait=wait,
            timeout=config.timeout,
        )
        return flow.run()
    finally:
        api.close()
        shop.close()


def config_from_environment(environ: Mapping[str, str] | None = None) -> DemoConfig:
    """URLs, key and token from the environment and the running stack's state file."""
    env = dict(os.environ if environ is None else environ)
    from local.stack.state import read_state

    state = read_state() or {}
    api_url = env.get("SHOPHUB_API_URL") or state.get("api_url") or DEFAULT_API_URL
    shop_url = env.get("SHOPHUB_SHOP_URL") or state.get("shop_url") or ""
    if not shop_url:
        raise DemoError("configuration", "no shop URL: set SHOPHUB_SHOP_URL or start the stack with `make run`")
    shop_key = env.get("SHOPHUB_SHOP_KEY") or ""
    if len(shop_key) != 32:
        raise DemoError(
            "configuration",
            "the simulator's webservice key is needed: set SHOPHUB_SHOP_KEY to the key `make run` printed "
            "(or start `make run` with SHOPHUB_SHOP_KEY set to 32 characters)",
        )
    token = env.get("SHOPHUB_DEV_TOKEN") or ""
    if not token:
        token = _new_token()
    return DemoConfig(api_url=api_url, shop_url=shop_url, shop_key=shop_key, token=token)


def _new_token() -> str:
    from local.stack.token import TokenError, create_token, local_client

    try:
        client, table = local_client()
        return create_token(client, table, DEMO_TENANT)  # named demo-<date> (-2, -3, ... on later runs)
    except TokenError as exc:
        raise DemoError("configuration", f"{exc} (or set SHOPHUB_DEV_TOKEN)") from None


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m local.demo", description="Walk the merchant flow")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for each asynchronous step")
    args = parser.parse_args(argv)
    try:
        config = config_from_environment()
        config = DemoConfig(config.api_url, config.shop_url, config.shop_key, config.token, args.timeout)
        print(f"ShopHub demo: API {config.api_url}, shop {config.shop_url}", flush=True)
        run_demo(config)
    except DemoError as exc:
        print(f"\nFAILED at step '{exc.step}': {exc.message}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
