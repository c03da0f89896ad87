"""Per-record baselines: the same jobs done the way common PrestaShop connectors do them.

One request per record, through the same HTTP client ShopHub uses
(:class:`shophub.connectors.prestashop.client.PrestaShopClient` and its
:class:`~shophub.connectors.prestashop.query.Query` builder), so the difference measured is the
access pattern, not the client:

* import: list the product ids, then GET each product, GET each of its combinations and search
  the stock row of each variant (``stock_availables?filter[id_product]&filter[id_product_attribute]``);
* stock: for each change, search the stock row, GET it (XML) and PUT the full record back with
  the new quantity (the pattern that works on every version, 1.7 included);
* orders: list the new order ids, then GET each order, its customer, its delivery address (and
  the invoice address when it differs) and search its ``order_details``.

Each function returns how many requests it sent, how long it took and how many records it did;
:func:`scaled` extrapolates a sample run to the full size (requests per record are fixed).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from shophub.connectors.prestashop.client import PrestaShopClient
from shophub.connectors.prestashop.parse import records_from_json, records_from_xml, xml_body
from shophub.connectors.prestashop.query import Query

#: Ids per listing request of the baselines (PrestaShop has no maximum; 1000 ids is cheap).
LIST_PAGE = 1000
#: Orders per listing page (connectors page new orders by id).
ORDER_PAGE = 100


@dataclass(frozen=True)
class BaselineRun:
    """What a per-record run did: ``records`` processed with ``requests`` (``listing`` of them
    were list requests) in ``wall_s`` seconds."""

    records: int
    requests: int
    listing: int
    wall_s: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ScaledBaseline:
    """A baseline run extrapolated to ``records`` (exact when the run covered them all)."""

    records: int
    requests: int
    wall_s: float
    measured: BaselineRun
    extrapolated: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "requests": self.requests,
            "wall_s": round(self.wall_s, 2),
            "extrapolated": self.extrapolated,
            "measured": self.measured.as_dict(),
        }


def scaled(run: BaselineRun, records: int, listing_for: int) -> ScaledBaseline:
    """``run`` scaled to ``records``: per-record requests and time times ``records``, plus the
    ``listing_for`` list requests the full size needs."""
    if run.records >= records or run.records == 0:
        return ScaledBaseline(records, run.requests, run.wall_s, run, extrapolated=False)
    per_record = (run.requests - run.listing) / run.records
    per_record_s = run.wall_s / run.records
    return ScaledBaseline(
        records=records,
        requests=round(per_record * records) + listing_for,
        wall_s=per_record_s * records,
        measured=run,
        extrapolated=True,
    )


def run_scaled(
    shop_url: str,
    key: str,
    measure: Callable[[PrestaShopClient], BaselineRun],
    *,
    records: int,
    listing_for: int,
    noun: str,
    log: Callable[[str], None],
) -> ScaledBaseline:
    """Run a per-record baseline against the shop, scale it to ``records`` (see :func:`scaled`)
    and log what was measured."""
    client = PrestaShopClient(shop_url, key, allow_local=True)
    try:
        measured = measure(client)
    finally:
        client.close()
    baseline = scaled(measured, records, listing_for)
    log(
        f"  per-record: {measured.requests} requests for {measured.records} {noun} in {measured.wall_s:.1f} s"
        + (f" -> {baseline.requests} for {records}" if baseline.extrapolated else "")
    )
    return baseline


def _single(client: PrestaShopClient, resource: str, record_id: int, singular: str) -> dict[str, Any]:
    records = records_from_json(client.get_json(f"{resource}/{record_id}"), resource, singular)
    if not records:
        raise LookupError(f"{resource}/{record_id} not found")
    return records[0]


def _ids(client: PrestaShopClient, resource: str, *, limit: int, page: int, after: int = 0) -> tuple[list[int], int]:
    """The first ``limit`` ids after ``after`` (pages of ``page``); returns them and the requests."""
    ids: list[int] = []
    requests = 0
    while len(ids) < limit:
        wanted = min(page, limit - len(ids))
        query = Query().display(["id"]).where_gt("id", after).sort(("id", "ASC")).limit(wanted)
        found = [int(r["id"]) for r in records_from_json(client.get_json(resource, query), resource)]
        requests += 1
        ids.extend(found)
        if len(found) < wanted:
            break
        after = found[-1]
    return ids, requests


def _association_ids(record: dict[str, Any], name: str) -> list[int]:
    items = (record.get("associations") or {}).get(name) or []
    return [int(item["id"]) for item in items if isinstance(item, dict) and item.get("id")]


# --- import --------------------------------------------------------------------------------------------


def import_per_record(client: PrestaShopClient, products: int) -> BaselineRun:
    """Read ``products`` products with their combinations and stock, one record per request."""
    started = time.perf_counter()
    before = client.request_count
    ids, listing = _ids(client, "products", limit=products, page=LIST_PAGE)
    for product_id in ids:
        product = _single(client, "products", product_id, "product")
        combinations = _association_ids(product, "combinations")
        for combination_id in combinations:
            _single(client, "combinations", combination_id, "combination")
        for attribute in combinations or [0]:
            query = Query().display("full").where("id_product", product_id).where("id_product_attribute", attribute)
            records_from_json(client.get_json("stock_availables", query), "stock_availables")
    return BaselineRun(len(ids), client.request_count - before, listing, time.perf_counter() - started)


# --- stock -------------------------------------------------------------------------------------------


def stock_per_record(client: PrestaShopClient, changes: Sequence[tuple[int, int, int]]) -> BaselineRun:
    """Apply ``(id_product, id_product_attribute, quantity)`` changes one by one: search the row,
    GET it, PUT the whole record back with the new quantity."""
    started = time.perf_counter()
    before = client.request_count
    for id_product, id_attribute, quantity in changes:
        query = Query().display(["id"]).where("id_product", id_product).where("id_product_attribute", id_attribute)
        rows = records_from_json(client.get_json("stock_availables", query), "stock_availables")
        if not rows:
            raise LookupError(f"no stock row for product {id_product} / combination {id_attribute}")
        stock_id = int(rows[0]["id"])
        [record] = records_from_xml(
            client.get_xml(f"stock_availables/{stock_id}"), "stock_availables", "stock_available"
        )
        full = {k: v for k, v in record.items() if k != "associations"}
        full["quantity"] = quantity
        client.request(
            "PUT",
            f"stock_availables/{stock_id}",
            body=xml_body("stock_available", [full]),
            idempotent=True,
            output="auto",
        )
    return BaselineRun(len(changes), client.request_count - before, 0, time.perf_counter() - started)


# --- orders ------------------------------------------------------------------------------------------


def orders_per_record(client: PrestaShopClient, orders: int) -> BaselineRun:
    """Read ``orders`` new orders with their customer, addresses and lines, one record per request."""
    started = time.perf_counter()
    before = client.request_count
    ids, listing = _ids(client, "orders", limit=orders, page=ORDER_PAGE)
    for order_id in ids:
        order = _single(client, "orders", order_id, "order")
        _single(client, "customers", int(order["id_customer"]), "customer")
        delivery, invoice = int(order["id_address_delivery"]), int(order["id_address_invoice"])
        for address_id in dict.fromkeys((delivery, invoice)):
            _single(client, "addresses", address_id, "address")
        query = Query().display("full").where("id_order", order_id)
        records_from_json(client.get_json("order_details", query), "order_details")
    return BaselineRun(len(ids), client.request_count - before, listing, time.perf_counter() - started)
