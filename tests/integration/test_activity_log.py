"""The activity log a person can read: the tenant's whole log (``GET /logs``) with its filters and
paging, an account's log by section, messages in the reader's language, old entries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from local.prestashop import ShopSimulator, SimulatorConfig
from shophub.clock import iso
from shophub.domain.activity import ACTIONS
from shophub.ids import new_ulid
from shophub.store import keys
from shophub.store.activity import ActivityLogRepository
from tests.support.accounts import KEY, client, closed_port, create_account, stored_account
from tests.support.api import ApiClient
from tests.support.aws import TestStack as Stack

TENANT = "tenant-a"


@pytest.fixture(scope="module")
def sim() -> Iterator[ShopSimulator]:
    with ShopSimulator(SimulatorConfig(key=KEY, products=1, combinations=0, orders=1)) as simulator:
        yield simulator


@pytest.fixture
def api(stack: Stack) -> ApiClient:
    return client(stack.container.tokens.create(TENANT, name="merchant"), "en")


@pytest.fixture
def story(stack: Stack, sim: ShopSimulator, api: ApiClient) -> dict[str, str]:
    """A tenant's morning, one entry each: an account added, an addition that failed its
    connection check, a template, a check, a dictionary entry, another account deleted."""
    a = create_account(api, sim.url).json["id"]
    assert create_account(api, f"http://127.0.0.1:{closed_port()}", name="Zły").status == 422
    assert api.post(f"/accounts/{a}/templates", {"name": "Domyślny"}).status == 201
    assert api.post(f"/accounts/{a}/check").status == 200
    assert api.post("/hub/shipping-methods", {"name": "InPost Kurier"}).status == 201
    b = stored_account(stack, "https://second.example", name="Drugi")
    assert api.delete(f"/accounts/{b}").status == 204
    return {"a": a, "b": b}


STORY = [
    "account.deleted",
    "mappings.dictionary_entry_added",
    "account.checked",
    "templates.created",
    "account.create_failed",
    "account.created",
]


def read_all(api: ApiClient, path: str, query: str = "", limit: int = 100) -> list[dict[str, Any]]:
    """Every entry of a log, page after page."""
    found: list[dict[str, Any]] = []
    token = ""
    while True:
        answer = api.get(path, query="&".join(p for p in (query, f"limit={limit}", f"next={token}" * bool(token)) if p))
        assert answer.status == 200, answer.text
        assert len(answer.json["items"]) <= limit
        found += answer.json["items"]
        token = answer.json["next"] or ""
        if not token:
            return found


def actions(entries: list[dict[str, Any]]) -> list[str]:
    return [e["action"] for e in entries]


# --- the tenant's log ---------------------------------------------------------------------------


def test_the_tenant_log_holds_every_entry_newest_first_with_failed_additions_and_deletions(api, story):
    entries = read_all(api, "/logs")

    assert actions(entries) == STORY
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)
    deleted, dictionary, _, _, failed, created = entries
    assert (deleted["account_id"], deleted["section"], deleted["actor"]) == (story["b"], "account", "merchant")
    assert "Drugi" in deleted["message"]
    assert (dictionary["account_id"], dictionary["section"]) == (None, "mappings")
    assert (failed["account_id"], failed["outcome"], failed["section"]) == (None, "error", "account")
    assert failed["message"].startswith('Shop account "Zły" was not added') or "Zły" in failed["message"]
    assert "The integration details are incorrect" in failed["message"]
    assert created["account_id"] == story["a"]


def test_the_tenant_log_filters_by_section_account_and_outcome(api, story):
    a, b = story["a"], story["b"]

    assert actions(read_all(api, "/logs", "section=account")) == [
        "account.deleted",
        "account.checked",
        "account.create_failed",
        "account.created",
    ]
    assert actions(read_all(api, "/logs", "section=templates")) == ["templates.created"]
    assert actions(read_all(api, "/logs", f"account_id={a}")) == [
        "account.checked",
        "templates.created",
        "account.created",
    ]
    assert actions(read_all(api, "/logs", f"account_id={b}")) == ["account.deleted"]  # a deleted account's too
    assert actions(read_all(api, "/logs", f"account_id={a}&section=account")) == ["account.checked", "account.created"]
    assert actions(read_all(api, "/logs", "outcome=error")) == ["account.create_failed"]
    assert actions(read_all(api, "/logs", "section=account&outcome=ok")) == [
        "account.deleted",
        "account.checked",
        "account.created",
    ]
    assert read_all(api, "/logs", "section=stock") == []


def test_the_tenant_log_pages_with_opaque_tokens_of_its_own_listing(api, story):
    everything = read_all(api, "/logs")

    assert read_all(api, "/logs", limit=1) == everything
    assert read_all(api, "/logs", limit=4) == everything
    assert actions(read_all(api, "/logs", "section=account", limit=1)) == actions(
        read_all(api, "/logs", "section=account")
    )
    assert actions(read_all(api, "/logs", "outcome=ok", limit=2)) == [a for a in STORY if a != "account.create_failed"]
    token = api.get("/logs", query="limit=2").json["next"]
    assert token
    assert api.get("/logs", query=f"section=account&next={token}").status == 400  # another listing's token
    assert api.get(f"/accounts/{story['a']}/logs", query=f"next={token}").status == 400
    assert api.get("/logs", query="next=bm90LWEtdG9rZW4").status == 400
    assert api.get("/logs", query="section=dictionaries").status == 422
    assert api.get("/logs", query="outcome=maybe").status == 422
    assert api.get("/logs", query="limit=101").status == 422


def test_another_tenant_reads_none_of_it(stack, api, story):
    other = client(stack.container.tokens.create("tenant-b"), "en")
    # (also not the entries kept under the account itself, which name no tenant)
    ActivityLogRepository(stack.table).append(
        action="links.file", outcome="ok", message="Powiązano 3 produkty.", account_id=story["a"]
    )

    assert read_all(other, "/logs") == []
    assert read_all(other, "/logs", f"account_id={story['a']}") == []
    assert other.get(f"/accounts/{story['a']}/logs").status == 404


# --- an account's log ---------------------------------------------------------------------------


def test_an_account_log_filters_by_configuration_section(api, story):
    path = f"/accounts/{story['a']}/logs"

    assert actions(read_all(api, path)) == ["account.checked", "templates.created", "account.created"]
    assert actions(read_all(api, path, "section=templates")) == ["templates.created"]
    assert actions(read_all(api, path, "section=account", limit=1)) == ["account.checked", "account.created"]
    assert read_all(api, path, "section=orders") == []
    assert api.get(path, query="section=nope").status == 422


# --- messages in the reader's language --------------------------------------------------------


def test_messages_are_stored_as_keys_and_rendered_in_the_readers_language(stack, api, story):
    polish = client(api.token, "pl")

    english = {e["action"]: e["message"] for e in read_all(api, "/logs")}
    native = {e["action"]: e["message"] for e in read_all(polish, "/logs")}

    assert "Connection is correct." in english["account.created"]
    assert "Połączenie jest poprawne." in native["account.created"]
    assert "The integration details are incorrect. API error message: " in english["account.create_failed"]
    assert "Wpisane dane integracyjne są niepoprawne. Komunikat błędu API: " in native["account.create_failed"]
    assert native["templates.created"] != english["templates.created"]
    # stored: the key, JSON-safe parameters (nested parts as keys too) and the Polish text
    items = stack.table.query(keys.tenant_pk(TENANT), sk_prefix=keys.LOG_PREFIX)
    failed = next(i for i in items if i["action"] == "account.create_failed")
    assert failed["message_key"] == "account_create_failed"
    assert failed["params"]["connection"]["$key"] == "connection_failed"
    assert failed["message"] == native["account.create_failed"]


def test_entries_written_before_keys_and_sections_still_read(stack, api, story):
    # Given entries as they were written before: a message only, old action names, under the
    # account's own partition (and a tenant-level one under the tenant)
    old = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    legacy = {"at": iso(old), "actor": "api", "outcome": "ok", "details": {}, "expires_at": 2_000_000_000}
    stack.table.put(
        {
            "PK": keys.account_pk(story["a"]),
            "SK": keys.log_sk(iso(old), new_ulid()),
            **legacy,
            "action": "account.check",
            "message": "Stary wpis: połączenie jest poprawne.",
        }
    )
    stack.table.put(
        {
            "PK": keys.tenant_pk(TENANT),
            "SK": keys.log_sk(iso(old), new_ulid()),
            **legacy,
            "action": "account.create",
            "outcome": "error",
            "message": "Stary wpis bez konta.",
        }
    )

    # Then they read, oldest last, under today's names and sections, as they were written
    (*_, last) = read_all(api, f"/accounts/{story['a']}/logs")
    assert (last["action"], last["section"], last["message"]) == (
        "account.checked",
        "account",
        "Stary wpis: połączenie jest poprawne.",
    )
    assert actions(read_all(api, f"/accounts/{story['a']}/logs", "section=account", limit=1))[-1] == "account.checked"
    assert "Stary wpis" not in str(read_all(api, f"/accounts/{story['a']}/logs", "section=templates"))
    (*_, tenant_last) = read_all(api, "/logs")
    assert (tenant_last["action"], tenant_last["message"]) == ("account.created", "Stary wpis bez konta.")


def test_an_unconverted_caller_giving_only_the_account_is_merged_into_its_log_in_time_order(stack, api, story):
    # Given an entry appended the old way (an account, no tenant, a text already rendered)
    ActivityLogRepository(stack.table).append(
        action="links.file", outcome="ok", message="Powiązano 3 produkty.", account_id=story["a"]
    )
    stack.container.activity.append(
        action="templates.created",
        outcome="ok",
        message_key="activity_template_created",
        params={"name": "Później"},
        tenant_id=TENANT,
        account_id=story["a"],
    )

    entries = read_all(api, f"/accounts/{story['a']}/logs", limit=1)

    assert actions(entries)[:3] == ["templates.created", "linking.file", "account.checked"]
    assert entries[1]["section"] == "linking" and entries[1]["message"] == "Powiązano 3 produkty."
    assert actions(read_all(api, f"/accounts/{story['a']}/logs", "section=linking")) == ["linking.file"]


# --- keys and costs ---------------------------------------------------------------------------


def test_an_entry_costs_one_batch_write_of_two_items_that_expire(stack):
    repository = ActivityLogRepository(stack.table, retention_days=180)
    before = stack.table.request_count

    entry = repository.append(
        action="stock.pushed",
        outcome="ok",
        message_key="stock_push_logged",
        params={"ok": 2, "failed": 0, "unchanged": 0, "skipped": 0, "shop_requests": 1},
        tenant_id=TENANT,
        account_id="acc1",
    )

    assert stack.table.request_count - before == 1
    main = list(stack.table.query(keys.tenant_pk(TENANT), sk_prefix=keys.LOG_PREFIX))
    by_section = list(stack.table.query(keys.log_section_pk(TENANT, "stock"), sk_prefix=keys.LOG_PREFIX))
    assert len(main) == len(by_section) == 1
    assert main[0]["SK"] == by_section[0]["SK"]
    assert main[0]["GSI1PK"] == keys.account_log_gsi1pk(TENANT, "acc1")
    assert by_section[0]["GSI1PK"] == keys.account_log_gsi1pk(TENANT, "acc1", "stock")
    assert main[0]["expires_at"] == by_section[0]["expires_at"] > entry.at.timestamp() + 179 * 86400
    assert ACTIONS[entry.action] == "stock"
