"""What the core knows about Kramik (see the package docstring)."""

from __future__ import annotations

from types import MappingProxyType

from shophub.connectors.base import (
    ConnectorProfile,
    CredentialRule,
    ErrorCodeMeaning,
    IdNames,
    PermissionNeed,
    TrackingRule,
)
from shophub.errors import ShopAuthError, ShopPermissionError, ShopRateLimitedError, ShopRequestRejectedError

PLATFORM = "kramik"

#: ``kr_`` + 24 hex digits + ``:`` + 16 hex digits: 44 characters.
API_KEY = CredentialRule(
    field="api_key",
    length=44,
    characters=r"[a-f0-9kr_:]",
    length_message="kramik_key_length",
    characters_message="kramik_key_characters",
)

PERMISSIONS: tuple[PermissionNeed, ...] = (
    PermissionNeed("catalog", ("READ",), True, "product import and linking"),
    PermissionNeed("inventory", ("READ",), True, "stock rows of linked variants"),
    PermissionNeed("inventory", ("WRITE",), True, "stock push"),
    PermissionNeed("sales", ("READ",), True, "order import, discovery"),
    PermissionNeed("sales", ("WRITE",), False, "status changes and documents sent to the shop"),
    PermissionNeed("fulfilment", ("WRITE",), False, "tracking numbers"),
)

ERROR_CODES: tuple[ErrorCodeMeaning, ...] = (
    ErrorCodeMeaning("E_KEY_UNKNOWN", "the key is unknown", ShopAuthError, 401),
    ErrorCodeMeaning("E_SCOPE", "the key lacks a scope", ShopPermissionError, 403),
    ErrorCodeMeaning("E_SLOW_DOWN", "too many requests", ShopRateLimitedError, 429),
    ErrorCodeMeaning("E_QTY_RANGE", "a quantity out of range", ShopRequestRejectedError, 422),
)

TEXTS = MappingProxyType(
    {
        "kramik_key_length": {
            "pl": "Klucz Kramika ma 44 znaki (kr_…:…), podano {length}.",
            "en": "A Kramik key has 44 characters (kr_…:…); {length} given.",
        },
        "kramik_key_characters": {
            "pl": "Klucz Kramika to kr_, 24 cyfry szesnastkowe, dwukropek i 16 cyfr szesnastkowych.",
            "en": "A Kramik key is kr_, 24 hex digits, a colon and 16 hex digits.",
        },
        "check_auth": {
            "pl": "Kramik nie zna tego klucza. Utwórz go w panelu Kramika: Ustawienia ⇨ Integracje ⇨ Klucze API.",
            "en": "Kramik does not know this key. Create one in Kramik's panel: Settings ⇨ Integrations ⇨ API keys.",
        },
    }
)

PROFILE = ConnectorProfile(
    platform=PLATFORM,
    display_name="Kramik",
    credentials=(API_KEY,),
    permissions=PERMISSIONS,
    error_codes=ERROR_CODES,
    tracking=TrackingRule(characters=r"[A-Z0-9]", max_length=20, symbols=""),
    max_stock_quantity=99_999,
    product_fields=("gtin", "sku", "mpn"),
    field_defaults=MappingProxyType({"ean": "gtin", "symbol": "sku", "catalog_number": "mpn"}),
    id_names=IdNames(
        product="item",
        variant="SKU",
        stock_reference="inventory slot",
        carrier_key="shipping profile",
        shop_status="fulfilment status",
    ),
    texts=TEXTS,
)
