"""Key shapes, paging tokens and the DynamoDB wrapper's guarantees."""

from __future__ import annotations

import base64
import json

import pytest

from shophub.domain.config import ALL_MAPPING_KINDS, DICTIONARY_KINDS
from shophub.errors import BadRequestError
from shophub.store import keys, paging
from shophub.store.dynamo import ConditionFailed, TransactionConflict
from shophub.store.paging import decode_token, encode_token
from tests.support.api import ApiClient


def test_tenant_comes_first_in_every_tenant_key():
    assert keys.tenant_pk("t1") == "TENANT#t1"
    assert keys.ident_pk("t1", "ean", "5901234123457") == "TENANT#t1#IDENT#EAN#5901234123457"
    assert keys.product_offers_gsi1pk("t1", 12) == "PRODUCT#t1#000000000012"
    assert keys.tenant_orders_gsi1pk("t1") == "ORDERS#t1"


def test_product_ids_sort_numerically_as_text():
    ids = [2, 10, 1, 100]
    assert sorted(keys.product_sk(i) for i in ids) == [keys.product_sk(i) for i in sorted(ids)]
    assert keys.product_id_from_sk(keys.product_sk(42)) == 42


def test_mapping_and_dictionary_kinds_are_checked():
    assert keys.mapping_set_sk("CARRIER") == "MAP#CARRIER"
    with pytest.raises(ValueError):
        keys.mapping_set_sk("SHIPPING")
    with pytest.raises(ValueError):
        keys.dictionary_sk("CARRIER", "x")
    # keys.py imports nothing of the domain (the authorizer loads it); its lists follow the domain
    assert keys.MAPPING_KINDS == ALL_MAPPING_KINDS
    assert set(keys.DICTIONARY_KINDS) == set(DICTIONARY_KINDS)


def test_paging_token_round_trip():
    last = {"PK": "TENANT#t1", "SK": "ACCOUNT#a9"}
    token = encode_token(last, "TENANT#t1#ACCOUNTS")

    assert token and "TENANT" not in token
    assert decode_token(token, "TENANT#t1#ACCOUNTS") == last
    assert encode_token(None, "x") is None
    assert decode_token(None, "x") is None


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: "not base64 at all!",
        lambda t: base64.urlsafe_b64encode(b"[1,2]").decode(),
        lambda t: "x" * 5000,
    ],
)
def test_tampered_paging_token_is_400(mutate):
    token = encode_token({"PK": "TENANT#t1", "SK": "ACCOUNT#a9"}, "TENANT#t1#ACCOUNTS")

    with pytest.raises(BadRequestError) as caught:
        decode_token(mutate(token), "TENANT#t1#ACCOUNTS")

    assert caught.value.status == 400
    assert caught.value.code == "invalid_paging_token"


def test_edited_key_inside_a_token_is_refused():
    token = encode_token({"PK": "TENANT#t1", "SK": "ACCOUNT#a9"}, "TENANT#t1#ACCOUNTS")
    body = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    body["k"]["PK"] = "TENANT#t2"
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).decode()

    with pytest.raises(BadRequestError):
        decode_token(forged, "TENANT#t1#ACCOUNTS")


def test_token_of_another_tenant_is_refused():
    token = encode_token({"PK": "TENANT#t2", "SK": "ACCOUNT#a1"}, "TENANT#t2#ACCOUNTS")

    with pytest.raises(BadRequestError):
        decode_token(token, "TENANT#t1#ACCOUNTS")


@pytest.mark.parametrize(
    "last_key",
    [
        {"PK": "TENANT#t1", "SK": "ACCOUNT#a9", "X": 10**40},  # a number DynamoDB cannot hold
        {"PK": "TENANT#t1", "SK": "ACCOUNT#a9", "status": "x"},  # not a key attribute
        {"PK": "TENANT#t1", "SK": 7},  # keys are strings
    ],
)
def test_token_with_a_recomputed_checksum_but_no_usable_key_is_400(last_key):
    # Given a token built with the public recipe (the checksum is no signature)
    scope = "TENANT#t1#ACCOUNTS"
    plain = {"s": scope, "k": last_key, "c": paging._checksum(scope, last_key)}
    forged = base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")

    # Then it is refused as a token, not passed on to DynamoDB
    with pytest.raises(BadRequestError) as caught:
        decode_token(forged, scope)
    assert caught.value.code == "invalid_paging_token"


def test_forged_token_pointing_into_another_partition_is_a_400_not_a_500(stack):
    # Given tenant A's token, re-signed with a start key in tenant B's partition
    token = stack.container.tokens.create("tenant-a")
    scope = "TENANT#tenant-a#ACCOUNTS"
    last_key = {"PK": "TENANT#tenant-b", "SK": "ACCOUNT#a1"}
    plain = {"s": scope, "k": last_key, "c": paging._checksum(scope, last_key)}
    forged = base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")

    # When tenant A pages with it
    answer = ApiClient(token=token, language="en").get("/accounts", query=f"next={forged}")

    # Then a 400 in the API's shape
    assert answer.status == 400
    assert answer.json["error"]["code"] == "invalid_paging_token"


def test_put_new_refuses_an_existing_key_and_returns_it(stack):
    table = stack.table
    table.put_new({"PK": "A", "SK": "1", "n": 1})

    with pytest.raises(ConditionFailed) as caught:
        table.put_new({"PK": "A", "SK": "1", "n": 2})

    assert caught.value.item == {"PK": "A", "SK": "1", "n": 1}
    assert table.get("A", "1") == {"PK": "A", "SK": "1", "n": 1}


def test_atomic_add_and_numbers_round_trip(stack):
    table = stack.table
    table.update("C", "1", add={"count": 2})
    item = table.update("C", "1", add={"count": 3}, set_={"price": "12.50"})

    assert item["count"] == 5
    assert isinstance(item["count"], int)


def test_transaction_is_all_or_nothing(stack):
    table = stack.table
    table.put_new({"PK": "X", "SK": "1"})

    with pytest.raises(TransactionConflict) as caught:
        table.transact_write(
            [
                table.tx_put({"PK": "X", "SK": "2"}, condition="attribute_not_exists(PK)"),
                table.tx_put({"PK": "X", "SK": "1"}, condition="attribute_not_exists(PK)"),
            ]
        )

    assert caught.value.condition_failed
    assert table.get("X", "2") is None


def test_batches_cross_the_service_limits(stack):
    table = stack.table
    table.batch_write([{"PK": "B", "SK": f"{i:03d}"} for i in range(130)])

    found = table.batch_get([{"PK": "B", "SK": f"{i:03d}"} for i in range(130)] + [{"PK": "B", "SK": "none"}])

    assert len(found) == 130
    assert len(list(table.query("B", sk_prefix="0"))) == 100


def test_a_filtered_query_follows_every_page(stack):
    """The filter's placeholders are sent unchanged with every page."""
    from shophub.store.dynamo import Expr

    table = stack.table
    table.batch_write([{"PK": "F", "SK": f"{i:03d}", "kind": "a" if i % 2 else "b"} for i in range(60)])
    expr = Expr()
    condition = f"{expr.name('kind')} = {expr.value('a')}"

    found = list(table.query("F", limit=7, filter_expr=condition, expr=expr))

    assert len(found) == 30
    assert all(item["kind"] == "a" for item in found)
