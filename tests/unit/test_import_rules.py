"""Import and linking rules that need no AWS and no shop: reading the links file, identifiers
through the field mapping, progress figures, messages in both languages."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from shophub.domain.config import FieldMapping
from shophub.domain.imports import Import, ImportRequest
from shophub.domain.shop import ShopVariant
from shophub.errors import ValidationError
from shophub.i18n import MESSAGES, messages_catalog, translate
from shophub.services.linking import LINKS_FILE_COLUMNS, LinkFileService, hub_identifiers, render_reason

HEADER = ",".join(LINKS_FILE_COLUMNS)
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def parse(text: str | bytes, language: str = "en") -> tuple[list[Any], list[Any]]:
    service = LinkFileService(accounts=None, catalog=None, imports=None, activity=None, connector_for=lambda a: None)  # type: ignore[arg-type]
    body = text if isinstance(text, bytes) else text.encode("utf-8")
    return service.parse(body, language)


# --- the links file -------------------------------------------------------------------------------


def test_pairs_are_read_with_their_line_numbers() -> None:
    pairs, rejected = parse(f"{HEADER}\n12,Kubek,,,,5,0,Mug\n,,,,,6,0,Only shop\n13,Hub only,,,,,,\n14,,,,,7,,\n")

    assert [(p.line, p.hub_product_id, p.shop_product_id, p.shop_variant_id) for p in pairs] == [
        (2, 12, 5, 0),
        (5, 14, 7, 0),
    ]
    assert rejected == []


def test_semicolons_bom_crlf_quotes_and_column_order_are_understood() -> None:
    text = "\ufeffshop_product_id;shop_combination_id;hub_product_id\r\n5;3;12\r\n\r\n6;0;13\r\n"
    pairs, rejected = parse(text)
    assert [(p.line, p.hub_product_id, p.shop_product_id, p.shop_variant_id) for p in pairs] == [
        (2, 12, 5, 3),
        (4, 13, 6, 0),
    ]
    quoted = f'{HEADER}\n12,"Kubek, biały ""XL""\nz nową linią",,,,5,1,x\n13,,,,,6,0,\n'
    pairs, rejected = parse(quoted)
    assert [(p.line, p.hub_product_id) for p in pairs] == [(2, 12), (4, 13)]
    assert rejected == []


@pytest.mark.parametrize(
    ("row", "columns"),
    [
        ("abc,,,,,5,0,", "hub_product_id"),
        ("12,,,,,5.5,0,", "shop_product_id"),
        ("12,,,,,5,-1,", "shop_combination_id"),
        ("0,,,,,5,0,", "hub_product_id"),
        ("12,,,,,x,y,", "shop_product_id, shop_combination_id"),
    ],
)
def test_malformed_ids_are_rejected_with_the_columns_named(row: str, columns: str) -> None:
    pairs, rejected = parse(f"{HEADER}\n{row}\n")
    assert pairs == []
    assert [(r.line, r.reason) for r in rejected] == [
        (2, f"Malformed row: the columns {columns} must hold whole numbers (ids).")
    ]


def test_a_shop_variant_paired_twice_is_rejected_the_second_time() -> None:
    pairs, rejected = parse(f"{HEADER}\n12,,,,,5,0,\n13,,,,,5,0,\n", language="pl")
    assert [p.line for p in pairs] == [2]
    assert [(r.line, r.reason) for r in rejected] == [
        (3, "Wariant 5/0 pojawia się w pliku ponownie (pierwszy raz w wierszu 2).")
    ]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", "links_file_empty"),
        (b"\n \n", "links_file_empty"),
        (b"a,b,c\n1,2,3\n", "links_file_header"),
        (b"hub_product_id,shop_product_id\n1,2\n", "links_file_header"),
        (b"hub_product_id,\x81\x98\n", "links_file_encoding"),
        (HEADER.encode() + b'\n12,"Kubek,,,,5,0,\n13,,,,,6,0,\n', "links_file_malformed"),
        (HEADER.encode() + b"\n" + b"1,,,,,1,0,\n" * 600_000, "links_file_too_large"),
    ],
)
def test_unreadable_files_are_refused_whole(body: bytes, code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse(body)
    assert refused.value.code == code
    assert refused.value.status == 422
    for language in ("pl", "en"):
        assert "{" not in translate(refused.value.message_key, language, **refused.value.params)


# --- identifiers, progress, requests ---------------------------------------------------------------


def variant(**identifiers: str) -> ShopVariant:
    return ShopVariant(
        product_id=1,
        name="Kubek",
        product_name="Kubek",
        variant_name="Uniwersalny",
        price_net=Decimal(1),
        identifiers=identifiers,
    )


def test_hub_identifiers_follow_the_field_mapping() -> None:
    shop = variant(ean13="5901", reference="SKU", supplier_reference="SUP", mpn="MPN", upc="UPC", isbn="ISBN")
    assert hub_identifiers(shop, FieldMapping()) == {"ean": "5901", "symbol": "SKU", "catalog_number": "MPN"}
    assert hub_identifiers(shop, FieldMapping(ean="upc", symbol="supplier_reference", catalog_number="isbn")) == {
        "ean": "UPC",
        "symbol": "SUP",
        "catalog_number": "ISBN",
    }
    assert hub_identifiers(variant(ean13="  5901 "), FieldMapping())["ean"] == "5901"


def test_percent_moves_with_processed_products_and_is_full_when_finished() -> None:
    run = Import(id="i", tenant_id="t", account_id="a", mode="import", created_at=NOW, total=120, processed=50)
    assert run.percent == 41
    assert run.model_copy(update={"total": 0}).percent == 0
    assert run.model_copy(update={"status": "finished", "total": 0}).percent == 100


def test_import_requests_default_to_an_ean_import_without_stock() -> None:
    request = ImportRequest()
    assert (request.mode, request.unique_identifier, request.with_stock) == ("import", "ean", False)
    with pytest.raises(ValueError, match="id_from"):
        ImportRequest.model_validate({"filters": {"id_from": 9, "id_to": 3}})
    with pytest.raises(ValueError):
        ImportRequest.model_validate({"filters": {"ids": [1, 0]}})
    with pytest.raises(ValueError):
        ImportRequest.model_validate({"filters": {"ids": list(range(1, 1002))}})


def test_stored_reasons_are_rendered_in_the_readers_language() -> None:
    params = {"identifier": "catalog_number", "value": "MPN-1"}
    assert (
        render_reason("reason_no_match", params, "en")
        == "There is no hub product with catalog number \u201cMPN-1\u201d."
    )
    assert (
        render_reason("reason_no_match", params, "pl")
        == "W hubie nie ma produktu o identyfikatorze numer katalogowy „MPN-1”."
    )
    assert render_reason("", {}, "pl") == ""


def test_every_catalog_message_exists_in_both_languages_with_the_same_placeholders() -> None:
    for key, texts in messages_catalog.MESSAGES.items():
        assert set(texts) == {"pl", "en"}, key
        assert MESSAGES[key] == texts, f"{key} is overridden by another catalogue"
        assert set(re.findall(r"{(\w+)}", texts["pl"])) == set(re.findall(r"{(\w+)}", texts["en"])), key
