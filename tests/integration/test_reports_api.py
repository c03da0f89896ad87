"""GET /accounts/{id}/reports and GET /accounts/{id}/reports/{rid}: stock sync reports written by
the pusher (and import reports), paged, entries rendered in the caller's language, other
tenants' accounts and reports not found."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from local.prestashop import ShopSimulator
from shophub.domain.reports import Report, ReportEntry
from shophub.store import keys
from tests.support.api import ApiClient
from tests.support.aws import TestStack
from tests.support.stock import (
    NOW,
    ShopAccount,
    create_account,
    create_products,
    link_rows,
    queued,
    run_pusher,
    start_shop,
    stock_rows,
)

pytestmark = pytest.mark.usefixtures("fast_transactions")

TENANT = "tenant-a"


@pytest.fixture
def sim() -> Iterator[ShopSimulator]:
    shop = start_shop(products=3, combinations=1)
    yield shop
    shop.stop()


@pytest.fixture
def pushed(stack: TestStack, sim: ShopSimulator) -> ShopAccount:
    """An account whose stock push wrote one report: product 1 written, product 2's row deleted."""
    account = create_account(stack, TENANT, sim)
    rows = stock_rows(sim)[:2]
    refs = {
        pid: [keys.offer_ref(account.id, int(r["id_product"]), int(r["id_product_attribute"]))]
        for pid, r in enumerate(rows, start=1)
    }
    create_products(stack, TENANT, [1, 2], offer_refs=refs)
    link_rows(stack, TENANT, account, list(enumerate(rows, start=1)))
    sim.data.delete("stock_availables", int(rows[1]["id"]))
    api = ApiClient(token=stack.container.tokens.create(TENANT))
    api.put("/stock", {"items": [{"product_id": 1, "quantity": 12}, {"product_id": 2, "quantity": 5}]})
    run_pusher(stack, queued(stack))
    return account


def write_import_report(stack: TestStack, account: ShopAccount, minutes: int) -> str:
    report = Report(
        id=f"imp{minutes}",
        type="import",
        account_id=account.id,
        tenant_id=TENANT,
        at=NOW + timedelta(minutes=minutes),
        ok=3,
        failed=0,
        source_id="import-1",
    )
    stack.container.reports.write(report, [ReportEntry(hub_product_id=1, outcome="created", message="Utworzono")])
    return report.id


def test_stock_reports_are_listed_and_read_with_every_entry(stack: TestStack, pushed: ShopAccount) -> None:
    # Given
    api = ApiClient(token=stack.container.tokens.create(TENANT), language="en")

    # When
    listing = api.get(f"/accounts/{pushed.id}/reports", query="type=stock")
    [summary] = listing.json["items"]
    detail = api.get(f"/accounts/{pushed.id}/reports/{summary['id']}")

    # Then
    assert listing.status == 200
    assert listing.json["next"] is None
    assert {k: summary[k] for k in ("type", "ok", "failed")} == {"type": "stock", "ok": 1, "failed": 1}
    assert summary["summary"]["shop_requests"] >= 1
    assert detail.status == 200
    assert detail.json["id"] == summary["id"]
    first, second = detail.json["entries"]
    assert first == {
        "hub_product_id": 1,
        "shop_product_id": pushed.links[0].shop_product_id,
        "shop_combination_id": pushed.links[0].shop_variant_id,
        "old": None,
        "new": 12,
        "outcome": "ok",
        "message": "",
    }
    assert (second["hub_product_id"], second["new"], second["outcome"]) == (2, 5, "failed")
    assert second["message"] == (
        f"Stock row {pushed.links[1].stock_id} (stock_available) no longer exists in the shop. Link the product again."
    )


def test_entry_messages_follow_the_callers_language(stack: TestStack, pushed: ShopAccount) -> None:
    api = ApiClient(token=stack.container.tokens.create(TENANT), language="pl")
    [summary] = api.get(f"/accounts/{pushed.id}/reports").json["items"]

    entries = api.get(f"/accounts/{pushed.id}/reports/{summary['id']}").json["entries"]

    assert entries[1]["message"] == (
        f"Wiersz stanu {pushed.links[1].stock_id} (stock_available) nie istnieje już w sklepie. Połącz produkt ponownie."
    )


def test_reports_are_filtered_by_type_and_paged_newest_first(stack: TestStack, pushed: ShopAccount) -> None:
    # Given import reports after the stock report
    older = write_import_report(stack, pushed, minutes=60 * 24 * 365)
    newer = write_import_report(stack, pushed, minutes=60 * 24 * 366)
    api = ApiClient(token=stack.container.tokens.create(TENANT))

    # When
    imports = api.get(f"/accounts/{pushed.id}/reports", query="type=import")
    first = api.get(f"/accounts/{pushed.id}/reports", query="limit=2")
    rest = api.get(f"/accounts/{pushed.id}/reports", query=f"limit=2&next={first.json['next']}")

    # Then
    assert [r["id"] for r in imports.json["items"]] == [newer, older]
    assert imports.json["items"][0]["source_id"] == "import-1"
    assert [r["id"] for r in first.json["items"]] == [newer, older]
    assert [r["type"] for r in rest.json["items"]] == ["stock"]
    assert rest.json["next"] is None
    import_detail = api.get(f"/accounts/{pushed.id}/reports/{newer}")
    assert import_detail.json["entries"][0]["message"] == "Utworzono"


def test_bad_filters_and_tokens_are_refused(stack: TestStack, pushed: ShopAccount) -> None:
    api = ApiClient(token=stack.container.tokens.create(TENANT), language="en")

    bad_type = api.get(f"/accounts/{pushed.id}/reports", query="type=orders")
    bad_limit = api.get(f"/accounts/{pushed.id}/reports", query="limit=0")
    bad_token = api.get(f"/accounts/{pushed.id}/reports", query="next=abc")

    assert bad_type.status == 422
    assert bad_type.json["error"]["details"][0]["field"] == "type"
    assert bad_limit.status == 422
    assert bad_token.status == 400
    assert bad_token.json["error"]["code"] == "invalid_paging_token"


@pytest.mark.parametrize(("language", "message"), [("pl", "Nie znaleziono raportu."), ("en", "Report not found.")])
def test_an_unknown_report_is_not_found(stack: TestStack, pushed: ShopAccount, language: str, message: str) -> None:
    api = ApiClient(token=stack.container.tokens.create(TENANT), language=language)

    answer = api.get(f"/accounts/{pushed.id}/reports/nosuchreport")

    assert answer.status == 404
    assert answer.json["error"] == {"code": "report_not_found", "message": message, "details": []}


def test_another_tenant_sees_neither_the_account_nor_its_reports(stack: TestStack, pushed: ShopAccount) -> None:
    owner = ApiClient(token=stack.container.tokens.create(TENANT))
    [summary] = owner.get(f"/accounts/{pushed.id}/reports").json["items"]
    stranger = ApiClient(token=stack.container.tokens.create("tenant-b"), language="en")

    listing = stranger.get(f"/accounts/{pushed.id}/reports")
    detail = stranger.get(f"/accounts/{pushed.id}/reports/{summary['id']}")

    assert listing.status == 404
    assert detail.status == 404


def test_a_report_is_read_only_through_its_own_account(
    stack: TestStack, pushed: ShopAccount, sim: ShopSimulator
) -> None:
    other = create_account(stack, TENANT, sim, name="Drugi")
    api = ApiClient(token=stack.container.tokens.create(TENANT))
    [summary] = api.get(f"/accounts/{pushed.id}/reports").json["items"]

    answer = api.get(f"/accounts/{other.id}/reports/{summary['id']}")

    assert answer.status == 404
    assert answer.json["error"]["code"] == "report_not_found"


def test_report_routes_need_a_token(stack: TestStack) -> None:
    anonymous = ApiClient(token=None)

    assert anonymous.get("/accounts/abc/reports").status == 401
    assert anonymous.get("/accounts/abc/reports/def").status == 401
