"""Adjustments to moto's DynamoDB that keep the local stack, tests and benchmarks fast.

moto rolls a cancelled ``TransactWriteItems`` back from a deep copy of the WHOLE table, taken
once per operation of every transaction: a table of a few thousand items makes every transaction
cost seconds and the process grow by gigabytes. :func:`item_level_transaction_rollback` keeps
the same all-or-nothing behaviour but snapshots only the items the transaction touches.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def item_level_transaction_rollback() -> Iterator[None]:
    """moto rolls a cancelled ``TransactWriteItems`` back from a deep copy of the whole table,
    taken once per operation; this snapshots only the items the transaction touches."""
    from moto.dynamodb import models as ddb_models
    from moto.dynamodb.models.table import Table

    real_copy = ddb_models.copy
    original = ddb_models.DynamoDBBackend.transact_write_items

    class _TableKeepingCopy:
        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else real_copy.deepcopy(value, memo)

    def transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
        snapshots = []
        for entry in transact_items:
            operation = next(iter(entry.values()))
            table = backend.get_table(operation["TableName"])
            if "Key" in operation:
                key = operation["Key"]
            else:
                key = {name: operation["Item"][name] for name in (table.hash_key_attr, table.range_key_attr) if name}
            hash_key, range_key = backend.get_keys_value(table, key)
            snapshots.append((table, hash_key, range_key, real_copy.deepcopy(table.get_item(hash_key, range_key))))
        try:
            original(backend, transact_items)
        except Exception:
            for table, hash_key, range_key, before in reversed(snapshots):
                if before is None:
                    table.items.get(hash_key, {}).pop(range_key, None)
                else:
                    table.items[hash_key][range_key] = before
            raise

    setattr(ddb_models, "copy", _TableKeepingCopy)  # noqa: B010
    setattr(ddb_models.DynamoDBBackend, "transact_write_items", transact_write_items)  # noqa: B010
    try:
        yield
    finally:
        setattr(ddb_models, "copy", real_copy)  # noqa: B010
        setattr(ddb_models.DynamoDBBackend, "transact_write_items", original)  # noqa: B010
