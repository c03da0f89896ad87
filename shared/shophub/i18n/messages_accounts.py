"""Messages of the accounts area: key → {"pl": ..., "en": ...}.

``connection_ok*`` / ``connection_failed`` are the connection check's answers; ``check_*`` are the
failure details placed into ``connection_failed`` (or ``invalid_shop_url``) as ``{detail}``;
``account_*`` and ``discovery_*`` are activity log messages.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # --- connection check: answers ------------------------------------------------------------
    "connection_ok": {"pl": "Połączenie jest poprawne.", "en": "Connection is correct."},
    "connection_ok_missing_optional": {
        "pl": "Połączenie jest poprawne. Klucz API nie ma uprawnień opcjonalnych: {permissions}. "
        "Funkcje, które ich wymagają, nie będą działać.",
        "en": "Connection is correct. The API key lacks optional permissions: {permissions}. "
        "Features that need them will not work.",
    },
    "connection_failed": {
        "pl": "Wpisane dane integracyjne są niepoprawne. Komunikat błędu API: {detail}",
        "en": "The integration details are incorrect. API error message: {detail}",
    },
    # --- connection check: failure details (filled into {detail}) -----------------------------
    "check_url_malformed": {
        "pl": "to nie jest poprawny adres sklepu (dozwolony jest adres https://domena[:port][/ścieżka], "
        "bez loginu, parametrów i fragmentu)",
        "en": "this is not a valid shop address (only https://domain[:port][/path] is accepted, "
        "without user name, query or fragment)",
    },
    "check_url_not_https": {
        "pl": "adres sklepu musi zaczynać się od https://",
        "en": "the shop address must start with https://",
    },
    "check_url_not_public": {
        "pl": "{host} wskazuje na sieć prywatną, lokalną lub zastrzeżoną; dozwolone są tylko adresy publiczne",
        "en": "{host} points to a private, local or reserved network; only public addresses are allowed",
    },
    "check_key_length": {
        "pl": "klucz API ma nieprawidłową długość (znaków: {length})",
        "en": "the API key has the wrong length (it has {length} characters)",
    },
    "check_key_characters": {
        "pl": "klucz API zawiera niedozwolone znaki",
        "en": "the API key contains characters it may not contain",
    },
    "check_unreachable": {
        "pl": "nie można połączyć się ze sklepem ({detail}). Sprawdź adres sklepu.",
        "en": "cannot connect to the shop ({detail}). Check the shop address.",
    },
    "check_timeout": {
        "pl": "sklep nie odpowiedział w wymaganym czasie. Sprawdź adres sklepu i spróbuj ponownie.",
        "en": "the shop did not answer in time. Check the shop address and try again.",
    },
    "check_tls": {
        "pl": "certyfikat TLS (https) sklepu jest nieprawidłowy ({detail})",
        "en": "the shop's TLS (https) certificate is invalid ({detail})",
    },
    "check_auth": {
        "pl": "sklep odrzucił klucz API: {detail}",
        "en": "the shop rejected the API key: {detail}",
    },
    "check_webservice_disabled": {
        "pl": "API sklepu jest wyłączone ({detail}). Włącz je w panelu administracyjnym sklepu.",
        "en": "the shop's API is switched off ({detail}). Switch it on in the shop's administration panel.",
    },
    "check_rate_limited": {
        "pl": "sklep ogranicza liczbę zapytań (HTTP 429). Spróbuj ponownie za chwilę.",
        "en": "the shop is rate limiting requests (HTTP 429). Try again in a moment.",
    },
    "check_server_error": {
        "pl": "serwer sklepu zwrócił błąd: {detail}",
        "en": "the shop's server failed: {detail}",
    },
    "check_blocked": {
        "pl": "żądanie zostało zablokowane przez zaporę (WAF) przed sklepem ({detail})",
        "en": "the request was blocked by a firewall (WAF) in front of the shop ({detail})",
    },
    "check_not_found": {
        "pl": "pod tym adresem nie ma API sklepu (HTTP 404). Sprawdź adres sklepu.",
        "en": "there is no shop API at this address (HTTP 404). Check the shop address.",
    },
    "check_bad_response": {
        "pl": "odpowiedź nie pochodzi z API sklepu ({detail}). Sprawdź adres sklepu.",
        "en": "the answer does not come from a shop API ({detail}). Check the shop address.",
    },
    "check_permission_denied": {
        "pl": "klucz API nie ma wymaganych uprawnień: {detail}",
        "en": "the API key lacks a required permission: {detail}",
    },
    "check_missing_permissions": {
        "pl": "klucz API nie ma uprawnień wymaganych przez integrację: {permissions}. "
        "Nadaj je kluczowi w panelu administracyjnym sklepu.",
        "en": "the API key lacks permissions the integration needs: {permissions}. "
        "Grant them to the key in the shop's administration panel.",
    },
    "check_shop_error": {
        "pl": "sklep zwrócił błąd: {detail}",
        "en": "the shop returned an error: {detail}",
    },
    "check_secret_missing": {
        "pl": "nie znaleziono zapisanego klucza API tego konta",
        "en": "the stored API key of this account was not found",
    },
    # --- activity log ---------------------------------------------------------------------------
    "account_created": {
        "pl": "Dodano konto sklepu „{name}”. {connection}",
        "en": 'Shop account "{name}" was added. {connection}',
    },
    "shop_already_connected": {
        "pl": "Ten sklep ({shop_url}) jest już podłączony jako konto „{name}” (id {account_id}). "
        "Zmień tamto konto albo je usuń, zanim podłączysz sklep ponownie.",
        "en": 'This shop ({shop_url}) is already connected as the account "{name}" (id {account_id}). '
        "Change that account, or delete it before connecting the shop again.",
    },
    "account_create_duplicate": {
        "pl": "Nie dodano konta sklepu „{name}”: ten sklep jest już podłączony jako konto „{existing}” "
        "(id {account_id}).",
        "en": 'Shop account "{name}" was not added: this shop is already connected as the account '
        '"{existing}" (id {account_id}).',
    },
    "account_create_failed": {
        "pl": "Nie dodano konta sklepu „{name}”. {connection}",
        "en": 'Shop account "{name}" was not added. {connection}',
    },
    "account_updated": {
        "pl": "Zmieniono konto sklepu „{name}” (pola: {fields}).",
        "en": 'Shop account "{name}" was changed (fields: {fields}).',
    },
    "account_update_failed": {
        "pl": "Nie zmieniono konta sklepu „{name}”. {connection}",
        "en": 'Shop account "{name}" was not changed. {connection}',
    },
    "account_checked": {
        "pl": "Sprawdzono połączenie ze sklepem. {connection}",
        "en": "The shop connection was checked. {connection}",
    },
    "account_deleted": {
        "pl": "Usunięto konto sklepu „{name}” (zachowano {orders} zaimportowanych zamówień).",
        "en": 'Shop account "{name}" was deleted ({orders} imported orders kept).',
    },
    "discovery_requested": {
        "pl": "Zlecono odczyt konfiguracji sklepu.",
        "en": "Reading the shop's configuration was requested.",
    },
    "discovery_done": {
        "pl": "Odczytano konfigurację sklepu: metody płatności: {payment_methods}, przewoźnicy: {carriers}, "
        "statusy zamówień: {order_states} (przeanalizowano zamówień: {analyzed_orders}).",
        "en": "The shop's configuration was read: payment methods: {payment_methods}, carriers: {carriers}, "
        "order states: {order_states} ({analyzed_orders} orders analysed).",
    },
    "discovery_failed": {
        "pl": "Odczyt konfiguracji sklepu nie powiódł się: {detail}",
        "en": "Reading the shop's configuration failed: {detail}",
    },
    "discovery_retrying": {
        "pl": "Odczyt konfiguracji sklepu nie powiódł się (zostanie ponowiony automatycznie): {detail}",
        "en": "Reading the shop's configuration failed (it will be retried automatically): {detail}",
    },
    "discovery_not_queued": {
        "pl": "Nie udało się zlecić odczytu konfiguracji sklepu. Uruchom go ponownie.",
        "en": "Reading the shop's configuration could not be scheduled. Run it again.",
    },
}
