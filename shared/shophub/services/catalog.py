"""Reading the hub catalogue: products of a tenant and the offers linked to them."""

from __future__ import annotations

from dataclasses import dataclass

from shophub.domain.catalog import HubProduct, Offer
from shophub.store.catalog import CatalogRepository


@dataclass(frozen=True)
class ProductView:
    product: HubProduct
    offers: list[Offer]


class CatalogService:
    def __init__(self, catalog: CatalogRepository) -> None:
        self.catalog = catalog

    def list_products(
        self, tenant_id: str, *, limit: int = 50, next_token: str | None = None
    ) -> tuple[list[HubProduct], str | None]:
        """One page of the tenant's products by ascending id (``next`` is opaque)."""
        return self.catalog.list_products(tenant_id, limit=limit, next_token=next_token)

    def get_product(self, tenant_id: str, product_id: int) -> ProductView:
        """The product with every offer linked to it (404 for another tenant's id)."""
        product = self.catalog.get_product(tenant_id, product_id)
        offers = sorted(
            self.catalog.offers_of_product(tenant_id, product_id),
            key=lambda o: (o.account_id, o.shop_product_id, o.shop_combination_id),
        )
        return ProductView(product, offers)
