"""The settings each function cannot run without, checked when its handler module is imported.

Every handler calls :func:`require_settings` with its folder name (``functions/<name>``) right
after its imports, so a function deployed without one of its variables fails its cold start
with :class:`MissingSettingsError` naming the variable, not its first queue send or table read.

The check is deliberately a plain look at ``os.environ``: a cold start loads no settings model
(``tests/unit/test_handler_imports.py``). The values are parsed and validated in full
(types, ranges, the stage's pattern) by :class:`shophub.settings.Settings` when the function's
first container is built; variables with a sensible default (``SHOPHUB_SHOP_CONCURRENCY``,
``SHOPHUB_LOG_RETENTION_DAYS``, ...) are not listed here.

``template.yaml`` sets the variables (Globals, or the function's own ``Environment``);
``tests/unit/test_function_settings.py`` checks that every function of the template gets every
variable listed for it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

_TABLE = "SHOPHUB_TABLE_NAME"
_BUS = "SHOPHUB_EVENT_BUS_NAME"
_SECRETS = "SHOPHUB_SECRET_PREFIX"
_IMPORT_QUEUE = "SHOPHUB_IMPORT_QUEUE_URL"
_ORDER_POLL_QUEUE = "SHOPHUB_ORDER_POLL_QUEUE_URL"
_ORDER_UPDATE_QUEUE = "SHOPHUB_ORDER_UPDATE_QUEUE_URL"
_STOCK_QUEUE = "SHOPHUB_STOCK_QUEUE_URL"
_DISCOVERY_QUEUE = "SHOPHUB_DISCOVERY_QUEUE_URL"
_LINKS_BUCKET = "SHOPHUB_LINKS_BUCKET"

#: The variables each function needs, by its folder under ``functions/``: the table it reads,
#: the queues it sends to, the bus it publishes on, the shop keys it reads, the bucket it uses.
REQUIRED_SETTINGS: Mapping[str, frozenset[str]] = {
    # tokens only
    "authorizer": frozenset({_TABLE}),
    # accounts (the connection check reads and writes shop keys), the log, discovery runs
    "connection_check": frozenset({_TABLE, _SECRETS, _DISCOVERY_QUEUE}),
    # configuration, catalogue, stock changes (StockQueue), orders (fetch now, pushes to the shop)
    "api": frozenset({_TABLE, _BUS, _STOCK_QUEUE, _ORDER_POLL_QUEUE, _ORDER_UPDATE_QUEUE}),
    # import stages and links file jobs (ImportQueue, the links bucket), ProductsImported
    "importer": frozenset({_TABLE, _BUS, _SECRETS, _IMPORT_QUEUE, _LINKS_BUCKET}),
    # the dispatcher and the poll worker: orders move stock (StockQueue)
    "order_poller": frozenset({_TABLE, _BUS, _SECRETS, _ORDER_POLL_QUEUE, _STOCK_QUEUE}),
    # tracking numbers, documents and statuses to the shop
    "order_pusher": frozenset({_TABLE, _SECRETS}),
    # stock rows to the shops, StockSyncReported, one shop's rows given back (StockQueue)
    "stock_pusher": frozenset({_TABLE, _BUS, _SECRETS, _STOCK_QUEUE}),
}


class MissingSettingsError(RuntimeError):
    """A function's environment lacks variables it needs (a deployment error, not a request's)."""

    def __init__(self, function: str, missing: list[str]) -> None:
        self.function = function
        self.missing = missing
        names = ", ".join(missing)
        noun = "variable" if len(missing) == 1 else "variables"
        super().__init__(
            f"functions/{function} cannot start: environment {noun} {names} not set "
            "(template.yaml sets them, in Globals or the function's Environment)"
        )


def require_settings(function: str, environ: Mapping[str, str] | None = None) -> None:
    """Raises :class:`MissingSettingsError` unless every variable ``function`` needs is set
    (an empty value counts as not set)."""
    try:
        required = REQUIRED_SETTINGS[function]
    except KeyError:
        raise ValueError(f"no settings are declared for function {function!r}") from None
    environment = os.environ if environ is None else environ
    missing = sorted(name for name in required if not environment.get(name, "").strip())
    if missing:
        raise MissingSettingsError(function, missing)
