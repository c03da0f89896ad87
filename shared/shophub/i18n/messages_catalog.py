"""Messages of the catalog area (hub catalogue, imports, linking): key → {"pl": ..., "en": ...}."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # --- errors -----------------------------------------------------------------------------------
    "product_not_found": {
        "pl": "Nie ma takiego produktu w katalogu hubu.",
        "en": "There is no such product in the hub catalogue.",
    },
    "product_search_invalid": {
        "pl": "Wpisz od 1 do {max} znaków, których szukasz w nazwie, wariancie, EAN, symbolu lub numerze katalogowym.",
        "en": "Enter 1 to {max} characters to look for in the name, variant, EAN, symbol or catalogue number.",
    },
    "import_not_found": {"pl": "Nie ma takiego importu.", "en": "There is no such import."},
    "no_default_template": {
        "pl": "Konto nie ma domyślnego szablonu ofert. Utwórz szablon, zanim uruchomisz import.",
        "en": "The account has no default offer template. Create a template before starting an import.",
    },
    "import_running": {
        "pl": "Dla tego konta trwa już import. Poczekaj, aż się skończy, albo go przerwij.",
        "en": "An import is already running for this account. Wait for it to finish or abort it.",
    },
    "import_not_running": {
        "pl": "Tego importu nie można przerwać: już się zakończył (stan: {status}).",
        "en": "This import cannot be aborted: it has already ended (status: {status}).",
    },
    "import_not_editable": {
        "pl": "Importu nie można edytować. Przerwij go i uruchom nowy z innymi parametrami.",
        "en": "An import cannot be edited. Abort it and start a new one with other parameters.",
    },
    "links_file_too_large": {
        "pl": "Plik powiązań jest za duży (limit: {limit_mb} MB). Podziel go na mniejsze części.",
        "en": "The links file is too large (limit: {limit_mb} MB). Split it into smaller parts.",
    },
    "links_file_encoding": {
        "pl": "Nie udało się odczytać pliku powiązań: zapisz go jako CSV UTF-8 (albo UTF-16 lub Windows-1250).",
        "en": "The links file could not be read: save it as CSV UTF-8 (or UTF-16 or Windows-1250).",
    },
    "links_file_malformed": {
        "pl": "Plik powiązań nie jest poprawnym plikiem CSV: cudzysłów otwarty w wierszu {line} nie jest zamknięty. "
        "Popraw ten wiersz i wyślij plik ponownie.",
        "en": "The links file is not valid CSV: the quotation mark opened on line {line} is never closed. "
        "Correct that line and upload the file again.",
    },
    "links_job_not_found": {"pl": "Nie ma takiego zadania pliku powiązań.", "en": "There is no such links file job."},
    "links_job_running": {
        "pl": "Raport będzie gotowy po przetworzeniu pliku powiązań (postęp: {percent}%).",
        "en": "The report is ready once the links file has been processed (progress: {percent}%).",
    },
    "links_file_empty": {
        "pl": "Plik powiązań jest pusty. Pobierz plik, uzupełnij pary i wyślij go ponownie.",
        "en": "The links file is empty. Download the file, fill in the pairs and upload it again.",
    },
    "links_file_header": {
        "pl": "W pierwszym wierszu pliku powiązań brakuje kolumn: {columns}. Oczekiwany nagłówek: {header}",
        "en": "The first row of the links file lacks the columns: {columns}. Expected header: {header}",
    },
    # --- identifiers ------------------------------------------------------------------------------
    "identifier_ean": {"pl": "EAN", "en": "EAN"},
    "identifier_symbol": {"pl": "symbol", "en": "symbol"},
    "identifier_catalog_number": {"pl": "numer katalogowy", "en": "catalog number"},
    # --- import item reasons ----------------------------------------------------------------------
    "reason_already_linked": {
        "pl": "Wariant jest już powiązany z produktem hubu {hub_product_id}; powiązanie pozostaje bez zmian.",
        "en": "The variant is already linked to hub product {hub_product_id}; the link stays as it is.",
    },
    "reason_no_match": {
        "pl": "W hubie nie ma produktu o identyfikatorze {identifier} „{value}”.",
        "en": "There is no hub product with {identifier} \u201c{value}\u201d.",
    },
    "reason_no_identifier": {
        "pl": "Wariant nie ma identyfikatora {identifier}, więc nie można go dopasować.",
        "en": "The variant has no {identifier}, so it cannot be matched.",
    },
    "reason_shop_failure": {
        "pl": "Sklep nie wydał danych produktu: {detail}",
        "en": "The shop did not deliver the product's data: {detail}",
    },
    "reason_shop_unavailable": {
        "pl": "Sklep był niedostępny mimo kilku prób: {detail}",
        "en": "The shop stayed unavailable after several attempts: {detail}",
    },
    "reason_not_in_shop": {
        "pl": "Produktu nie ma już w sklepie.",
        "en": "The product no longer exists in the shop.",
    },
    "reason_aborted": {"pl": "Import został przerwany.", "en": "The import was aborted."},
    "reason_internal_error": {
        "pl": "Nie udało się przetworzyć produktu mimo kilku prób (błąd po stronie hubu).",
        "en": "The product could not be processed after several attempts (an error on the hub's side).",
    },
    # --- import ends ------------------------------------------------------------------------------
    "import_aborted_by_user": {
        "pl": "Import przerwany na życzenie użytkownika.",
        "en": "The import was aborted on request.",
    },
    "import_failed_shop": {
        "pl": "Import przerwany błędem sklepu: {detail}",
        "en": "The import stopped on a shop error: {detail}",
    },
    "import_failed_account": {
        "pl": "Konto sklepu zostało usunięte w trakcie importu.",
        "en": "The shop account was deleted during the import.",
    },
    "import_failed_template": {
        "pl": "Szablon {template_id} został usunięty w trakcie importu.",
        "en": "Template {template_id} was deleted during the import.",
    },
    "import_failed_internal": {
        "pl": "Import przerwany: lista produktów sklepu nie dała się przygotować mimo kilku prób.",
        "en": "The import stopped: the shop's product list could not be prepared after several attempts.",
    },
    "import_not_queued": {
        "pl": "Nie udało się zlecić importu. Spróbuj ponownie.",
        "en": "The import could not be queued. Please try again.",
    },
    # --- activity log -----------------------------------------------------------------------------
    "import_started_import": {"pl": "Rozpoczęto import produktów.", "en": "A product import started."},
    "import_started_link": {"pl": "Rozpoczęto automatyczne łączenie produktów.", "en": "Automatic linking started."},
    "import_finished_log": {
        "pl": "Import zakończony: utworzono {created}, powiązano {linked}, pominięto {skipped}, błędów {failed}.",
        "en": "Import finished: {created} created, {linked} linked, {skipped} skipped, {failed} failed.",
    },
    "import_aborted_log": {
        "pl": "Import przerwany: utworzono {created}, powiązano {linked}, pominięto {skipped}, błędów {failed}.",
        "en": "Import aborted: {created} created, {linked} linked, {skipped} skipped, {failed} failed.",
    },
    "import_failed_log": {
        "pl": "Import nie powiódł się: {reason}",
        "en": "The import failed: {reason}",
    },
    "links_file_log": {
        "pl": "Plik powiązań: powiązano {linked}, odrzucono wierszy: {rejected}.",
        "en": "Links file: {linked} linked, {rejected} rows rejected.",
    },
    "links_job_started_log": {
        "pl": "Plik powiązań ({lines} wierszy) przyjęty do przetworzenia w tle.",
        "en": "Links file ({lines} lines) accepted for processing in the background.",
    },
    "links_job_finished_log": {
        "pl": "Plik powiązań przetworzony: wierszy {lines}, powiązano {linked}, bez zmian {unchanged}, "
        "pominięto {skipped}, odrzucono {rejected}.",
        "en": "Links file processed: {lines} lines, {linked} linked, {unchanged} unchanged, {skipped} skipped, "
        "{rejected} rejected.",
    },
    "links_job_failed_log": {
        "pl": "Przetwarzanie pliku powiązań nie powiodło się po {processed} z {lines} wierszy: {reason}",
        "en": "Processing the links file failed after {processed} of {lines} lines: {reason}",
    },
    # --- links file job ends ----------------------------------------------------------------------
    "links_job_failed_account": {
        "pl": "Konto sklepu zostało usunięte w trakcie przetwarzania pliku.",
        "en": "The shop account was deleted while the file was being processed.",
    },
    "links_job_failed_file": {
        "pl": "Przesłany plik nie jest już dostępny. Wyślij go ponownie.",
        "en": "The uploaded file is no longer available. Upload it again.",
    },
    "links_job_failed_template": {
        "pl": "Domyślny szablon ofert konta został usunięty w trakcie przetwarzania pliku.",
        "en": "The account's default offer template was deleted while the file was being processed.",
    },
    "links_job_failed_internal": {
        "pl": "Nie udało się przetworzyć pliku mimo kilku prób (błąd po stronie hubu).",
        "en": "The file could not be processed after several attempts (an error on the hub's side).",
    },
    "links_job_not_queued": {
        "pl": "Nie udało się zlecić przetwarzania pliku. Spróbuj ponownie.",
        "en": "Processing the file could not be queued. Please try again.",
    },
    # --- links file rejections --------------------------------------------------------------------
    "link_unknown_hub_product": {
        "pl": "Nie ma produktu {hub_product_id} w katalogu hubu.",
        "en": "There is no product {hub_product_id} in the hub catalogue.",
    },
    "link_unknown_shop_variant": {
        "pl": "Sklep nie ma wariantu {shop_product_id}/{shop_variant_id}.",
        "en": "The shop has no variant {shop_product_id}/{shop_variant_id}.",
    },
    "link_already_linked": {
        "pl": "Wariant {shop_product_id}/{shop_variant_id} jest już powiązany z innym produktem hubu ({linked_to}).",
        "en": "Variant {shop_product_id}/{shop_variant_id} is already linked to another hub product ({linked_to}).",
    },
    "link_bad_ids": {
        "pl": "Nieprawidłowy wiersz: kolumny {columns} muszą zawierać liczby całkowite (identyfikatory).",
        "en": "Malformed row: the columns {columns} must hold whole numbers (ids).",
    },
    "link_short_row": {
        "pl": "Nieprawidłowy wiersz: ma {found} kolumn, a potrzeba co najmniej {expected} (do kolumny "
        "{column} włącznie).",
        "en": "Malformed row: it has {found} columns, at least {expected} are needed (up to {column}).",
    },
    "link_bad_quotes": {
        "pl": "Nieprawidłowy wiersz: po cudzysłowie zamykającym komórkę stoi tekst zamiast separatora. "
        "Sprawdź cudzysłowy w tym wierszu.",
        "en": "Malformed row: text follows the quotation mark that closes a cell instead of a separator. "
        "Check the quotation marks on this line.",
    },
    "link_shop_failure": {
        "pl": "Sklep nie potwierdził wariantu {shop_product_id}/{shop_variant_id}: {detail}",
        "en": "The shop did not confirm variant {shop_product_id}/{shop_variant_id}: {detail}",
    },
    "link_duplicate_row": {
        "pl": "Wariant {shop_product_id}/{shop_variant_id} pojawia się w pliku ponownie (pierwszy raz w wierszu {first_line}).",
        "en": "Variant {shop_product_id}/{shop_variant_id} appears in the file again (first on line {first_line}).",
    },
}
