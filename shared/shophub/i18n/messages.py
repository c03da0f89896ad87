"""The message catalogue: key → {"pl": ..., "en": ...}.

Keep keys stable: they are the ``message_key`` of errors in :mod:`shophub.errors` and the
messages services write to the activity log.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # generic HTTP errors
    "internal_error": {
        "pl": "Wystąpił nieoczekiwany błąd. Spróbuj ponownie później.",
        "en": "An unexpected error occurred. Please try again later.",
    },
    "bad_request": {"pl": "Nieprawidłowe żądanie.", "en": "Bad request."},
    "malformed_json": {
        "pl": "Treść żądania nie jest poprawnym dokumentem JSON.",
        "en": "The request body is not valid JSON.",
    },
    "unknown_fields": {
        "pl": "Żądanie zawiera nieznane pola: {fields}.",
        "en": "The request contains unknown fields: {fields}.",
    },
    # request bodies (shophub/api/request_body.py): checked before the JSON is parsed
    "body_too_large": {
        "pl": "Treść żądania jest za duża (dozwolony rozmiar: {limit_kb} KB).",
        "en": "The request body is too large (at most {limit_kb} KB are allowed).",
    },
    "unsupported_media_type": {
        "pl": "Nieobsługiwany typ treści żądania: „{content_type}”. Wyślij dane jako application/json (UTF-8).",
        "en": 'Unsupported request content type: "{content_type}". Send the data as application/json (UTF-8).',
    },
    "body_not_base64": {
        "pl": "Treść żądania nie jest poprawnie zakodowana w base64.",
        "en": "The request body is not valid base64.",
    },
    "body_not_utf8": {
        "pl": "Treść żądania nie jest poprawnym tekstem UTF-8.",
        "en": "The request body is not valid UTF-8 text.",
    },
    "json_too_deep": {
        "pl": "Dokument JSON jest zagnieżdżony zbyt głęboko (dozwolona głębokość: {max_depth}).",
        "en": "The JSON document is nested too deeply (at most {max_depth} levels are allowed).",
    },
    "json_number_too_long": {
        "pl": "Liczba w dokumencie JSON jest za długa (dozwolona długość: {max_chars}).",
        "en": "A number in the JSON document is too long (at most {max_chars} characters are allowed).",
    },
    "body_not_object": {
        "pl": "Treść żądania musi być obiektem JSON ({{…}}).",
        "en": "The request body must be a JSON object ({{…}}).",
    },
    "invalid_paging_token": {
        "pl": "Nieprawidłowy znacznik stronicowania (next).",
        "en": "Invalid paging token (next).",
    },
    "unauthorized": {
        "pl": "Brak lub nieprawidłowy token dostępu.",
        "en": "Missing or invalid access token.",
    },
    "not_found": {"pl": "Nie znaleziono zasobu.", "en": "Resource not found."},
    "route_not_found": {"pl": "Nie ma takiej ścieżki API.", "en": "No such API route."},
    "method_not_allowed": {
        "pl": "Ta operacja nie jest dozwolona dla tego zasobu.",
        "en": "This operation is not allowed on this resource.",
    },
    "conflict": {
        "pl": "Operacja narusza regułę biznesową.",
        "en": "The operation violates a business rule.",
    },
    "concurrent_update": {
        "pl": "Zasób został w międzyczasie zmieniony. Odśwież dane i spróbuj ponownie.",
        "en": "The resource was changed in the meantime. Refresh and try again.",
    },
    "validation_failed": {
        "pl": "Przesłane dane są niepoprawne.",
        "en": "The submitted data is invalid.",
    },
    # shop failures
    "shop_error": {"pl": "Sklep zwrócił błąd: {detail}", "en": "The shop returned an error: {detail}"},
    "shop_unavailable": {
        "pl": "Sklep jest chwilowo niedostępny: {detail}",
        "en": "The shop is temporarily unavailable: {detail}",
    },
    "shop_unreachable": {
        "pl": "Nie można połączyć się ze sklepem: {detail}",
        "en": "Cannot connect to the shop: {detail}",
    },
    "shop_timeout": {
        "pl": "Sklep nie odpowiedział w wymaganym czasie.",
        "en": "The shop did not answer in time.",
    },
    "shop_rate_limited": {
        "pl": "Sklep ogranicza liczbę zapytań (HTTP 429). Spróbujemy ponownie później.",
        "en": "The shop is rate limiting requests (HTTP 429). We will retry later.",
    },
    "shop_server_error": {
        "pl": "Błąd serwera sklepu: {detail}",
        "en": "The shop's server failed: {detail}",
    },
    "shop_webservice_disabled": {
        "pl": "API sklepu jest wyłączone w jego panelu administracyjnym.",
        "en": "The shop's API is switched off in its administration panel.",
    },
    "shop_auth_failed": {
        "pl": "Sklep odrzucił klucz API: {detail}",
        "en": "The shop rejected the API key: {detail}",
    },
    "shop_permission_denied": {
        "pl": "Klucz API nie ma wymaganych uprawnień: {detail}",
        "en": "The API key lacks a required permission: {detail}",
    },
    "shop_not_found": {
        "pl": "Sklep nie zna tego zasobu (HTTP 404).",
        "en": "The shop does not know this resource (HTTP 404).",
    },
    "shop_request_rejected": {
        "pl": "Sklep odrzucił żądanie: {detail}",
        "en": "The shop rejected the request: {detail}",
    },
    "shop_method_not_supported": {
        "pl": "Sklep nie obsługuje tej operacji: {detail}",
        "en": "The shop does not support this operation: {detail}",
    },
    "shop_blocked": {
        "pl": "Żądanie zostało zablokowane przez zaporę (WAF) przed sklepem.",
        "en": "The request was blocked by a firewall (WAF) in front of the shop.",
    },
    "shop_bad_response": {
        "pl": "Odpowiedź sklepu nie jest poprawną odpowiedzią jego API: {detail}",
        "en": "The shop's answer is not a valid answer of its API: {detail}",
    },
    "shop_tls_error": {
        "pl": "Certyfikat TLS sklepu jest nieprawidłowy: {detail}",
        "en": "The shop's TLS certificate is invalid: {detail}",
    },
    "invalid_shop_url": {
        "pl": "Wpisane dane integracyjne są niepoprawne. Adres sklepu jest nieprawidłowy: {detail}. "
        "Sprawdź, czy adres zaczyna się od https://",
        "en": "The integration details are incorrect. The shop address is invalid: {detail}. "
        "Check that the address starts with https://",
    },
}
