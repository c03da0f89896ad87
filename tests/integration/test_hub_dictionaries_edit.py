"""Renaming and deleting hub dictionary entries: names stay unique, ids stay, an entry in use is
not deleted (the 409 names every place), and a write that starts using an entry while it is
being deleted never leaves a dangling id."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from shophub.domain.config import DictionaryKind, MappingInput
from shophub.domain.orders import HubOrder, OrderTotals, hub_order_id
from shophub.errors import ConcurrentUpdateError, ConflictError, ValidationError
from shophub.services.config import ConfigService
from shophub.services.dictionaries import DictionaryService
from shophub.store import keys
from shophub.store.dictionaries import DictionaryRepository
from shophub.store.dictionary_usage import DictionaryUsage, DictionaryUsageRepository
from shophub.store.orders import OrderRepository
from tests.support.config import api, logs, make_account, put_discovery

ROUTES = ("/hub/statuses", "/hub/payment-methods", "/hub/shipping-methods")
AT = datetime(2026, 11, 5, 10, 0, tzinfo=UTC)


def _ids(client: Any, route: str) -> list[str]:
    return [item["id"] for item in client.get(route).json["items"]]


def _entry(client: Any, route: str, name: str) -> dict[str, str]:
    return next(item for item in client.get(route).json["items"] if item["name"] == name)


def _store_order(stack: Any, account_id: str, shop_order_id: int, **fields: Any) -> None:
    order = HubOrder(
        id=hub_order_id(account_id, shop_order_id),
        tenant_id="tenant-a",
        account_id=account_id,
        shop_order_id=shop_order_id,
        shop_status_id=2,
        totals=OrderTotals(paid_gross=Decimal("10.00"), paid_net=Decimal("8.13")),
        shop_updated_at=AT,
        imported_at=AT,
        updated_at=AT,
        **{"status": "nowe", **fields},
    )
    assert OrderRepository(stack.table).create(order)


def _details(answer: Any) -> list[dict[str, Any]]:
    assert answer.status == 409, answer.text
    assert answer.json["error"]["code"] == "dictionary_entry_in_use"
    return answer.json["error"]["details"]


# --- rename -------------------------------------------------------------------------------------


def test_a_rename_keeps_the_id_lists_the_new_name_and_frees_the_old_one(stack):
    client = api(stack)

    for route in ROUTES:
        # Given an entry of each dictionary
        entry = client.post(route, {"name": "Stara nazwa"}).json

        # When it is renamed
        answer = client.patch(f"{route}/{entry['id']}", {"name": "  Nowa   nazwa "})

        # Then the id stays, the list shows the new name, and the old name is free again
        assert answer.status == 200, answer.text
        assert answer.json == {"id": entry["id"], "name": "Nowa nazwa"}
        assert answer.json in client.get(route).json["items"]
        assert client.post(route, {"name": "stara NAZWA"}).status == 201
        assert client.post(route, {"name": "nowa nazwa"}).status == 409


def test_a_seeded_entry_can_be_renamed_and_the_rename_is_logged(stack):
    client = api(stack)

    answer = client.patch("/hub/payment-methods/czek", {"name": "Czek bankowy"})

    assert answer.status == 200
    assert answer.json == {"id": "czek", "name": "Czek bankowy"}
    entry = logs(stack)[0]
    assert entry.action == "mappings.dictionary_entry_renamed"
    assert entry.details == {"dictionary": "payment_methods", "id": "czek", "old": "Czek", "new": "Czek bankowy"}
    logged = client.get("/logs", query="section=mappings").json["items"][0]
    assert logged["message"] == 'Dictionary entry "Czek" renamed to "Czek bankowy".'


def test_a_rename_to_another_entrys_name_is_409_in_both_languages(stack):
    english, polish = api(stack, language="en"), api(stack, language="pl")

    for route in ROUTES:
        first, second = english.get(route).json["items"][:2]

        refused = english.patch(f"{route}/{second['id']}", {"name": f" {first['name'].upper()} "})
        refused_pl = polish.patch(f"{route}/{second['id']}", {"name": first["name"]})

        assert refused.status == refused_pl.status == 409
        assert refused.json["error"]["code"] == "duplicate_name"
        assert refused.json["error"]["message"] == (
            f'An entry named "{first["name"].upper()}" already exists in this dictionary.'
        )
        assert refused_pl.json["error"]["message"] == f"Pozycja o nazwie „{first['name']}” już istnieje w tym słowniku."
        assert second in english.get(route).json["items"]  # unchanged
    assert not [e for e in logs(stack) if e.action == "mappings.dictionary_entry_renamed"]


def test_changing_only_the_case_of_a_name_is_a_rename_of_the_same_entry(stack):
    client = api(stack)

    answer = client.patch("/hub/statuses/wyslane", {"name": "WYSŁANE"})
    same = client.patch("/hub/statuses/wyslane", {"name": "WYSŁANE"})

    assert answer.status == same.status == 200
    assert _entry(client, "/hub/statuses", "WYSŁANE")["id"] == "wyslane"
    assert client.post("/hub/statuses", {"name": "wysłane"}).status == 409  # its guard is still held
    assert [e.action for e in logs(stack)].count("mappings.dictionary_entry_renamed") == 1


def test_bad_rename_bodies_are_refused(stack):
    client = api(stack)

    for body, status in (({"name": ""}, 422), ({"name": "x" * 101}, 422), ({}, 422), ({"name": "A", "x": 1}, 400)):
        assert client.patch("/hub/statuses/nowe", body).status == status, body
    assert _entry(client, "/hub/statuses", "Nowe")["id"] == "nowe"


# --- unknown ids --------------------------------------------------------------------------------


def test_unknown_and_other_tenants_ids_are_404(stack):
    a, b = api(stack, "tenant-a"), api(stack, "tenant-b")
    foreign = b.post("/hub/shipping-methods", {"name": "Tylko B"}).json["id"]

    for route in ROUTES:
        for entry_id in ("nope", foreign, "bad id!"):
            renamed = a.patch(f"{route}/{entry_id}", {"name": "X"})
            deleted = a.delete(f"{route}/{entry_id}")

            assert renamed.status == deleted.status == 404, (route, entry_id)
            assert renamed.json["error"]["code"] == "not_found"
    assert a.patch("/hub/statuses/nope", {"name": "X"}).json["error"]["message"] == "Dictionary entry not found."
    assert foreign in _ids(b, "/hub/shipping-methods")
    assert "Tylko B" not in [i["name"] for i in a.get("/hub/shipping-methods").json["items"]]


# --- delete -------------------------------------------------------------------------------------


def test_deleting_unused_entries_answers_204_and_they_are_gone(stack):
    client = api(stack)

    for route in ROUTES:
        added = client.post(route, {"name": "Do usunięcia"}).json

        answer = client.delete(f"{route}/{added['id']}")

        assert answer.status == 204
        assert answer.text == ""
        assert added["id"] not in _ids(client, route)
        assert client.delete(f"{route}/{added['id']}").status == 404
        assert client.patch(f"{route}/{added['id']}", {"name": "Wróć"}).status == 404
        assert client.post(route, {"name": "do usunięcia"}).status == 201  # the name is free again
    deleted = [e for e in logs(stack) if e.action == "mappings.dictionary_entry_deleted"]
    assert len(deleted) == 3
    assert deleted[0].details["old"] == "Do usunięcia"


def test_a_seeded_default_entry_can_be_deleted_when_unused(stack):
    client = api(stack, language="pl")

    answer = client.delete("/hub/statuses/zwrocone")

    assert answer.status == 204
    assert "zwrocone" not in _ids(client, "/hub/statuses")
    assert client.get("/logs", query="section=mappings").json["items"][0]["message"] == (
        "Usunięto pozycję słownika „Zwrócone”."
    )


def test_an_entry_used_by_mappings_is_409_naming_the_accounts_and_shop_values(stack):
    # Given two accounts whose payment mappings use "czek"
    first, second = make_account(stack, name="Sklep A"), make_account(stack, name="Sklep B")
    client = api(stack)
    for account in (first, second):
        put_discovery(stack, account.id)
    items = [{"module": "ps_checkpayment", "hub_id": "czek"}, {"module": "ps_wirepayment", "hub_id": "czek"}]
    assert client.put(f"/accounts/{first.id}/mappings/payments", {"items": items}).status == 200
    assert (
        client.put(f"/accounts/{second.id}/mappings/carriers", {"items": [{"id_reference": 2, "hub_id": "kurier"}]})
    ).status == 200
    assert (
        client.put(f"/accounts/{second.id}/mappings/payments", {"items": [items[0]]}).status == 200  # one of them
    )

    # When it is deleted (and a carrier mapped by the second account too)
    payment = client.delete("/hub/payment-methods/czek")
    carrier = api(stack, language="pl").delete("/hub/shipping-methods/kurier")

    # Then both are refused, naming every account and shop value
    assert payment.json["error"]["message"] == (
        'The dictionary entry "Czek" is in use and cannot be deleted. The details say where it is used.'
    )
    assert sorted(_details(payment), key=lambda d: (d["account_name"], d["shop_value"])) == [
        {
            "field": "mappings.payments",
            "message": 'Account "Sklep A": mapping of the shop payment method "ps_checkpayment".',
            "account_id": first.id,
            "account_name": "Sklep A",
            "shop_value": "ps_checkpayment",
        },
        {
            "field": "mappings.payments",
            "message": 'Account "Sklep A": mapping of the shop payment method "ps_wirepayment".',
            "account_id": first.id,
            "account_name": "Sklep A",
            "shop_value": "ps_wirepayment",
        },
        {
            "field": "mappings.payments",
            "message": 'Account "Sklep B": mapping of the shop payment method "ps_checkpayment".',
            "account_id": second.id,
            "account_name": "Sklep B",
            "shop_value": "ps_checkpayment",
        },
    ]
    assert carrier.json["error"]["message"].startswith("Pozycja słownika „Kurier” jest używana")
    assert [(d["field"], d["account_id"], d["shop_value"], d["message"]) for d in _details(carrier)] == [
        ("mappings.carriers", second.id, "2", "Konto „Sklep B”: mapowanie przewoźnika sklepu 2.")
    ]
    # and nothing was deleted; the refusals are logged
    assert "czek" in _ids(client, "/hub/payment-methods")
    assert "kurier" in _ids(client, "/hub/shipping-methods")
    refused = [e for e in logs(stack) if e.action == "mappings.dictionary_entry_delete_refused"]
    assert [e.outcome for e in refused] == ["error", "error"]
    assert refused[0].details["used_by"] == [
        {"field": "mappings.carriers", "account_id": second.id, "account_name": "Sklep B", "shop_value": "2"}
    ]


def test_an_entry_used_by_order_settings_is_409_naming_each_field(stack):
    # Given an account whose new orders land in a status that is also one of its update statuses
    account = make_account(stack, name="Sklep")
    client = api(stack)
    status = client.post("/hub/statuses", {"name": "Przyjęte"}).json["id"]
    settings = {"landing_status": status, "update_statuses": ["nowe", status]}
    assert client.put(f"/accounts/{account.id}/order-settings", settings).status == 200

    # When the status is deleted
    english = client.delete(f"/hub/statuses/{status}")
    polish = api(stack, language="pl").delete(f"/hub/statuses/{status}")

    # Then both fields are named, in the reader's language
    assert [(d["field"], d["account_id"], d["account_name"]) for d in _details(english)] == [
        ("order_settings.landing_status", account.id, "Sklep"),
        ("order_settings.update_statuses", account.id, "Sklep"),
    ]
    assert [d["message"] for d in _details(english)] == [
        'Account "Sklep": the status new orders get (order settings).',
        'Account "Sklep": the statuses in which orders take changes from the shop (order settings).',
    ]
    assert _details(polish)[0]["message"] == "Konto „Sklep”: status nowych zamówień (ustawienia zamówień)."
    # and once the settings stop using it, it can be deleted
    assert client.put(f"/accounts/{account.id}/order-settings", {"landing_status": "nowe"}).status == 200
    assert [d["field"] for d in _details(client.delete(f"/hub/statuses/{status}"))] == [
        "order_settings.update_statuses"
    ]
    assert client.put(f"/accounts/{account.id}/order-settings", {"update_statuses": ["nowe"]}).status == 200
    assert client.delete(f"/hub/statuses/{status}").status == 204


def test_the_stock_returning_status_of_the_hub_settings_is_409(stack):
    english, polish = api(stack), api(stack, language="pl")

    answer = english.delete("/hub/statuses/anulowane")

    assert _details(answer) == [
        {"field": "hub_settings.stock_return_statuses", "message": "Hub settings: the statuses that give stock back."}
    ]
    assert _details(polish.delete("/hub/statuses/anulowane"))[0]["message"] == (
        "Ustawienia huba: statusy, które zwracają stan magazynowy."
    )
    assert english.put("/hub/settings", {"stock_return_statuses": []}).status == 200
    assert english.delete("/hub/statuses/anulowane").status == 204


@pytest.mark.parametrize(
    ("route", "entry_id", "fields"),
    [
        ("/hub/statuses", "w-realizacji", {"status": "w-realizacji"}),
        ("/hub/payment-methods", "przelew", {"payment_method": "przelew"}),
        ("/hub/shipping-methods", "paczkomat", {"shipping_method": "paczkomat"}),
    ],
)
def test_an_entry_orders_use_is_409_with_their_count(stack, route, entry_id, fields):
    # Given two orders of one account and one of a deleted account that use the entry, one that does not
    account, gone = make_account(stack), make_account(stack, name="Usunięty")
    _store_order(stack, account.id, 1, **fields)
    _store_order(stack, account.id, 2, **fields)
    _store_order(stack, account.id, 3)
    _store_order(stack, gone.id, 1, **fields)
    assert api(stack).delete(f"/accounts/{gone.id}").status == 204

    # When the entry is deleted
    english = api(stack).delete(f"{route}/{entry_id}")
    polish = api(stack, language="pl").delete(f"{route}/{entry_id}")

    # Then the orders are named with their count
    assert _details(english) == [{"field": "orders", "message": "Orders: 3.", "count": 3, "exact": True}]
    assert _details(polish)[0]["message"] == "Zamówienia: 3."
    assert entry_id in _ids(api(stack), route)


def test_orders_beyond_the_read_bound_keep_the_entry(stack):
    # Given orders in two accounts and a bound of one page of orders per delete
    first, second = make_account(stack), make_account(stack)
    _store_order(stack, first.id, 1)
    _store_order(stack, second.id, 1, payment_method="czek")
    service = _dictionary_service(stack, DictionaryUsageRepository(stack.table, order_pages=1))

    # When an entry only the second account's order uses is deleted
    with pytest.raises(ConflictError) as refused:
        service.delete_entry("tenant-a", "PAYMENT", "czek", actor="t", language="en")

    # Then it is refused: the orders not read may use it
    assert refused.value.code == "dictionary_entry_in_use"
    assert refused.value.details == [
        {
            "field": "orders",
            "message": "Orders: not every order could be checked (0 found), so the entry may be used by some.",
            "count": 0,
            "exact": False,
        }
    ]
    assert "czek" in _ids(api(stack), "/hub/payment-methods")


# --- races --------------------------------------------------------------------------------------


def _dictionary_service(stack: Any, usage: DictionaryUsageRepository) -> DictionaryService:
    container = stack.container
    return DictionaryService(container.dictionary_repository, container.activity, container.clock, usage)


class _DeletesAfterValidation(DictionaryRepository):
    """Dictionaries whose read of valid ids (a PUT's validation) lets a delete run right after."""

    def __init__(self, stack: Any, route: str, entry_id: str) -> None:
        super().__init__(stack.table)
        self.stack, self.route, self.entry_id = stack, route, entry_id
        self.deleted: Any = None

    def entry_ids(self, tenant_id: str, kind: DictionaryKind) -> set[str]:
        known = super().entry_ids(tenant_id, kind)
        if self.deleted is None:
            self.deleted = api(self.stack).delete(f"{self.route}/{self.entry_id}")
        return known


def _config_service(stack: Any, dictionaries: DictionaryRepository) -> ConfigService:
    container = stack.container
    return ConfigService(container.accounts, container.config_repository, dictionaries, container.activity)


def test_a_mapping_put_validated_before_a_delete_fails_instead_of_naming_the_deleted_entry(stack):
    # Given an unused payment method and an account
    account = make_account(stack)
    put_discovery(stack, account.id)
    client = api(stack)
    added = client.post("/hub/payment-methods", {"name": "BLIK"}).json["id"]
    dictionaries = _DeletesAfterValidation(stack, "/hub/payment-methods", added)
    service = _config_service(stack, dictionaries)

    # When a mapping PUT validates its hub ids, then the entry is deleted, then the PUT writes
    with pytest.raises(ValidationError) as refused:
        service.put_mappings(
            "tenant-a", account.id, "payments", [MappingInput("ps_checkpayment", added)], actor="t", language="en"
        )

    # Then the delete went through and the PUT was refused: no mapping names the deleted entry
    assert dictionaries.deleted.status == 204
    assert refused.value.details[0].field == "items[0].hub_id"
    assert added not in _ids(client, "/hub/payment-methods")
    assert client.get(f"/accounts/{account.id}/mappings/payments").json["items"] == []


def test_order_settings_validated_before_a_delete_fail_instead_of_naming_the_deleted_status(stack):
    account = make_account(stack)
    client = api(stack)
    added = client.post("/hub/statuses", {"name": "Pakowane"}).json["id"]
    dictionaries = _DeletesAfterValidation(stack, "/hub/statuses", added)
    service = _config_service(stack, dictionaries)

    with pytest.raises(ValidationError) as refused:
        service.put_order_settings(
            "tenant-a", account.id, {"update_statuses": ["nowe", added]}, actor="t", language="en"
        )

    assert dictionaries.deleted.status == 204
    assert [p.field for p in refused.value.details] == ["update_statuses[1]"]
    assert client.get(f"/accounts/{account.id}/order-settings").json["update_statuses"] == []


class _WriteDuringUsageRead(DictionaryUsageRepository):
    """Usage reads after which another request runs (between the read and the delete's write)."""

    def __init__(self, stack: Any, write: Any) -> None:
        super().__init__(stack.table)
        self.write = write
        self.written: Any = None

    def find(self, tenant_id: str, kind: DictionaryKind, entry_id: str) -> DictionaryUsage:
        usage = super().find(tenant_id, kind, entry_id)
        self.written = self.write()
        return usage


def test_a_mapping_put_while_the_entry_is_being_deleted_is_refused_and_the_delete_goes_through(stack):
    # Given an account and an unused shipping method
    account = make_account(stack)
    put_discovery(stack, account.id)
    client = api(stack)
    added = client.post("/hub/shipping-methods", {"name": "DPD"}).json["id"]
    url = f"/accounts/{account.id}/mappings/carriers"
    usage = _WriteDuringUsageRead(stack, lambda: client.put(url, {"items": [{"id_reference": 2, "hub_id": added}]}))

    # When the delete has read that nothing uses the entry and a mapping PUT starts using it
    _dictionary_service(stack, usage).delete_entry("tenant-a", "SHIPPING", added, actor="t", language="en")

    # Then the PUT was refused (the entry carried the delete mark) and the delete went through
    assert usage.written.status == 422, usage.written.text
    assert usage.written.json["error"]["details"][0]["field"] == "items[0].hub_id"
    assert added not in _ids(client, "/hub/shipping-methods")
    assert client.get(url).json["items"] == []


def test_hub_settings_written_while_a_status_is_being_deleted_are_refused(stack):
    client = api(stack)
    added = client.post("/hub/statuses", {"name": "Reklamacja"}).json["id"]
    usage = _WriteDuringUsageRead(
        stack, lambda: client.put("/hub/settings", {"stock_return_statuses": ["anulowane", added]})
    )

    _dictionary_service(stack, usage).delete_entry("tenant-a", "STATUS", added, actor="t", language="en")

    assert usage.written.status == 422
    assert usage.written.json["error"]["details"][0]["field"] == "stock_return_statuses[1]"
    assert client.get("/hub/settings").json == {"stock_return_statuses": ["anulowane"]}
    assert added not in _ids(client, "/hub/statuses")


def test_a_refused_delete_takes_its_mark_off_so_the_entry_can_be_used_again(stack):
    # Given a status the hub settings use, whose delete is refused
    client = api(stack)
    assert client.delete("/hub/statuses/anulowane").status == 409

    # Then nothing of the delete stays on the entry: writes can start using it at once
    item = stack.table.get(keys.tenant_pk("tenant-a"), keys.dictionary_sk("STATUS", "anulowane"), consistent=True)
    assert "deleting_by" not in item
    account = make_account(stack)
    assert client.put(f"/accounts/{account.id}/order-settings", {"update_statuses": ["anulowane"]}).status == 200


def test_a_rename_while_the_entry_is_being_deleted_keeps_the_entry(stack):
    # Given a delete that has read the entry's uses, and a rename that lands before its write
    client = api(stack)
    added = client.post("/hub/payment-methods", {"name": "PayPo"}).json["id"]
    usage = _WriteDuringUsageRead(stack, lambda: client.patch(f"/hub/payment-methods/{added}", {"name": "PayPo 2"}))

    # When the delete writes
    with pytest.raises(ConcurrentUpdateError):
        _dictionary_service(stack, usage).delete_entry("tenant-a", "PAYMENT", added, actor="t", language="en")

    # Then the renamed entry stays (with its new name guard) and the delete is a concurrent update
    assert usage.written.status == 200
    assert {"id": added, "name": "PayPo 2"} in client.get("/hub/payment-methods").json["items"]
    assert client.post("/hub/payment-methods", {"name": "paypo 2"}).status == 409
    assert client.delete(f"/hub/payment-methods/{added}").status == 204
