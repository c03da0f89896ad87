"""Linking shop variants to hub products: automatically (by identifier, inside an import chunk)
and by file (a CSV of the hub catalogue and the shop's variants, edited and sent back).

Automatic matching (:class:`VariantLinker`):

* a shop variant that already has an offer keeps it (``skipped``, "already linked");
* otherwise the import's unique identifier (EAN / symbol / catalog number, read through the
  account's field mapping) is looked up in the identifier index; the lowest hub id wins;
* no match: import mode creates a hub product (its id from the tenant's counter; product, index
  items, identifier claim, offer and the variant's import item in one transaction); link mode
  skips the variant with the reason. A variant with an empty unique identifier gets a product
  without that index (import mode) or is skipped (link mode);
* when two writers race for one identifier value, the claim lets only one create the product;
  the other re-reads the claim and links to the winner.

Every offer write carries the variant's import item in the same transaction, so a chunk that is
run again recognises its own earlier work (the items' statuses are the idempotency record).

By file (:class:`LinkFileService`): the file is read by :mod:`shophub.services.links_csv` (any
encoding and line ending a spreadsheet writes; one outcome per data line). Up to
:data:`SYNC_LINES_MAX` data lines are settled in the request; a larger file becomes a job
(:mod:`shophub.services.link_jobs`). Shop variants no import listed are confirmed with the shop
in batches (an existence check by ids first when there are many).
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shophub.clock import Clock, utc_now
from shophub.csv_text import safe_cell
from shophub.domain.accounts import Account
from shophub.domain.catalog import HubProduct, Offer
from shophub.domain.config import FieldMapping
from shophub.domain.imports import (
    IDENTIFIER_KINDS,
    REJECTIONS_LISTED_MAX,
    Import,
    ImportItem,
    LinkFileResult,
    LinkJob,
    LinkRejection,
)
from shophub.domain.shop import ProductListFilter, ShopVariant
from shophub.errors import ConflictError, ShopError
from shophub.i18n import text, translate
from shophub.observability import logger
from shophub.services.links_csv import (
    LINKS_FILE_COLUMNS,
    Pair,
    ParsedRow,
    Rejection,
    Skip,
    parse_links_file,
)
from shophub.store.catalog import CatalogRepository, TemplateGone
from shophub.store.imports import ImportRepository
from shophub.store.stock import offer_ref_of
from shophub.store.unit_of_work import Committed, Subject, UnitBatch

VariantKey = tuple[int, int]

#: Product ids per connector call when the links file names variants no import listed.
FETCH_BATCH = 50
#: Product ids per existence check (ids only; the connector splits them by URL length) when a
#: links file names more products no import listed than one :data:`FETCH_BATCH`.
EXISTENCE_BATCH = 1000
#: Data lines a links file may have to be settled at once (200); a larger one becomes a job
#: (202) worked through by the importer, so no request holds more than this many lines.
SYNC_LINES_MAX = 1000
#: Cells starting with one of these are formulas to a spreadsheet; they are written quoted
#: behind an apostrophe so opening the file cannot run them.


def hub_identifiers(variant: ShopVariant, mapping: FieldMapping) -> dict[str, str]:
    """The hub identifiers of a shop variant, read through the account's field mapping."""
    return {
        "ean": variant.identifier(mapping.ean).strip(),
        "symbol": variant.identifier(mapping.symbol).strip(),
        "catalog_number": variant.identifier(mapping.catalog_number).strip(),
    }


def reason_part(key: str, params: Mapping[str, Any]) -> Any:
    """A stored reason (message key + parameters) as a part of a log message, rendered in the
    reader's language (the identifier named by its label); "" without a reason."""
    if not key:
        return ""
    values = dict(params)
    if "identifier" in values:
        values["identifier"] = text(f"identifier_{values['identifier']}")
    return text(key, **values)


def identifier_label(unique_identifier: str, language: str) -> str:
    return translate(f"identifier_{unique_identifier}", language)


def render_reason(key: str, params: Mapping[str, Any], language: str) -> str:
    """A stored reason (message key + parameters) in ``language``."""
    if not key:
        return ""
    values = dict(params)
    if "identifier" in values:
        values["identifier"] = identifier_label(str(values["identifier"]), language)
    return translate(key, language, **values)


@dataclass
class _Outcome:
    """A planned outcome of one variant: its item and, for creations, the identifier value."""

    variant: ShopVariant
    item: ImportItem
    value: str = ""


@dataclass
class _Round:
    """One round of :meth:`VariantLinker.settle`: the variants to create a hub product for, to
    link, to leave for the next round, and the items of those skipped as unmatched."""

    creations: list[ShopVariant] = field(default_factory=list)
    links: list[tuple[ShopVariant, int]] = field(default_factory=list)
    waiting: list[ShopVariant] = field(default_factory=list)
    unmatched: list[ImportItem] = field(default_factory=list)


class VariantLinker:
    """Decides and writes the outcome of every shop variant of one import chunk."""

    def __init__(
        self,
        catalog: CatalogRepository,
        imports: ImportRepository,
        clock: Clock = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.catalog = catalog
        self.imports = imports
        self.clock = clock
        self.sleep = sleep

    def settle(
        self, run: Import, variants: Sequence[ShopVariant], *, linked_at: datetime | None = None
    ) -> dict[VariantKey, ImportItem]:
        """The outcome item of every variant (written; earlier outcomes of the run are kept).

        ``linked_at`` (default: now) is when the variants were read from the shop: the new offers'
        link time, from which the shop's orders move hub stock (``services/stock_movements.py``)."""
        now = linked_at or self.clock()
        results, todo = self._earlier_outcomes(run, variants)
        skipped, pending = self._skip_linked(run, todo)
        kind = IDENTIFIER_KINDS[run.unique_identifier]
        matches: dict[str, int | None] = dict(
            self.catalog.claim_holders(run.tenant_id, kind, [self._value(run, v) for v in pending])
        )
        rounds = 0
        while pending:
            rounds += 1
            plan = self._plan_round(run, pending, matches, give_up=rounds > len(variants) + 1)
            skipped += plan.unmatched
            retry: list[ShopVariant] = []
            if plan.creations:
                retry += self._create(run, plan.creations, kind, now, results, skipped, matches)
            if plan.links:
                self._link(run, plan.links, now, results, skipped)
            pending = plan.waiting + retry

        if skipped:
            self.imports.put_items(skipped)
            for item in skipped:
                results[(item.shop_product_id, item.shop_variant_id or 0)] = item
        return results

    def _earlier_outcomes(
        self, run: Import, variants: Sequence[ShopVariant]
    ) -> tuple[dict[VariantKey, ImportItem], list[ShopVariant]]:
        """The outcomes the run already has (a variant past ``prepared``), and the variants to settle."""
        earlier = self.imports.get_items(run.id, [(v.product_id, v.variant_id) for v in variants])
        results: dict[VariantKey, ImportItem] = {}
        todo: list[ShopVariant] = []
        for variant in variants:
            key = (variant.product_id, variant.variant_id)
            known = earlier.get(key)
            if known is not None and known.status != "prepared":
                results[key] = known
            else:
                todo.append(variant)
        return results, todo

    def _skip_linked(self, run: Import, todo: list[ShopVariant]) -> tuple[list[ImportItem], list[ShopVariant]]:
        """The variants already linked to a hub product, skipped; and the others, to settle."""
        offers = self.catalog.batch_get_offers(
            run.account_id, [(v.product_id, v.variant_id) for v in todo], consistent=True
        )
        skipped: list[ImportItem] = []
        pending: list[ShopVariant] = []
        for variant in todo:
            offer = offers.get((variant.product_id, variant.variant_id))
            if offer is not None:
                skipped.append(self._already_linked(run, variant, offer.hub_product_id))
            else:
                pending.append(variant)
        return skipped, pending

    def _plan_round(
        self, run: Import, pending: list[ShopVariant], matches: dict[str, int | None], *, give_up: bool
    ) -> _Round:
        """Sort the pending variants: link those whose identifier value a hub product holds; skip
        the others in link mode (or when ``give_up``); else create a hub product for a variant
        without a value and for the first variant of each value (the others wait for it)."""
        plan = _Round()
        planned: set[str] = set()
        for variant in pending:
            value = self._value(run, variant)
            hub_id = matches.get(value) if value else None
            if hub_id is not None:
                plan.links.append((variant, hub_id))
            elif run.mode == "link" or give_up:
                plan.unmatched.append(self._unmatched(run, variant, value))
            elif not value:
                plan.creations.append(variant)
            elif value in planned:
                plan.waiting.append(variant)  # links to the product its first variant creates
            else:
                planned.add(value)
                plan.creations.append(variant)
        return plan

    # --- decisions --------------------------------------------------------------------------------

    @staticmethod
    def _value(run: Import, variant: ShopVariant) -> str:
        return hub_identifiers(variant, run.field_mapping)[run.unique_identifier]

    @staticmethod
    def _item(run: Import, variant: ShopVariant, **values: Any) -> ImportItem:
        identifiers = hub_identifiers(variant, run.field_mapping)
        return ImportItem(
            import_id=run.id,
            account_id=run.account_id,
            shop_product_id=variant.product_id,
            shop_variant_id=variant.variant_id,
            name=variant.name,
            stock_ref=variant.stock_id,
            **identifiers,
            **values,
        )

    def _already_linked(self, run: Import, variant: ShopVariant, hub_id: int) -> ImportItem:
        return self._item(
            run,
            variant,
            status="skipped",
            hub_product_id=hub_id,
            reason_key="reason_already_linked",
            reason_params={"hub_product_id": str(hub_id)},
        )

    def _unmatched(self, run: Import, variant: ShopVariant, value: str) -> ImportItem:
        if not value:
            return self._item(
                run,
                variant,
                status="skipped",
                reason_key="reason_no_identifier",
                reason_params={"identifier": run.unique_identifier},
            )
        return self._item(
            run,
            variant,
            status="skipped",
            reason_key="reason_no_match",
            reason_params={"identifier": run.unique_identifier, "value": value},
        )

    @staticmethod
    def _offer(run: Import, variant: ShopVariant, hub_id: int, now: datetime, *, stock_taken: bool) -> Offer:
        return Offer(
            tenant_id=run.tenant_id,
            account_id=run.account_id,
            hub_product_id=hub_id,
            shop_product_id=variant.product_id,
            shop_variant_id=variant.variant_id,
            stock_ref=variant.stock_id,
            template_id=run.template_id,
            name=variant.name,
            pushed_quantity=variant.quantity if stock_taken else None,
            pushed_version=1 if stock_taken else None,
            stock_taken_at=now if stock_taken else None,
            linked_at=now,
            import_id=run.id,
        )

    # --- writes -----------------------------------------------------------------------------------

    def _create(
        self,
        run: Import,
        variants: list[ShopVariant],
        kind: str,
        now: datetime,
        results: dict[VariantKey, ImportItem],
        skipped: list[ImportItem],
        matches: dict[str, int | None],
    ) -> list[ShopVariant]:
        """Create a hub product per variant; returns the variants that lost an identifier race
        (``matches`` then names the winner, so they link in the next round)."""
        ids = self.catalog.allocate_product_ids(run.tenant_id, len(variants))
        batch = self._batch(run)
        for variant, hub_id in zip(variants, ids, strict=True):
            identifiers = hub_identifiers(variant, run.field_mapping)
            stock_taken = run.with_stock and variant.quantity is not None
            offer = self._offer(run, variant, hub_id, now, stock_taken=stock_taken)
            product = HubProduct(
                id=hub_id,
                tenant_id=run.tenant_id,
                name=variant.product_name,
                variant=variant.variant_name,
                ean=identifiers["ean"],
                symbol=identifiers["symbol"],
                catalog_number=identifiers["catalog_number"],
                stock=int(variant.quantity or 0) if stock_taken else 0,
                stock_version=1 if stock_taken else 0,
                created_at=now,
                stock_updated_at=now if stock_taken else None,
                offer_keys=[offer_ref_of(offer)],
            )
            item = self._item(run, variant, status="imported", hub_product_id=hub_id)
            unit = batch.unit(tag=_Outcome(variant, item, identifiers[run.unique_identifier]))
            self.catalog.create_product_in(unit, product, claim_kind=kind)
            self.catalog.link_offer_in(unit, offer, with_ref=False)
            self.imports.put_item_in(unit, item)
        retry: list[ShopVariant] = []
        for outcome, written in batch.commit():
            key = (outcome.variant.product_id, outcome.variant.variant_id)
            if isinstance(written, Committed):
                results[key] = outcome.item
                if outcome.value:
                    matches[outcome.value] = outcome.item.hub_product_id
            elif Subject.IDENTIFIER_CLAIM in written:
                holder = self.catalog.claim_holder(run.tenant_id, kind, outcome.value)
                if holder is None:
                    holder = self.catalog.find_by_identifier(run.tenant_id, kind, outcome.value)
                matches[outcome.value] = holder
                retry.append(outcome.variant)
            elif Subject.OFFER in written:
                self._resolve_linked(run, outcome.variant, results, skipped)
            else:
                lost = sorted(written.subjects)
                raise RuntimeError(f"hub product {outcome.item.hub_product_id} could not be created: {lost}")
        return retry

    def _link(
        self,
        run: Import,
        links: list[tuple[ShopVariant, int]],
        now: datetime,
        results: dict[VariantKey, ImportItem],
        skipped: list[ImportItem],
    ) -> None:
        batch = self._batch(run)
        for variant, hub_id in links:
            item = self._item(run, variant, status="linked", hub_product_id=hub_id)
            offer = self._offer(run, variant, hub_id, now, stock_taken=False)
            unit = batch.unit(tag=_Outcome(variant, item))
            self.catalog.link_offer_in(unit, offer)
            self.imports.put_item_in(unit, item)
        for outcome, written in batch.commit():
            if isinstance(written, Committed):
                results[(outcome.variant.product_id, outcome.variant.variant_id)] = outcome.item
            else:
                self._resolve_linked(run, outcome.variant, results, skipped)

    def _batch(self, run: Import) -> UnitBatch:
        """One unit per variant; each transaction also counts its new offers on the run's template."""
        batch = UnitBatch.over(self.catalog, self.imports, sleep=self.sleep)
        batch.each_transaction = self.catalog.counting_template_usage(run.account_id, run.template_id)
        return batch

    def _resolve_linked(
        self, run: Import, variant: ShopVariant, results: dict[VariantKey, ImportItem], skipped: list[ImportItem]
    ) -> None:
        """The variant got an offer meanwhile: a twin delivery of this chunk (its item says what
        it did) or another writer (then the variant is already linked)."""
        key = (variant.product_id, variant.variant_id)
        twin = self.imports.get_items(run.id, [key]).get(key)
        if twin is not None and twin.status != "prepared":
            results[key] = twin
            return
        offer = self.catalog.get_offer(run.account_id, *key)
        skipped.append(self._already_linked(run, variant, offer.hub_product_id if offer else 0))


# --- the links file ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ListedVariant:
    """A shop variant an import or link run listed (or the shop confirmed)."""

    shop_product_id: int
    shop_variant_id: int
    name: str
    stock_ref: int | None


@dataclass
class RowsOutcome:
    """What a run of data lines came to (every line counted once)."""

    linked: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejections: list[Rejection] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        rejected = len(self.rejections)
        processed = self.linked + self.unchanged + self.skipped + rejected
        return {
            "processed": processed,
            "linked": self.linked,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "rejected": rejected,
        }


def render_rejection(rejection: Rejection, language: str) -> str:
    return translate(rejection.key, language, **rejection.params)


def _key(pair: Pair) -> VariantKey:
    return (pair.shop_product_id, pair.shop_variant_id)


def _ids(pair: Pair) -> dict[str, str | int]:
    return {
        "hub_product_id": pair.hub_product_id,
        "shop_product_id": pair.shop_product_id,
        "shop_variant_id": pair.shop_variant_id,
    }


class LinkFileService:
    """The links file: download the hub catalogue with the shop's variants, upload pairs.

    An upload of up to :data:`SYNC_LINES_MAX` data lines is settled at once; a larger one is
    handed to ``jobs()`` (:class:`shophub.services.link_jobs.LinkJobService`), which works
    through it with :meth:`settle_rows` in the importer."""

    def __init__(
        self,
        *,
        accounts: Any,
        catalog: CatalogRepository,
        imports: ImportRepository,
        activity: Any,
        connector_for: Callable[..., Any],
        clock: Clock = utc_now,
        jobs: Callable[[], Any] | None = None,
    ) -> None:
        self.accounts = accounts
        self.catalog = catalog
        self.imports = imports
        self.activity = activity
        self.connector_for = connector_for
        self.clock = clock
        self.jobs = jobs

    # --- download ---------------------------------------------------------------------------------

    def listed_variants(self, account_id: str) -> dict[VariantKey, ListedVariant]:
        """Every shop variant the account's imports listed (the newest run's view wins)."""
        found: dict[VariantKey, ListedVariant] = {}
        for run in self.imports.iter_runs(account_id):
            for item in self.imports.iter_items(run.id):
                if item.shop_variant_id is None:
                    continue
                key = (item.shop_product_id, item.shop_variant_id)
                if key not in found:
                    found[key] = ListedVariant(key[0], key[1], item.name, item.stock_ref)
        return found

    def export(self, tenant_id: str, account_id: str) -> str:
        """The CSV: one row per hub product (with its link to this shop, if any, one row per
        link), then one row per listed shop variant that is not linked yet."""
        self.accounts.get(tenant_id, account_id)
        offers_by_hub: dict[int, list[Offer]] = {}
        linked: set[VariantKey] = set()
        for offer in self.catalog.offers_of_account(account_id):
            offers_by_hub.setdefault(offer.hub_product_id, []).append(offer)
            linked.add((offer.shop_product_id, offer.shop_variant_id))
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(LINKS_FILE_COLUMNS)
        for product in self.catalog.iter_products(tenant_id):
            hub = [product.id, safe_cell(self._hub_name(product)), *map(safe_cell, self._hub_identifiers(product))]
            offers = offers_by_hub.get(product.id)
            if not offers:
                writer.writerow([*hub, "", "", ""])
                continue
            for offer in sorted(offers, key=lambda o: (o.shop_product_id, o.shop_variant_id)):
                writer.writerow([*hub, offer.shop_product_id, offer.shop_variant_id, safe_cell(offer.name)])
        listed = self.listed_variants(account_id)
        for key in sorted(listed):
            if key in linked:
                continue
            variant = listed[key]
            writer.writerow(["", "", "", "", "", key[0], key[1], safe_cell(variant.name)])
        return out.getvalue()

    @staticmethod
    def _hub_name(product: HubProduct) -> str:
        return f"{product.name} - {product.variant}" if product.variant else product.name

    @staticmethod
    def _hub_identifiers(product: HubProduct) -> list[str]:
        return [product.ean, product.symbol, product.catalog_number]

    # --- upload -----------------------------------------------------------------------------------

    def link_file(
        self,
        tenant_id: str,
        account_id: str,
        body: bytes,
        *,
        actor: str = "api",
        language: str = "pl",
        deadline: Callable[[], float] | None = None,
    ) -> LinkFileResult | LinkJob:
        """Settle a file of up to :data:`SYNC_LINES_MAX` data lines at once (every line
        accounted for); a larger one is stored and started as a job (returned)."""
        account = self.accounts.get(tenant_id, account_id)
        parsed = parse_links_file(body)
        if parsed.lines > SYNC_LINES_MAX and self.jobs is not None:
            job: LinkJob = self.jobs().start(account, body, parsed, actor=actor, language=language)
            return job
        outcome = self.settle_rows(account, parsed.rows, deadline=deadline)
        counts = outcome.counts()
        self.activity.append(
            action="linking.file",
            outcome="ok" if not outcome.rejections else "error",
            message_key="links_file_log",
            params={"linked": outcome.linked, "rejected": counts["rejected"]},
            actor=actor,
            account_id=account_id,
            tenant_id=tenant_id,
            details={"lines": parsed.lines, **counts},
        )
        return LinkFileResult(
            lines=parsed.lines,
            linked=outcome.linked,
            unchanged=outcome.unchanged,
            skipped=outcome.skipped,
            rejected=[
                LinkRejection(line=r.line, reason=render_rejection(r, language))
                for r in outcome.rejections[:REJECTIONS_LISTED_MAX]
            ],
            rejected_total=counts["rejected"],
        )

    def settle_rows(
        self,
        account: Account,
        rows: Sequence[ParsedRow],
        *,
        deadline: Callable[[], float] | None = None,
        on_shop_error: Callable[[ShopError], None] | None = None,
    ) -> RowsOutcome:
        """Link every pair of ``rows`` that can be linked; every row ends in one outcome.

        A shop failure while confirming variants no import listed raises, unless
        ``on_shop_error`` is given: it is called (it may raise) and the pairs that needed the
        shop are rejected with the shop's message."""
        outcome = RowsOutcome()
        pairs: list[Pair] = []
        for row in rows:
            if isinstance(row, Skip):
                outcome.skipped += 1
            elif isinstance(row, Rejection):
                outcome.rejections.append(row)
            else:
                pairs.append(row)
        if pairs:
            self._settle_pairs(account, pairs, outcome, deadline, on_shop_error)
        outcome.rejections.sort(key=lambda r: r.line)
        return outcome

    def _settle_pairs(
        self,
        account: Account,
        pairs: list[Pair],
        outcome: RowsOutcome,
        deadline: Callable[[], float] | None,
        on_shop_error: Callable[[ShopError], None] | None,
    ) -> None:
        products = self.catalog.batch_get_products(account.tenant_id, {p.hub_product_id for p in pairs})
        offers = self.catalog.batch_get_offers(account.id, {_key(p) for p in pairs}, consistent=True)
        open_pairs = [p for p in pairs if p.hub_product_id in products and _key(p) not in offers]
        listed = self.listed(account.id, {_key(p) for p in open_pairs})
        needed = sorted({p.shop_product_id for p in open_pairs if (listed.get(_key(p)) or _NO_STOCK).stock_ref is None})
        shop_failure = self._confirm_needed(account, needed, listed, deadline, on_shop_error)
        template_id = account.default_template_id
        now = self.clock()
        to_link: list[tuple[Pair, Offer]] = []
        for pair in pairs:
            params = _ids(pair)
            if pair.hub_product_id not in products:
                outcome.rejections.append(Rejection(pair.line, "link_unknown_hub_product", params))
                continue
            existing = offers.get(_key(pair))
            if existing is not None:
                if existing.hub_product_id == pair.hub_product_id:
                    outcome.unchanged += 1
                else:
                    params["linked_to"] = existing.hub_product_id
                    outcome.rejections.append(Rejection(pair.line, "link_already_linked", params))
                continue
            variant = listed.get(_key(pair))
            if variant is None or variant.stock_ref is None:
                if shop_failure and pair.shop_product_id in needed:
                    params["detail"] = shop_failure
                    outcome.rejections.append(Rejection(pair.line, "link_shop_failure", params))
                else:
                    outcome.rejections.append(Rejection(pair.line, "link_unknown_shop_variant", params))
                continue
            offer = Offer(
                tenant_id=account.tenant_id,
                account_id=account.id,
                hub_product_id=pair.hub_product_id,
                shop_product_id=pair.shop_product_id,
                shop_variant_id=pair.shop_variant_id,
                stock_ref=variant.stock_ref,
                template_id=template_id,
                name=variant.name,
                linked_at=now,
            )
            to_link.append((pair, offer))
        self._link_pairs(to_link, template_id, outcome)

    def _confirm_needed(
        self,
        account: Account,
        needed: list[int],
        listed: dict[VariantKey, ListedVariant],
        deadline: Callable[[], float] | None,
        on_shop_error: Callable[[ShopError], None] | None,
    ) -> str:
        """Add to ``listed`` what the shop says about the ``needed`` products; returns the shop's
        message when that failed and ``on_shop_error`` let the pairs go on ("" otherwise)."""
        if not needed:
            return ""
        try:
            listed.update(self._confirm(account, needed, deadline))
        except ShopError as error:
            if on_shop_error is None:
                raise
            on_shop_error(error)
            return error.shop_message or error.code
        return ""

    def _link_pairs(self, to_link: list[tuple[Pair, Offer]], template_id: str | None, outcome: RowsOutcome) -> None:
        """Write the offers; a pair whose shop variant got linked meanwhile is rejected."""
        try:
            refused = self.catalog.link_offers([o for _, o in to_link], template_id=template_id)
        except TemplateGone:
            raise ConflictError("default template gone", code="no_default_template") from None
        refused_keys = {(o.shop_product_id, o.shop_variant_id) for o in refused}
        for pair, _offer in to_link:
            if _key(pair) in refused_keys:
                outcome.rejections.append(Rejection(pair.line, "link_already_linked", {**_ids(pair), "linked_to": "?"}))
        outcome.linked += len(to_link) - len(refused)

    def listed(self, account_id: str, wanted: Iterable[VariantKey]) -> dict[VariantKey, ListedVariant]:
        """The ``wanted`` shop variants some import of the account listed (the newest run's
        view wins), read in batches: bounded by the lines, not by the account's history."""
        missing = set(wanted)
        found: dict[VariantKey, ListedVariant] = {}
        if not missing:
            return found
        for run in self.imports.iter_runs(account_id):
            items = self.imports.get_items(run.id, sorted(missing), consistent=False)
            for (product_id, variant_id), item in items.items():
                if variant_id is None:
                    continue
                key = (product_id, variant_id)
                found[key] = ListedVariant(product_id, variant_id, item.name, item.stock_ref)
                missing.discard(key)
            if not missing:
                break
        return found

    def _confirm(
        self, account: Account, product_ids: list[int], deadline: Callable[[], float] | None
    ) -> dict[VariantKey, ListedVariant]:
        """Ask the shop about variants no import listed, in batches. More products than one
        fetch batch are first checked for existence (ids only, up to :data:`EXISTENCE_BATCH`
        per call), so a file naming thousands of products the shop does not have costs a few
        listing requests, not one full read per 50 products."""
        connector = self.connector_for(account, deadline=deadline)
        found: dict[VariantKey, ListedVariant] = {}
        try:
            existing = product_ids
            if len(product_ids) > FETCH_BATCH:
                existing = []
                for start in range(0, len(product_ids), EXISTENCE_BATCH):
                    batch = product_ids[start : start + EXISTENCE_BATCH]
                    listed = connector.list_products(ProductListFilter(ids=batch), limit=len(batch))
                    existing += sorted(p.id for p in listed)
            for start in range(0, len(existing), FETCH_BATCH):
                fetched = connector.fetch_variants(existing[start : start + FETCH_BATCH], with_stock=False)
                for variant in fetched.variants:
                    key = (variant.product_id, variant.variant_id)
                    found[key] = ListedVariant(key[0], key[1], variant.name, variant.stock_id)
                if fetched.failures:
                    logger.info("links file: shop could not deliver %d product(s)", len(fetched.failures))
        finally:
            connector.close()
        return found

    def parse(self, body: bytes, language: str) -> tuple[list[Pair], list[LinkRejection]]:
        """The pairs of an uploaded links file and the rows refused while reading it."""
        rows = parse_links_file(body).rows
        return (
            [r for r in rows if isinstance(r, Pair)],
            [
                LinkRejection(line=r.line, reason=render_rejection(r, language))
                for r in rows
                if isinstance(r, Rejection)
            ],
        )


_NO_STOCK = ListedVariant(0, 0, "", None)
