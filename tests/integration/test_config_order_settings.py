"""Order settings (fetch switch and its prerequisites, the fetch index, validation) and the
product field mapping."""

from __future__ import annotations

from shophub.services.config import ConfigService
from shophub.store import keys
from shophub.store.accounts import AccountRepository
from shophub.store.activity import ActivityLogRepository
from shophub.store.config import ConfigRepository
from shophub.store.dictionaries import DictionaryRepository
from tests.support.config import CREATED_AT, api, logs, make_account, map_everything
from tests.support.races import lined_up_table, race

FULL = {
    "fetch_enabled": True,
    "fetch_from": "2026-11-01T00:00:00Z",
    "landing_status": "nowe",
    "update_statuses": ["nowe", "w-realizacji"],
    "sync": {"update_statuses": True, "send_tracking_numbers": True, "send_documents": False, "push_statuses": False},
    "products": {"update_stock": True},
}


def test_defaults_show_fetch_from_as_the_accounts_creation(stack):
    account = make_account(stack)

    answer = api(stack).get(f"/accounts/{account.id}/order-settings")

    assert answer.status == 200
    assert answer.json == {
        "fetch_enabled": False,
        "fetch_from": "2026-03-01T08:30:00Z",
        "landing_status": None,
        "update_statuses": [],
        "sync": {
            "update_statuses": False,
            "send_tracking_numbers": False,
            "send_documents": False,
            "push_statuses": False,
        },
        "products": {"update_stock": False},
    }


def test_enabling_without_mappings_or_landing_status_is_409_naming_what_is_missing(stack):
    account = make_account(stack)
    url = f"/accounts/{account.id}/order-settings"

    english = api(stack, language="en").put(url, {"fetch_enabled": True})
    polish = api(stack, language="pl").put(url, {"fetch_enabled": True})

    assert english.status == polish.status == 409
    assert english.json["error"]["code"] == "mappings_required"
    assert [d["field"] for d in english.json["error"]["details"]] == [
        "mappings.payments",
        "mappings.carriers",
        "mappings.statuses",
        "landing_status",
    ]
    assert english.json["error"]["details"][0]["message"] == "Payment methods are not mapped."
    assert polish.json["error"]["details"][0]["message"] == "Brak mapowania metod płatności."
    assert polish.json["error"]["message"].startswith("Nie można włączyć pobierania zamówień")
    # nothing was stored, nothing is in the fetch index, and the refusal is logged
    assert stack.table.get(keys.account_pk(account.id), keys.ORDER_SETTINGS_SK) is None
    assert stack.container.config_repository.list_fetch_enabled() == []
    refusal = logs(stack, account_id=account.id)[0]
    assert refusal.outcome == "error"
    assert refusal.details["missing"] == [
        "mappings.payments",
        "mappings.carriers",
        "mappings.statuses",
        "landing_status",
    ]


def test_one_missing_mapping_kind_is_named_alone(stack):
    account = make_account(stack)
    client = api(stack)
    client.put(
        f"/accounts/{account.id}/mappings/payments", {"items": [{"module": "ps_wirepayment", "hub_id": "przelew"}]}
    )
    client.put(f"/accounts/{account.id}/mappings/statuses", {"items": [{"shop_state_id": 2, "hub_id": "wyslane"}]})

    answer = client.put(f"/accounts/{account.id}/order-settings", {"fetch_enabled": True, "landing_status": "nowe"})

    assert answer.status == 409
    assert [d["field"] for d in answer.json["error"]["details"]] == ["mappings.carriers"]


def test_enabling_stores_everything_and_joins_the_fetch_index(stack):
    # Given an account with every mapping
    account = make_account(stack, "tenant-a")
    other = make_account(stack, "tenant-b")
    client = api(stack)
    map_everything(client, account.id)

    # When fetching is enabled with the full document
    answer = client.put(f"/accounts/{account.id}/order-settings", FULL)

    # Then the settings are stored as sent and the poller's index lists the account (and only it)
    assert answer.status == 200
    assert answer.json == FULL
    assert client.get(f"/accounts/{account.id}/order-settings").json == FULL
    item = stack.table.get(keys.account_pk(account.id), keys.ORDER_SETTINGS_SK)
    assert item["GSI1PK"] == keys.FETCH_ENABLED_GSI1PK
    assert item["GSI1SK"] == keys.fetch_enabled_gsi1sk("tenant-a", account.id)
    assert stack.container.config_repository.list_fetch_enabled() == [("tenant-a", account.id)]
    assert other.id not in {a for _, a in stack.container.config_repository.list_fetch_enabled()}
    settings = stack.container.config_repository.get_order_settings(account.id)
    assert settings.fetch_enabled is True
    assert settings.landing_status == "nowe"
    assert settings.fetch_from.isoformat() == "2026-11-01T00:00:00+00:00"
    # and the change is logged with the old and the new values
    entry = logs(stack, account_id=account.id)[0]
    assert entry.action == "order_settings.changed"
    assert entry.details["old"]["fetch_enabled"] is False
    assert entry.details["new"]["fetch_enabled"] is True
    assert entry.details["old"]["fetch_from"] == "2026-03-01T08:30:00Z"
    assert entry.details["new"]["fetch_from"] == "2026-11-01T00:00:00Z"


def test_disabling_leaves_the_index_and_keeps_the_poll_cursor(stack):
    # Given an account that fetches orders and has a poll cursor
    account = make_account(stack)
    client = api(stack)
    map_everything(client, account.id)
    client.put(f"/accounts/{account.id}/order-settings", FULL)
    cursor = {
        "PK": keys.account_pk(account.id),
        "SK": keys.ORDER_CURSOR_SK,
        "date_upd": "2026-11-20 10:00:00",
        "last_id": 41,
    }
    stack.table.put(cursor)

    # When fetching is turned off
    answer = client.put(f"/accounts/{account.id}/order-settings", {"fetch_enabled": False})

    # Then the other settings stay, the index forgets the account, and the cursor is untouched
    assert answer.status == 200
    assert answer.json == {**FULL, "fetch_enabled": False}
    item = stack.table.get(keys.account_pk(account.id), keys.ORDER_SETTINGS_SK)
    assert "GSI1PK" not in item
    assert "GSI1SK" not in item
    assert stack.container.config_repository.list_fetch_enabled() == []
    assert stack.table.get(keys.account_pk(account.id), keys.ORDER_CURSOR_SK) == cursor
    # and turning it on again resumes from the same cursor
    assert client.put(f"/accounts/{account.id}/order-settings", {"fetch_enabled": True}).status == 200
    assert stack.table.get(keys.account_pk(account.id), keys.ORDER_CURSOR_SK) == cursor
    assert stack.container.config_repository.list_fetch_enabled() == [("tenant-a", account.id)]


def test_landing_status_cannot_be_unset_while_fetching(stack):
    account = make_account(stack)
    client = api(stack)
    map_everything(client, account.id)
    client.put(f"/accounts/{account.id}/order-settings", FULL)

    answer = client.put(f"/accounts/{account.id}/order-settings", {"landing_status": None})

    assert answer.status == 409
    assert [d["field"] for d in answer.json["error"]["details"]] == ["landing_status"]
    assert client.get(f"/accounts/{account.id}/order-settings").json["landing_status"] == "nowe"


def test_omitted_fields_keep_their_values_and_null_fetch_from_goes_back_to_the_default(stack):
    account = make_account(stack)
    client = api(stack)
    url = f"/accounts/{account.id}/order-settings"
    client.put(url, {**FULL, "fetch_enabled": False})

    client.put(url, {"sync": {"push_statuses": True}, "fetch_from": None})

    answer = client.get(url).json
    assert answer["sync"] == {**FULL["sync"], "push_statuses": True}
    assert answer["products"] == {"update_stock": True}
    assert answer["update_statuses"] == FULL["update_statuses"]
    assert answer["fetch_from"] == "2026-03-01T08:30:00Z"


def test_fetch_from_in_another_offset_is_stored_in_utc(stack):
    account = make_account(stack)

    answer = api(stack).put(f"/accounts/{account.id}/order-settings", {"fetch_from": "2026-11-01T01:00:00+01:00"})

    assert answer.json["fetch_from"] == "2026-11-01T00:00:00Z"


def test_unknown_hub_statuses_are_422(stack):
    account = make_account(stack)
    url = f"/accounts/{account.id}/order-settings"

    for language, text in (("en", "no such hub status: nope"), ("pl", "Nie ma takiego statusu w hubie: nope")):
        answer = api(stack, language=language).put(
            url, {"landing_status": "nope", "update_statuses": ["wyslane", "przelew"]}
        )
        assert answer.status == 422
        assert [d["field"] for d in answer.json["error"]["details"]] == ["landing_status", "update_statuses[1]"]
        assert text in answer.json["error"]["details"][0]["message"]
    assert stack.table.get(keys.account_pk(account.id), keys.ORDER_SETTINGS_SK) is None


def test_malformed_order_settings_are_400_or_422(stack):
    account = make_account(stack)
    client = api(stack)
    url = f"/accounts/{account.id}/order-settings"
    cases = [
        ({"fetch_enabled": "yes"}, 422, "fetch_enabled"),
        ({"fetch_enabled": 1}, 422, "fetch_enabled"),
        ({"fetch_from": "yesterday"}, 422, "fetch_from"),
        ({"fetch_from": "2026-11-01T00:00:00"}, 422, "fetch_from"),  # no offset
        ({"landing_status": ""}, 422, "landing_status"),
        ({"update_statuses": "wyslane"}, 422, "update_statuses"),
        ({"sync": {"update_statuses": "true"}}, 422, "sync.update_statuses"),
        ({"products": {"update_stock": None, "x": 1}}, 400, None),
        ({"sync": {"unknown": True}}, 400, None),
        ({"fetch": True}, 400, None),
    ]
    for body, status, field in cases:
        answer = client.put(url, body)
        assert answer.status == status, (body, answer.json)
        if field:
            assert answer.json["error"]["details"][0]["field"] == field
        else:
            assert answer.json["error"]["code"] == "unknown_fields"
    malformed = client.call("PUT", url, raw_body="{")
    assert malformed.status == 400
    assert malformed.json["error"]["code"] == "malformed_json"


def test_another_tenants_account_is_404_for_order_settings_and_field_mapping(stack):
    account = make_account(stack, "tenant-a")
    stranger = api(stack, "tenant-b")

    assert stranger.get(f"/accounts/{account.id}/order-settings").status == 404
    assert stranger.put(f"/accounts/{account.id}/order-settings", {"fetch_enabled": False}).status == 404
    assert stranger.get(f"/accounts/{account.id}/field-mapping").status == 404
    assert stranger.put(f"/accounts/{account.id}/field-mapping", {"ean": "upc"}).status == 404
    assert stack.container.config_repository.get_field_mapping(account.id).ean == "ean13"


def test_another_account_of_the_tenant_does_not_share_settings(stack):
    first, second = make_account(stack), make_account(stack)
    client = api(stack)
    client.put(f"/accounts/{first.id}/order-settings", {"products": {"update_stock": True}})

    assert client.get(f"/accounts/{second.id}/order-settings").json["products"] == {"update_stock": False}


# --- field mapping ------------------------------------------------------------------------------


def test_field_mapping_defaults_changes_and_logs(stack):
    account = make_account(stack)
    client = api(stack)
    url = f"/accounts/{account.id}/field-mapping"

    default = client.get(url)
    changed = client.put(url, {"ean": "upc", "catalog_number": "supplier_reference"})

    assert default.status == 200
    assert default.json == {"ean": "ean13", "symbol": "reference", "catalog_number": "mpn"}
    assert changed.status == 200
    assert changed.json == {"ean": "upc", "symbol": "reference", "catalog_number": "supplier_reference"}
    assert client.get(url).json == changed.json
    mapping = stack.container.config_repository.get_field_mapping(account.id)
    assert (mapping.ean, mapping.symbol, mapping.catalog_number) == ("upc", "reference", "supplier_reference")
    entry = logs(stack, account_id=account.id)[0]
    assert entry.action == "field_mapping.changed"
    assert entry.details == {
        "old": {"ean": "ean13", "catalog_number": "mpn"},
        "new": {"ean": "upc", "catalog_number": "supplier_reference"},
    }


def test_field_mapping_values_outside_the_allowed_set_are_refused(stack):
    account = make_account(stack)
    url = f"/accounts/{account.id}/field-mapping"
    cases = [
        ({"ean": "gtin"}, 422, "ean"),
        ({"symbol": ""}, 422, "symbol"),
        ({"catalog_number": 13}, 422, "catalog_number"),
        ({"isbn": "isbn"}, 400, None),
    ]
    for language, text in (("en", "not one of the allowed values"), ("pl", "spoza dozwolonego zbioru")):
        client = api(stack, language=language)
        for body, status, field in cases:
            answer = client.put(url, body)
            assert answer.status == status, body
            if field:
                assert answer.json["error"]["details"][0]["field"] == field
                assert text in answer.json["error"]["details"][0]["message"]
    assert api(stack).get(url).json == {"ean": "ean13", "symbol": "reference", "catalog_number": "mpn"}


def test_fetch_from_default_is_the_creation_time_for_other_areas_too(stack):
    account = make_account(stack)

    settings = stack.container.config_repository.get_order_settings(account.id, default_fetch_from=CREATED_AT)

    assert settings.fetch_from == CREATED_AT
    assert settings.fetch_enabled is False


def test_two_concurrent_partial_changes_are_both_kept(stack):
    # Given two requests that both read the stored settings before either writes
    account = make_account(stack)
    api(stack).put(f"/accounts/{account.id}/order-settings", {"update_statuses": ["nowe"]})
    table = lined_up_table(stack, 2, lambda op, kw: op == "get_item" and "SETTINGS#ORDERS" in str(kw))

    def service() -> ConfigService:
        dictionaries = DictionaryRepository(table)
        return ConfigService(
            AccountRepository(table),
            ConfigRepository(table, dictionaries=dictionaries),
            dictionaries,
            ActivityLogRepository(table),
        )

    # When one switches stock updates on and the other sends tracking numbers
    results = race(
        lambda: service().put_order_settings(
            "tenant-a", account.id, {"products": {"update_stock": True}}, actor="a", language="en"
        ),
        lambda: service().put_order_settings(
            "tenant-a", account.id, {"sync": {"send_tracking_numbers": True}}, actor="b", language="en"
        ),
    )

    # Then neither change is lost (the later writer re-read and merged)
    assert not any(isinstance(r, Exception) for r in results), results
    stored = stack.container.config_repository.get_order_settings(account.id)
    assert stored.products.update_stock is True
    assert stored.sync.send_tracking_numbers is True
    assert stored.update_statuses == ["nowe"]
    assert stored.version == 3
