"""Stock rules without AWS or a shop: versioned writes and their retries, message chunking,
coalescing of deliveries, shop outcomes → report entries, offer references, messages."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from shophub.domain.shop import StockPushOutcome
from shophub.domain.stock import StockLevel, StockMovement, UnknownProducts
from shophub.errors import ConcurrentUpdateError
from shophub.i18n import MESSAGES
from shophub.i18n.messages_stock import MESSAGES as STOCK_MESSAGES
from shophub.services import stock_push
from shophub.services.stock import BACKOFF_BASE_SECONDS, BACKOFF_CAP_SECONDS, WRITE_ROUNDS, StockService
from shophub.services.stock_push import Delivery, parse_deliveries
from shophub.store import keys
from shophub.store.stock import LevelWrite

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


class RecordingQueue:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def send_many(self, bodies: Sequence[dict[str, Any]], *, delay_seconds: int = 0) -> None:
        self.bodies.extend(json.loads(json.dumps(b)) for b in bodies)


class InMemoryLevels:
    """Stock levels with versions; ``interfere`` moves a product's version once, as another
    writer would between our read and our write."""

    def __init__(
        self, state: dict[int, tuple[int, int]], interfere: dict[int, int] | None = None, *, always: bool = False
    ) -> None:
        self.state = dict(state)
        self.interfere = dict(interfere or {})
        self.always = always  # interfere before every versioned write, not once
        self.reads = 0

    def levels(self, tenant_id: str, product_ids: Iterable[int]) -> dict[int, StockLevel]:
        self.reads += 1
        return {
            p: StockLevel(product_id=p, quantity=self.state[p][0], version=self.state[p][1])
            for p in product_ids
            if p in self.state
        }

    def write_levels(
        self, tenant_id: str, writes: Sequence[LevelWrite], at: datetime
    ) -> tuple[list[StockLevel], set[int]]:
        written, refused = [], set()
        for write in writes:
            if write.product_id in self.interfere:
                quantity = self.interfere[write.product_id] if self.always else self.interfere.pop(write.product_id)
                self.state[write.product_id] = (quantity, self.state[write.product_id][1] + 1)
            current = self.state.get(write.product_id)
            if current is None or current[1] != write.expected_version:
                refused.add(write.product_id)
                continue
            self.state[write.product_id] = (write.quantity, current[1] + 1)
            written.append(StockLevel(product_id=write.product_id, quantity=write.quantity, version=current[1] + 1))
        return written, refused

    def set_level(self, tenant_id: str, product_id: int, quantity: int, at: datetime) -> StockLevel | None:
        """The atomic write: whatever the version, the next one."""
        if product_id not in self.state:
            return None
        self.state[product_id] = (quantity, self.state[product_id][1] + 1)
        return StockLevel(product_id=product_id, quantity=quantity, version=self.state[product_id][1])


def service(levels: InMemoryLevels, waits: list[float] | None = None) -> tuple[StockService, RecordingQueue]:
    queue = RecordingQueue()
    sleep = waits.append if waits is not None else lambda _: None
    return StockService(levels, queue, clock=lambda: NOW, sleep=sleep), queue  # type: ignore[arg-type]


def test_a_set_then_moves_of_one_product_fold_into_one_write() -> None:
    levels = InMemoryLevels({1: (10, 4), 2: (3, 0)})
    stock, queue = service(levels)

    written = stock.apply_changes(
        "t",
        [
            StockMovement(product_id=1, delta=-2),
            StockMovement(product_id=2, quantity=7),
            StockMovement(product_id=2, delta=-3),
            StockMovement(product_id=1, delta=-1),
        ],
    )

    assert written == [StockLevel(product_id=1, quantity=7, version=5), StockLevel(product_id=2, quantity=4, version=1)]
    assert queue.bodies == [
        {
            "type": "StockChanged",
            "tenant_id": "t",
            "changes": [
                {"product_id": 1, "quantity": 7, "version": 5},
                {"product_id": 2, "quantity": 4, "version": 1},
            ],
        }
    ]


def test_stock_never_goes_below_zero() -> None:
    stock, _ = service(InMemoryLevels({1: (2, 1)}))

    assert stock.adjust("t", {1: -5}) == [StockLevel(product_id=1, quantity=0, version=2)]


def test_a_version_moved_by_another_writer_is_read_again_and_the_delta_applies_to_the_new_stock() -> None:
    levels = InMemoryLevels({1: (10, 1)}, interfere={1: 20})
    stock, _ = service(levels)

    written = stock.adjust("t", {1: -4})

    assert written == [StockLevel(product_id=1, quantity=16, version=3)]
    assert levels.reads == 2


def test_a_set_whose_version_moved_is_written_at_the_next_version_without_a_retry() -> None:
    # Given another writer that moves products 1 and 2 between our read and our write
    levels = InMemoryLevels({1: (10, 1), 2: (4, 3)}, interfere={1: 20, 2: 9})
    stock, queue = service(levels)

    # When both are set (one of them set, then moved)
    written = stock.apply_changes(
        "t",
        [
            StockMovement(product_id=1, quantity=5),
            StockMovement(product_id=2, quantity=7),
            StockMovement(product_id=2, delta=-2),
        ],
    )

    # Then our quantities win at the version after the other writer's, with no second read
    assert written == [StockLevel(product_id=1, quantity=5, version=3), StockLevel(product_id=2, quantity=5, version=5)]
    assert levels.state == {1: (5, 3), 2: (5, 5)}
    assert levels.reads == 1
    assert queue.bodies[0]["changes"] == [
        {"product_id": 1, "quantity": 5, "version": 3},
        {"product_id": 2, "quantity": 5, "version": 5},
    ]


def test_a_single_set_takes_the_next_version_atomically() -> None:
    levels = InMemoryLevels({1: (10, 4)})
    stock, queue = service(levels)

    assert stock.set_quantity("t", 1, 3) == StockLevel(product_id=1, quantity=3, version=5)
    assert levels.reads == 0
    with pytest.raises(UnknownProducts):
        stock.set_quantity("t", 2, 3)
    assert [b["changes"] for b in queue.bodies] == [[{"product_id": 1, "quantity": 3, "version": 5}]]


def test_a_move_that_keeps_losing_waits_with_jittered_backoff_then_is_refused() -> None:
    # Given another writer that moves the product before every one of our writes
    levels = InMemoryLevels({1: (10, 1)}, interfere={1: 20}, always=True)
    waits: list[float] = []
    stock, queue = service(levels, waits)

    # When a relative move is applied
    with pytest.raises(ConcurrentUpdateError):
        stock.adjust("t", {1: -1})

    # Then every round but the last waited a random, growing, capped time; nothing was announced
    assert len(waits) == WRITE_ROUNDS - 1
    assert all(0 <= w <= min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**n) for n, w in enumerate(waits))
    assert len(set(waits)) > 1
    assert queue.bodies == []


def test_unknown_products_are_named_and_nothing_is_written_or_queued() -> None:
    levels = InMemoryLevels({1: (1, 1)})
    stock, queue = service(levels)

    with pytest.raises(UnknownProducts) as refused:
        stock.set_quantities("t", [(1, 5), (9, 1), (8, 2)])

    assert refused.value.product_ids == [8, 9]
    assert levels.state[1] == (1, 1)
    assert queue.bodies == []


def test_changes_are_queued_two_hundred_per_message() -> None:
    stock, queue = service(InMemoryLevels({}))

    sent = stock.enqueue_changes("t", [(p, p % 5, 3) for p in range(1, 451)])

    assert sent == 3
    assert [len(b["changes"]) for b in queue.bodies] == [200, 200, 50]
    assert queue.bodies[2]["changes"][-1] == {"product_id": 450, "quantity": 0, "version": 3}


def test_a_movement_has_either_a_quantity_or_a_delta() -> None:
    with pytest.raises(ValidationError):
        StockMovement(product_id=1)
    with pytest.raises(ValidationError):
        StockMovement(product_id=1, quantity=1, delta=1)
    with pytest.raises(ValidationError):
        StockMovement(product_id=1, quantity=-1)


def test_deliveries_coalesce_by_tenant_and_product_and_unreadable_ones_are_counted() -> None:
    def body(tenant: str, *changes: tuple[int, int, int]) -> str:
        return json.dumps(
            {
                "type": "StockChanged",
                "tenant_id": tenant,
                "changes": [{"product_id": p, "quantity": q, "version": v} for p, q, v in changes],
            }
        )

    wanted, changes, invalid = parse_deliveries(
        [
            Delivery("m1", body("a", (1, 5, 1), (2, 3, 1))),
            Delivery("m2", body("a", (1, 4, 2))),
            Delivery("m3", body("b", (1, 9, 7))),
            Delivery("m6", json.dumps({**json.loads(body("b", (1, 9, 8))), "account_id": "acc-1"})),
            Delivery("m4", "{"),
            Delivery("m5", json.dumps({"type": "StockChanged", "tenant_id": "a", "changes": []})),
        ]
    )

    # (a message carrying an account's given-back rows is that account's work only)
    assert {t: {p: sorted(m) for p, m in products.items()} for t, products in wanted.items()} == {
        ("a", None): {1: ["m1", "m2"], 2: ["m1"]},
        ("b", None): {1: ["m3"]},
        ("b", "acc-1"): {1: ["m6"]},
    }
    assert (changes, invalid) == (5, 2)


@pytest.mark.parametrize(
    ("answer", "ok", "permanent", "reason"),
    [
        (StockPushOutcome(stock_id=5, ok=True, quantity=3), True, False, None),
        (
            StockPushOutcome(stock_id=5, ok=False, quantity=3, error_code="shop_server_error", message="boom"),
            False,
            False,
            "stock_entry_retry",
        ),
        (
            StockPushOutcome(stock_id=5, ok=False, quantity=3, error_code="not_found", permanent=True),
            False,
            True,
            "stock_entry_row_missing",
        ),
        (
            StockPushOutcome(stock_id=5, ok=False, quantity=3, error_code="shop_auth_failed", permanent=True),
            False,
            True,
            "stock_entry_account_failed",
        ),
        (
            StockPushOutcome(
                stock_id=5, ok=False, quantity=3, error_code="shop_request_rejected", message="bad", permanent=True
            ),
            False,
            True,
            "stock_entry_refused",
        ),
        (None, False, False, "stock_entry_retry"),
    ],
)
def test_shop_outcomes_decide_between_retrying_and_reporting(
    answer: StockPushOutcome | None, ok: bool, permanent: bool, reason: str | None
) -> None:
    outcome = stock_push._outcome_of(answer)

    assert (outcome.ok, outcome.permanent, outcome.reason) == (ok, permanent, reason)


def test_offer_references_round_trip_to_the_offer_key() -> None:
    ref = keys.offer_ref("01abc", 12, 0)

    assert ref == "01abc#12#0"
    assert keys.parse_offer_ref(ref) == ("01abc", 12, 0)
    assert keys.offer_key_of_ref(ref) == {"PK": "ACCOUNT#01abc", "SK": "OFFER#12#0"}
    with pytest.raises(ValueError):
        keys.parse_offer_ref("#1#2")


def test_every_stock_message_has_polish_and_english_and_is_in_the_catalogue() -> None:
    for key, texts in STOCK_MESSAGES.items():
        assert set(texts) == {"pl", "en"}, key
        assert MESSAGES[key] == texts
    used = {"stock_entry_retry", "stock_entry_row_missing", "stock_entry_account_failed", "stock_entry_refused"}
    used |= {"stock_entry_unchanged", "stock_entry_no_stock_row", "stock_entry_contended", "stock_entry_shared_row"}
    used |= {"stock_push_logged", "stock_product_not_found", "stock_unknown_products", "report_not_found"}
    assert used <= STOCK_MESSAGES.keys()
