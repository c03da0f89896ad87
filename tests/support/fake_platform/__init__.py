"""Kramik: a made-up shop platform, for tests only. It proves the core is platform-neutral.

Everything about it differs from PrestaShop where the core could have assumed PrestaShop: the
key's shape (``kr_`` + 24 hex digits, a colon, 16 hex digits), the permissions (``catalog``,
``inventory``, ``sales``, ``fulfilment`` with ``READ``/``WRITE``), string error codes, every
variant is a SKU of its own (no "product itself" variant 0), stock lives in inventory slots with
ids of their own, carriers are shipping profiles keyed by a profile number, identifiers are
``gtin``/``sku``/``mpn``, quantities stop at 99,999 and tracking numbers are letters and digits
only. The shop lives in memory (:mod:`.shop`); the connector (:mod:`.connector`) talks to it as
if over a network, counting requests.

:func:`install` registers the platform with the core's connector registry (and
:func:`uninstall` removes it): nothing under ``shophub/services``, ``store``, ``domain`` or
``api`` knows it exists.
"""

from __future__ import annotations

from typing import Any

from shophub.connectors import register_platform, unregister_platform
from tests.support.fake_platform.connector import KramikConnector
from tests.support.fake_platform.profile import PLATFORM, PROFILE
from tests.support.fake_platform.shop import KramikShop, shops

__all__ = ["PLATFORM", "PROFILE", "KramikConnector", "KramikShop", "install", "uninstall"]


def build_connector(shop_url: str, api_key: str, **_options: Any) -> KramikConnector:
    """The platform's factory (options such as ``timezone`` or ``deadline`` do not apply)."""
    return KramikConnector(shop_url, api_key)


def install() -> None:
    register_platform(PROFILE, build_connector)


def uninstall() -> None:
    unregister_platform(PLATFORM)
    shops.clear()
