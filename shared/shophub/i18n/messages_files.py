"""Messages of catalogue files exported from the shop and uploaded (reading the file as a whole,
and the reason a data line is refused): key → {"pl": ..., "en": ...}."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # --- the file as a whole (422) ---------------------------------------------------------------
    "catalogue_file_too_large": {
        "pl": "Plik katalogu jest za duży (limit: {limit_mb} MB). Wyeksportuj mniej produktów naraz.",
        "en": "The catalogue file is too large (limit: {limit_mb} MB). Export fewer products at a time.",
    },
    "catalogue_file_too_many_lines": {
        "pl": "Plik katalogu ma więcej niż {limit} wierszy. Podziel go na mniejsze części.",
        "en": "The catalogue file has more than {limit} lines. Split it into smaller parts.",
    },
    "catalogue_file_empty": {
        "pl": "Plik katalogu jest pusty.",
        "en": "The catalogue file is empty.",
    },
    "catalogue_file_not_text": {
        "pl": "To nie jest plik tekstowy CSV. Wyślij plik CSV pobrany z panelu sklepu.",
        "en": "This is not a CSV text file. Upload the CSV file downloaded from the shop's administration.",
    },
    "catalogue_file_spreadsheet": {
        "pl": "To jest skoroszyt arkusza kalkulacyjnego (np. XLSX), a nie plik CSV. "
        "Zapisz go jako „CSV UTF-8 (rozdzielany przecinkami)” i wyślij ponownie.",
        "en": 'This is a spreadsheet workbook (e.g. XLSX), not a CSV file. Save it as "CSV UTF-8 (Comma delimited)" '
        "and upload it again.",
    },
    "catalogue_file_encoding": {
        "pl": "Nie udało się odczytać pliku katalogu: zapisz go jako CSV UTF-8 (albo UTF-16 lub Windows-1250).",
        "en": "The catalogue file could not be read: save it as CSV UTF-8 (or UTF-16 or Windows-1250).",
    },
    "catalogue_file_unknown_header": {
        "pl": "Nie rozpoznano pliku: pierwszy wiersz („{header}”) nie jest nagłówkiem żadnego z obsługiwanych "
        "eksportów (lista produktów, eksport stanów magazynowych, eksport z Menedżera SQL, plik w układzie importu "
        "CSV produktów lub wariantów). Wyślij plik bez zmian w nagłówku, wyeksportowany z panelu w języku angielskim.",
        "en": 'The file was not recognised: its first line ("{header}") is not the header of any supported export '
        "(product list, stock export, SQL Manager export, a file in the CSV import layout of products or variants). "
        "Upload the file with its header unchanged, exported with the administration in English.",
    },
    "catalogue_file_malformed": {
        "pl": "Plik katalogu nie jest poprawnym plikiem CSV: cudzysłów otwarty w wierszu {line} nie jest zamknięty. "
        "Popraw ten wiersz i wyślij plik ponownie.",
        "en": "The catalogue file is not valid CSV: the quotation mark opened on line {line} is never closed. "
        "Correct that line and upload the file again.",
    },
    # --- one data line refused ---------------------------------------------------------------------
    "catalogue_row_field_count": {
        "pl": "Wiersz ma {found} pól zamiast {expected} (jak w nagłówku).",
        "en": "The line has {found} fields instead of {expected} (as in the header).",
    },
    "catalogue_row_bad_quotes": {
        "pl": "Wiersz ma błędnie użyty cudzysłów (tekst po cudzysłowie zamykającym pole).",
        "en": "The line misuses a quotation mark (text after the quotation mark that closes a field).",
    },
    "catalogue_row_too_long": {
        "pl": "Pole w wierszu jest dłuższe niż {limit_kb} KB.",
        "en": "A field on the line is longer than {limit_kb} KB.",
    },
    "catalogue_row_bad_id": {
        "pl": "Kolumna „{column}” musi zawierać numer (liczbę całkowitą), a zawiera „{value}”.",
        "en": 'The column "{column}" must hold an id (a whole number), not "{value}".',
    },
    "catalogue_row_bad_quantity": {
        "pl": "Kolumna „{column}” musi zawierać ilość (liczbę całkowitą), a zawiera „{value}”.",
        "en": 'The column "{column}" must hold a quantity (a whole number), not "{value}".',
    },
    "catalogue_row_bad_identifier": {
        "pl": "Wartość „{value}” w kolumnie „{column}” nie jest dozwolona przez sklep dla tego pola.",
        "en": 'The value "{value}" in the column "{column}" is not one the shop allows for this field.',
    },
    "catalogue_row_identifier_scientific": {
        "pl": "Wartość „{value}” w kolumnie „{column}” jest zapisana w notacji naukowej: arkusz kalkulacyjny "
        "zamienił kod na liczbę. Ustaw dla tej kolumny format „Tekst” i wyeksportuj plik ponownie.",
        "en": 'The value "{value}" in the column "{column}" is in scientific notation: a spreadsheet turned the code '
        'into a number. Format that column as "Text" and export the file again.',
    },
    "catalogue_row_no_identity": {
        "pl": "Wiersz nie ma ani numeru produktu, ani żadnego identyfikatora (EAN, symbolu, numeru katalogowego).",
        "en": "The line has neither a product id nor any identifier (EAN, symbol, catalogue number).",
    },
    "catalogue_row_duplicate": {
        "pl": "Ten sam wariant produktu {shop_product_id} jest już w wierszu {first_line}.",
        "en": "The same variant of product {shop_product_id} is already on line {first_line}.",
    },
    "file_row_without_product_id": {
        "pl": "Wiersz nie ma numeru produktu sklepu, więc nie wiadomo, którego produktu dotyczy.",
        "en": "The line has no shop product id, so it names no product of the shop.",
    },
    "file_variant_not_in_shop": {
        "pl": "Sklep nie ma wariantu „{variant}” produktu {product} (albo identyfikator nie wskazuje jednego).",
        "en": 'The shop has no variant "{variant}" of product {product} (or the identifier does not pick one).',
    },
    "import_failed_file_gone": {
        "pl": "Plik importu wygasł (pliki są przechowywane 7 dni). Prześlij go ponownie.",
        "en": "The import's file has expired (files are kept for 7 days). Upload it again.",
    },
    "file_import_not_supported": {
        "pl": "Dla tej platformy nie ma importu z pliku.",
        "en": "This platform has no import from a file.",
    },
}
