"""The stock rule as an invariant, over random sequences of what merchants and shops do.

Against the simulated shop with a real shop's data (the recorded demo catalogue, and the messy
catalogue built like it), through the public API and the real functions on moto: imports and
links (by symbol and by EAN, with and without stock), orders placed before and after linking,
orders cancelled before or after the hub first saw them, other state changes, repeated fetches,
and reconnecting the shop (the account deleted and added again, in the same tenant or another).

After every sequence:

* the hub's stock of every product equals the figure it had when it was created or first
  linked, minus the sales placed after linking, plus their returns (never below zero);
* reconnecting a shop and re-importing changed no stock, in the hub or in the shop;
* once the merchant sends the hub's stock to the shop, every linked shop row equals its hub
  product's stock.

The model below (:class:`Expected`) is the rule written independently of the services.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from local.prestashop import OrderLine, ShopSimulator, SimulatorConfig
from local.stack.moto_patches import item_level_transaction_rollback
from tests.support.merchant import InProcessHub, MerchantAccount, SteppedClock, expect, set_stock

KEY = "STOCKINVARIANTKEY000000000000001"
CANCELED = 6
SHIPPED = 4
Variant = tuple[int, int]


@dataclass
class ShopOrder:
    id: int
    lines: list[tuple[Variant, int]]
    placed: int  # step; -1: before the test began
    updated: int
    cancelled: int | None = None


@dataclass
class Seen:
    """What one account's hub did with one order."""

    taken: list[tuple[int, int]] = field(default_factory=list)  # (hub product, applied)
    returned: bool = False


@dataclass
class Expected:
    """The stock rule, independently: per tenant and hub product, the expected stock."""

    levels: dict[str, dict[int, int]] = field(default_factory=dict)
    linked: dict[str, dict[Variant, tuple[int, int]]] = field(default_factory=dict)  # account → variant → (pid, step)
    seen: dict[str, dict[int, Seen]] = field(default_factory=dict)  # account → order → what it did

    def adopt(self, tenant: str, account: str, step: int, offers: list, hub_levels: dict[int, int]) -> None:
        """After an import: new products start at the hub's figure; new links are dated."""
        known = self.levels.setdefault(tenant, {})
        for pid, quantity in hub_levels.items():
            known.setdefault(pid, quantity)
        links = self.linked.setdefault(account, {})
        for offer in offers:
            links.setdefault((offer.shop_product_id, offer.shop_variant_id), (offer.hub_product_id, step))

    def fetched(self, tenant: str, account: str, step: int, orders: list[ShopOrder]) -> None:
        """A fetch at ``step``: new orders take stock (unless cancelled already), then cancelled
        ones give back what they took; in the poller's order (last change, then id)."""
        seen = self.seen.setdefault(account, {})
        links = self.linked.get(account, {})
        levels = self.levels.setdefault(tenant, {})
        for order in sorted(orders, key=lambda o: (o.updated, o.id)):
            if order.id in seen:
                continue
            record = seen[order.id] = Seen()
            if order.cancelled is not None:
                continue  # returned in the shop before the hub saw it: takes nothing
            for variant, quantity in order.lines:
                link = links.get(variant)
                if link is None or link[1] >= order.placed:
                    continue  # placed before the link: already counted in the hub's figure
                applied = min(quantity, levels[link[0]])
                levels[link[0]] -= applied
                record.taken.append((link[0], applied))
        for order in orders:
            record = seen[order.id]
            if order.cancelled is not None and not record.returned:
                record.returned = True
                for pid, applied in record.taken:
                    levels[pid] += applied


class World:
    """One shop, one hub, the merchant's live account and what the test did."""

    def __init__(self, hub: InProcessHub, shop: ShopSimulator, clock: SteppedClock) -> None:
        self.hub = hub
        self.shop = shop
        self.clock = clock
        self.tenants = [f"t-{uuid.uuid4().hex[:8]}", f"t-{uuid.uuid4().hex[:8]}"]
        self.step = 0
        self.orders = {
            oid: ShopOrder(oid, [], -1, -1, -1 if shop.data.order(oid)["current_state"] == CANCELED else None)
            for oid in shop.data.ids("orders")
        }
        self.expected = Expected()
        self.account = self.connect(self.tenants[0])

    def tick(self) -> int:
        self.step += 1
        self.clock.advance(5)
        return self.step

    def connect(self, tenant: str) -> MerchantAccount:
        self.tick()
        return MerchantAccount.connect(self.hub, self.shop, tenant)

    def hub_levels(self, tenant: str) -> dict[int, tuple[int, int]]:
        """Every hub product's ``(stock, stock_version)``."""
        return {p.id: (p.stock, p.stock_version) for p in self.hub.container.catalog.iter_products(tenant)}

    def run_import(self, tenant: str, mode: str, identifier: str, with_stock: bool) -> None:
        step = self.tick()
        self.account.run_import(mode, identifier, with_stock=with_stock)
        levels = {pid: quantity for pid, (quantity, _) in self.hub_levels(tenant).items()}
        self.expected.adopt(tenant, self.account.account_id, step, self.account.offers(), levels)

    def place(self, lines: list[tuple[Variant, int]]) -> None:
        step = self.tick()
        oid = self.shop.data.place_order([OrderLine(p, c, q) for (p, c), q in lines])
        self.orders[oid] = ShopOrder(oid, lines, step, step)

    def change_state(self, order: ShopOrder, state: int) -> None:
        step = self.tick()
        self.shop.data.change_order_state(order.id, state)
        order.updated = step
        if state == CANCELED:
            order.cancelled = step

    def fetch(self, tenant: str) -> None:
        step = self.tick()
        self.account.fetch_orders()
        self.expected.fetched(tenant, self.account.account_id, step, list(self.orders.values()))

    def snapshot(self) -> tuple[dict[str, dict[int, tuple[int, int]]], list[int]]:
        rows = [row["quantity"] for row in sorted(self.shop.data.tables["stock_availables"], key=lambda r: r["id"])]
        return {t: self.hub_levels(t) for t in self.tenants}, rows


def orderable(shop: ShopSimulator) -> list[Variant]:
    """Active variants with enough stock in the shop for a few small orders."""
    data = shop.data
    variants = []
    for product in data.tables["products"]:
        if str(product["active"]) != "1":
            continue
        combos = data.combinations_of(product["id"])
        for cid in [c["id"] for c in combos] or [0]:
            if data.stock_quantity(product["id"], cid) >= 20:
                variants.append((product["id"], cid))
    return variants


IMPORTS = st.tuples(st.sampled_from(["import", "link"]), st.sampled_from(["symbol", "ean"]), st.booleans())
STEPS = st.lists(
    st.sampled_from(["import", "order", "order", "cancel", "ship", "fetch", "fetch", "reconnect", "move"]),
    min_size=3,
    max_size=9,
)


@pytest.fixture
def hub(stack) -> Iterator[InProcessHub]:
    with item_level_transaction_rollback():  # moto otherwise copies the whole table per transaction item
        hub = InProcessHub(stack, SteppedClock())
        yield hub
        hub.close()


EXAMPLES = int(os.environ.get("SHOPHUB_PROPERTY_EXAMPLES", "8"))


@pytest.mark.slow
@pytest.mark.timeout(120 + 30 * EXAMPLES)
@pytest.mark.parametrize("catalog", ["demo", "messy"])
@settings(
    max_examples=EXAMPLES,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), first=IMPORTS, steps=STEPS)
def test_hub_and_shop_stock_stay_true_over_any_sequence(hub, catalog, data, first, steps) -> None:
    clock = hub.clock
    shop = ShopSimulator(SimulatorConfig(key=KEY, dataset=catalog, products=8, combinations=3, orders=8), clock=clock)
    shop.start()
    try:
        world = World(hub, shop, clock)
        tenant = world.tenants[0]
        world.run_import(tenant, "import", first[1], first[2])
        variants = orderable(shop)
        for kind in steps:
            if kind == "import":
                mode, identifier, with_stock = data.draw(IMPORTS)
                world.run_import(tenant, mode, identifier, with_stock)
            elif kind == "order":
                chosen = data.draw(st.lists(st.sampled_from(variants), min_size=1, max_size=3, unique=True))
                world.place([(v, data.draw(st.integers(1, 3))) for v in chosen])
            elif kind in ("cancel", "ship"):
                live = [o for o in world.orders.values() if o.cancelled is None]
                if live:
                    order = data.draw(st.sampled_from(sorted(live, key=lambda o: o.id)))
                    world.change_state(order, CANCELED if kind == "cancel" else SHIPPED)
            elif kind == "fetch":
                world.fetch(tenant)
            else:  # reconnect: in the same tenant, or move the shop to the other one
                tenant = world.tenants[1] if kind == "move" else tenant
                reconnect_changes_no_stock(world, tenant, data.draw(IMPORTS))
        world.fetch(tenant)

        for t in world.tenants:
            actual = {pid: quantity for pid, (quantity, _) in world.hub_levels(t).items()}
            assert actual == world.expected.levels.get(t, {}), f"tenant {t}"
        every_linked_row_equals_the_hub_once_sent(world, tenant)
    finally:
        shop.stop()


def reconnect_changes_no_stock(world: World, tenant: str, how: tuple[str, str, bool]) -> None:
    before = world.snapshot()
    world.account.delete()
    world.account = world.connect(tenant)
    world.run_import(tenant, *how)
    world.fetch(tenant)  # the shop's existing orders, all placed before the new link
    after = world.snapshot()
    old_levels, old_rows = before
    new_levels, new_rows = after
    assert new_rows == old_rows, "the shop's stock changed"
    for t, levels in old_levels.items():
        assert {pid: new_levels[t][pid] for pid in levels} == levels, f"hub stock of tenant {t} changed"


def every_linked_row_equals_the_hub_once_sent(world: World, tenant: str) -> None:
    client = world.hub.api(tenant)
    levels = world.hub_levels(tenant)
    known = {pid: quantity for pid, (quantity, version) in levels.items() if version > 0}
    if known:
        set_stock(client, known)
        world.hub.settle()
    rows = {
        (o.shop_product_id, o.shop_variant_id): o.hub_product_id
        for o in world.account.offers()
        if o.hub_product_id in known
    }
    wrong = {
        variant: (world.shop.data.stock_quantity(*variant), known[pid])
        for variant, pid in rows.items()
        if world.shop.data.stock_quantity(*variant) != known[pid]
    }
    assert not wrong, f"shop rows differ from the hub (shop, hub): {wrong}"
    assert expect(client.get(f"/accounts/{world.account.account_id}"), 200)["id"] == world.account.account_id
