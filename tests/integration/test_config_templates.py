"""Offer templates: the first is the default, exactly one default (also under races), deletion
rules, edits, the import area's helpers, isolation and validation."""

from __future__ import annotations

import pytest

from shophub.errors import ConflictError
from shophub.services.templates import TemplateService
from shophub.store import keys
from shophub.store.accounts import AccountRepository
from shophub.store.activity import ActivityLogRepository
from shophub.store.dynamo import TransactionConflict
from shophub.store.templates import TemplateRepository
from tests.support.config import api, logs, make_account
from tests.support.races import conflicting_table, lined_up_table, race

ALL_ON = {"description": True, "shipping_prices": True, "price": True, "stock": True}


def _defaults(client, account_id):
    return [t["id"] for t in client.get(f"/accounts/{account_id}/templates").json["items"] if t["default"]]


def _use(stack, account_id, template_id, offers=1):
    """What the import area does when it writes offers with this template."""
    repository = TemplateRepository(stack.table)
    for _ in range(offers):
        stack.table.transact_write([repository.tx_increment_usage(account_id, template_id)])


def test_the_first_template_is_the_default_and_the_next_is_not(stack):
    account = make_account(stack)
    client = api(stack)
    url = f"/accounts/{account.id}/templates"

    first = client.post(url, {"name": "Główny"})
    second = client.post(url, {"name": "Tylko stany", "sync": {"description": False, "price": False}})

    assert first.status == second.status == 201
    assert first.json == {"id": first.json["id"], "name": "Główny", "sync": ALL_ON, "default": True, "offer_count": 0}
    assert second.json["default"] is False
    assert second.json["sync"] == {"description": False, "shipping_prices": True, "price": False, "stock": True}
    listed = client.get(url)
    assert listed.status == 200
    assert [t["id"] for t in listed.json["items"]] == [first.json["id"], second.json["id"]]
    assert _defaults(client, account.id) == [first.json["id"]]
    assert client.get(f"{url}/{second.json['id']}").json == second.json
    assert AccountRepository(stack.table).get("tenant-a", account.id).default_template_id == first.json["id"]
    assert [e.action for e in logs(stack, account_id=account.id)] == ["templates.created", "templates.created"]


def test_making_another_template_the_default_moves_the_only_default(stack):
    account = make_account(stack)
    client = api(stack)
    url = f"/accounts/{account.id}/templates"
    first = client.post(url, {"name": "A"}).json["id"]
    second = client.post(url, {"name": "B"}).json["id"]

    answer = client.post(f"{url}/{second}/default")

    assert answer.status == 200
    assert answer.json["default"] is True
    assert _defaults(client, account.id) == [second]
    entry = logs(stack, account_id=account.id)[0]
    assert entry.action == "templates.default_changed"
    assert entry.details == {"old": first, "new": second}
    # and making the default the default again changes nothing
    assert client.post(f"{url}/{second}/default").status == 200
    assert logs(stack, account_id=account.id)[0].action == "templates.default_changed"
    assert len(logs(stack, account_id=account.id)) == 3


def test_the_default_template_cannot_be_deleted(stack):
    account = make_account(stack)
    url = f"/accounts/{account.id}/templates"
    default = api(stack).post(url, {"name": "Główny"}).json["id"]

    english = api(stack, language="en").delete(f"{url}/{default}")
    polish = api(stack, language="pl").delete(f"{url}/{default}")

    assert english.status == polish.status == 409
    assert english.json["error"]["code"] == "default_template"
    assert "Make another template the default first" in english.json["error"]["message"]
    assert "Nie można usunąć domyślnego szablonu „Główny”" in polish.json["error"]["message"]
    assert api(stack).get(f"{url}/{default}").status == 200
    assert logs(stack, account_id=account.id)[0].outcome == "error"


def test_a_template_used_by_an_offer_cannot_be_deleted_but_can_be_edited(stack):
    # Given a template two offers use
    account = make_account(stack)
    client = api(stack)
    url = f"/accounts/{account.id}/templates"
    client.post(url, {"name": "Główny"})
    used = client.post(url, {"name": "Używany"}).json["id"]
    _use(stack, account.id, used, offers=2)

    # When it is deleted, then edited
    refused = api(stack, language="pl").delete(f"{url}/{used}")
    edited = client.put(f"{url}/{used}", {"name": "Używany 2", "sync": {"stock": False}})

    # Then deleting is refused, editing works
    assert refused.status == 409
    assert refused.json["error"]["code"] == "template_in_use"
    assert "(2)" in refused.json["error"]["message"]
    assert edited.status == 200
    assert edited.json["name"] == "Używany 2"
    assert edited.json["sync"] == {**ALL_ON, "stock": False}
    assert edited.json["offer_count"] == 2
    # and once no offer uses it any more, it can be deleted
    repository = TemplateRepository(stack.table)
    stack.table.transact_write([repository.tx_decrement_usage(account.id, used)])
    stack.table.transact_write([repository.tx_decrement_usage(account.id, used)])
    assert client.delete(f"{url}/{used}").status == 204
    assert client.get(f"{url}/{used}").status == 404


def test_an_unused_non_default_template_is_deleted_and_logged(stack):
    account = make_account(stack)
    client = api(stack)
    url = f"/accounts/{account.id}/templates"
    client.post(url, {"name": "A"})
    spare = client.post(url, {"name": "B"}).json["id"]

    answer = client.delete(f"{url}/{spare}")

    assert answer.status == 204
    assert answer.text == ""
    assert stack.table.get(keys.account_pk(account.id), keys.template_sk(spare)) is None
    entry = logs(stack, account_id=account.id)[0]
    assert entry.action == "templates.deleted"
    assert entry.details["old"] == {"name": "B", "sync": ALL_ON}
    assert entry.details["new"] is None


def test_edits_change_only_what_is_given_and_are_logged(stack):
    account = make_account(stack)
    client = api(stack)
    url = f"/accounts/{account.id}/templates"
    tid = client.post(url, {"name": "A", "sync": {"price": False}}).json["id"]

    answer = client.put(f"{url}/{tid}", {"sync": {"description": False}})

    assert answer.status == 200
    assert answer.json == {
        "id": tid,
        "name": "A",
        "sync": {**ALL_ON, "price": False, "description": False},
        "default": True,
        "offer_count": 0,
    }
    entry = logs(stack, account_id=account.id)[0]
    assert entry.action == "templates.changed"
    assert entry.details["old"]["sync"]["description"] is True
    assert entry.details["new"]["sync"]["description"] is False


def test_usage_counter_helpers_refuse_a_missing_template_and_going_below_zero(stack):
    account = make_account(stack)
    client = api(stack)
    tid = client.post(f"/accounts/{account.id}/templates", {"name": "A"}).json["id"]
    repository = TemplateRepository(stack.table)

    with pytest.raises(TransactionConflict):
        stack.table.transact_write([repository.tx_increment_usage(account.id, "missing")])
    with pytest.raises(TransactionConflict):
        stack.table.transact_write([repository.tx_decrement_usage(account.id, tid)])
    assert stack.table.get(keys.account_pk(account.id), keys.template_sk("missing")) is None


def test_default_template_for_imports(stack):
    account = make_account(stack)
    service = stack.container.template_service

    with pytest.raises(ConflictError) as refused:
        service.default_template(account)
    tid = api(stack).post(f"/accounts/{account.id}/templates", {"name": "A"}).json["id"]
    refreshed = AccountRepository(stack.table).get("tenant-a", account.id)

    assert refused.value.code == "no_default_template"
    assert service.default_template(refreshed).id == tid
    assert stack.container.config_repository.get_template(account.id, tid).name == "A"
    assert [t.id for t in stack.container.config_repository.list_templates(account.id)] == [tid]


def test_an_account_save_from_before_a_default_change_cannot_undo_it(stack):
    # Given an account read before its first template was created
    account = make_account(stack)
    stale = AccountRepository(stack.table).get("tenant-a", account.id)
    tid = api(stack).post(f"/accounts/{account.id}/templates", {"name": "A"}).json["id"]

    # When that stale copy is saved (optimistic version)
    with pytest.raises(ConflictError):
        AccountRepository(stack.table).save(stale.model_copy(update={"name": "Renamed"}))

    # Then the default pointer survives
    assert AccountRepository(stack.table).get("tenant-a", account.id).default_template_id == tid


# --- races --------------------------------------------------------------------------------------


def _service(table):
    return TemplateService(AccountRepository(table), TemplateRepository(table), ActivityLogRepository(table))


def _reads_account(op, kw):
    return op == "get_item" and kw["Key"]["SK"]["S"].startswith("ACCOUNT#")


def test_two_concurrent_first_templates_make_exactly_one_default(stack):
    # Given an account without templates, and two creates that both see "no default yet"
    account = make_account(stack)
    table = lined_up_table(stack, 2, _reads_account)

    # When both create a template at once
    results = race(
        lambda: _service(table).create_template("tenant-a", account.id, "A", _sync(), actor="a"),
        lambda: _service(table).create_template("tenant-a", account.id, "B", _sync(), actor="b"),
    )

    # Then both exist and exactly one of them is the default
    assert not any(isinstance(r, Exception) for r in results), results
    assert sorted(r.default for r in results) == [False, True]
    client = api(stack)
    items = client.get(f"/accounts/{account.id}/templates").json["items"]
    assert len(items) == 2
    assert _defaults(client, account.id) == [next(r.template.id for r in results if r.default)]


def test_two_concurrent_default_changes_leave_exactly_one_default(stack):
    account = make_account(stack)
    client = api(stack)
    url = f"/accounts/{account.id}/templates"
    ids = [client.post(url, {"name": name}).json["id"] for name in ("A", "B", "C")]
    table = lined_up_table(stack, 2, _reads_account)

    results = race(
        lambda: _service(table).set_default("tenant-a", account.id, ids[1], actor="a"),
        lambda: _service(table).set_default("tenant-a", account.id, ids[2], actor="b"),
    )

    assert not any(isinstance(r, Exception) for r in results), results
    defaults = _defaults(client, account.id)
    assert len(defaults) == 1
    assert defaults[0] in ids[1:]


def test_deleting_a_template_while_it_becomes_the_default_never_leaves_a_dangling_default(stack):
    account = make_account(stack)
    client = api(stack)
    url = f"/accounts/{account.id}/templates"
    ids = [client.post(url, {"name": name}).json["id"] for name in ("A", "B")]
    table = lined_up_table(stack, 2, _reads_account)

    results = race(
        lambda: _service(table).set_default("tenant-a", account.id, ids[1], actor="a"),
        lambda: _service(table).delete_template("tenant-a", account.id, ids[1], actor="b"),
    )

    # exactly one of the two wins; the default always names an existing template
    assert sum(isinstance(r, Exception) for r in results) == 1
    pointer = AccountRepository(stack.table).get("tenant-a", account.id).default_template_id
    assert stack.table.get(keys.account_pk(account.id), keys.template_sk(pointer)) is not None
    assert len(_defaults(client, account.id)) == 1


def test_a_first_template_whose_transaction_meets_another_write_still_becomes_the_default(stack):
    # Given an account without templates, and a transaction DynamoDB cancels once for a concurrent
    # write to the account item (e.g. a discovery status update)
    account = make_account(stack)

    # When the first template is created
    view = _service(conflicting_table(stack)).create_template("tenant-a", account.id, "A", _sync(), actor="a")

    # Then it is the default, not an ordinary template on an account with no default
    assert view.default is True
    assert AccountRepository(stack.table).get("tenant-a", account.id).default_template_id == view.template.id


def test_set_default_and_delete_meeting_a_concurrent_write_are_retried_not_500(stack):
    account = make_account(stack)
    client = api(stack)
    url = f"/accounts/{account.id}/templates"
    ids = [client.post(url, {"name": name}).json["id"] for name in ("A", "B", "C")]

    _service(conflicting_table(stack)).set_default("tenant-a", account.id, ids[1], actor="a")
    _service(conflicting_table(stack)).delete_template("tenant-a", account.id, ids[2], actor="a")

    assert _defaults(client, account.id) == [ids[1]]
    assert [t["id"] for t in client.get(url).json["items"]] == ids[:2]


def test_a_transaction_that_keeps_conflicting_is_a_409_concurrent_update(stack):
    account = make_account(stack)
    client = api(stack)
    url = f"/accounts/{account.id}/templates"
    ids = [client.post(url, {"name": name}).json["id"] for name in ("A", "B")]

    with pytest.raises(ConflictError) as refused:
        _service(conflicting_table(stack, conflicts=10)).set_default("tenant-a", account.id, ids[1], actor="a")

    assert refused.value.code == "concurrent_update"
    assert _defaults(client, account.id) == [ids[0]]


def _sync():
    from shophub.domain.config import TemplateSync

    return TemplateSync()


# --- validation and isolation -------------------------------------------------------------------


def test_malformed_template_bodies_are_refused(stack):
    account = make_account(stack)
    client = api(stack)
    url = f"/accounts/{account.id}/templates"
    tid = client.post(url, {"name": "A"}).json["id"]
    cases = [
        ("POST", url, {}, 422, "name"),
        ("POST", url, {"name": ""}, 422, "name"),
        ("POST", url, {"name": "x" * 101}, 422, "name"),
        ("POST", url, {"name": "A", "sync": {"stock": "no"}}, 422, "sync.stock"),
        ("POST", url, {"name": "A", "sync": []}, 422, "sync"),
        ("POST", url, {"name": "A", "default": True}, 400, None),
        ("POST", url, {"name": "A", "sync": {"images": True}}, 400, None),
        ("PUT", f"{url}/{tid}", {"name": "  "}, 422, "name"),
        ("PUT", f"{url}/{tid}", {"sync": {"price": 0}}, 422, "sync.price"),
        ("PUT", f"{url}/{tid}", {"id": "x"}, 400, None),
    ]
    for method, path, body, status, field in cases:
        answer = client.call(method, path, body)
        assert answer.status == status, (method, body, answer.json)
        if field:
            assert answer.json["error"]["details"][0]["field"] == field
        else:
            assert answer.json["error"]["code"] == "unknown_fields"
    malformed = client.call("POST", url, raw_body="{]")
    assert malformed.status == 400
    assert malformed.json["error"]["code"] == "malformed_json"
    assert len(client.get(url).json["items"]) == 1


def test_unknown_templates_are_404(stack):
    account = make_account(stack)
    client = api(stack, language="pl")
    url = f"/accounts/{account.id}/templates"

    for answer in (
        client.get(f"{url}/nope"),
        client.put(f"{url}/nope", {"name": "x"}),
        client.delete(f"{url}/nope"),
        client.post(f"{url}/nope/default"),
        client.get(f"{url}/bad%20id"),
    ):
        assert answer.status == 404
    assert client.get(f"{url}/nope").json["error"]["message"] == "Nie znaleziono szablonu."


def test_another_tenants_templates_are_404_on_every_route(stack):
    account = make_account(stack, "tenant-a")
    owner = api(stack, "tenant-a")
    tid = owner.post(f"/accounts/{account.id}/templates", {"name": "A"}).json["id"]
    spare = owner.post(f"/accounts/{account.id}/templates", {"name": "B"}).json["id"]
    stranger = api(stack, "tenant-b")
    url = f"/accounts/{account.id}/templates"

    answers = [
        stranger.get(url),
        stranger.post(url, {"name": "X"}),
        stranger.get(f"{url}/{tid}"),
        stranger.put(f"{url}/{tid}", {"name": "X"}),
        stranger.delete(f"{url}/{spare}"),
        stranger.post(f"{url}/{spare}/default"),
    ]

    assert [a.status for a in answers] == [404] * 6
    assert [t["name"] for t in owner.get(url).json["items"]] == ["A", "B"]
    assert _defaults(owner, account.id) == [tid]
