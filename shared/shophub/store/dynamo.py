"""A thin, typed wrapper over the low-level DynamoDB client for the single table.

Repositories use this and nothing else: items go in and come out as plain Python values
(ints stay ints, fractional numbers are :class:`~decimal.Decimal`), conditional failures become
:class:`ConditionFailed`, unprocessed batch keys are retried, and every request is counted
(``request_count``) so tests can assert DynamoDB budgets.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from shophub.contract import CARRIER_FIELD, STATUS_FIELD, STOCK_ROW_FIELD, VARIANT_FIELD
from shophub.errors import BadRequestError
from shophub.retry import Backoff

Item = dict[str, Any]
Key = dict[str, Any]

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

BATCH_GET_MAX = 100
BATCH_WRITE_MAX = 25
TRANSACT_MAX = 100

#: Unprocessed keys or items of a batch request (the table is throttling): 9 requests in all,
#: waits of 50 ms doubling up to 1 s.
UNPROCESSED = Backoff(base=0.05, cap=1.0, attempts=9)


class ConditionFailed(Exception):
    """A conditional write's condition did not hold (the item is returned when asked)."""

    def __init__(self, item: Item | None = None) -> None:
        super().__init__("conditional check failed")
        self.item = item


class TransactionConflict(Exception):
    """A transaction was cancelled; ``reasons`` has one code per operation ("None" = fine)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("transaction cancelled: " + ",".join(reasons))
        self.reasons = reasons

    @property
    def condition_failed(self) -> bool:
        return "ConditionalCheckFailed" in self.reasons


def _to_dynamo_value(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _to_dynamo_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_dynamo_value(v) for v in value]
    return value


def serialize_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(_to_dynamo_value(v)) for k, v in item.items() if v is not None}


#: Attribute names written before the core's names became platform-neutral (they were the HTTP
#: contract's names, which the API still answers with) → today's names. Read items are renamed at
#: every depth, so items stored by earlier releases read as they always did.
_RENAMED_ATTRIBUTES = {
    VARIANT_FIELD: "shop_variant_id",
    STOCK_ROW_FIELD: "stock_ref",
    CARRIER_FIELD: "carrier_key",
    STATUS_FIELD: "shop_status_id",
}


def _from_dynamo_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, dict):
        return {_RENAMED_ATTRIBUTES.get(k, k): _from_dynamo_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_dynamo_value(v) for v in value]
    if isinstance(value, set):
        return {_from_dynamo_value(v) for v in value}
    return value


def deserialize_item(raw: Mapping[str, Any]) -> Item:
    return {_RENAMED_ATTRIBUTES.get(k, k): _from_dynamo_value(_deserializer.deserialize(v)) for k, v in raw.items()}


def key(pk: str, sk: str) -> Key:
    return {"PK": pk, "SK": sk}


class Expr:
    """Builds an expression with generated placeholder names, so callers never collide."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def name(self, attr: str) -> str:
        placeholder = f"#n{len(self.names)}"
        self.names[placeholder] = attr
        return placeholder

    def value(self, val: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = val
        return placeholder

    def copy(self) -> Expr:
        clone = Expr()
        clone.names = dict(self.names)
        clone.values = dict(self.values)
        return clone

    def apply(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.names:
            request["ExpressionAttributeNames"] = self.names
        if self.values:
            request["ExpressionAttributeValues"] = serialize_item(self.values)
        return request


def update_expression(
    expr: Expr,
    *,
    set_: Mapping[str, Any] | None = None,
    add: Mapping[str, int | Decimal] | None = None,
    remove: Iterable[str] = (),
    set_if_absent: Mapping[str, Any] | None = None,
) -> str:
    """``SET a=:v, b=if_not_exists(b, :w) ADD c :x REMOVE d`` built from mappings."""
    clauses = []
    sets = [f"{expr.name(k)} = {expr.value(v)}" for k, v in (set_ or {}).items() if v is not None]
    removes = [expr.name(k) for k in remove]
    removes += [expr.name(k) for k, v in (set_ or {}).items() if v is None]
    for k, v in (set_if_absent or {}).items():
        n = expr.name(k)
        sets.append(f"{n} = if_not_exists({n}, {expr.value(v)})")
    if sets:
        clauses.append("SET " + ", ".join(sets))
    if add:
        clauses.append("ADD " + ", ".join(f"{expr.name(k)} {expr.value(v)}" for k, v in add.items()))
    if removes:
        clauses.append("REMOVE " + ", ".join(removes))
    return " ".join(clauses)


class HubTable:
    """The single table. ``client`` is a boto3 DynamoDB client (injected)."""

    def __init__(self, client: Any, table_name: str) -> None:
        self.client = client
        self.name = table_name
        self.request_count = 0

    # --- single items ---------------------------------------------------------------------------

    def get(self, pk: str, sk: str, *, consistent: bool = False) -> Item | None:
        self.request_count += 1
        answer = self.client.get_item(TableName=self.name, Key=serialize_item(key(pk, sk)), ConsistentRead=consistent)
        raw = answer.get("Item")
        return deserialize_item(raw) if raw else None

    def put(
        self,
        item: Mapping[str, Any],
        *,
        condition: str | None = None,
        expr: Expr | None = None,
        return_old_on_failure: bool = False,
    ) -> None:
        request: dict[str, Any] = {"TableName": self.name, "Item": serialize_item(item)}
        if condition:
            request["ConditionExpression"] = condition
            if return_old_on_failure:
                request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        if expr:
            expr.apply(request)
        self._write(self.client.put_item, request)

    def put_new(self, item: Mapping[str, Any]) -> None:
        """Create ``item``; :class:`ConditionFailed` (with the existing item) if the key exists."""
        self.put(item, condition="attribute_not_exists(PK)", return_old_on_failure=True)

    def update(
        self,
        pk: str,
        sk: str,
        *,
        set_: Mapping[str, Any] | None = None,
        add: Mapping[str, int | Decimal] | None = None,
        remove: Iterable[str] = (),
        set_if_absent: Mapping[str, Any] | None = None,
        condition: str | None = None,
        expr: Expr | None = None,
        return_new: bool = True,
    ) -> Item | None:
        """Update attributes; ``condition`` may use placeholders created on ``expr``."""
        expr = expr or Expr()
        update = update_expression(expr, set_=set_, add=add, remove=remove, set_if_absent=set_if_absent)
        request: dict[str, Any] = {
            "TableName": self.name,
            "Key": serialize_item(key(pk, sk)),
            "UpdateExpression": update,
            "ReturnValues": "ALL_NEW" if return_new else "NONE",
        }
        if condition:
            request["ConditionExpression"] = condition
            request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        answer = self._write(self.client.update_item, expr.apply(request))
        raw = answer.get("Attributes")
        return deserialize_item(raw) if raw else None

    def delete(self, pk: str, sk: str, *, condition: str | None = None, expr: Expr | None = None) -> None:
        request: dict[str, Any] = {"TableName": self.name, "Key": serialize_item(key(pk, sk))}
        if condition:
            request["ConditionExpression"] = condition
            request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        if expr:
            expr.apply(request)
        self._write(self.client.delete_item, request)

    def _write(self, call: Any, request: dict[str, Any]) -> dict[str, Any]:
        self.request_count += 1
        try:
            return call(**request)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                # the item a failed condition returns (ReturnValuesOnConditionCheckFailure)
                raw = cast("dict[str, Any] | None", error.response.get("Item"))
                raise ConditionFailed(deserialize_item(raw) if raw else None) from None
            raise

    # --- queries --------------------------------------------------------------------------------

    def query_page(
        self,
        pk: str,
        *,
        sk_prefix: str | None = None,
        sk_between: tuple[str, str] | None = None,
        sk_gt: str | None = None,
        index: str | None = None,
        limit: int | None = None,
        forward: bool = True,
        start_key: Key | None = None,
        consistent: bool = False,
        filter_expr: str | None = None,
        expr: Expr | None = None,
    ) -> tuple[list[Item], Key | None]:
        """One page of a query on the table (or ``index`` = "GSI1").

        ``expr`` holds the placeholders of ``filter_expr``; it is copied, never changed, so the
        same filter can be sent for every page."""
        expr = expr.copy() if expr else Expr()
        pk_attr, sk_attr = ("GSI1PK", "GSI1SK") if index else ("PK", "SK")
        condition = f"{expr.name(pk_attr)} = {expr.value(pk)}"
        if sk_prefix is not None:
            condition += f" AND begins_with({expr.name(sk_attr)}, {expr.value(sk_prefix)})"
        elif sk_between is not None:
            condition += (
                f" AND {expr.name(sk_attr)} BETWEEN {expr.value(sk_between[0])} AND {expr.value(sk_between[1])}"
            )
        elif sk_gt is not None:
            condition += f" AND {expr.name(sk_attr)} > {expr.value(sk_gt)}"
        request: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": condition,
            "ScanIndexForward": forward,
        }
        if index:
            request["IndexName"] = index
        elif consistent:
            request["ConsistentRead"] = True
        if limit:
            request["Limit"] = limit
        if start_key:
            if start_key.get(pk_attr) != pk:
                raise _invalid_start_key()
            request["ExclusiveStartKey"] = serialize_item(start_key)
        if filter_expr:
            request["FilterExpression"] = filter_expr
        self.request_count += 1
        try:
            answer = self.client.query(**expr.apply(request))
        except ClientError as error:
            if start_key and error.response.get("Error", {}).get("Code") == "ValidationException":
                raise _invalid_start_key() from None
            raise
        items = [deserialize_item(raw) for raw in answer.get("Items", [])]
        last = answer.get("LastEvaluatedKey")
        return items, (deserialize_item(last) if last else None)

    def query(self, pk: str, **kwargs: Any) -> Iterator[Item]:
        """Every item of a query, following pages."""
        start: Key | None = None
        while True:
            items, start = self.query_page(pk, start_key=start, **kwargs)
            yield from items
            if not start:
                return

    # --- batches --------------------------------------------------------------------------------

    def batch_get(self, keys: Sequence[Key], *, consistent: bool = False) -> list[Item]:
        """Items for ``keys`` (missing ones are simply absent), in chunks of 100."""
        found: list[Item] = []
        unique = list({(k["PK"], k["SK"]): k for k in keys}.values())
        for start in range(0, len(unique), BATCH_GET_MAX):
            pending: dict[str, Any] = {
                self.name: {
                    "Keys": [serialize_item(k) for k in unique[start : start + BATCH_GET_MAX]],
                    "ConsistentRead": consistent,
                }
            }
            retries = UNPROCESSED.start()
            while pending:
                self.request_count += 1
                answer = self.client.batch_get_item(RequestItems=pending)
                found.extend(deserialize_item(raw) for raw in answer.get("Responses", {}).get(self.name, []))
                pending = answer.get("UnprocessedKeys") or {}
                if pending and not retries.pause():
                    raise RuntimeError("DynamoDB kept returning unprocessed keys")
        return found

    def batch_write(self, puts: Sequence[Mapping[str, Any]] = (), deletes: Sequence[Key] = ()) -> None:
        """Unconditional puts and deletes, in chunks of 25, retrying unprocessed items."""
        requests = [{"PutRequest": {"Item": serialize_item(p)}} for p in puts]
        requests += [{"DeleteRequest": {"Key": serialize_item(k)}} for k in deletes]
        for start in range(0, len(requests), BATCH_WRITE_MAX):
            pending: dict[str, Any] = {self.name: requests[start : start + BATCH_WRITE_MAX]}
            retries = UNPROCESSED.start()
            while pending:
                self.request_count += 1
                answer = self.client.batch_write_item(RequestItems=pending)
                pending = answer.get("UnprocessedItems") or {}
                if pending and not retries.pause():
                    raise RuntimeError("DynamoDB kept returning unprocessed items")

    def transact_write(self, operations: Sequence[dict[str, Any]]) -> None:
        """Run ``operations`` (built with the ``tx_*`` helpers) atomically."""
        if not operations:
            return
        if len(operations) > TRANSACT_MAX:
            raise ValueError("a transaction holds at most 100 operations")
        self.request_count += 1
        try:
            self.client.transact_write_items(TransactItems=list(operations))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                reasons = [r.get("Code", "None") for r in error.response.get("CancellationReasons", [])]
                raise TransactionConflict(reasons) from None
            raise

    def tx_put(
        self, item: Mapping[str, Any], *, condition: str | None = None, expr: Expr | None = None
    ) -> dict[str, Any]:
        op: dict[str, Any] = {"TableName": self.name, "Item": serialize_item(item)}
        if condition:
            op["ConditionExpression"] = condition
        if expr:
            expr.apply(op)
        return {"Put": op}

    def tx_update(
        self,
        pk: str,
        sk: str,
        *,
        set_: Mapping[str, Any] | None = None,
        add: Mapping[str, int | Decimal] | None = None,
        remove: Iterable[str] = (),
        set_if_absent: Mapping[str, Any] | None = None,
        condition: str | None = None,
        expr: Expr | None = None,
    ) -> dict[str, Any]:
        expr = expr or Expr()
        op: dict[str, Any] = {
            "TableName": self.name,
            "Key": serialize_item(key(pk, sk)),
            "UpdateExpression": update_expression(expr, set_=set_, add=add, remove=remove, set_if_absent=set_if_absent),
        }
        if condition:
            op["ConditionExpression"] = condition
        return {"Update": expr.apply(op)}

    def tx_delete(self, pk: str, sk: str, *, condition: str | None = None, expr: Expr | None = None) -> dict[str, Any]:
        op: dict[str, Any] = {"TableName": self.name, "Key": serialize_item(key(pk, sk))}
        if condition:
            op["ConditionExpression"] = condition
        if expr:
            expr.apply(op)
        return {"Delete": op}

    def tx_check(self, pk: str, sk: str, *, condition: str, expr: Expr | None = None) -> dict[str, Any]:
        op: dict[str, Any] = {
            "TableName": self.name,
            "Key": serialize_item(key(pk, sk)),
            "ConditionExpression": condition,
        }
        if expr:
            expr.apply(op)
        return {"ConditionCheck": op}


def _invalid_start_key() -> BadRequestError:
    """A start key (from a client's paging token) that does not fit the query: a 400."""
    return BadRequestError("invalid paging token", code="invalid_paging_token")
