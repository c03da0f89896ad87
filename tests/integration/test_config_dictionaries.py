"""Hub dictionaries and hub settings: defaults per tenant, additions, duplicates, validation."""

from __future__ import annotations

import pytest

from shophub.domain.config import DictionaryEntry
from shophub.errors import ConflictError
from shophub.store import keys
from shophub.store.dictionaries import DEFAULT_DICTIONARIES, DictionaryRepository
from tests.support.config import api, logs
from tests.support.races import conflicting_table, lined_up_table, race

ROUTES = ("/hub/statuses", "/hub/payment-methods", "/hub/shipping-methods")


def test_a_new_tenant_starts_with_the_default_dictionaries(stack):
    client = api(stack)

    statuses = client.get("/hub/statuses")
    payments = client.get("/hub/payment-methods")
    shipping = client.get("/hub/shipping-methods")

    assert statuses.status == payments.status == shipping.status == 200
    status_names = [i["name"] for i in statuses.json["items"]]
    assert {"Nowe", "W realizacji", "Wysłane", "Anulowane"} <= set(status_names)
    assert status_names[0] == "Nowe"
    assert {"Przelew", "Pobranie", "Karta płatnicza", "Czek"} <= {i["name"] for i in payments.json["items"]}
    assert {"Kurier", "Paczkomat", "Odbiór osobisty", "Poczta Polska"} <= {i["name"] for i in shipping.json["items"]}
    assert all(set(item) == {"id", "name"} for item in statuses.json["items"])


def test_defaults_are_seeded_once_and_reading_again_writes_nothing(stack):
    client = api(stack)
    first = client.get("/hub/statuses").json["items"]
    before = stack.table.request_count

    second = client.get("/hub/statuses").json["items"]
    client.get("/hub/payment-methods")

    assert second == first
    assert stack.table.request_count - before == 4  # per request: the token lookup and one query, no writes
    stored = list(stack.table.query(keys.tenant_pk("tenant-a"), sk_prefix="STATUS#"))
    assert len(stored) == len(first)


def test_concurrent_first_reads_seed_the_defaults_exactly_once(stack):
    # Given two requests that both find the tenant's dictionary empty before either seeds it
    table = lined_up_table(stack, 2, lambda op, kw: op == "query")
    first, second = DictionaryRepository(table), DictionaryRepository(table)

    # When both read it at the same time
    results = race(
        lambda: first.get_dictionary("tenant-x", "STATUS"), lambda: second.get_dictionary("tenant-x", "STATUS")
    )

    # Then both see the same defaults and nothing was written twice
    assert not any(isinstance(r, Exception) for r in results), results
    assert [e.id for e in results[0]] == [e.id for e in results[1]]
    stored = list(stack.table.query(keys.tenant_pk("tenant-x"), sk_prefix="STATUS#"))
    assert sorted(i["name"] for i in stored) == sorted(e.name for e in results[0])
    assert len({i["name"] for i in stored}) == len(stored)


def test_a_seed_transaction_cancelled_by_a_concurrent_write_is_tried_again(stack):
    # Given a first read whose seed transaction DynamoDB cancels once (TransactionConflict)
    repository = DictionaryRepository(conflicting_table(stack))

    # When the tenant's statuses are read for the first time
    statuses = repository.get_dictionary("tenant-a", "STATUS")

    # Then the defaults are there (not an empty dictionary) and stored
    assert [e.id for e in statuses] == [e.id for e in DEFAULT_DICTIONARIES["STATUS"]]
    assert [e["id"] for e in api(stack).get("/hub/statuses").json["items"]] == [e.id for e in statuses]


def test_an_addition_cancelled_by_a_concurrent_write_is_a_409_not_a_500(stack):
    DictionaryRepository(stack.table).get_dictionary("tenant-a", "STATUS")
    repository = DictionaryRepository(conflicting_table(stack))

    with pytest.raises(ConflictError) as refused:
        repository.add("tenant-a", DictionaryEntry(kind="STATUS", id="x1", name="Nowy"))

    assert refused.value.code == "concurrent_update"


def test_adding_an_entry_returns_201_and_lists_it(stack):
    client = api(stack)

    for route in ROUTES:
        answer = client.post(route, {"name": "  Nowa   pozycja "})

        assert answer.status == 201
        assert answer.json["name"] == "Nowa pozycja"
        assert answer.json["id"]
        assert answer.json in client.get(route).json["items"]


def test_a_duplicate_name_is_409_in_both_languages(stack):
    client = api(stack, language="en")
    polish_client = api(stack, language="pl")

    for route in ROUTES:
        existing = client.get(route).json["items"][0]["name"]

        english = client.post(route, {"name": existing.upper()})
        polish = polish_client.post(route, {"name": f" {existing} "})

        assert english.status == polish.status == 409
        assert english.json["error"]["code"] == "duplicate_name"
        assert (
            english.json["error"]["message"]
            == f'An entry named "{existing.upper()}" already exists in this dictionary.'
        )
        assert "już istnieje" in polish.json["error"]["message"]
        names = [i["name"].casefold() for i in client.get(route).json["items"]]
        assert names.count(existing.casefold()) == 1


def test_two_concurrent_additions_of_one_name_store_it_once(stack):
    # Given two requests that both checked the name is free
    table = lined_up_table(stack, 2, lambda op, kw: op == "query")
    DictionaryRepository(stack.table).ensure_seeded("tenant-a")
    from shophub.services.dictionaries import DictionaryService
    from shophub.store.activity import ActivityLogRepository

    service = DictionaryService(DictionaryRepository(table), ActivityLogRepository(table))

    # When both add it
    results = race(
        lambda: service.add_entry("tenant-a", "SHIPPING", "DHL", actor="t"),
        lambda: service.add_entry("tenant-a", "SHIPPING", "dhl", actor="t"),
    )

    # Then one is stored, the other is told the name is taken
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1
    assert getattr(errors[0], "code", None) == "duplicate_name"
    names = [i["name"].casefold() for i in api(stack).get("/hub/shipping-methods").json["items"]]
    assert names.count("dhl") == 1


def test_bad_entry_bodies_are_refused(stack):
    client = api(stack)
    cases = [
        ({"name": ""}, 422, "validation_failed"),
        ({"name": "   "}, 422, "validation_failed"),
        ({"name": "x" * 101}, 422, "validation_failed"),
        ({"name": 5}, 422, "validation_failed"),
        ({}, 422, "validation_failed"),
        ({"name": "Ok", "colour": "red"}, 400, "unknown_fields"),
    ]
    for body, status, code in cases:
        answer = client.post("/hub/statuses", body)

        assert answer.status == status, body
        assert answer.json["error"]["code"] == code
        if status == 422:
            assert answer.json["error"]["details"][0]["field"] == "name"
    assert len(client.get("/hub/statuses").json["items"]) == len(DEFAULT_DICTIONARIES["STATUS"])


def test_malformed_json_is_400(stack):
    answer = api(stack).call("POST", "/hub/payment-methods", raw_body="{name:")

    assert answer.status == 400
    assert answer.json["error"]["code"] == "malformed_json"


def test_empty_name_message_is_polish_by_default(stack):
    answer = api(stack, language=None).post("/hub/statuses", {"name": ""})

    assert answer.status == 422
    assert answer.json["error"]["message"] == "Przesłane dane są niepoprawne."
    assert answer.json["error"]["details"][0]["message"] == "Wartość jest za krótka."


def test_tenants_have_separate_dictionaries(stack):
    a, b = api(stack, "tenant-a"), api(stack, "tenant-b")
    added = a.post("/hub/statuses", {"name": "Tylko A"}).json

    assert added not in b.get("/hub/statuses").json["items"]
    assert b.post("/hub/statuses", {"name": "Tylko A"}).status == 201


def test_adding_an_entry_is_logged_under_the_tenant(stack):
    added = api(stack).post("/hub/shipping-methods", {"name": "InPost Kurier"}).json

    entries = logs(stack, tenant_id="tenant-a")

    assert entries[0].action == "mappings.dictionary_entry_added"
    assert entries[0].details["id"] == added["id"]
    assert entries[0].details["old"] is None
    assert entries[0].details["new"] == "InPost Kurier"


# --- hub settings -------------------------------------------------------------------------------


def test_hub_settings_default_to_the_cancelled_status(stack):
    client = api(stack)

    settings = client.get("/hub/settings")

    cancelled = next(i for i in client.get("/hub/statuses").json["items"] if i["name"] == "Anulowane")
    assert settings.status == 200
    assert settings.json == {"stock_return_statuses": [cancelled["id"]]}


def test_hub_settings_can_be_changed_and_are_logged(stack):
    client = api(stack)
    returned = client.post("/hub/statuses", {"name": "Zwrot"}).json["id"]

    answer = client.put("/hub/settings", {"stock_return_statuses": ["anulowane", returned, returned]})

    assert answer.status == 200
    assert answer.json == {"stock_return_statuses": ["anulowane", returned]}
    assert client.get("/hub/settings").json == answer.json
    entry = logs(stack, tenant_id="tenant-a")[0]
    assert entry.action == "order_settings.return_statuses_changed"
    assert entry.details["old"] == {"stock_return_statuses": ["anulowane"]}
    assert entry.details["new"] == {"stock_return_statuses": ["anulowane", returned]}


def test_unknown_status_ids_in_hub_settings_are_422(stack):
    for language, text in (("en", "no such hub status"), ("pl", "Nie ma takiego statusu")):
        answer = api(stack, language=language).put("/hub/settings", {"stock_return_statuses": ["anulowane", "nope"]})

        assert answer.status == 422
        assert answer.json["error"]["details"][0]["field"] == "stock_return_statuses[1]"
        assert text in answer.json["error"]["details"][0]["message"]
    assert api(stack).get("/hub/settings").json == {"stock_return_statuses": ["anulowane"]}


def test_another_tenants_status_is_unknown_in_hub_settings(stack):
    foreign = api(stack, "tenant-b").post("/hub/statuses", {"name": "B"}).json["id"]

    answer = api(stack, "tenant-a").put("/hub/settings", {"stock_return_statuses": [foreign]})

    assert answer.status == 422


def test_bad_hub_settings_bodies_are_refused(stack):
    client = api(stack)
    cases = [
        ({"stock_return_statuses": "anulowane"}, 422),
        ({"stock_return_statuses": [1]}, 422),
        ({}, 422),
        ({"stock_return_statuses": [], "other": 1}, 400),
    ]
    for body, status in cases:
        assert client.put("/hub/settings", body).status == status, body
    assert client.get("/hub/settings").json == {"stock_return_statuses": ["anulowane"]}
