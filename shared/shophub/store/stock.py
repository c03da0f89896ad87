"""Hub stock levels and the push state of offers.

Hub stock lives on the product item (``PK=TENANT#<t>, SK=PRODUCT#<padded id>``: ``stock`` and
``stock_version``). A change is a conditional update — ``ADD stock_version 1, SET stock`` only if
``stock_version`` is still the one read — written in transactions of up to 100 products, so
the caller knows the exact version each quantity got and a version is never reused. A quantity
that does not depend on the one read (an absolute set) may also be written unconditionally
(:meth:`StockRepository.set_level`): the update takes the next version atomically and returns it.

The push state lives on the offer item (``PK=ACCOUNT#<a>, SK=OFFER#<p>#<c>``):
``pushed_quantity`` / ``pushed_version`` / ``pushed_at`` are written only

* by the run that holds the account's push lease (``PK=ACCOUNT#<a>, SK=STOCKPUSH#LEASE``:
  ``owner``, ``lease_until``; checked in the same transaction), and
* when no newer version was recorded (``pushed_version <= :v OR attribute_not_exists``),

so a stale message can never record an older quantity over a newer one, and two invocations
never push one account at the same time. The lease item also keeps ``in_doubt``: products whose
shop rows may hold a quantity the hub did not record (a write that failed midway, a run that
crashed); the next run pushes them whatever their recorded quantity says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shophub.clock import iso
from shophub.domain.accounts import Account
from shophub.domain.catalog import Offer
from shophub.domain.config import OrderSettings, Template
from shophub.domain.stock import StockLevel
from shophub.retry import FULL_JITTER, Backoff
from shophub.store import keys
from shophub.store.catalog import CatalogRepository
from shophub.store.dynamo import (
    BATCH_GET_MAX,
    TRANSACT_MAX,
    UNPROCESSED,
    ConditionFailed,
    Expr,
    HubTable,
    Key,
    TransactionConflict,
    deserialize_item,
    serialize_item,
)
from shophub.store.unit_of_work import Subject, UnitOfWork, Write

#: A transaction chunk that other transactions keep cancelling (not our conditions): 6 attempts
#: in all, short jittered waits (up to 40 ms doubling, at most 0.5 s).
_CONFLICTS = Backoff(base=0.04, cap=0.5, jitter=FULL_JITTER, attempts=6)


def offer_ref_of(offer: Offer) -> str:
    return keys.offer_ref(offer.account_id, offer.shop_product_id, offer.shop_variant_id)


def offer_ref_parts(ref: str) -> tuple[str, int, int]:
    """``(account, shop product, variant)`` of an offer ref (:func:`offer_ref_of`)."""
    return keys.parse_offer_ref(ref)


def _transact_each(table: HubTable, operations: Sequence[tuple[Any, dict[str, Any]]]) -> set[Any]:
    """Run ``(tag, operation)`` pairs in transactions of up to 100, as if each were its own
    conditional write: operations whose condition fails are dropped from their chunk (their tags
    are returned) and the rest of the chunk is written. Cancellations caused by concurrent
    transactions are retried with a short jittered backoff; a chunk that keeps being cancelled
    is returned as refused too (the caller reads those products again, as after a lost race)."""
    failed: set[Any] = set()
    for start in range(0, len(operations), TRANSACT_MAX):
        pending = list(operations[start : start + TRANSACT_MAX])
        retries = _CONFLICTS.start()
        while pending:
            try:
                table.transact_write([op for _, op in pending])
                break
            except TransactionConflict as cancelled:
                reasons = cancelled.reasons
                if len(reasons) != len(pending):
                    raise
                refused = [
                    tag for (tag, _), reason in zip(pending, reasons, strict=True) if reason == "ConditionalCheckFailed"
                ]
                if refused:
                    failed.update(refused)
                    pending = [
                        pair
                        for pair, reason in zip(pending, reasons, strict=True)
                        if reason != "ConditionalCheckFailed"
                    ]
                    continue
                if not retries.pause():
                    failed.update(tag for tag, _ in pending)
                    break
    return failed


def _batch_get_projected(table: HubTable, wanted: Sequence[Key], attributes: Sequence[str]) -> list[dict[str, Any]]:
    """Consistent batch reads of a few attributes (100 keys per request, unprocessed keys
    retried); each request counts in ``table.request_count``."""
    expr = Expr()
    projection = ", ".join(expr.name(a) for a in attributes)
    found: list[dict[str, Any]] = []
    unique = list({(k["PK"], k["SK"]): k for k in wanted}.values())
    for start in range(0, len(unique), BATCH_GET_MAX):
        pending: dict[str, Any] = {
            table.name: {
                "Keys": [serialize_item(k) for k in unique[start : start + BATCH_GET_MAX]],
                "ConsistentRead": True,
                "ProjectionExpression": projection,
                "ExpressionAttributeNames": expr.names,
            }
        }
        retries = UNPROCESSED.start()
        while pending:
            table.request_count += 1
            answer = table.client.batch_get_item(RequestItems=pending)
            found.extend(deserialize_item(raw) for raw in answer.get("Responses", {}).get(table.name, []))
            pending = answer.get("UnprocessedKeys") or {}
            if pending and not retries.pause():
                raise RuntimeError("DynamoDB kept returning unprocessed keys")
    return found


@dataclass(frozen=True)
class ProductStock:
    """What the stock code reads of a hub product."""

    id: int
    stock: int
    stock_version: int
    offer_keys: list[str] | None = None


# --- hub stock levels ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelWrite:
    """Set ``product_id``'s stock to ``quantity``, if its version is still ``expected_version``."""

    product_id: int
    quantity: int
    expected_version: int


class StockRepository:
    def __init__(self, table: HubTable) -> None:
        self.table = table

    def levels(self, tenant_id: str, product_ids: Iterable[int]) -> dict[int, StockLevel]:
        """Current stock and version of these products (consistent reads of three attributes,
        100 per request); products that do not exist are absent."""
        return {
            p.id: StockLevel(product_id=p.id, quantity=p.stock, version=p.stock_version)
            for p in self.products(tenant_id, product_ids, with_offers=False).values()
        }

    def products(
        self, tenant_id: str, product_ids: Iterable[int], *, with_offers: bool = True
    ) -> dict[int, ProductStock]:
        """Stock, version (and ``offer_keys``) of these products: consistent reads of just those
        attributes, 100 per request; products that do not exist are absent."""
        attributes = ["SK", "stock", "stock_version"] + (["offer_keys"] if with_offers else [])
        pk = keys.tenant_pk(tenant_id)
        items = _batch_get_projected(
            self.table, [{"PK": pk, "SK": keys.product_sk(pid)} for pid in set(product_ids)], attributes
        )
        found: dict[int, ProductStock] = {}
        for item in items:
            pid = keys.product_id_from_sk(str(item["SK"]))
            refs = item.get("offer_keys")
            found[pid] = ProductStock(
                id=pid,
                stock=int(item.get("stock", 0)),
                stock_version=int(item.get("stock_version", 0)),
                offer_keys=[str(r) for r in refs] if refs is not None else None,
            )
        return found

    def tx_set(self, tenant_id: str, write: LevelWrite, at: datetime) -> dict[str, Any]:
        """A transaction operation setting one product's stock, conditional on its version
        (the new version is ``expected_version + 1``)."""
        expr = Expr()
        version = expr.name("stock_version")
        if write.expected_version == 0:
            condition = f"attribute_exists(PK) AND (attribute_not_exists({version}) OR {version} = {expr.value(0)})"
        else:
            condition = f"attribute_exists(PK) AND {version} = {expr.value(write.expected_version)}"
        return self.table.tx_update(
            keys.tenant_pk(tenant_id),
            keys.product_sk(write.product_id),
            set_={"stock": write.quantity, "stock_updated_at": iso(at)},
            add={"stock_version": 1},
            condition=condition,
            expr=expr,
        )

    def set_levels_in(self, unit: UnitOfWork, tenant_id: str, writes: Sequence[LevelWrite], at: datetime) -> None:
        """Set each product's stock with the unit, if its version is still the one read (its new
        version is ``expected_version + 1``). A product whose version moved, or that is gone,
        loses: :attr:`Subject.STOCK`, naming the product id."""
        for write in writes:
            operation = self.tx_set(tenant_id, write, at)
            key = (keys.tenant_pk(tenant_id), keys.product_sk(write.product_id))
            unit.add(Write(Subject.STOCK, key, operation, ref=write.product_id))

    def set_level(self, tenant_id: str, product_id: int, quantity: int, at: datetime) -> StockLevel | None:
        """Set one product's stock whatever its version, taking the next version atomically
        (``SET stock ADD stock_version 1`` in one update): concurrent writers never conflict, each
        gets its own version and the newest write wins. None when the product does not exist."""
        try:
            item = self.table.update(
                keys.tenant_pk(tenant_id),
                keys.product_sk(product_id),
                set_={"stock": quantity, "stock_updated_at": iso(at)},
                add={"stock_version": 1},
                condition="attribute_exists(PK)",
            )
        except ConditionFailed:
            return None
        if item is None:
            return None
        return StockLevel(product_id=product_id, quantity=int(item["stock"]), version=int(item["stock_version"]))

    def write_levels(
        self, tenant_id: str, writes: Sequence[LevelWrite], at: datetime
    ) -> tuple[list[StockLevel], set[int]]:
        """Apply ``writes`` (one per product) in transactions of up to 100. Returns the levels
        written and the ids whose version moved meanwhile (or that vanished): re-read and retry
        those."""
        operations = [(w.product_id, self.tx_set(tenant_id, w, at)) for w in writes]
        refused = _transact_each(self.table, operations)
        written = [
            StockLevel(product_id=w.product_id, quantity=w.quantity, version=w.expected_version + 1)
            for w in writes
            if w.product_id not in refused
        ]
        return written, refused


# --- offers, the push lease and the push state -------------------------------------------------------


class LeaseBusy(Exception):
    """Another run holds the account's push lease."""


class LeaseLost(Exception):
    """The run no longer holds the account's push lease (nothing was recorded)."""


@dataclass(frozen=True)
class PushRecord:
    """A successful push of ``quantity`` at ``version`` to the row ``offer`` links."""

    offer: Offer
    quantity: int
    version: int


def _account_id_of(item: Mapping[str, Any]) -> str:
    return str(item["PK"]).removeprefix("ACCOUNT#")


class OfferStockRepository:
    def __init__(self, table: HubTable) -> None:
        self.table = table

    # --- reads ----------------------------------------------------------------------------------

    def offers(self, refs: Iterable[str]) -> list[Offer]:
        """Offers by :func:`keys.offer_ref` (consistent reads, 100 per request); refs whose offer
        no longer exists are left out."""
        items = self.table.batch_get([keys.offer_key_of_ref(ref) for ref in set(refs)], consistent=True)
        return [Offer.model_validate(item) for item in items]

    def offer_refs_of_product(self, tenant_id: str, product_id: int) -> list[str]:
        """Offer refs of one product through GSI1 (for products without ``offer_keys``)."""
        return [offer_ref_of(o) for o in CatalogRepository(self.table).offers_of_product(tenant_id, product_id)]

    def accounts(
        self, tenant_id: str, account_ids: Iterable[str]
    ) -> tuple[dict[str, Account], dict[str, OrderSettings]]:
        """The tenant's accounts among ``account_ids`` and their order settings (one batch read
        per 50 accounts)."""
        wanted = sorted(set(account_ids))
        requested = [{"PK": keys.tenant_pk(tenant_id), "SK": keys.account_sk(a)} for a in wanted]
        requested += [{"PK": keys.account_pk(a), "SK": keys.ORDER_SETTINGS_SK} for a in wanted]
        accounts: dict[str, Account] = {}
        settings: dict[str, OrderSettings] = {}
        for item in self.table.batch_get(requested):
            if str(item["SK"]) == keys.ORDER_SETTINGS_SK:
                settings[_account_id_of(item)] = OrderSettings.model_validate(item)
            else:
                account = Account.model_validate(item)
                if account.tenant_id == tenant_id:
                    accounts[account.id] = account
        return accounts, settings

    def push_states(
        self, tenant_id: str, account_ids: Iterable[str]
    ) -> tuple[dict[str, Account], dict[str, OrderSettings], dict[str, set[int]]]:
        """What decides whether the accounts' rows get stock, for a reader (the product page):
        the tenant's accounts among ``account_ids``, their order settings and, per account, the
        products its push lease leaves in doubt (or is pushing now). One batch read per 33
        accounts."""
        wanted = sorted(set(account_ids))
        requested = [{"PK": keys.tenant_pk(tenant_id), "SK": keys.account_sk(a)} for a in wanted]
        requested += [{"PK": keys.account_pk(a), "SK": keys.ORDER_SETTINGS_SK} for a in wanted]
        requested += [{"PK": keys.account_pk(a), "SK": keys.STOCK_PUSH_LEASE_SK} for a in wanted]
        accounts: dict[str, Account] = {}
        settings: dict[str, OrderSettings] = {}
        in_doubt: dict[str, set[int]] = {}
        for item in self.table.batch_get(requested):
            sk = str(item["SK"])
            if sk == keys.ORDER_SETTINGS_SK:
                settings[_account_id_of(item)] = OrderSettings.model_validate(item)
            elif sk == keys.STOCK_PUSH_LEASE_SK:
                in_doubt[_account_id_of(item)] = {int(p) for p in item.get("in_doubt") or []}
            else:
                account = Account.model_validate(item)
                if account.tenant_id == tenant_id:
                    accounts[account.id] = account
        return accounts, settings, in_doubt

    def templates_of_accounts(self, wanted: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Template]:
        """``{(account, template id): template}`` for ``(account, template id)`` pairs, in one
        batch read per 100 pairs; templates that no longer exist are left out."""
        requested = [{"PK": keys.account_pk(a), "SK": keys.template_sk(t)} for a, t in set(wanted)]
        found: dict[tuple[str, str], Template] = {}
        for item in self.table.batch_get(requested):
            template = Template.model_validate(item)
            found[(_account_id_of(item), template.id)] = template
        return found

    def templates(self, account_id: str, template_ids: Iterable[str]) -> dict[str, Template]:
        pk = keys.account_pk(account_id)
        items = self.table.batch_get([{"PK": pk, "SK": keys.template_sk(t)} for t in set(template_ids)])
        return {template.id: template for template in (Template.model_validate(i) for i in items)}

    # --- the push lease -------------------------------------------------------------------------

    def acquire_lease(self, account_id: str, token: str, *, now: int, until: int, pushing: Sequence[int]) -> set[int]:
        """Hold the account's push lease until ``until`` (epoch seconds) if nobody holds it or
        its holder's lease ran out, adding ``pushing`` to the products in doubt (should the run
        end without releasing the lease). Returns the products earlier runs left in doubt;
        :class:`LeaseBusy` when another run holds the lease."""
        expr = Expr()
        owner, lease_until, doubt = expr.name("owner"), expr.name("lease_until"), expr.name("in_doubt")
        update = (
            f"SET {owner} = {expr.value(token)}, {lease_until} = {expr.value(until)}, "
            f"{doubt} = list_append(if_not_exists({doubt}, {expr.value([])}), {expr.value(list(pushing))})"
        )
        request = {
            "TableName": self.table.name,
            "Key": serialize_item({"PK": keys.account_pk(account_id), "SK": keys.STOCK_PUSH_LEASE_SK}),
            "UpdateExpression": update,
            "ConditionExpression": f"attribute_not_exists({owner}) OR {lease_until} < {expr.value(now)}",
            "ReturnValues": "UPDATED_OLD",
        }
        try:
            answer = self.table._write(self.table.client.update_item, expr.apply(request))
        except ConditionFailed:
            raise LeaseBusy(account_id) from None
        item = answer.get("Attributes") or {}
        return {int(value["N"]) for value in item.get("in_doubt", {}).get("L", [])}

    def release_lease(self, account_id: str, token: str, in_doubt: Iterable[int]) -> None:
        """Give the lease up, leaving ``in_doubt`` the products whose shop rows may hold a
        quantity the hub has not recorded (a later run pushes them whatever it finds)."""
        remaining = sorted(set(in_doubt))
        expr = Expr()
        try:
            self.table.update(
                keys.account_pk(account_id),
                keys.STOCK_PUSH_LEASE_SK,
                set_={"in_doubt": remaining} if remaining else None,
                remove=["owner", "lease_until"] + ([] if remaining else ["in_doubt"]),
                condition=f"{expr.name('owner')} = {expr.value(token)}",
                expr=expr,
                return_new=False,
            )
        except ConditionFailed:
            raise LeaseLost(account_id) from None

    # --- the push state -------------------------------------------------------------------------

    def record_pushed(self, account_id: str, token: str, records: Sequence[PushRecord], at: datetime) -> set[str]:
        """Record successful pushes (transactions of 99 rows plus a check that the run still
        holds the lease), each only if no newer version was recorded
        (``pushed_version <= :v``: an equal version carries the same quantity). Returns the refs
        refused: the shop may now hold an older quantity than the one recorded, so those rows must
        be pushed again from a fresh read. :class:`LeaseLost` if the lease is gone."""
        refused: set[str] = set()
        expr = Expr()
        check = self.table.tx_check(
            keys.account_pk(account_id),
            keys.STOCK_PUSH_LEASE_SK,
            condition=f"{expr.name('owner')} = {expr.value(token)}",
            expr=expr,
        )
        operations = [(offer_ref_of(r.offer), self._record_operation(r, at)) for r in records]
        for start in range(0, len(operations), TRANSACT_MAX - 1):
            pending = operations[start : start + TRANSACT_MAX - 1]
            retries = _CONFLICTS.start()
            while pending:
                try:
                    self.table.transact_write([check, *(op for _, op in pending)])
                    break
                except TransactionConflict as cancelled:
                    reasons = cancelled.reasons
                    if len(reasons) != len(pending) + 1:
                        raise
                    if reasons[0] == "ConditionalCheckFailed":
                        raise LeaseLost(account_id) from None
                    lost = {
                        tag
                        for (tag, _), reason in zip(pending, reasons[1:], strict=True)
                        if reason == "ConditionalCheckFailed"
                    }
                    if lost:
                        refused |= lost
                        pending = [pair for pair in pending if pair[0] not in lost]
                        continue
                    if not retries.pause():
                        raise
        return refused

    def _record_operation(self, record: PushRecord, at: datetime) -> dict[str, Any]:
        expr = Expr()
        pushed_version = expr.name("pushed_version")
        return self.table.tx_update(
            keys.account_pk(record.offer.account_id),
            keys.offer_sk(record.offer.shop_product_id, record.offer.shop_variant_id),
            set_={"pushed_quantity": record.quantity, "pushed_version": record.version, "pushed_at": iso(at)},
            condition=(
                f"attribute_exists(PK) AND (attribute_not_exists({pushed_version}) OR "
                f"{pushed_version} <= {expr.value(record.version)})"
            ),
            expr=expr,
        )
