"""The stock pusher against the simulator: coalesced pushes of the newest hub quantity to every
linked row, filters (settings, templates, deleted accounts), no-ops, stale and duplicated
messages, transient and permanent shop failures, pacing, reports, activity log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest

from local.prestashop import ShopSimulator
from local.stack.runtime import Invoker
from shophub.services import stock_push
from shophub.services.push_breakers import BreakerPolicy
from shophub.services.stock_push import Delivery
from shophub.store import keys
from tests.support.api import ApiClient
from tests.support.aws import TestStack
from tests.support.logs import account_log_items
from tests.support.races import LinedUpClient, race
from tests.support.stock import (
    SHOP_KEY,
    ShopAccount,
    add_template,
    create_account,
    create_products,
    failed_ids,
    hub_product,
    link_rows,
    offer_item,
    queued,
    run_pusher,
    shop_quantity,
    start_shop,
    stock_reports,
    stock_rows,
)

pytestmark = pytest.mark.usefixtures("fast_transactions")

TENANT = "tenant-a"


@pytest.fixture
def sim() -> Iterator[ShopSimulator]:
    shop = start_shop(products=6, combinations=2)
    yield shop
    shop.stop()


@pytest.fixture
def api(stack: TestStack) -> ApiClient:
    return ApiClient(token=stack.container.tokens.create(TENANT), language="en")


def linked_shop(stack: TestStack, sim: ShopSimulator, count: int = 4, *, with_offer_keys: bool = True) -> ShopAccount:
    """``count`` hub products (ids 1..count) linked to the first ``count`` stock rows."""
    account = create_account(stack, TENANT, sim)
    rows = stock_rows(sim)[:count]
    refs = {
        pid: [keys.offer_ref(account.id, int(row["id_product"]), int(row["id_product_attribute"]))]
        for pid, row in enumerate(rows, start=1)
    }
    create_products(stack, TENANT, range(1, count + 1), offer_refs=refs if with_offer_keys else None)
    link_rows(stack, TENANT, account, list(enumerate(rows, start=1)))
    return account


def set_stock(api: ApiClient, **quantities: int) -> None:
    items = [{"product_id": int(pid.removeprefix("p")), "quantity": q} for pid, q in quantities.items()]
    assert api.put("/stock", {"items": items}).status == 202


def test_changes_reach_every_linked_row_in_one_request(stack: TestStack, sim: ShopSimulator, api: ApiClient) -> None:
    # Given four linked products and three changes, two of them to one product
    account = linked_shop(stack, sim)
    set_stock(api, p1=11, p2=22)
    set_stock(api, p1=5)
    sim.reset_requests()

    # When the pusher gets both messages in one batch
    answer = run_pusher(stack, queued(stack))

    # Then one PATCH carries the newest quantity of each changed row
    assert failed_ids(answer) == []
    link1, link2, link3, _ = account.links
    assert shop_quantity(sim, link1.stock_id) == 5
    assert shop_quantity(sim, link2.stock_id) == 22
    assert sim.count("PATCH", "stock_availables") == 1
    assert sim.request_count == 1
    assert offer_item(stack, link1)["pushed_quantity"] == 5
    assert offer_item(stack, link1)["pushed_version"] == 2
    assert "pushed_quantity" not in offer_item(stack, link3)
    [(report, entries)] = stock_reports(stack, account.id)
    assert (report["ok"], report["failed"]) == (2, 0)
    assert [(e["hub_product_id"], e.get("old"), e["new"], e["outcome"]) for e in entries] == [
        (1, None, 5, "ok"),
        (2, None, 22, "ok"),
    ]
    logs = account_log_items(stack.table, account.account.tenant_id, account.id)
    assert [(log["action"], log["outcome"], log["details"]["ok"]) for log in logs] == [("stock.pushed", "ok", 2)]


def test_products_without_offer_keys_are_found_through_the_index(
    stack: TestStack, sim: ShopSimulator, api: ApiClient
) -> None:
    account = linked_shop(stack, sim, with_offer_keys=False)
    set_stock(api, p3=17)

    answer = run_pusher(stack, queued(stack))

    assert failed_ids(answer) == []
    assert shop_quantity(sim, account.links[2].stock_id) == 17


def test_a_stale_or_repeated_message_pushes_the_newest_quantity_once(
    stack: TestStack, sim: ShopSimulator, api: ApiClient
) -> None:
    # Given a product changed twice; only the older message arrives first
    account = linked_shop(stack, sim)
    set_stock(api, p1=8)
    set_stock(api, p1=3)
    older, newer = queued(stack)

    # When the older message is delivered, then the newer, then the older once more
    first = run_pusher(stack, [older])
    quantity_after_first = shop_quantity(sim, account.links[0].stock_id)
    sim.reset_requests()
    second = run_pusher(stack, [newer])
    third = run_pusher(stack, [older])

    # Then the first delivery already pushed the newest quantity and the others send nothing
    assert failed_ids(first) == failed_ids(second) == failed_ids(third) == []
    assert quantity_after_first == 3
    assert sim.request_count == 0
    assert shop_quantity(sim, account.links[0].stock_id) == 3
    outcomes = [[e["outcome"] for e in entries] for _, entries in stock_reports(stack, account.id)]
    assert sorted(outcomes) == [["ok"], ["unchanged"], ["unchanged"]]


def test_only_accounts_that_want_stock_and_templates_that_sync_it_get_pushes(
    stack: TestStack, sim: ShopSimulator, api: ApiClient
) -> None:
    # Given one product linked in four accounts: stock on, stock off, deleted, and an offer
    # whose own template does not sync stock
    other = start_shop(products=6, combinations=2, key="OTHERKEY000000000000000000000002", seed=2)
    try:
        wanted = create_account(stack, TENANT, sim)
        off = create_account(stack, TENANT, other, update_stock=False)
        deleted = create_account(stack, TENANT, other, status="deleted")
        no_sync = create_account(stack, TENANT, other)
        quiet_template = add_template(stack, no_sync, sync_stock=False)
        row, other_rows = stock_rows(sim)[0], stock_rows(other)
        refs = [
            keys.offer_ref(a.id, int(r["id_product"]), int(r["id_product_attribute"]))
            for a, r in ((wanted, row), (off, other_rows[0]), (deleted, other_rows[1]), (no_sync, other_rows[2]))
        ]
        create_products(stack, TENANT, [1], offer_refs={1: refs})
        link_rows(stack, TENANT, wanted, [(1, row)])
        link_rows(stack, TENANT, off, [(1, other_rows[0])])
        link_rows(stack, TENANT, deleted, [(1, other_rows[1])])
        link_rows(stack, TENANT, no_sync, [(1, other_rows[2])], template_id=quiet_template)
        before = [shop_quantity(other, int(r["id"])) for r in other_rows[:3]]
        other.reset_requests()
        set_stock(api, p1=42)

        # When
        answer = run_pusher(stack, queued(stack))

        # Then only the wanted account's row changed, and only it has a report
        assert failed_ids(answer) == []
        assert shop_quantity(sim, int(row["id"])) == 42
        assert [shop_quantity(other, int(r["id"])) for r in other_rows[:3]] == before
        assert other.request_count == 0
        assert len(stock_reports(stack, wanted.id)) == 1
        assert (
            stock_reports(stack, off.id) == stock_reports(stack, deleted.id) == stock_reports(stack, no_sync.id) == []
        )
    finally:
        other.stop()


def test_an_offer_without_a_template_uses_the_accounts_default(
    stack: TestStack, sim: ShopSimulator, api: ApiClient
) -> None:
    account = create_account(stack, TENANT, sim)
    row = stock_rows(sim)[0]
    create_products(stack, TENANT, [1])
    link_rows(stack, TENANT, account, [(1, row)], template_id="")
    set_stock(api, p1=9)

    run_pusher(stack, queued(stack))

    assert shop_quantity(sim, int(row["id"])) == 9


def test_a_row_the_shop_already_has_is_not_sent(stack: TestStack, sim: ShopSimulator, api: ApiClient) -> None:
    # Given a row whose last pushed quantity equals the new hub stock
    account = create_account(stack, TENANT, sim)
    row = stock_rows(sim)[0]
    create_products(
        stack,
        TENANT,
        [1],
        offer_refs={1: [keys.offer_ref(account.id, int(row["id_product"]), int(row["id_product_attribute"]))]},
    )
    link_rows(stack, TENANT, account, [(1, row)], pushed_quantity=7)
    set_stock(api, p1=7)
    sim.reset_requests()

    run_pusher(stack, queued(stack))

    assert sim.request_count == 0
    [(report, entries)] = stock_reports(stack, account.id)
    assert report["summary"]["unchanged"] == 1
    assert [(e["old"], e["new"], e["outcome"]) for e in entries] == [(7, 7, "unchanged")]


def test_a_passing_shop_failure_gives_back_only_that_shops_rows_as_its_own_message(
    stack: TestStack, sim: ShopSimulator, api: ApiClient
) -> None:
    # Given two shops; product 1 is linked in the healthy one, product 2 in the failing one
    failing = start_shop(products=4, combinations=1, key="FAILKEY0000000000000000000000003", seed=3)
    try:
        healthy = create_account(stack, TENANT, sim)
        broken = create_account(stack, TENANT, failing)
        good_row, bad_row = stock_rows(sim)[0], stock_rows(failing)[0]
        create_products(
            stack,
            TENANT,
            [1, 2],
            offer_refs={
                1: [keys.offer_ref(healthy.id, int(good_row["id_product"]), int(good_row["id_product_attribute"]))],
                2: [keys.offer_ref(broken.id, int(bad_row["id_product"]), int(bad_row["id_product_attribute"]))],
            },
        )
        link_rows(stack, TENANT, healthy, [(1, good_row)])
        link_rows(stack, TENANT, broken, [(2, bad_row)])
        set_stock(api, p1=4)
        set_stock(api, p2=6)
        first, second = queued(stack)
        failing.inject_fault("503", count=20, path_prefix="stock_availables")
        stack.container.breaker_policy = BreakerPolicy(retry_seconds=0)

        # When
        answer = run_pusher(stack, [first, second])

        # Then no message of the batch comes back: the failing shop's row is given back as that
        # account's own message; the report says the shop will be retried
        assert failed_ids(answer) == []
        assert shop_quantity(sim, int(good_row["id"])) == 4
        assert shop_quantity(failing, int(bad_row["id"])) != 6
        [(_, entries)] = stock_reports(stack, broken.id)
        assert entries[0]["outcome"] == "failed"
        assert entries[0]["reason"] == "stock_entry_retry"
        [given_back] = queued(stack)
        body = json.loads(given_back["Body"])
        assert (body["account_id"], [c["product_id"] for c in body["changes"]]) == (broken.id, [2])

        # When the shop recovers and the given-back message comes
        failing.clear_faults()
        again = run_pusher(stack, [given_back])

        # Then the row gets the quantity
        assert failed_ids(again) == []
        assert shop_quantity(failing, int(bad_row["id"])) == 6
    finally:
        failing.stop()


def test_a_deleted_shop_row_is_reported_and_not_retried(stack: TestStack, sim: ShopSimulator, api: ApiClient) -> None:
    # Given two linked rows, one of them deleted in the shop
    account = linked_shop(stack, sim, count=2)
    gone, kept = account.links
    sim.data.delete("stock_availables", gone.stock_id)
    set_stock(api, p1=3, p2=4)

    # When
    answer = run_pusher(stack, queued(stack))

    # Then the message succeeds, the other row is written, the report names the missing row
    assert failed_ids(answer) == []
    assert shop_quantity(sim, kept.stock_id) == 4
    [(report, entries)] = stock_reports(stack, account.id)
    assert (report["ok"], report["failed"]) == (1, 1)
    assert entries[0]["outcome"] == "failed"
    assert entries[0]["reason"] == "stock_entry_row_missing"
    assert str(gone.stock_id) in entries[0]["message"]


def test_a_quantity_above_the_platforms_largest_is_reported_and_not_sent(
    stack: TestStack, sim: ShopSimulator, api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a platform whose largest quantity is 1000 and two changes, one above it
    profile = stock_push.profile_for("prestashop")
    monkeypatch.setattr(stock_push, "profile_for", lambda _: replace(profile, max_stock_quantity=1000))
    account = linked_shop(stack, sim, count=2)
    big, small = account.links
    before = shop_quantity(sim, big.stock_id)
    set_stock(api, p1=5000, p2=7)
    sim.reset_requests()

    # When
    answer = run_pusher(stack, queued(stack))

    # Then the message succeeds, only the quantity the shop accepts is sent, the report says why
    assert failed_ids(answer) == []
    assert shop_quantity(sim, small.stock_id) == 7
    assert shop_quantity(sim, big.stock_id) == before
    assert sim.request_count == 1
    [(report, entries)] = stock_reports(stack, account.id)
    assert (report["ok"], report["failed"]) == (1, 1)
    assert (entries[0]["hub_product_id"], entries[0]["reason"]) == (1, "stock_entry_too_large")
    assert entries[0]["params"] == {"quantity": "5000", "max": "1000"}
    assert "pushed_quantity" not in offer_item(stack, big)


def test_a_shop_that_refuses_the_key_fails_its_rows_for_good(
    stack: TestStack, sim: ShopSimulator, api: ApiClient
) -> None:
    account = linked_shop(stack, sim, count=1)
    sim.remove_key(SHOP_KEY)
    set_stock(api, p1=3)

    answer = run_pusher(stack, queued(stack))

    assert failed_ids(answer) == []
    [(report, entries)] = stock_reports(stack, account.id)
    assert report["failed"] == 1
    assert entries[0]["reason"] == "stock_entry_account_failed"
    logs = account_log_items(stack.table, account.account.tenant_id, account.id)
    assert logs[0]["outcome"] == "error"


def test_an_unreadable_message_is_dropped(stack: TestStack) -> None:
    answer = run_pusher(
        stack,
        [
            {"MessageId": "m-1", "ReceiptHandle": "r-1", "Body": "not json"},
            {"MessageId": "m-2", "ReceiptHandle": "r-2", "Body": json.dumps({"type": "StockChanged", "changes": []})},
        ],
    )

    assert failed_ids(answer) == []


def test_an_account_gets_at_most_two_requests_in_flight(stack: TestStack) -> None:
    # Given 202 linked rows and a slow shop
    shop = start_shop(products=101, combinations=2, key="SLOWKEY0000000000000000000000004", seed=4)
    try:
        account = create_account(stack, TENANT, shop)
        rows = stock_rows(shop)
        refs = {
            pid: [keys.offer_ref(account.id, int(r["id_product"]), int(r["id_product_attribute"]))]
            for pid, r in enumerate(rows, start=1)
        }
        create_products(stack, TENANT, refs, stock=123, offer_refs=refs)
        link_rows(stack, TENANT, account, list(enumerate(rows, start=1)))
        changes = [{"product_id": p, "quantity": 123, "version": 0} for p in refs]
        message = {"type": "StockChanged", "tenant_id": TENANT, "changes": changes}
        shop.set_latency(100)
        shop.reset_requests()

        # When
        answer = run_pusher(stack, [{"MessageId": "m-1", "ReceiptHandle": "r-1", "Body": json.dumps(message)}])

        # Then three PATCH requests, never more than two at a time
        assert failed_ids(answer) == []
        patches = [r for r in shop.requests if r.effective_method == "PATCH"]
        assert len(patches) == 3
        spans = [(r.started_at, r.started_at + r.duration_ms / 1000) for r in patches]
        overlap = max(sum(1 for s, e in spans if s <= start < e) for start, _ in spans)
        assert overlap == 2
        assert all(shop_quantity(shop, int(r["id"])) == 123 for r in rows)
    finally:
        shop.stop()


def test_a_crash_after_writing_to_the_shop_never_leaves_an_unrecorded_quantity(
    stack: TestStack, sim: ShopSimulator, api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a row pushed at 5, then a change to 7 whose run crashes after writing to the shop
    account = linked_shop(stack, sim, count=1)
    set_stock(api, p1=5)
    run_pusher(stack, queued(stack))
    set_stock(api, p1=7)

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("crashed before recording")

    with monkeypatch.context() as patch:
        patch.setattr(stack.container.offer_stock_repository, "record_pushed", crash)
        with pytest.raises(RuntimeError):
            run_pusher(stack, queued(stack))
    assert shop_quantity(sim, account.links[0].stock_id) == 7
    assert offer_item(stack, account.links[0])["pushed_quantity"] == 5

    # When the stock goes back to the quantity recorded before the crash
    set_stock(api, p1=5)
    answer = run_pusher(stack, queued(stack))

    # Then the row is written anyway: its shop quantity was in doubt
    assert failed_ids(answer) == []
    assert shop_quantity(sim, account.links[0].stock_id) == 5


def test_an_account_another_run_is_pushing_gives_its_messages_back(
    stack: TestStack, sim: ShopSimulator, api: ApiClient
) -> None:
    # Given another run holding the account's push lease
    account = linked_shop(stack, sim, count=1)
    offers = stack.container.offer_stock_repository
    offers.acquire_lease(account.id, "another-run", now=0, until=4_000_000_000, pushing=[])
    set_stock(api, p1=6)
    [message] = queued(stack)
    pusher = stack.container.stock_push_service()
    pusher.lease_wait = 0.3

    # When
    result = pusher.push([Delivery(message["MessageId"], message["Body"])])

    # Then nothing is sent and the message comes back
    assert result.failed_message_ids == {message["MessageId"]}
    assert shop_quantity(sim, account.links[0].stock_id) != 6

    # When the other run is done
    offers.release_lease(account.id, "another-run", [])
    again = pusher.push([Delivery(message["MessageId"], message["Body"])])

    # Then
    assert again.failed_message_ids == set()
    assert shop_quantity(sim, account.links[0].stock_id) == 6


def test_twenty_parallel_stock_writes_all_succeed_and_the_shop_ends_with_the_newest(
    stack: TestStack, sim: ShopSimulator
) -> None:
    # Given a linked product, DynamoDB applying each request atomically (moto in-process does not
    # by itself) and the API function in parallel execution environments, as Lambda runs them
    account = linked_shop(stack, sim, count=1)
    stack.container.table.client = LinedUpClient(stack.container.dynamodb, 1, lambda *_: False)
    api = ApiClient(token=stack.container.tokens.create(TENANT), language="en", invoker=Invoker(stack))
    quantities = [10 + n for n in range(20)]

    # When 20 writes with different quantities race
    answers = race(*(lambda q=q: api.put("/products/1/stock", {"quantity": q}) for q in quantities))

    # Then every one is accepted at a version of its own, and the newest write is the stock
    assert [a.status for a in answers] == [202] * 20, [a.text for a in answers if a.status != 202]
    by_version = {a.json["version"]: a.json["quantity"] for a in answers}
    assert sorted(by_version) == list(range(1, 21))
    assert sorted(by_version.values()) == quantities
    product = hub_product(stack, TENANT, 1)
    assert (product["stock"], product["stock_version"]) == (by_version[20], 20)
    messages = queued(stack)
    assert len(messages) == 20

    # and once the pusher ran, the shop row holds the newest quantity
    assert failed_ids(run_pusher(stack, messages)) == []
    link = account.links[0]
    assert shop_quantity(sim, link.stock_id) == by_version[20]
    assert (offer_item(stack, link)["pushed_quantity"], offer_item(stack, link)["pushed_version"]) == (
        by_version[20],
        20,
    )
