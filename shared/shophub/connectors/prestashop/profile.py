"""What the core knows about PrestaShop: :data:`PROFILE`.

Kept free of HTTP and parsing imports so the core can read it without loading the connector.
"""

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
from shophub.errors import (
    ShopApiDisabledError,
    ShopAuthError,
    ShopMethodNotSupportedError,
    ShopPermissionError,
    ShopRequestRejectedError,
)

PLATFORM = "prestashop"

#: The webservice key: 32 characters. The back office generates A-Z and 0-9; it also accepts a
#: typed key with a few symbols, of which ``@ _ -`` pass through HTTP Basic auth unharmed.
API_KEY = CredentialRule(
    field="api_key",
    length=32,
    characters=r"[A-Za-z0-9@_-]",
    length_message="check_key_length",
    characters_message="check_key_characters",
)

#: Essential: without them orders cannot be imported, products cannot be imported or stock
#: cannot be pushed, or discovery (which also reads shops and currencies) cannot run. Optional:
#: features a merchant may leave switched off (status push to the shop, tracking numbers, sales
#: documents as order messages) or that degrade gracefully (variant labels). ``PATCH|PUT``: either
#: will do (PATCH is preferred; PUT with the full record is the fallback, and the only way on 1.7).
PERMISSIONS: tuple[PermissionNeed, ...] = (
    PermissionNeed("orders", ("GET",), True, "order import, payment method discovery"),
    PermissionNeed("order_details", ("GET",), True, "order lines (MPN, supplier reference)"),
    PermissionNeed("order_states", ("GET",), True, "status mapping"),
    PermissionNeed("carriers", ("GET",), True, "carrier mapping"),
    PermissionNeed("customers", ("GET",), True, "order import (buyer)"),
    PermissionNeed("addresses", ("GET",), True, "order import (delivery and invoice address)"),
    PermissionNeed("configurations", ("GET",), True, "shop time zone, standard states"),
    PermissionNeed("shops", ("GET",), True, "discovery: shops (multistore)"),
    PermissionNeed("currencies", ("GET",), True, "discovery: currencies; order currency codes"),
    PermissionNeed("products", ("GET",), True, "product import and linking"),
    PermissionNeed("combinations", ("GET",), True, "product import and linking (variants)"),
    PermissionNeed("stock_availables", ("GET",), True, "stock rows of linked variants"),
    PermissionNeed("stock_availables", ("PATCH", "PUT"), True, "stock push"),
    PermissionNeed("product_option_values", ("GET",), False, "variant names"),
    PermissionNeed("order_histories", ("POST",), False, "status changes sent to the shop"),
    PermissionNeed("order_carriers", ("GET",), False, "tracking numbers"),
    PermissionNeed("order_carriers", ("PATCH", "PUT"), False, "tracking numbers"),
    PermissionNeed("customer_threads", ("GET",), False, "sales documents as order messages"),
    PermissionNeed("customer_threads", ("POST",), False, "sales documents as order messages"),
    PermissionNeed("customer_messages", ("POST",), False, "sales documents as order messages"),
)

#: Webservice error codes (``<error><code>``) the connector acts on; first match wins, so the
#: permission codes come before the key codes a refused request may carry as well.
ERROR_CODES: tuple[ErrorCodeMeaning, ...] = (
    ErrorCodeMeaning(26, "no permission for this resource", ShopPermissionError, 401),
    ErrorCodeMeaning(25, "no permission for this method", ShopPermissionError, 405),
    ErrorCodeMeaning(132, "the key may not access this shop", ShopPermissionError, 403),
    ErrorCodeMeaning(17, "no key given", ShopAuthError, 401),
    ErrorCodeMeaning(18, "the key is malformed", ShopAuthError, 401),
    ErrorCodeMeaning(20, "the key is unknown", ShopAuthError, 401),
    ErrorCodeMeaning(21, "the key is not active", ShopAuthError, 401),
    ErrorCodeMeaning(22, "the webservice is switched off", ShopApiDisabledError, 503),
    ErrorCodeMeaning(23, "the method does not exist", ShopMethodNotSupportedError, 405),
    ErrorCodeMeaning(101, "the method is not supported for this resource", ShopMethodNotSupportedError, 405),
    # Codes that, even with a 5xx status, mean "this request is wrong" (retrying cannot help).
    *(ErrorCodeMeaning(c, "unknown filter or sort field", ShopRequestRejectedError) for c in range(32, 41)),
    ErrorCodeMeaning(41, "a required field is missing", ShopRequestRejectedError),
    ErrorCodeMeaning(93, "a read-only field was sent", ShopRequestRejectedError),
    ErrorCodeMeaning(127, "the body is not XML", ShopRequestRejectedError),
    ErrorCodeMeaning(133, "advanced stock management refuses the change", ShopRequestRejectedError),
)

#: ``Validate::isTrackingNumber``, 64 characters at most (``order_carrier.tracking_number``).
TRACKING = TrackingRule(characters=r"[~:#,%&_=()\[\].? +\-@/a-zA-Z0-9]", max_length=64, symbols="~:#,%&_=()[].?+-@/")

#: The platform's wording of user messages whose neutral wording cannot say what the key looks
#: like or where to click in the back office (the core's own wording is platform-neutral).
TEXTS = MappingProxyType(
    {
        "check_key_length": {
            "pl": "klucz API musi mieć dokładnie 32 znaki (ma {length})",
            "en": "the API key must be exactly 32 characters long (it has {length})",
        },
        "check_key_characters": {
            "pl": "klucz API może zawierać tylko litery, cyfry oraz znaki @ _ -",
            "en": "the API key may contain only letters, digits and the characters @ _ -",
        },
        "shop_webservice_disabled": {
            "pl": "Webservice sklepu jest wyłączony (PrestaShop: Parametry zaawansowane → Webservice).",
            "en": "The shop's webservice is disabled (PrestaShop: Advanced Parameters → Webservice).",
        },
        "shop_bad_response": {
            "pl": "Odpowiedź sklepu nie jest poprawną odpowiedzią API PrestaShop: {detail}",
            "en": "The shop's answer is not a valid PrestaShop API answer: {detail}",
        },
        "check_webservice_disabled": {
            "pl": "webservice sklepu jest wyłączony ({detail}). Włącz go w panelu PrestaShop: "
            "Parametry zaawansowane → Webservice.",
            "en": "the shop's webservice is disabled ({detail}). Enable it in the PrestaShop back office: "
            "Advanced Parameters → Webservice.",
        },
        "check_not_found": {
            "pl": "pod tym adresem nie ma API PrestaShop (HTTP 404). Sprawdź adres sklepu.",
            "en": "there is no PrestaShop API at this address (HTTP 404). Check the shop address.",
        },
        "check_bad_response": {
            "pl": "odpowiedź nie pochodzi z API PrestaShop ({detail}). Sprawdź adres sklepu.",
            "en": "the answer does not come from a PrestaShop API ({detail}). Check the shop address.",
        },
        "check_missing_permissions": {
            "pl": "klucz API nie ma uprawnień wymaganych przez integrację: {permissions}. "
            "Zaznacz je w panelu PrestaShop: Parametry zaawansowane → Webservice → klucz.",
            "en": "the API key lacks permissions the integration needs: {permissions}. "
            "Grant them in the PrestaShop back office: Advanced Parameters → Webservice → the key.",
        },
        "unknown_shop_carrier": {
            "pl": "Sklep nie ma przewoźnika o id_reference {value} (nie ma go w wynikach rozpoznania sklepu).",
            "en": "The shop has no carrier with id_reference {value} (it is not in the shop discovery).",
        },
        "stock_entry_no_stock_row": {
            "pl": "Oferta nie ma przypisanego wiersza stanu w sklepie (stock_available). Połącz produkt ponownie.",
            "en": "The offer has no shop stock row (stock_available). Link the product again.",
        },
        "stock_entry_row_missing": {
            "pl": "Wiersz stanu {stock_id} (stock_available) nie istnieje już w sklepie. Połącz produkt ponownie.",
            "en": "Stock row {stock_id} (stock_available) no longer exists in the shop. Link the product again.",
        },
    }
)

PROFILE = ConnectorProfile(
    platform=PLATFORM,
    display_name="PrestaShop",
    credentials=(API_KEY,),
    permissions=PERMISSIONS,
    error_codes=ERROR_CODES,
    tracking=TRACKING,
    # stock_available.quantity is a signed INT(10)
    max_stock_quantity=2_147_483_647,
    product_fields=("ean13", "reference", "supplier_reference", "mpn", "upc", "isbn"),
    field_defaults=MappingProxyType({"ean": "ean13", "symbol": "reference", "catalog_number": "mpn"}),
    id_names=IdNames(
        product="id_product",
        variant="id_product_attribute (combination)",
        stock_reference="stock_available",
        carrier_key="id_reference",
        shop_status="order state (id_order_state)",
    ),
    texts=TEXTS,
    catalogue_file_reader="shophub.connectors.prestashop.exports:read_catalogue_file",
)
