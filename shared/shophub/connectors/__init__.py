"""Shop connectors: the :class:`~shophub.connectors.base.Connector` protocol and one package per
platform.

Adding a platform means adding a package ``shophub/connectors/<platform>/`` whose
``__init__`` defines ``build_connector(shop_url, api_key, **options)`` and whose ``profile``
module defines ``PROFILE`` (a :class:`~shophub.connectors.base.ConnectorProfile`); nothing in the
core changes. Platform packages are imported only when asked for, to keep cold starts small.

This module is the only place of the core that names a platform: :data:`DEFAULT_PLATFORM`, the
platform of accounts created without one (and of texts stored before they named theirs).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shophub.connectors.base import Connector, ConnectorProfile
    from shophub.domain.catalogue_file import CatalogueFile

__all__ = [
    "DEFAULT_PLATFORM",
    "available_platforms",
    "build_connector",
    "known_platforms",
    "mappable_fields",
    "profile_for",
    "read_catalogue_file",
    "register_platform",
    "register_profile",
    "unregister_platform",
    "unregister_profile",
]

DEFAULT_PLATFORM = "prestashop"

_PLATFORM_RE = re.compile(r"^[a-z][a-z0-9_]*$")
#: profiles read so far, and profiles registered without a package (tests)
_PROFILES: dict[str, ConnectorProfile] = {}
#: connector factories of platforms registered without a package
_FACTORIES: dict[str, Callable[..., Connector]] = {}


def available_platforms() -> list[str]:
    """The platform packages present next to this module (read once: the package does not
    change while the process runs, and a connector is built for every shop client)."""
    return list(_platform_packages())


@functools.cache
def _platform_packages() -> tuple[str, ...]:
    return tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if m.ispkg and _PLATFORM_RE.match(m.name)))


def profile_for(platform: str | None = None) -> ConnectorProfile:
    """The profile of ``platform`` (:data:`DEFAULT_PLATFORM` when not given); ``ValueError`` for
    a platform nobody declared. Reading a profile does not load the platform's connector."""
    name = (platform or DEFAULT_PLATFORM).strip().lower()
    known = _PROFILES.get(name)
    if known is not None:
        return known
    if not _PLATFORM_RE.match(name) or name not in available_platforms():
        raise ValueError(f"unknown shop platform {platform!r} (known: {', '.join(known_platforms()) or 'none'})")
    profile: ConnectorProfile = importlib.import_module(f"{__name__}.{name}.profile").PROFILE
    _PROFILES[name] = profile
    return profile


def register_profile(profile: ConnectorProfile) -> None:
    """Declare a platform's profile without a package (a platform that lives elsewhere, or a test's)."""
    _PROFILES[profile.platform] = profile


def unregister_profile(platform: str) -> None:
    """Forget a profile declared with :func:`register_profile`."""
    _PROFILES.pop(platform, None)


def register_platform(profile: ConnectorProfile, factory: Callable[..., Connector]) -> None:
    """Declare a whole platform without a package: its profile and its connector factory
    (``factory(shop_url, api_key, **options)``), e.g. a platform that lives in a test suite."""
    register_profile(profile)
    _FACTORIES[profile.platform] = factory


def unregister_platform(platform: str) -> None:
    """Forget a platform declared with :func:`register_platform`."""
    unregister_profile(platform)
    _FACTORIES.pop(platform, None)


def read_catalogue_file(platform: str, data: bytes) -> CatalogueFile:
    """``data`` read by ``platform``'s catalogue file reader (a 422 ValidationError when the
    file cannot be read, or the platform has no file import)."""
    from shophub.errors import ValidationError

    reader = profile_for(platform).catalogue_file_reader
    if not reader:
        raise ValidationError("no catalogue file import for this platform", code="file_import_not_supported")
    module, _, function = reader.partition(":")
    read: Callable[[bytes], CatalogueFile] = getattr(importlib.import_module(module), function)
    return read(data)


def mappable_fields() -> tuple[str, ...]:
    """Every product field some platform's field mapping can choose from (first seen first)."""
    fields: dict[str, None] = {}
    for name in known_platforms():
        fields.update(dict.fromkeys(profile_for(name).product_fields))
    return tuple(fields)


def known_platforms() -> list[str]:
    """Platforms with a package or a registered profile."""
    return sorted(set(available_platforms()) | set(_PROFILES))


def build_connector(platform: str, shop_url: str, api_key: str, **options: Any) -> Connector:
    """A connector for ``platform`` (e.g. ``"prestashop"``).

    ``options`` go to the platform's factory unchanged (for PrestaShop: ``timezone``,
    ``language_id``, ``http``, ``deadline``, ``allow_local``, ...).
    """
    name = (platform or "").strip().lower()
    if name in _FACTORIES:
        return _FACTORIES[name](shop_url, api_key, **options)
    if not _PLATFORM_RE.match(name) or name not in available_platforms():
        known = ", ".join(available_platforms()) or "none"
        raise ValueError(f"unknown shop platform {platform!r} (known: {known})")
    module = importlib.import_module(f"{__name__}.{name}")
    factory = getattr(module, "build_connector", None)
    if factory is None:
        raise ValueError(f"the {name} connector package defines no build_connector()")
    connector: Connector = factory(shop_url, api_key, **options)
    return connector
