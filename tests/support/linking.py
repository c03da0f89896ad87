"""Linking in tests: the hub catalogue as the links file shows it, a shop listed by a link run."""

from __future__ import annotations

from typing import Any

from shophub.domain.catalog import HubProduct
from tests.support.imports import CREATED_AT, ImportWorld


def hub_products(world: ImportWorld, *names: str, tenant: str = "tenant-a") -> list[int]:
    catalog = world.container.catalog
    ids = catalog.allocate_product_ids(tenant, len(names))
    for hub_id, name in zip(ids, names, strict=True):
        catalog.create_product(
            HubProduct(id=hub_id, tenant_id=tenant, name=name, ean=f"59000000{hub_id:05d}", created_at=CREATED_AT)
        )
    return ids


def listed_shop(world: ImportWorld, account: Any, client: Any) -> None:
    """A link run that lists the shop's variants (none match the hub yet)."""
    world.start(client, account, mode="link", unique_identifier="symbol")
    world.drain()
