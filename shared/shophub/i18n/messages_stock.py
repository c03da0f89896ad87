"""Messages of the stock area: key → {"pl": ..., "en": ...}."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # API errors
    "stock_product_not_found": {
        "pl": "Nie znaleziono produktu o identyfikatorze {id}.",
        "en": "There is no product with id {id}.",
    },
    "stock_unknown_products": {
        "pl": "Nie znaleziono produktów o identyfikatorach: {ids}. Nie zapisano żadnej zmiany stanu.",
        "en": "There are no products with ids: {ids}. No stock change was saved.",
    },
    "stock_unknown_product": {
        "pl": "Nie ma produktu o identyfikatorze {id}.",
        "en": "There is no product with id {id}.",
    },
    "stock_too_many_items": {
        "pl": "Jedno żądanie może zmienić stan najwyżej {max} produktów.",
        "en": "One request can change the stock of at most {max} products.",
    },
    "stock_no_items": {
        "pl": "Podaj co najmniej jedną pozycję.",
        "en": "Give at least one item.",
    },
    "stock_quantity_invalid": {
        "pl": "Stan musi być liczbą całkowitą od 0 do {max}.",
        "en": "The quantity must be a whole number from 0 to {max}.",
    },
    "stock_product_id_invalid": {
        "pl": "Identyfikator produktu musi być dodatnią liczbą całkowitą.",
        "en": "The product id must be a positive whole number.",
    },
    "report_not_found": {"pl": "Nie znaleziono raportu.", "en": "Report not found."},
    # stock sync report entries (rendered in the reader's language)
    "stock_entry_unchanged": {
        "pl": "Sklep ma już ten stan.",
        "en": "The shop already has this quantity.",
    },
    "stock_entry_retry": {
        "pl": "Sklep nie zapisał stanu ({detail}); wysyłka zostanie ponowiona.",
        "en": "The shop did not save the quantity ({detail}); the push will be retried.",
    },
    "stock_entry_row_missing": {
        "pl": "Wiersz stanu {stock_id} nie istnieje już w sklepie. Połącz produkt ponownie.",
        "en": "Stock row {stock_id} no longer exists in the shop. Link the product again.",
    },
    "stock_entry_refused": {
        "pl": "Sklep odrzucił stan: {detail}",
        "en": "The shop refused the quantity: {detail}",
    },
    "stock_entry_no_stock_row": {
        "pl": "Oferta nie ma przypisanego wiersza stanu w sklepie. Połącz produkt ponownie.",
        "en": "The offer has no shop stock row. Link the product again.",
    },
    "stock_entry_unlinked": {
        "pl": "Oferta została odłączona w trakcie wysyłki.",
        "en": "The offer was unlinked during the push.",
    },
    "stock_entry_contended": {
        "pl": "Ten wiersz stanu był w tym samym czasie zapisywany przez inną wysyłkę; wysyłka zostanie ponowiona.",
        "en": "Another push was writing this stock row at the same time; the push will be retried.",
    },
    "stock_entry_shared_row": {
        "pl": "Wiersz stanu {stock_id} jest połączony z kilkoma produktami huba ({products}); wysłano stan produktu {sent}.",
        "en": "Stock row {stock_id} is linked to several hub products ({products}); the stock of product {sent} was sent.",
    },
    "stock_entry_too_large": {
        "pl": "Stan {quantity} przekracza największy stan, jaki sklep przyjmuje ({max}); nie wysłano go.",
        "en": "The quantity {quantity} is above the largest the shop accepts ({max}); it was not sent.",
    },
    "stock_entry_account_failed": {
        "pl": "Nie udało się połączyć ze sklepem: {detail}",
        "en": "Could not connect to the shop: {detail}",
    },
    # activity log
    "stock_push_logged": {
        "pl": "Wysłano stany do sklepu: zapisane {ok}, błędy {failed}, bez zmian {unchanged}.",
        "en": "Stock pushed to the shop: saved {ok}, failed {failed}, unchanged {unchanged}.",
    },
    "activity_stock_push_parked": {
        "pl": "Sklep nie odpowiada ({failures} próby z rzędu): wysyłanie stanów do niego wstrzymano do "
        "{until}; zmiany czekają i zostaną wysłane, gdy sklep znów odpowie.",
        "en": "The shop does not answer ({failures} attempts in a row): stock pushes to it are parked until "
        "{until}; the changes wait and are sent once the shop answers again.",
    },
    "activity_stock_push_resumed": {
        "pl": "Sklep znów odpowiada: wysyłanie stanów wznowiono.",
        "en": "The shop answers again: stock pushes resumed.",
    },
}
