"""The hub catalogue: products, their identifier index and offers (links to shop variants).

Items:

* product ``PK=TENANT#<t>, SK=PRODUCT#<padded id>`` — :class:`HubProduct` fields; ids come from
  the per-tenant counter ``PK=TENANT#<t>, SK=COUNTER#PRODUCT`` (atomic ``ADD``, in blocks).
* identifier index ``PK=TENANT#<t>#IDENT#<EAN|SYMBOL|CATNO>#<value>, SK=PRODUCT#<padded id>`` —
  one per non-empty identifier of a product, written in the product's own transaction; the first
  item of the partition is the lowest hub id (the one that wins on duplicates).
* identifier claim ``PK=<the same partition>, SK=CLAIM`` — names the first (lowest id) product
  carrying the value; written in the product's transaction: conditionally
  (``attribute_not_exists``) for the import's unique identifier, so two writers racing on one
  value cannot both create a product (the loser re-reads and links), and "if still free" for the
  product's other identifiers. Imports match through claims (batched reads); the index query
  (:meth:`CatalogRepository.find_by_identifier`) gives the same answer one value at a time.
* offer ``PK=ACCOUNT#<a>, SK=OFFER#<p>#<c>``, ``GSI1PK=PRODUCT#<t>#<padded id>``,
  ``GSI1SK=OFFER#<a>#<p>#<c>`` — :class:`Offer` fields.

Stored attribute names are the models' field names.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from shophub.domain.catalog import HubProduct, Offer, product_not_found
from shophub.errors import ConcurrentUpdateError
from shophub.store import keys
from shophub.store.dynamo import ConditionFailed, Expr, HubTable, serialize_item
from shophub.store.paging import decode_token, encode_token
from shophub.store.unit_of_work import Committed, Conflict, Subject, UnitBatch, UnitOfWork, Write

#: identifier kind (index partition) → the HubProduct field it indexes
INDEXED_IDENTIFIERS: dict[str, str] = {"EAN": "ean", "SYMBOL": "symbol", "CATNO": "catalog_number"}

ShopVariantKey = tuple[int, int]

#: Products read per request by :meth:`CatalogRepository.search_products`.
SEARCH_READ_PAGE = 250
#: The product fields a catalogue search looks in.
SEARCHED_FIELDS = ("name", "variant", "ean", "symbol", "catalog_number")


def search_key(text: str) -> str:
    """``text`` as the catalogue search compares it: Unicode NFC (a letter typed as a base
    letter and a combining mark equals the composed one), case folded (``Ż`` = ``ż``, ``Ł`` =
    ``ł``), without surrounding whitespace."""
    return unicodedata.normalize("NFC", text).casefold().strip()


def product_matches(product: HubProduct, wanted: str) -> bool:
    """Whether any searched field of ``product`` contains ``wanted`` (a :func:`search_key`)."""
    return any(wanted in search_key(str(getattr(product, field) or "")) for field in SEARCHED_FIELDS)


class OfferExists(Exception):
    """The shop variant is already linked (to ``offer.hub_product_id``)."""

    def __init__(self, offer: Offer | None) -> None:
        super().__init__("offer exists")
        self.offer = offer


class IdentifierClaimed(Exception):
    """Another product was created for this identifier value first (``holder`` is its id)."""

    def __init__(self, holder: int | None) -> None:
        super().__init__("identifier claimed")
        self.holder = holder


class TemplateGone(Exception):
    """The template new offers were to get no longer exists."""

    def __init__(self, template_id: str) -> None:
        super().__init__(f"template {template_id} does not exist")
        self.template_id = template_id


class CatalogRepository:
    def __init__(self, table: HubTable) -> None:
        self.table = table

    # --- item shapes ----------------------------------------------------------------------------

    @staticmethod
    def product_item(product: HubProduct) -> dict[str, Any]:
        return {
            "PK": keys.tenant_pk(product.tenant_id),
            "SK": keys.product_sk(product.id),
            **product.model_dump(mode="json"),
        }

    @staticmethod
    def offer_item(offer: Offer) -> dict[str, Any]:
        return {
            "PK": keys.account_pk(offer.account_id),
            "SK": keys.offer_sk(offer.shop_product_id, offer.shop_variant_id),
            "GSI1PK": keys.product_offers_gsi1pk(offer.tenant_id, offer.hub_product_id),
            "GSI1SK": keys.product_offers_gsi1sk(offer.account_id, offer.shop_product_id, offer.shop_variant_id),
            **offer.model_dump(mode="json"),
        }

    @staticmethod
    def index_items(product: HubProduct) -> list[dict[str, Any]]:
        """The identifier index items of ``product`` (one per non-empty identifier)."""
        items = []
        for kind, field in INDEXED_IDENTIFIERS.items():
            value = str(getattr(product, field) or "").strip()
            if value:
                items.append(
                    {
                        "PK": keys.ident_pk(product.tenant_id, kind, value),
                        "SK": keys.product_sk(product.id),
                        "hub_product_id": product.id,
                        "tenant_id": product.tenant_id,
                    }
                )
        return items

    # --- products -------------------------------------------------------------------------------

    def find_product(self, tenant_id: str, product_id: int, *, consistent: bool = False) -> HubProduct | None:
        item = self.table.get(keys.tenant_pk(tenant_id), keys.product_sk(product_id), consistent=consistent)
        return HubProduct.model_validate(item) if item else None

    def get_product(self, tenant_id: str, product_id: int, *, consistent: bool = False) -> HubProduct:
        """The tenant's product; 404 ``product_not_found`` (also for another tenant's id)."""
        product = self.find_product(tenant_id, product_id, consistent=consistent)
        if product is None:
            raise product_not_found()
        return product

    def batch_get_products(self, tenant_id: str, product_ids: Iterable[int]) -> dict[int, HubProduct]:
        """``{id: product}`` for the ids that exist (100 per request)."""
        pk = keys.tenant_pk(tenant_id)
        found = self.table.batch_get([{"PK": pk, "SK": keys.product_sk(int(i))} for i in product_ids])
        products = (HubProduct.model_validate(item) for item in found)
        return {p.id: p for p in products}

    def list_products(
        self, tenant_id: str, *, limit: int = 50, next_token: str | None = None
    ) -> tuple[list[HubProduct], str | None]:
        """One page of the tenant's products by ascending id; ``next`` is an opaque token."""
        scope = keys.tenant_pk(tenant_id) + "#PRODUCTS"
        items, last = self.table.query_page(
            keys.tenant_pk(tenant_id),
            sk_prefix=keys.PRODUCT_PREFIX,
            limit=limit,
            start_key=decode_token(next_token, scope),
        )
        return [HubProduct.model_validate(i) for i in items], encode_token(last, scope)

    def search_products(
        self, tenant_id: str, text: str, *, limit: int = 50, next_token: str | None = None
    ) -> tuple[list[HubProduct], str | None]:
        """One page of the tenant's products whose name, variant, EAN, symbol or catalogue
        number contains ``text`` (:func:`search_key`: case-insensitive, Polish letters
        included), by ascending id; ``next`` is an opaque token valid for this search only.

        How far this goes: DynamoDB cannot match a substring regardless of case, so the tenant's
        products are read in id order, :data:`SEARCH_READ_PAGE` per request, from the token's
        key, and filtered here until ``limit`` matches are found (a page whose matches come
        early reads no further). A search that matches little reads the whole catalogue in one
        call: a few requests for thousands of products (1,000 products are one to five
        requests), about one request per 1 MB of products beyond that. A catalogue of hundreds
        of thousands of products needs a search index instead.

        The next token is the key of the last product returned, so no match is skipped or
        repeated across pages; there is none when the page read to the catalogue's end."""
        wanted = search_key(text)
        pk = keys.tenant_pk(tenant_id)
        scope = f"{pk}#PRODUCTS#SEARCH#{hashlib.sha256(wanted.encode()).hexdigest()[:16]}"
        start = decode_token(next_token, scope)
        found: list[HubProduct] = []
        last_returned: dict[str, Any] | None = None
        while True:
            items, start = self.table.query_page(
                pk, sk_prefix=keys.PRODUCT_PREFIX, limit=SEARCH_READ_PAGE, start_key=start
            )
            for item in items:
                product = HubProduct.model_validate(item)
                if not product_matches(product, wanted):
                    continue
                if len(found) == limit:
                    # one more match read: there is a next page
                    return found, encode_token(last_returned, scope)
                found.append(product)
                last_returned = {"PK": item["PK"], "SK": item["SK"]}
            if start is None:
                return found, None
            if len(found) == limit:
                return found, encode_token(last_returned, scope)

    def iter_products(self, tenant_id: str) -> Iterator[HubProduct]:
        for item in self.table.query(keys.tenant_pk(tenant_id), sk_prefix=keys.PRODUCT_PREFIX):
            yield HubProduct.model_validate(item)

    def allocate_product_ids(self, tenant_id: str, count: int) -> list[int]:
        """``count`` new, never used product ids (one atomic ``ADD`` on the tenant's counter)."""
        if count <= 0:
            return []
        item = self.table.update(keys.tenant_pk(tenant_id), keys.PRODUCT_COUNTER_SK, add={"value": count})
        last = int((item or {})["value"])
        return list(range(last - count + 1, last + 1))

    def find_by_identifier(self, tenant_id: str, kind: str, value: str) -> int | None:
        """The lowest hub product id with identifier ``kind`` (EAN/SYMBOL/CATNO) = ``value``,
        read from the identifier index (one query)."""
        value = value.strip()
        if not value:
            return None
        items, _ = self.table.query_page(
            keys.ident_pk(tenant_id, kind, value), sk_prefix=keys.PRODUCT_PREFIX, limit=1, consistent=True
        )
        return keys.product_id_from_sk(items[0]["SK"]) if items else None

    def claim_holder(self, tenant_id: str, kind: str, value: str) -> int | None:
        """The hub product that holds the claim on this identifier value, if any."""
        item = self.table.get(keys.ident_pk(tenant_id, kind, value), keys.IDENT_CLAIM_SK, consistent=True)
        return int(item["hub_product_id"]) if item else None

    def claim_holders(self, tenant_id: str, kind: str, values: Iterable[str]) -> dict[str, int]:
        """``{value: hub id}`` of the claims on these values (batched: 100 per request).

        Every product this repository creates claims each of its non-empty identifiers: the
        import's unique identifier conditionally (only the first product gets it) and the others
        if still free, so a claim names the first product created with that value — the lowest
        hub id, as ids are handed out in ascending order."""
        by_pk = {keys.ident_pk(tenant_id, kind, v.strip()): v.strip() for v in values if v and v.strip()}
        found = self.table.batch_get([{"PK": pk, "SK": keys.IDENT_CLAIM_SK} for pk in sorted(by_pk)], consistent=True)
        return {by_pk[str(item["PK"])]: int(item["hub_product_id"]) for item in found}

    def create_product_in(self, unit: UnitOfWork, product: HubProduct, *, claim_kind: str | None = None) -> None:
        """Create ``product`` with the unit: the product (:attr:`Subject.PRODUCT`, loses if the id
        is taken), its index items and its claims. The claim on ``claim_kind`` is conditional
        (:attr:`Subject.IDENTIFIER_CLAIM` loses when another product holds that value); the other
        claims are taken only if free (:attr:`Subject.IDENTIFIER_HEAD`) and never lose."""
        product_key = (keys.tenant_pk(product.tenant_id), keys.product_sk(product.id))
        unit.add(
            Write(
                Subject.PRODUCT,
                product_key,
                self.table.tx_put(self.product_item(product), condition="attribute_not_exists(PK)"),
                ref=product.id,
            )
        )
        for item in self.index_items(product):
            unit.add(Write(Subject.IDENTIFIER_INDEX, (item["PK"], item["SK"]), self.table.tx_put(item), ref=product.id))
        for kind, field in INDEXED_IDENTIFIERS.items():
            value = str(getattr(product, field) or "").strip()
            if not value:
                continue
            pk = keys.ident_pk(product.tenant_id, kind, value)
            claim = {"hub_product_id": product.id}
            if kind == claim_kind:
                operation = self.table.tx_put(
                    {"PK": pk, "SK": keys.IDENT_CLAIM_SK, **claim}, condition="attribute_not_exists(PK)"
                )
                unit.add(Write(Subject.IDENTIFIER_CLAIM, (pk, keys.IDENT_CLAIM_SK), operation, ref=value))
            else:
                operation = self.table.tx_update(pk, keys.IDENT_CLAIM_SK, set_if_absent=claim)
                unit.add(Write(Subject.IDENTIFIER_HEAD, (pk, keys.IDENT_CLAIM_SK), operation, ref=value))

    def create_product(self, product: HubProduct, *, claim_kind: str | None = None) -> None:
        """Create ``product`` with its index items and claims in one transaction;
        :class:`IdentifierClaimed` when another product holds the ``claim_kind`` value,
        :class:`ConcurrentUpdateError` when it could not be written otherwise (its id taken)."""
        unit = UnitOfWork(self.table)
        self.create_product_in(unit, product, claim_kind=claim_kind)
        outcome = unit.commit()
        if isinstance(outcome, Committed):
            return
        if claim_kind and Subject.IDENTIFIER_CLAIM in outcome:
            value = str(getattr(product, INDEXED_IDENTIFIERS[claim_kind]))
            raise IdentifierClaimed(self.claim_holder(product.tenant_id, claim_kind, value))
        raise ConcurrentUpdateError(f"hub product {product.id} could not be created: {sorted(outcome.subjects)}")

    # --- offers ---------------------------------------------------------------------------------

    def get_offer(self, account_id: str, shop_product_id: int, shop_variant_id: int = 0) -> Offer | None:
        item = self.table.get(keys.account_pk(account_id), keys.offer_sk(shop_product_id, shop_variant_id))
        return Offer.model_validate(item) if item else None

    def batch_get_offers(
        self, account_id: str, variants: Iterable[ShopVariantKey], *, consistent: bool = False
    ) -> dict[ShopVariantKey, Offer]:
        """``{(shop product, variant): offer}`` for the variants that are linked."""
        pk = keys.account_pk(account_id)
        found = self.table.batch_get(
            [{"PK": pk, "SK": keys.offer_sk(p, c)} for p, c in variants], consistent=consistent
        )
        offers = (Offer.model_validate(item) for item in found)
        return {(o.shop_product_id, o.shop_variant_id): o for o in offers}

    def tx_put_offer(self, offer: Offer) -> dict[str, Any]:
        """A transact item creating ``offer``; fails if the shop variant is already linked."""
        return self.table.tx_put(self.offer_item(offer), condition="attribute_not_exists(PK)")

    def put_offer(self, offer: Offer, *, replace: bool = False) -> None:
        """Write ``offer`` alone; unless ``replace``, :class:`OfferExists` if the variant is
        linked. It does not touch the product's ``offer_keys`` nor the template's
        ``offer_count``: new links go through :meth:`link_offers` (or :meth:`link_offer_in` plus
        :meth:`count_template_usage_in` in the caller's unit of work)."""
        if replace:
            self.table.put(self.offer_item(offer))
            return
        try:
            self.table.put(self.offer_item(offer), condition="attribute_not_exists(PK)", return_old_on_failure=True)
        except ConditionFailed as failed:
            raise OfferExists(Offer.model_validate(failed.item) if failed.item else None) from None

    def offers_of_product(self, tenant_id: str, hub_product_id: int) -> list[Offer]:
        """Every offer (in every account of the tenant) linked to the product (GSI1)."""
        items = self.table.query(keys.product_offers_gsi1pk(tenant_id, hub_product_id), index=keys.GSI1)
        return [Offer.model_validate(i) for i in items]

    def offers_of_account(self, account_id: str) -> Iterator[Offer]:
        """Every offer of one account, by shop product and variant."""
        for item in self.table.query(keys.account_pk(account_id), sk_prefix=keys.OFFER_PREFIX):
            yield Offer.model_validate(item)

    def settle_offer_in(self, unit: UnitOfWork, offer: Offer, delta: int) -> None:
        """Move an offer's recorded shop figure (``pushed_quantity``) by ``delta`` with the unit:
        the shop's own stock moved with a sale it made. It loses (:attr:`Subject.OFFER_FIGURE`,
        naming the offer) when a push was recorded since the offer was read (``pushed_version``
        changed) or the offer is gone."""
        expr = Expr()
        version = expr.name("pushed_version")
        if offer.pushed_version is None:
            condition = f"attribute_exists(PK) AND attribute_not_exists({version})"
        else:
            condition = f"attribute_exists(PK) AND {version} = {expr.value(offer.pushed_version)}"
        pk, sk = keys.account_pk(offer.account_id), keys.offer_sk(offer.shop_product_id, offer.shop_variant_id)
        operation = self.table.tx_update(pk, sk, add={"pushed_quantity": delta}, condition=condition, expr=expr)
        unit.add(Write(Subject.OFFER_FIGURE, (pk, sk), operation, ref=offer))

    def settle_offer(self, offer: Offer, delta: int) -> bool:
        """Move an offer's recorded shop figure by ``delta`` (:meth:`settle_offer_in`) on its own;
        False when a push was recorded since the offer was read (nothing written)."""
        unit = UnitOfWork(self.table)
        self.settle_offer_in(unit, offer, delta)
        return isinstance(unit.commit(), Committed)

    # --- template usage ---------------------------------------------------------------------------

    def tx_count_template_usage(self, account_id: str, template_id: str, count: int) -> dict[str, Any]:
        """A transact item adding ``count`` offers to the template's ``offer_count`` (the counter
        the templates area checks before deleting); fails if the template no longer exists."""
        return self.table.tx_update(
            keys.account_pk(account_id),
            keys.template_sk(template_id),
            add={"offer_count": count},
            condition="attribute_exists(PK)",
        )

    def link_offer_in(self, unit: UnitOfWork, offer: Offer, *, with_ref: bool = True) -> None:
        """Link a shop variant with the unit: the offer (:attr:`Subject.OFFER`, loses if the
        variant is already linked) and, ``with_ref``, its reference on the hub product
        (:attr:`Subject.OFFER_REF`, see :attr:`HubProduct.offer_keys`; optional: when only it
        loses, because the reference is already there, the unit goes on without it)."""
        offer_key = (keys.account_pk(offer.account_id), keys.offer_sk(offer.shop_product_id, offer.shop_variant_id))
        unit.add(Write(Subject.OFFER, offer_key, self.tx_put_offer(offer), ref=offer))
        if with_ref:
            unit.add(self._offer_ref_write(offer))

    def _offer_ref_write(self, offer: Offer) -> Write:
        """Add the offer's reference to its hub product's ``offer_keys`` (only if absent)."""
        ref = keys.offer_ref(offer.account_id, offer.shop_product_id, offer.shop_variant_id)
        expr = Expr()
        refs = expr.name("offer_keys")
        product_key = (keys.tenant_pk(offer.tenant_id), keys.product_sk(offer.hub_product_id))
        operation = {
            "TableName": self.table.name,
            "Key": serialize_item({"PK": product_key[0], "SK": product_key[1]}),
            "UpdateExpression": f"SET {refs} = list_append(if_not_exists({refs}, {expr.value([])}), {expr.value([ref])})",
            "ConditionExpression": f"attribute_exists(PK) AND NOT contains({refs}, {expr.value(ref)})",
        }
        return Write(Subject.OFFER_REF, product_key, {"Update": expr.apply(operation)}, ref=offer, optional=True)

    def count_template_usage_in(self, unit: UnitOfWork, account_id: str, template_id: str, count: int) -> None:
        """Add ``count`` offers to the template's ``offer_count`` with the unit; the commit raises
        :class:`TemplateGone` when the template no longer exists."""
        unit.add(
            Write(
                Subject.TEMPLATE_USAGE,
                (keys.account_pk(account_id), keys.template_sk(template_id)),
                self.tx_count_template_usage(account_id, template_id, count),
                ref=template_id,
                lost_error=lambda: TemplateGone(template_id),
            )
        )

    def counting_template_usage(
        self, account_id: str, template_id: str | None
    ) -> Callable[[UnitOfWork, int], None] | None:
        """For :attr:`UnitBatch.each_transaction`: each transaction counts its ``count`` new
        offers on the template (None without a template)."""
        if not template_id:
            return None

        def count_usage(unit: UnitOfWork, count: int) -> None:
            self.count_template_usage_in(unit, account_id, template_id, count)

        return count_usage

    def link_offers(self, offers: Sequence[Offer], *, template_id: str | None) -> list[Offer]:
        """Create the offers (with their references on the hub products), counting them on the
        template, in as few transactions as fit. Returns the offers that were not written
        because their shop variant is already linked; :class:`TemplateGone` if the template no
        longer exists."""
        account_id = offers[0].account_id if offers else ""
        batch = UnitBatch.over(self)
        batch.each_transaction = self.counting_template_usage(account_id, template_id)
        for offer in offers:
            self.link_offer_in(batch.unit(tag=offer), offer)
        return [offer for offer, outcome in batch.commit() if isinstance(outcome, Conflict)]
