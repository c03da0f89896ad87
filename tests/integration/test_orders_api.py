"""The order routes of the HTTP API, called the way API Gateway calls them: listing and reading
orders, changing a status, tracking numbers, documents, fetch now; errors in pl and en; tenant
isolation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shophub.domain.config import SyncSettings
from tests.support.api import ApiClient
from tests.support.logs import account_log_items
from tests.support.orders import LANDING, OTHER_TENANT, TENANT, offline_account, queued, stored_order

ORDER_FIELDS = {
    "id",
    "account_id",
    "shop_order_id",
    "reference",
    "status",
    "payment_method",
    "shipping_method",
    "unmapped",
    "frozen",
    "lines",
    "totals",
    "customer",
    "delivery_address",
    "tracking_numbers",
    "documents",
    "drift",
}
LINE_FIELDS = {
    "hub_product_id",
    "shop_product_id",
    "shop_combination_id",
    "name",
    "quantity",
    "unit_price_gross",
    "ean",
    "symbol",
}


@pytest.fixture
def api(stack, container):
    return ApiClient(token=container.tokens.create(TENANT), language="en")


@pytest.fixture
def other_api(stack, container):
    return ApiClient(token=container.tokens.create(OTHER_TENANT), language="en")


def _logs(container, account_id: str, action: str) -> list[dict]:
    return account_log_items(container.table, TENANT, account_id, action)


# --- reading ----------------------------------------------------------------------------------


def test_orders_are_listed_newest_first_page_by_page(container, api, other_api):
    account = offline_account(container)
    second = offline_account(container)
    start = datetime.now(UTC) - timedelta(hours=1)
    for i in range(1, 4):
        stored_order(container, account, i, imported_at=start + timedelta(minutes=i))
    stored_order(container, second, 7, imported_at=start + timedelta(minutes=10))

    first = api.get("/orders", query="limit=2")
    assert first.status == 200
    assert [o["shop_order_id"] for o in first.json["items"]] == [7, 3]
    rest = api.get("/orders", query=f"limit=2&next={first.json['next']}")
    assert [o["shop_order_id"] for o in rest.json["items"]] == [2, 1]
    assert rest.json["next"] is None

    one_account = api.get("/orders", query=f"account_id={account.id}&limit=2")
    assert [o["shop_order_id"] for o in one_account.json["items"]] == [3, 2]
    more = api.get("/orders", query=f"account_id={account.id}&limit=2&next={one_account.json['next']}")
    assert [o["shop_order_id"] for o in more.json["items"]] == [1]

    # another tenant sees none of them, and not the account either
    assert other_api.get("/orders").json == {"items": [], "next": None}
    assert other_api.get("/orders", query=f"account_id={account.id}").status == 404
    # a tampered paging token is a 400
    assert api.get("/orders", query="next=abc").status == 400


def _listed(api, query: str = "") -> list[int]:
    """Every order of the tenant, page by page (two per page), as shop order ids."""
    seen: list[int] = []
    token = ""
    while True:
        page = api.get("/orders", query=f"limit=2&{query}" + (f"&next={token}" if token else ""))
        assert page.status == 200, page.text
        seen += [o["shop_order_id"] for o in page.json["items"]]
        token = page.json["next"]
        if not token:
            return seen


def test_orders_are_listed_by_when_they_were_placed_whatever_their_ids(container, api):
    # Given orders imported at one moment (one poll page), placed in the shop out of id order,
    # with ids of different lengths; 30 and 3 placed in the same second
    account = offline_account(container)
    imported = datetime.now(UTC)
    placed_minutes = {1000: 1, 100: 2, 10: 3, 3: 4, 30: 4, 9: 5}
    start = imported - timedelta(hours=1)
    for shop_order_id, minute in placed_minutes.items():
        placed = start + timedelta(minutes=minute)
        stored_order(container, account, shop_order_id, imported_at=imported, placed_at=placed)

    # When the list is read page by page, all of it or one account's
    # Then the newest placed comes first (same second: the higher shop id first)
    assert _listed(api) == [9, 30, 3, 10, 100, 1000]
    assert _listed(api, f"account_id={account.id}") == [9, 30, 3, 10, 100, 1000]


def test_orders_stored_with_the_old_list_key_are_still_listed_and_read(container, api):
    # Given an order stored before the list key held the placement time (<imported at>#<a>#<id>)
    from shophub.clock import iso
    from shophub.store.orders import order_item

    account = offline_account(container)
    old = stored_order(container, account, 7)
    item = order_item(old) | {"GSI1SK": f"{iso(old.imported_at)}#{account.id}#{old.shop_order_id}"}
    container.table.put(item)
    stored_order(container, account, 12)

    # Then it is listed (after the orders keyed the new way) and reads as before
    assert _listed(api) == [12, 7]
    assert api.get(f"/orders/{old.id}").json["reference"] == old.reference


def test_an_order_reads_with_the_contract_fields(container, api, other_api):
    account = offline_account(container)
    order = stored_order(container, account, 42, lines=[(5, 7, 2, 12)])

    answer = api.get(f"/orders/{order.id}")

    assert answer.status == 200
    body = answer.json
    assert body.keys() >= ORDER_FIELDS
    assert body["id"] == f"{account.id}-42" and body["account_id"] == account.id and body["shop_order_id"] == 42
    assert body["status"] == LANDING and body["frozen"] is False
    assert body["payment_method"] == "czek" and body["shipping_method"] == "kurier"
    (line,) = body["lines"]
    assert line.keys() >= LINE_FIELDS
    assert line == line | {
        "hub_product_id": 12,
        "shop_product_id": 5,
        "shop_combination_id": 7,
        "quantity": 2,
        "unit_price_gross": "12.30",
        "ean": "5901234123457",
        "symbol": "SKU-5",
    }
    assert body["totals"]["paid_gross"] == "20.91"
    assert body["tracking_numbers"] == [] and body["documents"] == [] and body["drift"] is None

    # another tenant's order, or something that is not an order id, is simply not found
    missing = other_api.get(f"/orders/{order.id}")
    assert missing.status == 404
    assert missing.json["error"] == {"code": "order_not_found", "message": "Order not found.", "details": []}
    polish = ApiClient(token=other_api.token, language="pl").get(f"/orders/{order.id}")
    assert polish.json["error"]["message"] == "Nie znaleziono zamówienia."
    assert api.get("/orders/nonsense").status == 404
    assert api.get(f"/orders/{account.id}-999").status == 404


# --- status -----------------------------------------------------------------------------------


def test_the_hub_user_changes_the_status_and_leaving_update_statuses_freezes_the_order(stack, container, api):
    account = offline_account(container)
    order = stored_order(container, account, 1)

    moved = api.patch(f"/orders/{order.id}", {"status": "w-realizacji"})
    assert moved.status == 200
    assert moved.json["status"] == "w-realizacji" and moved.json["frozen"] is False

    shipped = api.patch(f"/orders/{order.id}", {"status": "wyslane"})
    assert shipped.json["status"] == "wyslane" and shipped.json["frozen"] is True
    # the user may still change a frozen order's status
    again = api.patch(f"/orders/{order.id}", {"status": "w-realizacji"})
    assert again.json["status"] == "w-realizacji" and again.json["frozen"] is True

    assert len(_logs(container, account.id, "orders.status_changed")) == 3
    assert len(_logs(container, account.id, "orders.frozen")) == 1
    # push_statuses is off: nothing goes to the shop
    assert queued(stack, "OrderUpdateQueue") == []


def test_a_status_change_is_queued_for_the_shop_only_with_push_statuses(stack, container, api):
    account = offline_account(container, sync=SyncSettings(update_statuses=True, push_statuses=True))
    order = stored_order(container, account, 3)

    assert api.patch(f"/orders/{order.id}", {"status": "wyslane"}).status == 200
    assert api.patch(f"/orders/{order.id}", {"status": "wyslane"}).status == 200  # no change, nothing queued

    bodies = [m["body"] for m in queued(stack, "OrderUpdateQueue")]
    assert [(b["type"], b["shop_order_id"], b["status"]) for b in bodies] == [("StatusPush", 3, "wyslane")]


def test_an_unknown_hub_status_is_refused(container, api):
    account = offline_account(container)
    order = stored_order(container, account, 1)

    for language, message in (("en", "The submitted data is invalid."), ("pl", "Przesłane dane są niepoprawne.")):
        answer = ApiClient(token=api.token, language=language).patch(f"/orders/{order.id}", {"status": "no-such"})
        assert answer.status == 422
        assert answer.json["error"]["code"] == "validation_failed"
        assert answer.json["error"]["message"] == message
        assert [d["field"] for d in answer.json["error"]["details"]] == ["status"]
    assert container.order_repository.get(account.id, 1).status == LANDING
    assert api.patch(f"/orders/{order.id}", {"status": "wyslane", "color": "red"}).status == 400


def test_other_tenants_cannot_change_an_order(container, api, other_api):
    account = offline_account(container)
    order = stored_order(container, account, 1)
    assert other_api.patch(f"/orders/{order.id}", {"status": "wyslane"}).status == 404
    assert other_api.post(f"/orders/{order.id}/shipments", {"tracking_number": "PL1"}).status == 404
    body = {"type": "invoice", "number": "FV/1/2026", "url": "https://docs.example/fv1.pdf"}
    assert other_api.post(f"/orders/{order.id}/documents", body).status == 404
    assert container.order_repository.get(account.id, 1).status == LANDING


# --- tracking numbers and documents -----------------------------------------------------------


def test_a_tracking_number_is_stored_and_queued_when_sending_is_on(stack, container, api):
    account = offline_account(container, sync=SyncSettings(send_tracking_numbers=True))
    order = stored_order(container, account, 5)

    answer = api.post(f"/orders/{order.id}/shipments", {"tracking_number": "PL 123/45-6"})
    repeated = api.post(f"/orders/{order.id}/shipments", {"tracking_number": "PL 123/45-6"})

    assert answer.status == 202 and repeated.status == 202
    assert answer.json["number"] == "PL 123/45-6" and answer.json["shop_sync"] == "pending"
    stored = api.get(f"/orders/{order.id}").json["tracking_numbers"]
    assert [(t["number"], t["shop_sync"]) for t in stored] == [("PL 123/45-6", "pending")]
    bodies = [m["body"] for m in queued(stack, "OrderUpdateQueue")]
    assert {(b["type"], b["shop_order_id"], b["number"]) for b in bodies} == {("TrackingNumber", 5, "PL 123/45-6")}


def test_a_tracking_number_stays_in_the_hub_when_sending_is_off(stack, container, api):
    account = offline_account(container)
    order = stored_order(container, account, 5)

    answer = api.post(f"/orders/{order.id}/shipments", {"tracking_number": "PL999"})

    assert answer.status == 202 and answer.json["shop_sync"] == "not_sent"
    assert queued(stack, "OrderUpdateQueue") == []
    (entry,) = _logs(container, account.id, "orders.tracking_added")
    assert "hub only" in entry["message"] or "tylko w hubie" in entry["message"]


def test_a_document_kept_in_the_hub_says_why_in_the_readers_language_not_with_an_internal_key(container, api):
    # Given an account that does not send documents or tracking numbers to the shop
    account = offline_account(container)
    order = stored_order(container, account, 5)
    body = {"type": "invoice", "number": "FV/5/2026", "url": "https://docs.example/fv5.pdf"}

    # When a document and a tracking number are added
    document = api.post(f"/orders/{order.id}/documents", body)
    api.post(f"/orders/{order.id}/shipments", {"tracking_number": "PL555"})

    # Then each answer names the reason for people, and keeps a stable code for programs
    assert document.status == 202
    assert document.json["shop_sync"] == "not_sent"
    assert document.json["problem_code"] == "sending_disabled"
    assert document.json["problem"] == (
        "Not sent to the shop: sending documents is switched off in the order settings."
    )
    assert "log_push" not in document.text
    for language, tracking_text in (
        ("pl", "Nie wysłano do sklepu: wysyłanie numerów przesyłek jest wyłączone w ustawieniach zamówień."),
        ("en", "Not sent to the shop: sending tracking numbers is switched off in the order settings."),
    ):
        read = ApiClient(token=api.token, language=language).get(f"/orders/{order.id}")
        (tracking,) = read.json["tracking_numbers"]
        assert (tracking["problem"], tracking["problem_code"]) == (tracking_text, "sending_disabled")
        assert "log_push" not in read.text


def test_a_problem_stored_before_the_codes_reads_as_the_same_message(container, api):
    # Given a document whose problem was stored as a message key (before the stable codes)
    account = offline_account(container)
    order = stored_order(container, account, 6)
    api.post(f"/orders/{order.id}/documents", {"type": "invoice", "number": "FV/6", "url": "https://d.example/6"})
    stored = container.order_repository.get(account.id, 6)
    old = stored.model_copy(
        update={"documents": [d.model_copy(update={"problem": "log_push_document_disabled"}) for d in stored.documents]}
    )
    container.order_repository.save(old, expected_version=stored.version)

    # When it is read, Then the answer is the same as for a new one
    (document,) = api.get(f"/orders/{order.id}").json["documents"]
    assert document["problem_code"] == "sending_disabled"
    assert document["problem"].startswith("Not sent to the shop")


def test_an_invalid_tracking_number_is_refused(container, api):
    account = offline_account(container)
    order = stored_order(container, account, 5)

    for language, detail in (
        ("en", "A tracking number may contain letters, digits, spaces"),
        ("pl", "Numer przesyłki może zawierać litery, cyfry, spacje"),
    ):
        answer = ApiClient(token=api.token, language=language).post(
            f"/orders/{order.id}/shipments", {"tracking_number": "PL<script>"}
        )
        assert answer.status == 422
        (problem,) = answer.json["error"]["details"]
        assert problem["field"] == "tracking_number" and problem["message"].startswith(detail)
    assert api.post(f"/orders/{order.id}/shipments", {"tracking_number": "X" * 65}).status == 422
    assert api.post(f"/orders/{order.id}/shipments", {}).status == 422
    assert container.order_repository.get(account.id, 5).tracking_numbers == []


def test_a_document_is_stored_and_queued_when_sending_is_on(stack, container, api):
    account = offline_account(container, sync=SyncSettings(send_documents=True))
    order = stored_order(container, account, 8)
    body = {"type": "invoice", "number": "FV/1/2026", "url": "https://docs.example/fv/1.pdf"}

    answer = api.post(f"/orders/{order.id}/documents", body)

    assert answer.status == 202
    assert answer.json | body == answer.json and answer.json["shop_sync"] == "pending"
    bodies = [m["body"] for m in queued(stack, "OrderUpdateQueue")]
    assert [(b["type"], b["document_type"], b["number"]) for b in bodies] == [("Document", "invoice", "FV/1/2026")]


def test_a_shipment_and_a_document_saved_at_the_same_moment_both_stay(stack, container, api, monkeypatch):
    account = offline_account(container, sync=SyncSettings(send_tracking_numbers=True, send_documents=True))
    order = stored_order(container, account, 8)
    repository = container.order_repository
    real_save = repository.save
    raced: list[int] = []

    def save_after_another_writer(changed, *, expected_version):
        if not raced:  # the tracking number's first save: the document lands just before it
            raced.append(expected_version)
            container.order_service.add_document(
                TENANT,
                order.id,
                document_type="invoice",
                number="FV/2/2026",
                url="https://docs.example/fv/2.pdf",
                actor="other",
                language="en",
            )
        return real_save(changed, expected_version=expected_version)

    monkeypatch.setattr(repository, "save", save_after_another_writer)
    answer = api.post(f"/orders/{order.id}/shipments", {"tracking_number": "PL777"})

    assert answer.status == 202 and answer.json["shop_sync"] == "pending"
    stored = container.order_repository.get(account.id, 8, consistent=True)
    assert [t.number for t in stored.tracking_numbers] == ["PL777"]
    assert [d.number for d in stored.documents] == ["FV/2/2026"]
    assert stored.version == order.version + 2
    bodies = [m["body"] for m in queued(stack, "OrderUpdateQueue")]
    assert sorted(b["type"] for b in bodies) == ["Document", "TrackingNumber"]
    assert len(_logs(container, account.id, "orders.tracking_added")) == 1


def test_a_document_link_must_be_https(container, api):
    account = offline_account(container)
    order = stored_order(container, account, 8)
    body = {"type": "invoice", "number": "FV/1", "url": "http://docs.example/1.pdf"}

    for language, message in (
        ("en", "The document address must start with https://."),
        ("pl", "Adres dokumentu musi zaczynać się od https://."),
    ):
        answer = ApiClient(token=api.token, language=language).post(f"/orders/{order.id}/documents", body)
        assert answer.status == 422
        assert answer.json["error"]["details"] == [{"field": "url", "message": message}]
    wrong_type = api.post(f"/orders/{order.id}/documents", {"type": "memo", "number": "1", "url": "https://a.b/c"})
    assert wrong_type.status == 422
    assert container.order_repository.get(account.id, 8).documents == []


# --- fetch now --------------------------------------------------------------------------------


def test_fetch_now_queues_one_poll_of_the_account(stack, container, api, other_api):
    account = offline_account(container)

    answer = api.post(f"/accounts/{account.id}/orders/fetch")

    assert answer.status == 202
    assert answer.json == {"account_id": account.id, "status": "queued"}
    bodies = [m["body"] for m in queued(stack, "OrderPollQueue")]
    assert [(b["type"], b["account_id"], b["reason"]) for b in bodies] == [("PollOrders", account.id, "manual")]
    assert other_api.post(f"/accounts/{account.id}/orders/fetch").status == 404


def test_fetch_now_needs_fetching_enabled(stack, container, api):
    account = offline_account(container, fetch_enabled=False)

    for language, message in (
        ("en", "Order fetching is disabled for this account. Enable it in the order settings."),
        ("pl", "Pobieranie zamówień jest wyłączone dla tego konta. Włącz je w ustawieniach zamówień."),
    ):
        answer = ApiClient(token=api.token, language=language).post(f"/accounts/{account.id}/orders/fetch")
        assert answer.status == 409
        assert answer.json["error"]["code"] == "fetch_disabled" and answer.json["error"]["message"] == message
    assert queued(stack, "OrderPollQueue") == []


def test_fetch_now_needs_complete_mappings(stack, container, api):
    account = offline_account(container)
    config = container.config_repository
    # the carrier mappings were removed after fetching was enabled (written directly: the
    # configuration API refuses that while fetching is on)
    current = config.get_mapping_set(account.id, "CARRIER")
    config.replace_mappings(account.id, current, {}, refuse_empty_while_fetching=False, at=datetime.now(UTC))

    answer = api.post(f"/accounts/{account.id}/orders/fetch")

    assert answer.status == 409
    assert answer.json["error"]["code"] == "mappings_required"
    assert [d["field"] for d in answer.json["error"]["details"]] == ["mappings.carriers"]
    assert queued(stack, "OrderPollQueue") == []


def test_orders_of_a_deleted_account_can_be_read_but_not_changed(container, api):
    account = offline_account(container)
    order = stored_order(container, account, 4)
    container.accounts.update_fields(TENANT, account.id, status="deleted")

    assert api.get(f"/orders/{order.id}").status == 200
    assert [o["id"] for o in api.get("/orders").json["items"]] == [order.id]
    refused = api.patch(f"/orders/{order.id}", {"status": "wyslane"})
    assert refused.status == 409 and refused.json["error"]["code"] == "account_deleted"
    assert api.post(f"/orders/{order.id}/shipments", {"tracking_number": "PL1"}).status == 409
    assert api.post(f"/accounts/{account.id}/orders/fetch").status == 404
