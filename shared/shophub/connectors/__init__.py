"""Shop connectors: the :class:`~shophub.connectors.base.Connector` protocol and one package per
platform.

Adding a platform means adding a package ``shophub/connectors/<platform>/`` whose
``__init__`` defines ``build_connector(shop_url, api_key, **options)``; nothing in the core
changes. Platform packages are imported only when asked for, to keep cold starts small.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shophub.connectors.base import Connector

__all__ = ["available_platforms", "build_connector"]

_PLATFORM_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def available_platforms() -> list[str]:
    """The platform packages present next to this module."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.ispkg and _PLATFORM_RE.match(m.name))


def build_connector(platform: str, shop_url: str, api_key: str, **options: Any) -> Connector:
    """A connector for ``platform`` (e.g. ``"prestashop"``).

    ``options`` go to the platform's factory unchanged (for PrestaShop: ``timezone``,
    ``language_id``, ``http``, ``deadline``, ``allow_local``, ...).
    """
    name = (platform or "").strip().lower()
    if not _PLATFORM_RE.match(name) or name not in available_platforms():
        known = ", ".join(available_platforms()) or "none"
        raise ValueError(f"unknown shop platform {platform!r} (known: {known})")
    module = importlib.import_module(f"{__name__}.{name}")
    factory = getattr(module, "build_connector", None)
    if factory is None:
        raise ValueError(f"the {name} connector package defines no build_connector()")
    connector: Connector = factory(shop_url, api_key, **options)
    return connector
