"""Messages of the orders area: key → {"pl": ..., "en": ...}.

``order_*`` errors are API answers; ``log_order_*``, ``log_poll_*``, ``log_push_*`` and
``log_stock_*`` are activity log messages (stored in Polish, with the key and parameters in the
entry's details so a reader can render them in English).
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # --- API errors -----------------------------------------------------------------------------
    "order_not_found": {"pl": "Nie znaleziono zamówienia.", "en": "Order not found."},
    "order_fetch_disabled": {
        "pl": "Pobieranie zamówień jest wyłączone dla tego konta. Włącz je w ustawieniach zamówień.",
        "en": "Order fetching is disabled for this account. Enable it in the order settings.",
    },
    "order_mappings_required": {
        "pl": "Nie można pobrać zamówień: zmapuj co najmniej jedną metodę płatności, jednego przewoźnika "
        "i jeden status oraz wybierz status dla nowych zamówień.",
        "en": "Orders cannot be fetched: map at least one payment method, one carrier and one status "
        "and choose the status new orders get.",
    },
    "order_account_deleted": {
        "pl": "Konto sklepu tego zamówienia zostało usunięte; zamówienie można tylko odczytać.",
        "en": "The shop account of this order was deleted; the order can only be read.",
    },
    "order_unknown_status": {
        "pl": "Nie ma takiego statusu w hubie.",
        "en": "There is no such hub status.",
    },
    "order_tracking_number_invalid": {
        "pl": "Numer przesyłki może zawierać litery, cyfry, spacje i znaki {symbols} (do {max_length} znaków).",
        "en": "A tracking number may contain letters, digits, spaces and the characters {symbols} "
        "(up to {max_length} characters).",
    },
    "order_document_url_invalid": {
        "pl": "Adres dokumentu musi zaczynać się od https://.",
        "en": "The document address must start with https://.",
    },
    # --- activity log: polling -------------------------------------------------------------------
    "log_poll_done": {
        "pl": "Pobrano zamówienia: nowe {imported}, zaktualizowane {updated}, bez zmian {unchanged}, "
        "pominięte {skipped}.",
        "en": "Orders fetched: new {imported}, updated {updated}, unchanged {unchanged}, skipped {skipped}.",
    },
    "log_poll_retry": {
        "pl": "Pobieranie zamówień przerwane (sklep chwilowo niedostępny), zostanie ponowione: {detail}",
        "en": "Order fetching interrupted (the shop is temporarily unavailable), it will be retried: {detail}",
    },
    "activity_orders_poll_parked": {
        "pl": "Sklep nie odpowiada ({failures} próby z rzędu): automatyczne pobieranie zamówień wstrzymano do "
        "{until}; żadne zamówienie nie przepadnie, pierwsze udane pobranie zacznie od miejsca, w którym "
        "skończyło ostatnie. Przycisk „Pobierz zamówienia teraz” działa nadal.",
        "en": "The shop does not answer ({failures} attempts in a row): scheduled order fetching is parked until "
        "{until}; no order is lost, the first fetch that gets through reads on from where the last good one "
        'stopped. The "Fetch orders now" button still works.',
    },
    "activity_orders_poll_resumed": {
        "pl": "Sklep znów odpowiada: pobieranie zamówień wznowiono.",
        "en": "The shop answers again: order fetching resumed.",
    },
    "log_poll_failed": {
        "pl": "Pobieranie zamówień nie powiodło się: {detail}",
        "en": "Order fetching failed: {detail}",
    },
    "log_poll_requested": {
        "pl": "Zlecono pobranie zamówień teraz.",
        "en": "Fetching orders now was requested.",
    },
    "log_order_unreadable": {
        "pl": "Nie udało się odczytać zamówienia nr {shop_order_id} ze sklepu: {reason}",
        "en": "Order no. {shop_order_id} could not be read from the shop: {reason}",
    },
    "log_poll_landing_status_missing": {
        "pl": "Nie pobrano zamówień: nie wybrano statusu dla nowych zamówień.",
        "en": "Orders were not fetched: the status new orders get is not set.",
    },
    # --- activity log: orders --------------------------------------------------------------------
    "unmapped_payment_method": {"pl": "metoda płatności {value}", "en": "payment method {value}"},
    "unmapped_shipping_method": {"pl": "przewoźnik {value}", "en": "carrier {value}"},
    "unmapped_product": {"pl": "produkt {value}", "en": "product {value}"},
    "unmapped_status": {"pl": "stan {value}", "en": "state {value}"},
    "log_orders_imported_unmapped": {
        "pl": "Zaimportowano zamówienia bez mapowania ({count}): {orders}.",
        "en": "Orders imported without a mapping ({count}): {orders}.",
    },
    "log_order_unmapped_item": {
        "pl": "{reference} (nr {shop_order_id} w sklepie): {missing}",
        "en": "{reference} (no. {shop_order_id} in the shop): {missing}",
    },
    "log_order_drift": {
        "pl": "Zamówienie {reference}: koszyk w sklepie różni się od zaimportowanych pozycji ({changes}). "
        "Pozycje zamówienia w hubie pozostają bez zmian.",
        "en": "Order {reference}: the shop's cart differs from the imported lines ({changes}). "
        "The hub order's lines stay unchanged.",
    },
    "log_order_status_from_shop": {
        "pl": "Zamówienie {reference}: status zmieniony na {status} (stan w sklepie: {shop_state}).",
        "en": "Order {reference}: status changed to {status} (shop state: {shop_state}).",
    },
    "log_order_state_unmapped": {
        "pl": "Zamówienie {reference}: stan sklepu {shop_state} nie ma mapowania na status huba; zmiana pominięta.",
        "en": "Order {reference}: shop state {shop_state} has no hub status mapping; the change was ignored.",
    },
    "log_order_frozen": {
        "pl": "Zamówienie {reference} ma status spoza aktualizowanych ze sklepu; dalsze zmiany w sklepie "
        "nie będą przenoszone.",
        "en": "Order {reference} has a status that is no longer updated from the shop; later shop changes "
        "will be ignored.",
    },
    "log_order_status_changed": {
        "pl": "Zamówienie {reference}: status zmieniony na {status}.",
        "en": "Order {reference}: status changed to {status}.",
    },
    "log_order_tracking_added": {
        "pl": "Zamówienie {reference}: dodano numer przesyłki {number}.",
        "en": "Order {reference}: tracking number {number} added.",
    },
    "log_order_document_added": {
        "pl": "Zamówienie {reference}: dodano dokument {type} {number}.",
        "en": "Order {reference}: document {type} {number} added.",
    },
    # --- activity log: pushes to the shop ---------------------------------------------------------
    "log_push_tracking_sent": {
        "pl": "Zamówienie {reference}: numer przesyłki {number} wysłany do sklepu.",
        "en": "Order {reference}: tracking number {number} sent to the shop.",
    },
    "log_push_tracking_unchanged": {
        "pl": "Zamówienie {reference}: numer przesyłki {number} był już zapisany w sklepie.",
        "en": "Order {reference}: tracking number {number} was already stored in the shop.",
    },
    # why a tracking number or document stayed in the hub (``problem`` of an order answer)
    "order_push_tracking_disabled": {
        "pl": "Nie wysłano do sklepu: wysyłanie numerów przesyłek jest wyłączone w ustawieniach zamówień.",
        "en": "Not sent to the shop: sending tracking numbers is switched off in the order settings.",
    },
    "order_push_document_disabled": {
        "pl": "Nie wysłano do sklepu: wysyłanie dokumentów jest wyłączone w ustawieniach zamówień.",
        "en": "Not sent to the shop: sending documents is switched off in the order settings.",
    },
    "order_push_refused": {
        "pl": "Nie udało się wysłać do sklepu (kod błędu: {code}). Szczegóły są w dzienniku zdarzeń konta.",
        "en": "Could not be sent to the shop (error code: {code}). The account's activity log has the details.",
    },
    "log_push_tracking_disabled": {
        "pl": "Zamówienie {reference}: numer przesyłki {number} zapisany tylko w hubie "
        "(wysyłanie numerów przesyłek jest wyłączone).",
        "en": "Order {reference}: tracking number {number} stored in the hub only "
        "(sending tracking numbers is disabled).",
    },
    "log_push_document_sent": {
        "pl": "Zamówienie {reference}: dokument {type} {number} przekazany do sklepu jako wiadomość do zamówienia.",
        "en": "Order {reference}: document {type} {number} sent to the shop as an order message.",
    },
    "log_push_document_disabled": {
        "pl": "Zamówienie {reference}: dokument {type} {number} zapisany tylko w hubie "
        "(wysyłanie dokumentów jest wyłączone).",
        "en": "Order {reference}: document {type} {number} stored in the hub only (sending documents is disabled).",
    },
    "log_push_status_sent": {
        "pl": "Zamówienie {reference}: stan w sklepie zmieniony na {shop_state}.",
        "en": "Order {reference}: shop state changed to {shop_state}.",
    },
    "log_push_status_unchanged": {
        "pl": "Zamówienie {reference}: zamówienie ma już w sklepie stan {shop_state}.",
        "en": "Order {reference}: the order already has shop state {shop_state}.",
    },
    "log_push_status_no_mapping": {
        "pl": "Zamówienie {reference}: status {status} nie ma mapowania na stan sklepu; nie wysłano go do sklepu.",
        "en": "Order {reference}: status {status} is not mapped to a shop state; it was not sent to the shop.",
    },
    "log_push_failed": {
        "pl": "Zamówienie {reference}: sklep odrzucił operację ({operation}): {detail}",
        "en": "Order {reference}: the shop refused the operation ({operation}): {detail}",
    },
    "log_push_gave_up": {
        "pl": "Zamówienie {reference}: operacja ({operation}) nie powiodła się po {attempts} próbach: {detail}",
        "en": "Order {reference}: the operation ({operation}) failed after {attempts} attempts: {detail}",
    },
    "push_operation_tracking": {"pl": "numer przesyłki", "en": "tracking number"},
    "push_operation_document": {"pl": "dokument sprzedaży", "en": "sales document"},
    "push_operation_status": {"pl": "zmiana stanu", "en": "state change"},
    "order_document_message": {
        "pl": "{type} nr {number}: {url}",
        "en": "{type} no. {number}: {url}",
    },
    "document_type_invoice": {"pl": "Faktura", "en": "Invoice"},
    "document_type_correction": {"pl": "Faktura korygująca", "en": "Credit note"},
    "document_type_receipt": {"pl": "Paragon", "en": "Receipt"},
    "document_type_proforma": {"pl": "Faktura proforma", "en": "Pro forma invoice"},
    # --- activity log: stock from orders ----------------------------------------------------------
    "log_stock_taken": {
        "pl": "Zamówienie {reference}: stan zmniejszony ({moves}).",
        "en": "Order {reference}: stock lowered ({moves}).",
    },
    "log_stock_returned": {
        "pl": "Zamówienie {reference} anulowane: stan przywrócony ({moves}).",
        "en": "Order {reference} cancelled: stock returned ({moves}).",
    },
    "log_stock_shortfall": {
        "pl": "Zamówienie {reference}: za mało towaru w hubie ({lines}); stan zatrzymany na 0.",
        "en": "Order {reference}: not enough stock in the hub ({lines}); stock stopped at 0.",
    },
    "log_stock_not_taken": {
        "pl": "Zamówienie {reference}: stan nie zmieniony — {reasons}.",
        "en": "Order {reference}: stock not changed — {reasons}.",
    },
    "log_stock_shop_restocked": {
        "pl": "Zamówienie {reference} anulowane w sklepie po pobraniu stanu: sklep oddał towar na stan; "
        "stan huba (produkty {products}) zostanie ponownie wysłany do sklepu.",
        "en": "Order {reference} cancelled in the shop after its stock was taken: the shop put the stock back; "
        "the hub's stock (products {products}) is sent to the shop again.",
    },
    "stock_skip_placed_before_link": {
        "pl": "produkty {products}: zamówienie złożono ({ordered_at}) przed powiązaniem produktu ze sklepem "
        "({linked_at}), więc jest już uwzględnione w stanie huba",
        "en": "products {products}: the order was placed ({ordered_at}) before the product was linked to the "
        "shop ({linked_at}), so the hub's stock already counts it",
    },
    "stock_skip_returned_in_shop": {
        "pl": "produkty {products}: przy pierwszym pobraniu zamówienie było już anulowane (w stanie zwracającym "
        "towar), a sklep oddał już towar na stan",
        "en": "products {products}: the order was already cancelled (in a stock-return state) when first fetched, "
        "and the shop has already put its stock back",
    },
    "stock_skip_product_missing": {
        "pl": "powiązane produkty {products} nie istnieją w hubie",
        "en": "the linked products {products} do not exist in the hub",
    },
    "stock_skip_not_taken": {
        "pl": "produkty {products}: stan nie został wcześniej pobrany",
        "en": "products {products}: their stock was never taken",
    },
}
