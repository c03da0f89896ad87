"""Reading the hub catalogue: products of a tenant (listed or searched) and the offers linked to
them, each with the state of its stock sync."""

from __future__ import annotations

from shophub.domain.catalog import HubProduct, Offer, OfferView, ProductView, StockSync
from shophub.services.stock_push import account_pushes_stock, offer_template_id, template_pushes_stock
from shophub.store.catalog import CatalogRepository
from shophub.store.stock import OfferStockRepository


def stock_sync_of(product: HubProduct, offer: Offer, *, pushes_stock: bool, in_doubt: bool) -> StockSync:
    """The stock sync state of one offer, by the stock pusher's own rules
    (:mod:`shophub.services.stock_push`):

    * ``off`` — the pusher never writes this row: the account is deleted, its order settings
      do not have ``products.update_stock`` on, or the offer's template (its own, else the
      account's default) does not sync stock or no longer exists (``pushes_stock`` False);
    * ``no_stock_row`` — the row would be pushed but the offer has no ``stock_ref``
      (the pusher reports it as failed);
    * ``pending`` — a push of this product for the account failed midway or is running (the
      account's push lease holds it in doubt), or the hub's stock is newer than what the row
      was last written with (also when the shop refused the write for good: the account's
      stock report says why);
    * ``sent`` — the row holds the hub's current stock: ``pushed_version`` is at least the
      product's ``stock_version``, or ``pushed_quantity`` equals the hub's stock (the pusher
      finds nothing to write, e.g. after the shop sold what the hub took for the same order).
    """
    if not pushes_stock:
        return "off"
    if offer.stock_ref is None:
        return "no_stock_row"
    if in_doubt:
        return "pending"
    if offer.pushed_version is not None and offer.pushed_version >= product.stock_version:
        return "sent"
    if offer.pushed_quantity is not None and offer.pushed_quantity == product.stock:
        return "sent"
    return "pending"


class CatalogService:
    def __init__(self, catalog: CatalogRepository, offer_stock: OfferStockRepository) -> None:
        self.catalog = catalog
        self.offer_stock = offer_stock

    def list_products(
        self, tenant_id: str, *, limit: int = 50, next_token: str | None = None, search: str | None = None
    ) -> tuple[list[HubProduct], str | None]:
        """One page of the tenant's products by ascending id (``next`` is opaque); with
        ``search``, only those whose name, variant, EAN, symbol or catalogue number contains it
        (:meth:`CatalogRepository.search_products`)."""
        if search is None:
            return self.catalog.list_products(tenant_id, limit=limit, next_token=next_token)
        return self.catalog.search_products(tenant_id, search, limit=limit, next_token=next_token)

    def get_product(self, tenant_id: str, product_id: int) -> ProductView:
        """The product with every offer linked to it (404 for another tenant's id), each with
        its stock sync state: reads the product, its offers (GSI1), then one batch of the
        offers' accounts, order settings and push leases and one batch of their templates."""
        product = self.catalog.get_product(tenant_id, product_id)
        offers = sorted(
            self.catalog.offers_of_product(tenant_id, product_id),
            key=lambda o: (o.account_id, o.shop_product_id, o.shop_variant_id),
        )
        if not offers:
            return ProductView(product, [])
        accounts, settings, in_doubt = self.offer_stock.push_states(tenant_id, {o.account_id for o in offers})
        wanted: set[tuple[str, str]] = set()
        for offer in offers:
            account = accounts.get(offer.account_id)
            template_id = offer_template_id(offer, account) if account else None
            if account and template_id and account_pushes_stock(account, settings.get(account.id)):
                wanted.add((account.id, template_id))
        templates = self.offer_stock.templates_of_accounts(wanted) if wanted else {}
        views = []
        for offer in offers:
            account = accounts.get(offer.account_id)
            pushes = False
            if account is not None and account_pushes_stock(account, settings.get(account.id)):
                template_id = offer_template_id(offer, account)
                template = templates.get((account.id, template_id)) if template_id else None
                pushes = template_pushes_stock(template)
            doubt = product.id in in_doubt.get(offer.account_id, set())
            views.append(OfferView(offer, stock_sync_of(product, offer, pushes_stock=pushes, in_doubt=doubt)))
        return ProductView(product, views)
