"""Configuration area without AWS: messages, default dictionaries, key shapes, kind names."""

from __future__ import annotations

import re
import string

import pytest

from shophub.domain.config import MAPPING_KINDS
from shophub.i18n import MESSAGES, messages_config, translate
from shophub.store import keys
from shophub.store.config import mapping_kind
from shophub.store.dictionaries import (
    DEFAULT_DICTIONARIES,
    DEFAULT_STOCK_RETURN_STATUS,
    normalized_name,
)
from shophub.store.dynamo import TRANSACT_MAX

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _used_keys() -> set[str]:
    used = {
        "duplicate_name",
        "unknown_hub_status",
        "duplicate_shop_value",
        "too_many_mappings",
        "mappings_in_use",
        "mappings_required",
        "landing_status_missing",
        "template_not_found",
        "default_template",
        "template_in_use",
        "no_default_template",
        "route_not_found",
        "activity_dictionary_entry_created",
        "activity_hub_settings_updated",
        "activity_order_settings_updated",
        "activity_field_mapping_updated",
        "activity_template_created",
        "activity_template_updated",
        "activity_template_default_changed",
        "activity_template_deleted",
    }
    for path, info in MAPPING_KINDS.items():
        used |= {
            info.unknown_hub_key,
            info.unknown_shop_key,
            f"mapping_missing_{path}",
            f"activity_mappings_updated_{path}",
        }
    return used


@pytest.mark.parametrize("key", sorted(_used_keys()))
def test_every_message_of_the_area_exists_in_polish_and_english(key):
    entry = MESSAGES[key]
    assert entry["pl"].strip()
    assert entry["en"].strip()
    assert entry["pl"] != entry["en"]


@pytest.mark.parametrize("key", sorted(messages_config.MESSAGES))
def test_both_languages_use_the_same_placeholders(key):
    entry = messages_config.MESSAGES[key]
    assert _placeholders(entry["pl"]) == _placeholders(entry["en"])


def test_messages_fill_their_placeholders():
    assert translate("template_in_use", "en", name="Main", count=3) == (
        'The template "Main" is assigned to offers (3) and cannot be deleted. It can be edited.'
    )
    assert translate("unknown_shop_carrier", "pl", value=7).startswith("Sklep nie ma przewoźnika o id_reference 7")


def test_default_dictionaries_are_valid_and_seed_in_one_transaction():
    for kind, entries in DEFAULT_DICTIONARIES.items():
        ids = [e.id for e in entries]
        names = [normalized_name(e.name) for e in entries]
        assert len(set(ids)) == len(ids), kind
        assert len(set(names)) == len(names), kind
        assert all(_ID.match(i) for i in ids)
    statuses = {e.name: e.id for e in DEFAULT_DICTIONARIES["STATUS"]}
    assert {"Nowe", "W realizacji", "Wysłane", "Anulowane"} <= set(statuses)
    assert statuses["Anulowane"] == DEFAULT_STOCK_RETURN_STATUS
    assert {"Przelew", "Pobranie", "Karta płatnicza", "Czek"} <= {e.name for e in DEFAULT_DICTIONARIES["PAYMENT"]}
    assert {"Kurier", "Paczkomat", "Odbiór osobisty", "Poczta Polska"} <= {
        e.name for e in DEFAULT_DICTIONARIES["SHIPPING"]
    }
    # every entry and its name guard, the tenant settings and the seed marker: one transaction
    assert 2 * sum(len(e) for e in DEFAULT_DICTIONARIES.values()) + 2 <= TRANSACT_MAX


def test_names_compare_without_case_and_extra_spaces():
    assert normalized_name("  Odbiór   Osobisty ") == normalized_name("odbiór osobisty")
    assert normalized_name("Wysłane") != normalized_name("Wyslane")


def test_mapping_kinds_accept_the_api_and_the_stored_names():
    assert mapping_kind("payments") == mapping_kind("PAYMENT") == "PAYMENT"
    assert mapping_kind("carriers") == "CARRIER"
    assert mapping_kind("status") == "STATUS"
    with pytest.raises(ValueError):
        mapping_kind("currencies")


def test_config_key_shapes():
    assert keys.mapping_set_sk("CARRIER") == "MAP#CARRIER"
    assert keys.dictionary_prefix("SHIPPING") == "SHIPPING#"
    assert keys.dictionary_name_sk("STATUS", "wysłane") == "DICTNAME#STATUS#wysłane"
    assert keys.fetch_enabled_gsi1sk("t1", "a1") == "t1#a1"
    with pytest.raises(ValueError):
        keys.mapping_set_sk("SHIPPING")
    with pytest.raises(ValueError):
        keys.dictionary_prefix("CARRIER")
