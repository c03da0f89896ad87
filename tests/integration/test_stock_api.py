"""PUT /products/{pid}/stock and PUT /stock: hub stock saved at the next version, queued for the
shops as StockChanged messages; every refusal in the API's error shape, in pl and en."""

from __future__ import annotations

import pytest

from local.stack.runtime import Invoker
from tests.support.api import ApiAnswer, ApiClient
from tests.support.aws import TestStack
from tests.support.races import LinedUpClient, race
from tests.support.stock import bodies, create_products, hub_product, queued

TENANT = "tenant-a"

pytestmark = pytest.mark.usefixtures("fast_transactions")


@pytest.fixture
def api(stack: TestStack) -> ApiClient:
    create_products(stack, TENANT, range(1, 6), stock=3)
    return ApiClient(token=stack.container.tokens.create(TENANT), language="en")


def test_setting_one_products_stock_saves_it_at_the_next_version_and_queues_the_change(
    stack: TestStack, api: ApiClient
) -> None:
    # When
    first = api.put("/products/2/stock", {"quantity": 5})
    second = api.put("/products/2/stock", {"quantity": 0})

    # Then
    assert first.status == 202
    assert first.json == {"product_id": 2, "quantity": 5, "version": 1}
    assert second.json == {"product_id": 2, "quantity": 0, "version": 2}
    stored = hub_product(stack, TENANT, 2)
    assert (stored["stock"], stored["stock_version"]) == (0, 2)
    assert bodies(queued(stack)) == [
        {"type": "StockChanged", "tenant_id": TENANT, "changes": [{"product_id": 2, "quantity": 5, "version": 1}]},
        {"type": "StockChanged", "tenant_id": TENANT, "changes": [{"product_id": 2, "quantity": 0, "version": 2}]},
    ]


def test_bulk_stock_takes_the_last_quantity_of_a_repeated_product(stack: TestStack, api: ApiClient) -> None:
    # When
    answer = api.put(
        "/stock",
        {
            "items": [
                {"product_id": 1, "quantity": 10},
                {"product_id": 3, "quantity": 7},
                {"product_id": 1, "quantity": 4},
            ]
        },
    )

    # Then
    assert answer.status == 202
    assert answer.json == {
        "accepted": 2,
        "items": [{"product_id": 1, "quantity": 4, "version": 1}, {"product_id": 3, "quantity": 7, "version": 1}],
    }
    assert hub_product(stack, TENANT, 1)["stock"] == 4
    assert hub_product(stack, TENANT, 3)["stock"] == 7
    assert hub_product(stack, TENANT, 2)["stock_version"] == 0
    [message] = bodies(queued(stack))
    assert message["changes"] == [
        {"product_id": 1, "quantity": 4, "version": 1},
        {"product_id": 3, "quantity": 7, "version": 1},
    ]


def test_five_hundred_items_cost_eleven_dynamodb_requests_and_three_messages(stack: TestStack) -> None:
    # Given
    create_products(stack, TENANT, range(1, 501))
    api = ApiClient(token=stack.container.tokens.create(TENANT))
    before = stack.table.request_count

    # When
    answer = api.put("/stock", {"items": [{"product_id": p, "quantity": p % 50} for p in range(1, 501)]})

    # Then: 5 batch reads + 5 transactions of 100, plus the token look-up
    assert answer.status == 202
    assert answer.json["accepted"] == 500
    assert stack.table.request_count - before <= 11
    messages = bodies(queued(stack))
    assert [len(m["changes"]) for m in messages] == [200, 200, 100]
    assert hub_product(stack, TENANT, 377)["stock"] == 377 % 50


@pytest.mark.parametrize(
    ("language", "message"),
    [("pl", "Nie znaleziono produktu o identyfikatorze 99."), ("en", "There is no product with id 99.")],
)
def test_an_unknown_product_is_not_found(stack: TestStack, language: str, message: str) -> None:
    api = ApiClient(token=stack.container.tokens.create(TENANT), language=language)

    answer = api.put("/products/99/stock", {"quantity": 1})

    assert answer.status == 404
    assert answer.json["error"]["code"] == "product_not_found"
    assert answer.json["error"]["message"] == message
    assert queued(stack) == []


@pytest.mark.parametrize("pid", ["abc", "0", "-3", "1.5"])
def test_a_path_that_is_not_a_product_id_is_not_found(api: ApiClient, pid: str) -> None:
    answer = api.put(f"/products/{pid}/stock", {"quantity": 1})

    assert answer.status == 404
    assert answer.json["error"]["code"] == "product_not_found"


def test_another_tenants_product_is_not_found(stack: TestStack, api: ApiClient) -> None:
    other = ApiClient(token=stack.container.tokens.create("tenant-b"), language="en")

    assert other.put("/products/1/stock", {"quantity": 9}).status == 404
    bulk = other.put("/stock", {"items": [{"product_id": 1, "quantity": 9}]})

    assert bulk.status == 422
    assert hub_product(stack, TENANT, 1)["stock"] == 3
    assert queued(stack) == []


@pytest.mark.parametrize(
    ("language", "field_message"),
    [
        ("pl", "Stan musi być liczbą całkowitą od 0 do 2147483647."),
        ("en", "The quantity must be a whole number from 0 to 2147483647."),
    ],
)
def test_a_quantity_must_be_a_whole_number_from_zero(stack: TestStack, language: str, field_message: str) -> None:
    create_products(stack, TENANT, [1])
    api = ApiClient(token=stack.container.tokens.create(TENANT), language=language)

    for quantity in (-1, 5.5, "5", None, True, 2_147_483_648):
        answer = api.put("/products/1/stock", {"quantity": quantity})

        assert answer.status == 422, quantity
        assert answer.json["error"]["code"] == "validation_failed"
        assert answer.json["error"]["details"] == [{"field": "quantity", "message": field_message}]
    assert hub_product(stack, TENANT, 1)["stock_version"] == 0


def test_missing_quantity_and_unknown_fields_are_refused(api: ApiClient) -> None:
    missing = api.put("/products/1/stock", {})
    unknown = api.put("/products/1/stock", {"quantity": 1, "qty": 2})
    malformed = api.put("/products/1/stock", raw_body="{quantity")

    assert missing.status == 422
    assert missing.json["error"]["details"] == [{"field": "quantity", "message": "This field is required."}]
    assert unknown.status == 400
    assert unknown.json["error"]["code"] == "unknown_fields"
    assert malformed.status == 400
    assert malformed.json["error"]["code"] == "malformed_json"


@pytest.mark.parametrize(
    ("language", "message", "item_message"),
    [
        (
            "pl",
            "Nie znaleziono produktów o identyfikatorach: 8, 9. Nie zapisano żadnej zmiany stanu.",
            "Nie ma produktu o identyfikatorze {id}.",
        ),
        ("en", "There are no products with ids: 8, 9. No stock change was saved.", "There is no product with id {id}."),
    ],
)
def test_bulk_with_unknown_products_names_the_items_and_saves_nothing(
    stack: TestStack, language: str, message: str, item_message: str
) -> None:
    create_products(stack, TENANT, [1, 2])
    api = ApiClient(token=stack.container.tokens.create(TENANT), language=language)

    answer = api.put(
        "/stock",
        {
            "items": [
                {"product_id": 1, "quantity": 1},
                {"product_id": 9, "quantity": 1},
                {"product_id": 2, "quantity": 1},
                {"product_id": 8, "quantity": 1},
            ]
        },
    )

    assert answer.status == 422
    assert answer.json["error"]["code"] == "unknown_products"
    assert answer.json["error"]["message"] == message
    assert answer.json["error"]["details"] == [
        {"field": "items[1].product_id", "message": item_message.format(id=9)},
        {"field": "items[3].product_id", "message": item_message.format(id=8)},
    ]
    assert hub_product(stack, TENANT, 1)["stock_version"] == 0
    assert queued(stack) == []


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("pl", "Jedno żądanie może zmienić stan najwyżej 1000 produktów."),
        ("en", "One request can change the stock of at most 1000 products."),
    ],
)
def test_bulk_takes_at_most_a_thousand_items(stack: TestStack, language: str, message: str) -> None:
    api = ApiClient(token=stack.container.tokens.create(TENANT), language=language)

    answer = api.put("/stock", {"items": [{"product_id": p, "quantity": 1} for p in range(1, 1002)]})

    assert answer.status == 422
    assert answer.json["error"]["code"] == "too_many_items"
    assert answer.json["error"]["message"] == message
    assert answer.json["error"]["details"] == [{"field": "items", "message": message}]


def test_bulk_item_problems_are_named_per_item(api: ApiClient) -> None:
    empty = api.put("/stock", {"items": []})
    invalid = api.put(
        "/stock",
        {"items": [{"product_id": 1, "quantity": 2}, {"product_id": "x", "quantity": -2}, {"quantity": 1}]},
    )
    unknown_field = api.put("/stock", {"items": [{"product_id": 1, "quantity": 2, "price": 3}]})

    assert empty.status == 422
    assert empty.json["error"]["details"] == [{"field": "items", "message": "Give at least one item."}]
    assert invalid.status == 422
    assert invalid.json["error"]["details"] == [
        {"field": "items[1].product_id", "message": "The product id must be a positive whole number."},
        {"field": "items[1].quantity", "message": "The quantity must be a whole number from 0 to 2147483647."},
        {"field": "items[2].product_id", "message": "This field is required."},
    ]
    assert unknown_field.status == 400
    assert unknown_field.json["error"]["code"] == "unknown_fields"


def test_stock_routes_need_a_token(stack: TestStack) -> None:
    anonymous = ApiClient(token=None, language="en")

    assert anonymous.put("/products/1/stock", {"quantity": 1}).status == 401
    assert anonymous.put("/stock", {"items": [{"product_id": 1, "quantity": 1}]}).status == 401


def test_parallel_bulk_writes_of_the_same_products_all_succeed(stack: TestStack, api: ApiClient) -> None:
    # Given DynamoDB applying each request atomically and the API function in parallel
    # execution environments, as Lambda runs them
    stack.container.table.client = LinedUpClient(stack.container.dynamodb, 1, lambda *_: False)
    parallel = ApiClient(token=api.token, language="en", invoker=Invoker(stack))

    # When ten bulk writes of the same five products race
    def write(n: int) -> ApiAnswer:
        return parallel.put("/stock", {"items": [{"product_id": p, "quantity": 100 * n + p} for p in range(1, 6)]})

    answers = race(*(lambda n=n: write(n) for n in range(10)))

    # Then every one is accepted, each product got ten versions of its own and keeps the newest
    assert [a.status for a in answers] == [202] * 10, [a.text for a in answers if a.status != 202]
    for product_id in range(1, 6):
        levels = {
            i["version"]: i["quantity"] for a in answers for i in a.json["items"] if i["product_id"] == product_id
        }
        assert sorted(levels) == list(range(1, 11))
        stored = hub_product(stack, TENANT, product_id)
        assert (stored["stock"], stored["stock_version"]) == (levels[10], 10)
    assert sum(len(m["changes"]) for m in bodies(queued(stack))) == 50
