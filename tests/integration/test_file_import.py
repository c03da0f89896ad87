"""Imports from the files a real PrestaShop 8.1.2 back office exports, as they are.

Against the simulator serving the recorded demo shop (whose ids the exports name), through the
public API and the real functions on moto. Every data line of a file is used, refused with its
reason or blank; the hub products get the file's identifiers and quantities, the offers the
shop's stock rows. A file naming every variant by id (the stock export) costs one read of stock
rows per 100 products and no catalogue read; a product list also reads the products' variants."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from local.prestashop import ShopSimulator, SimulatorConfig
from local.stack.moto_patches import item_level_transaction_rollback
from tests.support.merchant import InProcessHub, MerchantAccount, SteppedClock, expect

EXPORTS = (
    Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "prestashop-8.1.2-demo" / "backoffice-exports"
)
KEY = "DEMOSHOPKEY000000000000000000001"


@pytest.fixture
def world(stack) -> Iterator[tuple[InProcessHub, MerchantAccount]]:
    with item_level_transaction_rollback():
        hub = InProcessHub(stack, SteppedClock())
        shop = ShopSimulator(SimulatorConfig(key=KEY, dataset="demo"), clock=hub.clock)
        shop.start()
        try:
            yield hub, MerchantAccount.connect(hub, shop, "t-files")
        finally:
            shop.stop()
            hub.close()


def upload(account: MerchantAccount, name: str, query: str) -> tuple[int, dict]:
    answer = account.client.call(
        "POST", account.path("/imports/file"), query=query, raw_body=(EXPORTS / name).read_bytes()
    )
    return answer.status, answer.json


def finished(hub: InProcessHub, account: MerchantAccount, run_id: str) -> dict:
    hub.settle()
    run = expect(account.get(f"/imports/{run_id}"), 200)
    assert run["status"] == "finished", run
    return dict(run)


def test_the_stock_export_imports_every_variant_with_the_files_quantities(world) -> None:
    hub, account = world
    shop = account.shop
    before = shop.request_count

    status, body = upload(account, "stock-export.csv", "mode=import&unique_identifier=symbol&with_stock=true")

    # Then every line is a variant: 19 products, 47 variants, each with the file's quantity
    assert status == 202, body
    run = finished(hub, account, body["id"])
    assert run["source"] == "file" and run["file"] == {"kind": "stock", "lines": 47, "blank": 0}
    assert (run["lines_refused"], run["total"], run["created"] + run["linked"], run["failed"]) == (0, 19, 47, 0)
    assert len(account.linked_rows()) == 47
    # and the offers carry the shop's stock rows
    offers = account.offers()
    assert all(o.stock_ref == shop.data.stock_row_for(o.shop_product_id, o.shop_variant_id)["id"] for o in offers)
    # (no listing and no catalogue read: the file names every variant and has its quantity; one
    # batched read of the 19 products' stock rows)
    assert shop.request_count - before == 1
    assert [r.path for r in shop.requests[before:]] == ["/api/stock_availables"]


def test_a_quantity_in_the_file_is_the_one_the_hub_takes(world) -> None:
    hub, account = world
    lines = (EXPORTS / "stock-export.csv").read_text(encoding="utf-8").splitlines()
    cells = lines[2].split(";")  # product 18, combination 36: 300 available in the shop
    cells[10] = "7"
    answer = account.client.call(
        "POST",
        account.path("/imports/file"),
        query="mode=import&unique_identifier=symbol&with_stock=true",
        raw_body="\n".join([lines[0], ";".join(cells)]),
    )
    assert answer.status == 202, answer.json
    finished(hub, account, answer.json["id"])

    [offer] = account.offers()
    assert (offer.shop_product_id, offer.shop_variant_id) == (18, 36)
    product = expect(account.client.get(f"/products/{offer.hub_product_id}"), 200)
    assert product["stock"] == 7


def test_the_product_list_export_with_its_short_rows_imports_every_product(world) -> None:
    hub, account = world

    status, body = upload(account, "products-export.csv", "mode=import&unique_identifier=symbol")

    assert status == 202, body
    run = finished(hub, account, body["id"])
    assert run["file"]["kind"] == "product_list" and run["file"]["lines"] == 19
    assert run["lines_refused"] == 0
    assert run["total"] == 19
    assert len(account.linked_rows()) == 47  # a product row stands for all its variants


def test_the_sql_manager_export_is_read_as_it_is(world) -> None:
    hub, account = world

    status, body = upload(account, "products-v2-sqlmanager-export.csv", "mode=import&unique_identifier=symbol")

    assert status == 202, body
    run = finished(hub, account, body["id"])
    assert (run["file"]["kind"], run["total"], run["failed"]) == ("sql_manager", 19, 0)


@pytest.mark.parametrize(("name", "code"), [("orders-export.csv", "catalogue_file_unknown_header")])
def test_a_file_that_is_no_catalogue_is_refused_and_starts_nothing(world, name: str, code: str) -> None:
    _, account = world

    status, body = upload(account, name, "mode=import&unique_identifier=symbol")

    assert status == 422 and body["error"]["code"] == code, body
    assert expect(account.get("/imports"), 200)["items"] == []


def test_refused_lines_are_listed_with_their_reasons_in_file_order(world) -> None:
    hub, account = world
    text = (EXPORTS / "stock-export.csv").read_text(encoding="utf-8").splitlines()
    broken = [text[0], text[1], text[2].replace(text[2].split(";")[0], "abc", 1), "", text[3], text[1]]
    answer = account.client.call(
        "POST", account.path("/imports/file"), query="mode=link&unique_identifier=symbol", raw_body="\n".join(broken)
    )
    assert answer.status == 202, answer.json
    run = finished(hub, account, answer.json["id"])

    assert (run["file"]["lines"], run["file"]["blank"], run["lines_refused"]) == (5, 1, 2)
    refusals = expect(account.get(f"/imports/{run['id']}/refusals"), 200)["items"]
    assert [r["line"] for r in refusals] == [3, 6]
