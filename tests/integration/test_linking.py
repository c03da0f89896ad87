"""Linking by file: download the hub catalogue with the shop's listed variants as CSV, fill in
pairs, upload it; every refused row says why (in the caller's language)."""

from __future__ import annotations

import csv
import importlib
import io
from typing import Any

from local.stack.events import LambdaContext, http_api_event
from shophub.store import keys
from tests.support.imports import ImportWorld
from tests.support.linking import hub_products, listed_shop

Factory = Any
HEADER = "hub_product_id,hub_name,ean,symbol,catalog_number,shop_product_id,shop_combination_id,shop_name"


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def upload(client: Any, account: Any, text: str, **kw: Any) -> Any:
    return client.call(
        "POST", f"/accounts/{account.id}/links/file", raw_body=text, headers={"content-type": "text/csv"}, **kw
    )


def upload_bytes(world: ImportWorld, account: Any, body: bytes, language: str = "en") -> dict[str, Any]:
    """A binary upload, as API Gateway delivers it (base64) — for bodies that are not UTF-8."""
    event = http_api_event(
        "POST",
        f"/accounts/{account.id}/links/file",
        headers={"content-type": "application/octet-stream", "accept-language": language},
        body=body,
        route_key="POST /accounts/{id}/links/file",
        path_parameters={"id": account.id},
        authorizer_context={"tenant_id": "tenant-a", "token_name": "test"},
    )
    assert event["isBase64Encoded"] is True
    handler = importlib.import_module("functions.importer.handler").handler
    return dict(handler(event, LambdaContext("ImporterFunction", 120)))


def test_the_links_file_round_trip(world_factory: Factory) -> None:
    # Given a hub catalogue of two products and a shop whose three variants a link run listed
    world = world_factory(products=3, combinations=0)
    first, second = hub_products(world, "Kubek", "=HYPERLINK(1)")
    account = world.account()
    client = world.api()
    listed_shop(world, account, client)

    # When the file is downloaded
    download = client.get(f"/accounts/{account.id}/links/file")

    # Then it is CSV with the hub rows (no link yet) and the listed shop variants
    assert download.status == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert download.text.splitlines()[0] == HEADER
    table = rows(download.text)
    assert [(r["hub_product_id"], r["shop_product_id"]) for r in table] == [
        (str(first), ""),
        (str(second), ""),
        ("", "1"),
        ("", "2"),
        ("", "3"),
    ]
    assert table[0]["ean"] == f"59000000{first:05d}"
    assert table[1]["hub_name"].startswith("'=")  # a formula is never handed to a spreadsheet as one
    assert table[2]["shop_name"] == world.sim.data.product(1)["name"][1]
    assert table[2]["shop_combination_id"] == "0"

    # When the merchant pairs shop variants with hub products (and makes a few mistakes)
    lines = [
        HEADER,
        f",,,,,1,0,{table[2]['shop_name']}",  # line 2: shop only, not a pair
        f"{first},,,,,1,0,",  # line 3: pair
        f"{second};x,,,,,2,0,",  # line 4: malformed hub id
        "999,,,,,2,0,",  # line 5: unknown hub product
        f"{second},,,,,1,0,",  # line 6: the same shop variant again
        f"{second},,,,,3,",  # line 7: pair, combination left empty (= 0)
        "",  # line 8: blank
        f"{first},,,,,77,0,",  # line 9: a variant the shop does not have
    ]
    answer = upload(client, account, "\r\n".join(lines) + "\r\n")

    # Then the good pairs are linked and every other row says why
    assert answer.status == 200, answer.text
    assert answer.json["linked"] == 2
    assert answer.json["rejected"] == [
        {"line": 4, "reason": "Malformed row: the columns hub_product_id must hold whole numbers (ids)."},
        {"line": 5, "reason": "There is no product 999 in the hub catalogue."},
        {"line": 6, "reason": "Variant 1/0 appears in the file again (first on line 3)."},
        {"line": 9, "reason": "The shop has no variant 77/0."},
    ]
    offers = {o.shop_product_id: o for o in world.offers(account)}
    assert {p: o.hub_product_id for p, o in offers.items()} == {1: first, 3: second}
    assert offers[1].stock_ref == int(world.sim.data.stock_row_for(1, 0)["id"])
    assert offers[1].template_id == account.default_template_id
    assert offers[1].import_id is None
    product = world.container.catalog.get_product("tenant-a", first)
    assert product.offer_keys == [keys.offer_ref(account.id, 1, 0)]
    template = world.container.table.get(keys.account_pk(account.id), keys.template_sk(account.default_template_id))
    assert template["offer_count"] == 2

    # and the next download shows the links
    table = rows(client.get(f"/accounts/{account.id}/links/file").text)
    assert [(r["hub_product_id"], r["shop_product_id"]) for r in table] == [
        (str(first), "1"),
        (str(second), "3"),
        ("", "2"),
    ]


def test_semicolons_a_bom_and_polish_reasons(world_factory: Factory) -> None:
    world = world_factory(products=2, combinations=0)
    [hub] = hub_products(world, "Żółta koszulka")
    account = world.account()
    client = world.api(language="pl")
    listed_shop(world, account, client)
    text = "\ufeff" + HEADER.replace(",", ";") + "\n" + f"{hub};Żółta koszulka;;;;2;0;x\n" + "12345;;;;;1;0;\n"

    answer = upload(client, account, text)

    assert answer.status == 200, answer.text
    assert answer.json == {
        "lines": 2,
        "linked": 1,
        "unchanged": 0,
        "skipped": 0,
        "rejected": [{"line": 3, "reason": "Nie ma produktu 12345 w katalogu hubu."}],
        "rejected_total": 1,
    }
    assert [o.shop_product_id for o in world.offers(account)] == [2]


def test_already_linked_variants_are_kept_and_reported(world_factory: Factory) -> None:
    world = world_factory(products=2, combinations=0)
    first, second = hub_products(world, "A", "B")
    account = world.account()
    client = world.api()
    listed_shop(world, account, client)
    assert upload(client, account, f"{HEADER}\n{first},,,,,1,0,\n").json["linked"] == 1

    answer = upload(client, account, f"{HEADER}\n{first},,,,,1,0,\n{second},,,,,1,0,\n")

    assert answer.json["linked"] == 0
    assert answer.json["unchanged"] == 1
    assert answer.json["rejected"] == [
        {"line": 3, "reason": "Variant 1/0 appears in the file again (first on line 2)."}
    ]
    answer = upload(client, account, f"{HEADER}\n{second},,,,,1,0,\n")
    assert answer.json["rejected"] == [
        {"line": 2, "reason": f"Variant 1/0 is already linked to another hub product ({first})."}
    ]
    assert [o.hub_product_id for o in world.offers(account)] == [first]


def test_a_variant_no_run_listed_is_confirmed_with_the_shop(world_factory: Factory) -> None:
    # Given a shop none of whose variants were listed by an import
    world = world_factory(products=3, combinations=2)
    [hub] = hub_products(world, "Bluza")
    account = world.account()
    client = world.api()
    world.sim.reset_requests()
    combination = int(world.sim.data.combinations_of(2)[1]["id"])

    answer = upload(client, account, f"{HEADER}\n{hub},,,,,2,{combination},\n{hub},,,,,2,999,\n")

    # Then the shop is asked about product 2 once, the real variant linked, the other refused
    assert answer.json["linked"] == 1
    assert answer.json["rejected"] == [{"line": 3, "reason": "The shop has no variant 2/999."}]
    assert [r.path for r in world.sim.requests if r.path == "/api/products"] == ["/api/products"]
    [offer] = world.offers(account)
    assert (offer.shop_variant_id, offer.stock_ref) == (
        combination,
        int(world.sim.data.stock_row_for(2, combination)["id"]),
    )


def test_a_hub_product_of_another_tenant_is_unknown(world_factory: Factory) -> None:
    world = world_factory(products=1, combinations=0)
    [foreign] = hub_products(world, "Obcy", tenant="tenant-b")
    account = world.account("tenant-a")
    client = world.api("tenant-a")
    listed_shop(world, account, client)

    answer = upload(client, account, f"{HEADER}\n{foreign},,,,,1,0,\n")

    assert answer.json["linked"] == 0
    assert answer.json["rejected"] == [{"line": 2, "reason": f"There is no product {foreign} in the hub catalogue."}]


def test_unreadable_files_are_refused_as_a_whole(world_factory: Factory) -> None:
    world = world_factory(products=1, combinations=0)
    account = world.account()
    en = world.api()
    pl = world.api(language="pl")

    no_header = upload(en, account, "1,2,3\n4,5,6\n")
    assert (no_header.status, no_header.json["error"]["code"]) == (422, "links_file_header")
    assert no_header.json["error"]["message"].startswith(
        "The first row of the links file lacks the columns: hub_product_id, shop_product_id, shop_combination_id."
    )
    empty = upload(pl, account, "\n\n")
    assert (empty.status, empty.json["error"]["code"]) == (422, "links_file_empty")
    assert empty.json["error"]["message"].startswith("Plik powiązań jest pusty.")
    too_large = upload(en, account, HEADER + "\n" + ("1,,,,,1,0," + "x" * 90 + "\n") * 55_000)
    assert (too_large.status, too_large.json["error"]["code"]) == (422, "links_file_too_large")
    assert too_large.json["error"]["message"] == (
        "The links file is too large (limit: 5 MB). Split it into smaller parts."
    )
    undecodable = upload_bytes(world, account, HEADER.encode() + b"\n1,\x81\x98,,,,1,0,\n")
    assert undecodable["statusCode"] == 422
    assert '"links_file_encoding"' in undecodable["body"]
    assert world.offers(account) == []
