"""PrestaShop 8 (and 1.7, with fallbacks) connector.

``client`` (HTTP, auth, retries, limits), ``query`` (display / filter / sort / limit),
``parse`` (answers and bodies), ``translate`` (records → domain models) and ``connector``
(the :class:`~shophub.connectors.base.Connector` implementation).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shophub.connectors.prestashop.connector import PrestaShopConnector

__all__ = ["PrestaShopConnector", "build_connector"]


def build_connector(shop_url: str, api_key: str, **options: Any) -> PrestaShopConnector:
    from shophub.connectors.prestashop.connector import PrestaShopConnector

    return PrestaShopConnector(shop_url, api_key, **options)


def __getattr__(name: str) -> Any:
    if name == "PrestaShopConnector":
        from shophub.connectors.prestashop.connector import PrestaShopConnector

        return PrestaShopConnector
    raise AttributeError(name)
