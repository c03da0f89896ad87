"""After a linking run, the shop variants left without a link and why, in the API and as CSV;
and the run's counters, products and variants each in their own unit. On the recorded demo shop
through the public API and the real functions on moto."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.prestashop import ShopSimulator, SimulatorConfig
from local.stack.moto_patches import item_level_transaction_rollback
from tests.support.aws import presigned_object
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
            yield hub, MerchantAccount.connect(hub, shop, "t-unlinked", language="pl")
        finally:
            shop.stop()
            hub.close()


def import_one_product_from_the_stock_export(hub: InProcessHub, account: MerchantAccount, product_id: int) -> None:
    lines = (EXPORTS / "stock-export.csv").read_text(encoding="utf-8").splitlines()
    chosen = [lines[0], *(line for line in lines[1:] if line.split(";")[0] == str(product_id))]
    answer = account.client.call(
        "POST", account.path("/imports/file"), query="mode=import&unique_identifier=symbol", raw_body="\n".join(chosen)
    )
    assert answer.status == 202, answer.json
    hub.settle()


def unlinked(account: MerchantAccount, run_id: str) -> list[dict]:
    found: list[dict] = []
    token = ""
    while True:
        page = expect(
            account.get(f"/imports/{run_id}/unlinked", query="limit=20" + (f"&next={token}" if token else "")), 200
        )
        found += page["items"]
        token = page.get("next") or ""
        if not token:
            return found


def test_a_link_run_lists_the_variants_it_left_unlinked_with_their_reasons(world) -> None:
    hub, account = world
    # Given hub products for product 1 only (its 8 combinations share one reference, demo_1)
    import_one_product_from_the_stock_export(hub, account, 1)

    # When the merchant links the whole shop by symbol
    run = account.run_import("link", "symbol")

    # Then the counters say products and variants apart
    assert (run["products_total"], run["products_processed"], run["products_skipped"], run["products_failed"]) == (
        19,
        19,
        0,
        0,
    )
    assert run["variants_total"] == 47
    assert run["variants_total"] == sum(run[f"variants_{k}"] for k in ("created", "linked", "skipped", "failed"))
    assert (run["variants_created"], run["variants_linked"]) == (0, 0)
    assert run["variants_skipped"] == 47  # 8 linked before, 39 without a hub product
    # And the unlinked list holds the 39 variants with no hub product, each with its reason in Polish
    items = unlinked(account, run["id"])
    assert len(items) == 39
    assert 1 not in {i["shop_product_id"] for i in items}
    notebook = next(i for i in items if (i["shop_product_id"], i["shop_combination_id"]) == (18, 36))
    assert notebook["reason"] == "W hubie nie ma produktu o identyfikatorze symbol „demo_10”."


def test_the_unlinked_list_downloads_as_csv(world) -> None:
    hub, account = world
    run = account.run_import("link", "ean")  # the demo shop has no EANs: every variant stays unlinked

    answer = account.get(f"/imports/{run['id']}/unlinked.csv")

    assert answer.status == 303
    text = presigned_object(hub.container, answer.headers["location"]).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 47
    assert list(rows[0]) == [
        "shop_product_id",
        "shop_combination_id",
        "name",
        "ean",
        "symbol",
        "catalog_number",
        "status",
        "reason",
    ]
    assert {r["status"] for r in rows} == {"skipped"}
