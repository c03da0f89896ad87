"""Messages of the config area: key → {"pl": ..., "en": ...}."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # hub dictionaries
    "duplicate_name": {
        "pl": "Pozycja o nazwie „{name}” już istnieje w tym słowniku.",
        "en": 'An entry named "{name}" already exists in this dictionary.',
    },
    "unknown_hub_status": {
        "pl": "Nie ma takiego statusu w hubie: {id}.",
        "en": "There is no such hub status: {id}.",
    },
    "unknown_payment_method": {
        "pl": "Nie ma takiej metody płatności w hubie: {id}.",
        "en": "There is no such hub payment method: {id}.",
    },
    "unknown_shipping_method": {
        "pl": "Nie ma takiego sposobu wysyłki w hubie: {id}.",
        "en": "There is no such hub shipping method: {id}.",
    },
    "dictionary_entry_not_found": {
        "pl": "Nie znaleziono pozycji słownika.",
        "en": "Dictionary entry not found.",
    },
    "too_many_hub_entries": {
        "pl": "Jedna zmiana może wskazać najwyżej {max} różnych pozycji słowników huba.",
        "en": "One change can point to at most {max} different hub dictionary entries.",
    },
    "dictionary_entry_in_use": {
        "pl": "Pozycja słownika „{name}” jest używana i nie może zostać usunięta. Szczegóły wskazują, gdzie "
        "jest używana.",
        "en": 'The dictionary entry "{name}" is in use and cannot be deleted. The details say where it is used.',
    },
    "dictionary_used_by_mapping_payments": {
        "pl": "Konto „{account}”: mapowanie metody płatności sklepu „{value}”.",
        "en": 'Account "{account}": mapping of the shop payment method "{value}".',
    },
    "dictionary_used_by_mapping_carriers": {
        "pl": "Konto „{account}”: mapowanie przewoźnika sklepu {value}.",
        "en": 'Account "{account}": mapping of the shop carrier {value}.',
    },
    "dictionary_used_by_mapping_statuses": {
        "pl": "Konto „{account}”: mapowanie statusu zamówienia sklepu {value}.",
        "en": 'Account "{account}": mapping of the shop order state {value}.',
    },
    "dictionary_used_by_landing_status": {
        "pl": "Konto „{account}”: status nowych zamówień (ustawienia zamówień).",
        "en": 'Account "{account}": the status new orders get (order settings).',
    },
    "dictionary_used_by_update_statuses": {
        "pl": "Konto „{account}”: statusy, w których zamówienie przyjmuje zmiany ze sklepu (ustawienia zamówień).",
        "en": 'Account "{account}": the statuses in which orders take changes from the shop (order settings).',
    },
    "dictionary_used_by_stock_return_statuses": {
        "pl": "Ustawienia huba: statusy, które zwracają stan magazynowy.",
        "en": "Hub settings: the statuses that give stock back.",
    },
    "dictionary_used_by_orders": {
        "pl": "Zamówienia: {count}.",
        "en": "Orders: {count}.",
    },
    "dictionary_used_by_orders_at_least": {
        "pl": "Zamówienia: co najmniej {count}.",
        "en": "Orders: at least {count}.",
    },
    "dictionary_orders_not_checked": {
        "pl": "Zamówienia: nie udało się sprawdzić wszystkich zamówień ({count} znalezionych), więc pozycja "
        "może być w nich używana.",
        "en": "Orders: not every order could be checked ({count} found), so the entry may be used by some.",
    },
    # mappings
    "unknown_shop_payment": {
        "pl": "Sklep nie zna metody płatności „{value}” (nie ma jej w wynikach rozpoznania sklepu).",
        "en": 'The shop does not know the payment method "{value}" (it is not in the shop discovery).',
    },
    "unknown_shop_carrier": {
        "pl": "Sklep nie ma przewoźnika o kluczu {value} (nie ma go w wynikach rozpoznania sklepu).",
        "en": "The shop has no carrier with the key {value} (it is not in the shop discovery).",
    },
    "unknown_shop_state": {
        "pl": "Sklep nie ma statusu zamówienia o id {value} (nie ma go w wynikach rozpoznania sklepu).",
        "en": "The shop has no order state with id {value} (it is not in the shop discovery).",
    },
    "duplicate_shop_value": {
        "pl": "Ta pozycja sklepu występuje w żądaniu więcej niż raz.",
        "en": "This shop item appears more than once in the request.",
    },
    "too_many_mappings": {
        "pl": "Można zapisać najwyżej {max} mapowań jednego rodzaju.",
        "en": "At most {max} mappings of one kind can be saved.",
    },
    "mappings_in_use": {
        "pl": "Nie można usunąć wszystkich mapowań, gdy pobieranie zamówień jest włączone. "
        "Najpierw wyłącz pobieranie zamówień.",
        "en": "All mappings cannot be removed while order fetching is enabled. Disable order fetching first.",
    },
    # order settings
    "mappings_required": {
        "pl": "Nie można włączyć pobierania zamówień: zmapuj co najmniej jedną metodę płatności, jednego "
        "przewoźnika i jeden status oraz wybierz status dla nowych zamówień.",
        "en": "Order fetching cannot be enabled: map at least one payment method, one carrier and one "
        "status, and choose the status for new orders.",
    },
    "mapping_missing_payments": {
        "pl": "Brak mapowania metod płatności.",
        "en": "Payment methods are not mapped.",
    },
    "mapping_missing_carriers": {
        "pl": "Brak mapowania przewoźników.",
        "en": "Carriers are not mapped.",
    },
    "mapping_missing_statuses": {
        "pl": "Brak mapowania statusów zamówień.",
        "en": "Order states are not mapped.",
    },
    "landing_status_missing": {
        "pl": "Nie wybrano statusu, który otrzymują nowe zamówienia.",
        "en": "The status new orders get is not set.",
    },
    # templates
    "template_not_found": {
        "pl": "Nie znaleziono szablonu.",
        "en": "Template not found.",
    },
    "default_template": {
        "pl": "Nie można usunąć domyślnego szablonu „{name}”. Najpierw ustaw inny szablon jako domyślny.",
        "en": 'The default template "{name}" cannot be deleted. Make another template the default first.',
    },
    "template_in_use": {
        "pl": "Szablon „{name}” jest przypisany do ofert ({count}) i nie może zostać usunięty. Można go edytować.",
        "en": 'The template "{name}" is assigned to offers ({count}) and cannot be deleted. It can be edited.',
    },
    # activity log entries
    "activity_dictionary_entry_created": {
        "pl": "Dodano pozycję słownika „{name}”.",
        "en": 'Dictionary entry "{name}" added.',
    },
    "activity_dictionary_entry_renamed": {
        "pl": "Zmieniono nazwę pozycji słownika „{old}” na „{new}”.",
        "en": 'Dictionary entry "{old}" renamed to "{new}".',
    },
    "activity_dictionary_entry_deleted": {
        "pl": "Usunięto pozycję słownika „{name}”.",
        "en": 'Dictionary entry "{name}" deleted.',
    },
    "activity_hub_settings_updated": {
        "pl": "Zmieniono ustawienia huba.",
        "en": "Hub settings changed.",
    },
    "activity_mappings_updated_payments": {
        "pl": "Zmieniono mapowanie metod płatności.",
        "en": "Payment method mappings changed.",
    },
    "activity_mappings_updated_carriers": {
        "pl": "Zmieniono mapowanie przewoźników.",
        "en": "Carrier mappings changed.",
    },
    "activity_mappings_updated_statuses": {
        "pl": "Zmieniono mapowanie statusów zamówień.",
        "en": "Order state mappings changed.",
    },
    "activity_order_settings_updated": {
        "pl": "Zmieniono ustawienia zamówień.",
        "en": "Order settings changed.",
    },
    "activity_field_mapping_updated": {
        "pl": "Zmieniono mapowanie pól produktów.",
        "en": "Product field mapping changed.",
    },
    "field_mapping_field_unknown": {
        "pl": "Sklep nie ma takiego pola produktu; do wyboru: {fields}.",
        "en": "The shop has no such product field; choose one of: {fields}.",
    },
    "activity_template_created": {
        "pl": "Utworzono szablon „{name}”.",
        "en": 'Template "{name}" created.',
    },
    "activity_template_updated": {
        "pl": "Zmieniono szablon „{name}”.",
        "en": 'Template "{name}" changed.',
    },
    "activity_template_default_changed": {
        "pl": "Szablon „{name}” jest teraz domyślny.",
        "en": 'Template "{name}" is now the default.',
    },
    "activity_template_deleted": {
        "pl": "Usunięto szablon „{name}”.",
        "en": 'Template "{name}" deleted.',
    },
}
