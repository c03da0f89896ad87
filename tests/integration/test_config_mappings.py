"""Payment, carrier and status mappings: atomic replacement, validation against the hub
dictionaries and the shop's discovery, unmapped items, isolation and the activity log."""

from __future__ import annotations

from shophub.services.config import ConfigService
from shophub.store import keys
from shophub.store.accounts import AccountRepository
from shophub.store.activity import ActivityLogRepository
from shophub.store.config import ConfigRepository
from shophub.store.dictionaries import DictionaryRepository
from tests.support.config import api, logs, make_account, map_everything, put_discovery
from tests.support.races import lined_up_table, race


def test_each_kind_round_trips_and_lists_what_is_still_unmapped(stack):
    # Given an account whose discovery found payments, carriers and states
    account = make_account(stack)
    put_discovery(stack, account.id)
    client = api(stack)
    base = f"/accounts/{account.id}/mappings"

    # When one of each is mapped
    payments = client.put(f"{base}/payments", {"items": [{"module": "ps_checkpayment", "hub_id": "czek"}]})
    carriers = client.put(f"{base}/carriers", {"items": [{"id_reference": 2, "hub_id": "kurier"}]})
    statuses = client.put(
        f"{base}/statuses",
        {"items": [{"shop_state_id": 6, "hub_id": "anulowane"}, {"shop_state_id": 2, "hub_id": "w-realizacji"}]},
    )

    # Then GET shows the same shape, and the discovered items without a mapping
    assert payments.status == carriers.status == statuses.status == 200
    assert client.get(f"{base}/payments").json == {
        "items": [{"module": "ps_checkpayment", "hub_id": "czek"}],
        "unmapped": [
            {"module": "ps_wirepayment", "name": "Bank wire"},
            {"module": "ps_cashondelivery", "name": "Cash on delivery"},
        ],
    }
    assert client.get(f"{base}/carriers").json == {
        "items": [{"id_reference": 2, "hub_id": "kurier"}],
        "unmapped": [{"id_reference": 1, "name": "Click and collect"}],
    }
    assert statuses.json == client.get(f"{base}/statuses").json
    assert statuses.json["items"] == [
        {"shop_state_id": 2, "hub_id": "w-realizacji"},
        {"shop_state_id": 6, "hub_id": "anulowane"},
    ]
    assert [u["shop_state_id"] for u in statuses.json["unmapped"]] == [1, 4]
    # and other areas read them as {shop value: hub id}
    repository = stack.container.config_repository
    assert repository.get_mappings(account.id, "PAYMENT") == {"ps_checkpayment": "czek"}
    assert repository.get_mappings(account.id, "CARRIER") == {"2": "kurier"}
    assert repository.get_mappings(account.id, "statuses") == {"2": "w-realizacji", "6": "anulowane"}


def test_an_account_without_mappings_or_discovery_has_empty_lists(stack):
    account = make_account(stack)

    answer = api(stack).get(f"/accounts/{account.id}/mappings/carriers")

    assert answer.status == 200
    assert answer.json == {"items": [], "unmapped": []}


def test_put_replaces_the_whole_set(stack):
    # Given two payment mappings
    account = make_account(stack)
    put_discovery(stack, account.id)
    client = api(stack)
    url = f"/accounts/{account.id}/mappings/payments"
    client.put(
        url,
        {"items": [{"module": "ps_checkpayment", "hub_id": "czek"}, {"module": "ps_wirepayment", "hub_id": "przelew"}]},
    )

    # When a set with one changed and one new mapping is put
    answer = client.put(
        url,
        {
            "items": [
                {"module": "ps_wirepayment", "hub_id": "platnosc-online"},
                {"module": "ps_cashondelivery", "hub_id": "pobranie"},
            ]
        },
    )

    # Then exactly that set is stored (the dropped one is gone)
    assert answer.status == 200
    stored = stack.container.config_repository.get_mappings(account.id, "PAYMENT")
    assert stored == {"ps_wirepayment": "platnosc-online", "ps_cashondelivery": "pobranie"}
    assert [u["module"] for u in answer.json["unmapped"]] == ["ps_checkpayment"]
    # and the change is logged with the old and the new set
    entry = logs(stack, account_id=account.id)[0]
    assert entry.action == "mappings.changed"
    assert entry.outcome == "ok"
    assert entry.details == {
        "kind": "payments",
        "old": {"ps_checkpayment": "czek", "ps_wirepayment": "przelew"},
        "new": {"ps_wirepayment": "platnosc-online", "ps_cashondelivery": "pobranie"},
    }


def test_an_empty_set_removes_every_mapping_of_the_kind(stack):
    account = make_account(stack)
    client = api(stack)
    url = f"/accounts/{account.id}/mappings/statuses"
    client.put(url, {"items": [{"shop_state_id": 2, "hub_id": "w-realizacji"}]})

    answer = client.put(url, {"items": []})

    assert answer.status == 200
    assert answer.json["items"] == []
    assert stack.container.config_repository.get_mappings(account.id, "STATUS") == {}


def test_unknown_hub_ids_are_422_naming_the_item(stack):
    account = make_account(stack)
    put_discovery(stack, account.id)
    url = f"/accounts/{account.id}/mappings/carriers"
    body = {
        "items": [
            {"id_reference": 1, "hub_id": "kurier"},
            {"id_reference": 2, "hub_id": "przelew"},  # a payment method, not a shipping method
        ]
    }

    english = api(stack, language="en").put(url, body)
    polish = api(stack, language="pl").put(url, body)

    assert english.status == polish.status == 422
    assert english.json["error"]["code"] == "validation_failed"
    assert english.json["error"]["details"] == [
        {"field": "items[1].hub_id", "message": "There is no such hub shipping method: przelew."}
    ]
    assert polish.json["error"]["details"][0]["message"] == "Nie ma takiego sposobu wysyłki w hubie: przelew."
    assert stack.container.config_repository.get_mappings(account.id, "CARRIER") == {}


def test_shop_values_discovery_does_not_know_are_422_once_discovery_is_done(stack):
    account = make_account(stack)
    put_discovery(stack, account.id)
    client = api(stack)
    base = f"/accounts/{account.id}/mappings"

    payments = client.put(f"{base}/payments", {"items": [{"module": "ps_unknown", "hub_id": "czek"}]})
    carriers = client.put(f"{base}/carriers", {"items": [{"id_reference": 99, "hub_id": "kurier"}]})
    statuses = client.put(
        f"{base}/statuses",
        {"items": [{"shop_state_id": 2, "hub_id": "wyslane"}, {"shop_state_id": 3, "hub_id": "nope"}]},
    )

    assert payments.status == carriers.status == statuses.status == 422
    assert payments.json["error"]["details"][0]["field"] == "items[0].module"
    assert "ps_unknown" in payments.json["error"]["details"][0]["message"]
    assert carriers.json["error"]["details"][0]["field"] == "items[0].id_reference"
    assert [d["field"] for d in statuses.json["error"]["details"]] == ["items[1].shop_state_id", "items[1].hub_id"]


def test_without_discovery_any_shop_value_may_be_mapped(stack):
    account = make_account(stack)

    answer = api(stack).put(
        f"/accounts/{account.id}/mappings/payments", {"items": [{"module": "ps_anything", "hub_id": "czek"}]}
    )

    assert answer.status == 200
    assert answer.json["items"] == [{"module": "ps_anything", "hub_id": "czek"}]


def test_a_shop_value_twice_in_one_put_is_422(stack):
    account = make_account(stack)

    answer = api(stack).put(
        f"/accounts/{account.id}/mappings/statuses",
        {"items": [{"shop_state_id": 2, "hub_id": "wyslane"}, {"shop_state_id": 2, "hub_id": "anulowane"}]},
    )

    assert answer.status == 422
    assert answer.json["error"]["details"][0]["field"] == "items[1].shop_state_id"


def test_more_than_100_mappings_of_a_kind_are_422(stack):
    account = make_account(stack)
    items = [{"shop_state_id": i, "hub_id": "wyslane"} for i in range(1, 102)]

    answer = api(stack, language="pl").put(f"/accounts/{account.id}/mappings/statuses", {"items": items})

    assert answer.status == 422
    assert answer.json["error"]["details"] == [
        {"field": "items", "message": "Można zapisać najwyżej 100 mapowań jednego rodzaju."}
    ]


def test_100_mappings_are_stored_with_one_write(stack):
    account = make_account(stack)
    items = [{"shop_state_id": i, "hub_id": "wyslane"} for i in range(1, 101)]
    client = api(stack)
    client.get("/hub/statuses")  # defaults seeded beforehand
    before = stack.table.request_count

    answer = client.put(f"/accounts/{account.id}/mappings/statuses", {"items": items})

    assert answer.status == 200
    # token, account, dictionary, discovery, the set, one conditional write, activity log
    assert stack.table.request_count - before == 7
    assert len(stack.container.config_repository.get_mappings(account.id, "STATUS")) == 100


def test_malformed_bodies_are_400_or_422(stack):
    account = make_account(stack)
    client = api(stack)
    base = f"/accounts/{account.id}/mappings"
    cases = [
        ("payments", {"items": [{"module": "x", "hub_id": "czek", "extra": 1}]}, 400, "unknown_fields", None),
        ("payments", {"items": [], "extra": 1}, 400, "unknown_fields", None),
        ("payments", {"items": [{"module": "", "hub_id": "czek"}]}, 422, "validation_failed", "items[0].module"),
        ("payments", {"items": [{"hub_id": "czek"}]}, 422, "validation_failed", "items[0].module"),
        (
            "carriers",
            {"items": [{"id_reference": "2", "hub_id": "kurier"}]},
            422,
            "validation_failed",
            "items[0].id_reference",
        ),
        (
            "carriers",
            {"items": [{"id_reference": 0, "hub_id": "kurier"}]},
            422,
            "validation_failed",
            "items[0].id_reference",
        ),
        ("carriers", {"items": [{"module": "x", "hub_id": "kurier"}]}, 400, "unknown_fields", None),
        (
            "statuses",
            {"items": [{"shop_state_id": True, "hub_id": "wyslane"}]},
            422,
            "validation_failed",
            "items[0].shop_state_id",
        ),
        ("statuses", {"items": ["2"]}, 422, "validation_failed", "items[0]"),
        ("statuses", {"items": {"shop_state_id": 2}}, 422, "validation_failed", "items"),
        ("statuses", {}, 422, "validation_failed", "items"),
    ]
    for kind, body, status, code, field in cases:
        answer = client.put(f"{base}/{kind}", body)
        assert answer.status == status, (kind, body, answer.json)
        assert answer.json["error"]["code"] == code
        if field:
            assert answer.json["error"]["details"][0]["field"] == field, answer.json
    malformed = client.call("PUT", f"{base}/payments", raw_body='{"items": [')
    assert malformed.status == 400
    assert malformed.json["error"]["code"] == "malformed_json"
    assert stack.container.config_repository.get_mappings(account.id, "PAYMENT") == {}


def test_an_unknown_mapping_kind_is_404(stack):
    account = make_account(stack)
    client = api(stack)

    assert client.get(f"/accounts/{account.id}/mappings/currencies").status == 404
    assert client.put(f"/accounts/{account.id}/mappings/currencies", {"items": []}).status == 404


def test_another_tenants_account_is_404_on_every_mapping_route(stack):
    account = make_account(stack, "tenant-a")
    stranger = api(stack, "tenant-b")

    for kind in ("payments", "carriers", "statuses"):
        read = stranger.get(f"/accounts/{account.id}/mappings/{kind}")
        write = stranger.put(f"/accounts/{account.id}/mappings/{kind}", {"items": []})
        assert read.status == write.status == 404
    assert api(stack, "tenant-b").get("/accounts/nope/mappings/payments").status == 404
    assert logs(stack, account_id=account.id) == []


def test_all_mappings_cannot_be_removed_while_fetching_is_enabled(stack):
    # Given an account that fetches orders
    account = make_account(stack)
    client = api(stack)
    map_everything(client, account.id)
    assert (
        client.put(f"/accounts/{account.id}/order-settings", {"fetch_enabled": True, "landing_status": "nowe"}).status
        == 200
    )

    # When its carrier mappings are emptied
    answer = client.put(f"/accounts/{account.id}/mappings/carriers", {"items": []})

    # Then that is refused, nothing changes, and the refusal is logged
    assert answer.status == 409
    assert answer.json["error"]["code"] == "mappings_required"
    assert "Disable order fetching first" in answer.json["error"]["message"]
    assert stack.container.config_repository.get_mappings(account.id, "CARRIER") == {"2": "kurier"}
    assert logs(stack, account_id=account.id)[0].outcome == "error"
    # while replacing them with another non-empty set is fine
    assert (
        client.put(
            f"/accounts/{account.id}/mappings/carriers", {"items": [{"id_reference": 1, "hub_id": "paczkomat"}]}
        ).status
        == 200
    )


def test_two_concurrent_replacements_leave_one_of_the_two_sets(stack):
    # Given an account with one status mapping, and two PUTs that both read it before writing
    account = make_account(stack)
    api(stack).put(f"/accounts/{account.id}/mappings/statuses", {"items": [{"shop_state_id": 1, "hub_id": "wyslane"}]})
    table = lined_up_table(stack, 2, lambda op, kw: op == "get_item" and "MAP#STATUS" in str(kw))

    def service() -> ConfigService:
        dictionaries = DictionaryRepository(table)
        return ConfigService(
            AccountRepository(table),
            ConfigRepository(table, dictionaries=dictionaries),
            dictionaries,
            ActivityLogRepository(table),
        )

    from shophub.domain.config import MappingInput

    first = [MappingInput("2", "w-realizacji"), MappingInput("4", "wyslane")]
    second = [MappingInput("6", "anulowane")]

    # When both replace the set at once
    results = race(
        lambda: service().put_mappings("tenant-a", account.id, "statuses", first, actor="a", language="en"),
        lambda: service().put_mappings("tenant-a", account.id, "statuses", second, actor="b", language="en"),
    )

    # Then both succeed (the later one retried on the newer set) and the result is one whole set
    assert not any(isinstance(r, Exception) for r in results), results
    stored = stack.container.config_repository.get_mappings(account.id, "STATUS")
    assert stored in ({"2": "w-realizacji", "4": "wyslane"}, {"6": "anulowane"})
    head = stack.table.get(keys.account_pk(account.id), keys.mapping_set_sk("STATUS"))
    assert head["count"] == len(stored)
    assert head["version"] == 3
