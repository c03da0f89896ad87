"""Messages of operators' access (platform administrators reading a tenant's data): key →
{"pl": ..., "en": ...}. ``activity_operator_read`` is the entry each read leaves in the tenant's
activity log; ``operator_read_*`` name what was read inside it."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # API errors
    "forbidden": {"pl": "Brak uprawnień do tej operacji.", "en": "You are not allowed to do this."},
    "forbidden_operators_only": {
        "pl": "Ta ścieżka jest dostępna tylko dla operatorów platformy.",
        "en": "This route is for platform operators only.",
    },
    "forbidden_operator_token": {
        "pl": "Token operatora platformy pozwala tylko czytać dane klientów przez ścieżki /admin; "
        "nie działa jako token klienta i niczego nie zmienia.",
        "en": "A platform operator's token only reads tenants' data through the /admin routes; "
        "it does not act as a tenant's token and changes nothing.",
    },
    "tenant_not_found": {"pl": "Nie ma takiego klienta platformy.", "en": "There is no such tenant."},
    # --- activity log ---------------------------------------------------------------------------
    "activity_operator_read": {
        "pl": "Operator platformy {operator} odczytał dane: {resource}.",
        "en": "Platform operator {operator} read: {resource}.",
    },
    "operator_read_accounts": {"pl": "konta sklepów", "en": "the shop accounts"},
    "operator_read_logs": {"pl": "log czynności", "en": "the activity log"},
    "operator_read_imports": {"pl": "importy konta {account_id}", "en": "the imports of account {account_id}"},
    "operator_read_reports": {"pl": "raporty konta {account_id}", "en": "the reports of account {account_id}"},
}
