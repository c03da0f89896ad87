"""Reading catalogue files exported from a PrestaShop back office: the recorded real exports
unchanged, files in the layout of PrestaShop's CSV import, every refusal reason, hostile input."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.prestashop.demo import demo_dir, read_recorded
from shophub.connectors.prestashop.exports import MAX_FILE_BYTES, MAX_LINES, read_catalogue_file
from shophub.domain.catalogue_file import CatalogueFile
from shophub.errors import ValidationError
from shophub.i18n import messages_files

EXPORTS = demo_dir() / "backoffice-exports"
IMPORT_LAYOUT = Path(__file__).resolve().parents[1] / "fixtures" / "prestashop-import"

STOCK_HEADER = (
    '"Product ID";"Combination ID";"Product reference";"Combination reference";"Product name";"Combination name";'
    'Supplier;Status;"Physical quantity";"Reserved quantity";"Available quantity";"Low stock level";'
    '"Send me an email when the quantity is below or equals this level"'
)
COMBINATION_HEADER = (
    "Product ID*;Product Reference;Attribute (Name:Type:Position)*;Value (Value:Position)*;Reference;EAN13;UPC;Quantity"
)


def read_export(name: str) -> CatalogueFile:
    return read_catalogue_file((EXPORTS / name).read_bytes())


def refused(body: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        read_catalogue_file(body)
    assert caught.value.status == 422
    return caught.value


def stock_row(*cells: str) -> str:
    return ";".join(cells)


def render(key: str, language: str, params: object) -> str:
    """A message of this area (rendered as :func:`shophub.i18n.translate` does once it is merged)."""
    assert isinstance(params, dict)
    return messages_files.MESSAGES[key][language].format(**params)


def refusal_keys(parsed: CatalogueFile) -> list[tuple[int, str]]:
    return [(r.line, r.key) for r in parsed.refusals]


# --- the recorded back-office exports of the real 8.1.2 demo shop, read unchanged ----------------


def test_the_product_list_export_is_19_product_rows_despite_its_tenth_header_column() -> None:
    # Given the legacy product list export (10 header names, 9 fields on every data line)
    parsed = read_export("products-export.csv")

    # Then every line is a product-level row: no refusal, no variant id
    assert (parsed.kind, len(parsed.rows), parsed.refusals, parsed.data_lines) == ("product_list", 19, [], 19)
    assert parsed.accounted
    assert {(r.level, r.shop_variant_id) for r in parsed.rows} == {("product", None)}
    assert parsed.identifier_fields == ("reference",) and parsed.has_quantity
    # and ids, references, names and quantities are the demo shop's
    first, last = parsed.rows[0], parsed.rows[-1]
    assert (first.line, first.shop_product_id, first.identifier("reference"), first.product_name) == (
        2,
        19,
        "demo_14",
        "Customizable mug",
    )
    assert (last.line, last.shop_product_id, last.identifiers, last.quantity) == (20, 1, {"reference": "demo_1"}, 2400)
    # Status is the out-of-stock badge, not the active flag: it is not read
    assert {r.active for r in parsed.rows} == {None}
    assert {r.shop_product_id: r.identifier("reference") for r in parsed.rows} == {
        p["id"]: p["reference"] for p in read_recorded("products")
    }


def test_the_sql_manager_export_is_19_product_rows_with_the_active_flag() -> None:
    parsed = read_export("products-v2-sqlmanager-export.csv")

    assert (parsed.kind, len(parsed.rows), parsed.refusals, parsed.accounted) == ("sql_manager", 19, [], True)
    assert {(r.level, r.shop_variant_id, r.active) for r in parsed.rows} == {("product", None, True)}
    by_id = {r.shop_product_id: r for r in parsed.rows}
    assert (by_id[2].identifier("reference"), by_id[2].product_name, by_id[2].quantity) == (
        "demo_3",
        "Hummingbird printed sweater",
        2100,
    )
    assert {i: r.identifier("reference") for i, r in by_id.items()} == {
        p["id"]: p["reference"] for p in read_recorded("products")
    }


def test_the_stock_export_is_47_variant_rows_matching_the_demo_catalogue() -> None:
    parsed = read_export("stock-export.csv")

    assert (parsed.kind, len(parsed.rows), parsed.refusals, parsed.accounted) == ("stock", 47, [], True)
    assert {r.level for r in parsed.rows} == {"variant"}
    # one row per combination, and variant 0 for each product without combinations
    combinations = read_recorded("combinations")
    with_combinations = {c["id_product"] for c in combinations}
    expected = {(c["id_product"], c["id"]) for c in combinations} | {
        (p["id"], 0) for p in read_recorded("products") if p["id"] not in with_combinations
    }
    assert {(r.shop_product_id, r.shop_variant_id) for r in parsed.rows} == expected
    assert len(expected) == 47
    # every combination shares its product's reference, as in the shop
    references = {(c["id_product"], c["id"]): c["reference"] for c in combinations}
    assert [r.identifier("reference") for r in parsed.rows if (r.shop_product_id, r.shop_variant_id) in references] == [
        references[(r.shop_product_id, r.shop_variant_id)]
        for r in parsed.rows
        if (r.shop_product_id, r.shop_variant_id) in references
    ]


def test_a_stock_row_without_combination_reads_n_a_as_missing_and_inherits_the_product_reference() -> None:
    rows = {(r.shop_product_id, r.shop_variant_id): r for r in read_export("stock-export.csv").rows}

    mug = rows[(19, 0)]
    assert (mug.variant_name, mug.product_reference, mug.identifiers) == ("", "demo_14", {"reference": "demo_14"})
    shirt = rows[(1, 8)]
    assert (shirt.product_name, shirt.variant_name, shirt.identifier("reference")) == (
        "Hummingbird printed t-shirt",
        "Color - Black, Size - XL",
        "demo_1",
    )


def test_the_stock_export_quantity_is_the_available_one_not_the_physical_one() -> None:
    rows = {(r.shop_product_id, r.shop_variant_id): r for r in read_export("stock-export.csv").rows}

    # Given combination 29 with 301 physical, 1 reserved, 300 available
    assert rows[(16, 29)].quantity == 300
    # and it is what the shop's stock row holds
    stock = {(s["id_product"], s["id_product_attribute"]): s["quantity"] for s in read_recorded("stock_availables")}
    assert all(r.quantity == stock[key] for key, r in rows.items())


@pytest.mark.parametrize("name", ["orders-export.csv", "customers-export.csv"])
def test_the_other_back_office_exports_are_not_taken_for_a_catalogue(name: str) -> None:
    error = refused((EXPORTS / name).read_bytes())
    assert error.code == "catalogue_file_unknown_header"
    assert error.params["header"].startswith("ID;")


# --- the layout of PrestaShop's CSV import ---------------------------------------------------------


def test_a_products_import_file_gives_product_rows_with_every_identifier_it_holds() -> None:
    parsed = read_catalogue_file((IMPORT_LAYOUT / "products_import.csv").read_bytes())

    assert (parsed.kind, parsed.refusals, parsed.accounted, len(parsed.rows)) == ("product_import", [], True, 5)
    assert parsed.identifier_fields == ("reference", "ean13", "upc", "mpn", "isbn", "supplier_reference")
    shirt, sweater, poster, mug, new = parsed.rows
    assert (shirt.level, shirt.shop_product_id, shirt.shop_variant_id) == ("product", 1, None)
    assert shirt.identifiers == {"reference": "demo_1", "ean13": "5901234123457", "mpn": "TS-HUM-01"}
    assert (sweater.identifier("ean13"), sweater.identifier("mpn")) == ("5901234123464", "")
    # a missing EAN is simply absent; the active flag is read
    assert poster.identifiers == {"reference": "demo_6", "supplier_reference": "POSTER-6"}
    assert (poster.active, poster.quantity) == (False, 1500)
    # a UPC keeps its leading zero; an ISBN keeps its dashes
    assert mug.identifiers == {"reference": "demo_14", "upc": "012345678905", "isbn": "978-83-01-00000-1"}
    # a product without an id yet is kept: it has identifiers
    assert (new.shop_product_id, new.product_name, new.identifier("ean13")) == (
        None,
        "Żółta filiżanka",
        "5901234123471",
    )


def test_a_combinations_import_file_names_each_variant_by_its_options() -> None:
    parsed = read_catalogue_file((IMPORT_LAYOUT / "combinations_import.csv").read_bytes())

    # Then its first line's trailing delimiter (as in PrestaShop's own sample file) is tolerated
    assert (parsed.kind, parsed.refusals, parsed.accounted, len(parsed.rows)) == ("combination_import", [], True, 7)
    assert {(r.level, r.shop_variant_id) for r in parsed.rows} == {("variant", None)}
    white_s, black_s, _, black_m, cushion_white, _, notebook = parsed.rows
    # combinations sharing the product's reference, each with its own EAN
    assert (white_s.shop_product_id, white_s.variant_name, white_s.identifiers) == (
        1,
        "Color - White, Size - S",
        {"reference": "demo_1", "ean13": "5901234200011"},
    )
    assert black_s.identifier("ean13") == "5901234200028"
    # one without an EAN
    assert black_m.identifiers == {"reference": "demo_1"}
    # an empty combination reference inherits the product's, as the webservice translation does
    assert (cushion_white.product_reference, cushion_white.identifier("reference")) == ("demo_17", "demo_17")
    # a product named by its reference only
    assert (notebook.shop_product_id, notebook.product_reference, notebook.identifier("reference")) == (
        None,
        "demo_8",
        "demo_8-R",
    )
    assert (notebook.identifier("mpn"), notebook.quantity) == ("NB-RULED", 300)


def test_a_combination_id_column_added_by_an_export_module_makes_rows_known_variants() -> None:
    body = (
        b"Product ID;Combination ID;Attribute (Name:Type:Position)*;Value (Value:Position)*;Reference;EAN-13;Quantity\n"
        b"1;1;Color:color:0, Size:select:1;White:0, S:1;demo_1;5901234200011;300\n"
        b"1;2;Color:color:0, Size:select:1;Black:0, S:1;demo_1;;-2\n"
    )

    parsed = read_catalogue_file(body)

    assert [(r.shop_product_id, r.shop_variant_id, r.identifier("ean13"), r.quantity) for r in parsed.rows] == [
        (1, 1, "5901234200011", 300),
        (1, 2, "", -2),
    ]


def test_an_sql_manager_query_with_variant_ids_gives_variant_rows() -> None:
    body = b"id_product;id_product_attribute;reference;ean13;name;quantity\n1;0;demo_1;;T-shirt;0\n1;3;demo_1-WM;5901234200035;T-shirt;300\n"

    parsed = read_catalogue_file(body)

    assert (parsed.kind, parsed.identifier_fields) == ("sql_manager", ("reference", "ean13"))
    assert [(r.level, r.shop_variant_id, r.identifiers) for r in parsed.rows] == [
        ("variant", 0, {"reference": "demo_1"}),
        ("variant", 3, {"reference": "demo_1-WM", "ean13": "5901234200035"}),
    ]


# --- encodings, separators, line endings ---------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "encoding", "newline"),
    [
        (codecs.BOM_UTF8, "utf-8", "\r\n"),
        (b"", "cp1250", "\r\n"),
        (b"", "utf-8", "\r"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "\r\n"),
        (b"", "utf-16-le", "\n"),
    ],
)
def test_excel_saved_files_read_the_same(prefix: bytes, encoding: str, newline: str) -> None:
    text = (IMPORT_LAYOUT / "products_import.csv").read_text(encoding="utf-8")
    body = prefix + newline.join(text.split("\n")).encode(encoding)

    parsed = read_catalogue_file(body)

    assert parsed.encoding == encoding and parsed.refusals == [] and len(parsed.rows) == 5
    assert parsed.rows[-1].product_name == "Żółta filiżanka"
    assert parsed.rows[0].line == 2


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_a_comma_or_tab_separated_file_is_read(delimiter: str) -> None:
    body = (
        delimiter.join(["Product ID*", "Attribute (Name:Type:Position)*", '"Value (Value:Position)*"', "EAN13"])
        + "\n"
        + delimiter.join(["1", '"Color:color:0, Size:select:1"', '"White:0, S:1"', "5901234200011"])
        + "\n"
    ).encode()

    parsed = read_catalogue_file(body)

    assert (parsed.delimiter, parsed.rows[0].variant_name, parsed.rows[0].identifiers) == (
        delimiter,
        "Color - White, Size - S",
        {"ean13": "5901234200011"},
    )


def test_excels_sep_line_sets_the_delimiter_and_blank_lines_are_counted() -> None:
    body = b"sep=,\n\nProduct ID,Name *,Reference #\n\n1,Mug,demo_14\n,,\n2,Cup,demo_15\n"

    parsed = read_catalogue_file(body)

    assert [r.line for r in parsed.rows] == [5, 7]
    assert (parsed.data_lines, parsed.blank_lines, parsed.accounted) == (4, 2, True)


def test_a_trailing_delimiter_on_the_header_names_no_column() -> None:
    body = b"Product ID;Name *;Reference #;\n1;Mug;demo_14\n2;Cup;demo_15;\n"

    parsed = read_catalogue_file(body)

    assert [(r.shop_product_id, r.identifier("reference")) for r in parsed.rows] == [(1, "demo_14"), (2, "demo_15")]


# --- every refusal reason -----------------------------------------------------------------------


def test_every_refusal_reason_names_its_line() -> None:
    lines = [
        STOCK_HEADER,
        stock_row("1", "1", "demo_1", "demo_1", "T-shirt", "Color - White", "S", "1", "300", "0", "300", "0", "0"),
        stock_row("x1", "2", "demo_1", "demo_1", "T-shirt", "Color - Black", "S", "1", "300", "0", "300", "0", "0"),
        stock_row("1", "-3", "demo_1", "demo_1", "T-shirt", "Color - Black", "S", "1", "300", "0", "300", "0", "0"),
        stock_row("1", "1", "demo_1", "demo_1", "T-shirt", "Color - White", "S", "1", "300", "0", "300", "0", "0"),
        stock_row("", "0", "", "N/A", "Nameless", "N/A", "S", "1", "3", "0", "3", "0", "0"),
        stock_row("1", "4", "demo_1", "demo_1", "T-shirt", "Color - Black", "S", "1", "300", "0", "lots", "0", "0"),
        stock_row("1", "5", "demo_1", "=HYPERLINK(1)", "T-shirt", "x", "S", "1", "300", "0", "300", "0", "0"),
        stock_row("1", "6", "demo_1", "demo_1", "T-shirt", "Color - Black", "S"),
        stock_row("1", "7", "demo_1", "demo_1", "T-shirt", "x", "S", "1", "3", "0", "3", "0", "0", "surplus"),
        '1;8;demo_1;"demo_1"x;T-shirt;x;S;1;3;0;3;0;0',
        stock_row("0", "9", "demo_1", "demo_1", "T-shirt", "x", "S", "1", "3", "0", "3", "0", "0"),
    ]

    parsed = read_catalogue_file(("\n".join(lines) + "\n").encode())

    assert [r.line for r in parsed.rows] == [2]
    assert refusal_keys(parsed) == [
        (3, "catalogue_row_bad_id"),
        (4, "catalogue_row_bad_id"),
        (5, "catalogue_row_duplicate"),
        (6, "catalogue_row_no_identity"),
        (7, "catalogue_row_bad_quantity"),
        (8, "catalogue_row_bad_identifier"),
        (9, "catalogue_row_field_count"),
        (10, "catalogue_row_field_count"),
        (11, "catalogue_row_bad_quotes"),
        (12, "catalogue_row_bad_id"),
    ]
    assert parsed.accounted and parsed.data_lines == 11
    params = {r.line: dict(r.params) for r in parsed.refusals}
    assert params[3] == {"column": "Product ID", "value": "x1"}
    assert params[4] == {"column": "Combination ID", "value": "-3"}
    assert params[5] == {"shop_product_id": 1, "first_line": 2}
    assert params[7] == {"column": "Available quantity", "value": "lots"}
    assert params[8] == {"column": "Combination reference", "value": "=HYPERLINK(1)"}
    assert params[9] == {"found": 7, "expected": 13}
    assert params[10] == {"found": 14, "expected": 13}


def test_every_refusal_renders_in_polish_and_english() -> None:
    body = (STOCK_HEADER + "\n" + stock_row("x", "0", "", "", "", "", "", "", "", "", "", "", "") + "\n").encode()
    refusal = read_catalogue_file(body).refusals[0]

    assert (
        render(refusal.key, "pl", dict(refusal.params))
        == "Kolumna „Product ID” musi zawierać numer (liczbę całkowitą), a zawiera „x”."
    )
    assert (
        render(refusal.key, "en", dict(refusal.params))
        == 'The column "Product ID" must hold an id (a whole number), not "x".'
    )
    for key, texts in messages_files.MESSAGES.items():
        assert texts.get("pl") and texts.get("en"), key


def test_only_the_product_lists_missing_position_is_tolerated() -> None:
    header = (
        '"Product ID";Image;Name;Reference;Category;"Price (tax excl.)";"Price (tax incl.)";Quantity;Status;Position'
    )
    body = (
        (
            header + "\n"
            "1;img;Shirt;demo_1;Men;1;1;5;0\n"  # 9 fields: Position left out, as PrestaShop writes it
            "2;img;Sweater;demo_3;Women;1;1;5;0;3\n"  # 10 fields: a filtered list
            "3;img;Poster;demo_6;Art;1;1;5\n"  # 8 fields: refused
        ).encode()
    )

    parsed = read_catalogue_file(body)

    assert [r.shop_product_id for r in parsed.rows] == [1, 2]
    assert [(r.line, r.key, dict(r.params)) for r in parsed.refusals] == [
        (4, "catalogue_row_field_count", {"found": 8, "expected": 10})
    ]


def test_a_product_named_twice_and_a_variant_named_twice_by_its_options_are_duplicates() -> None:
    products = read_catalogue_file(b"Product ID;Name *;EAN13\n5;Mug;5901234123457\n5;Mug again;5901234123464\n")
    variants = read_catalogue_file(
        (COMBINATION_HEADER + "\n1;demo_1;Size:select:0;S:0;;;;1\n1;demo_1;Size:select:0;s:1;;;;1\n").encode()
    )

    assert refusal_keys(products) == [(3, "catalogue_row_duplicate")]
    assert refusal_keys(variants) == [(3, "catalogue_row_duplicate")]


def test_an_ean_excel_turned_into_a_number_is_named_as_such() -> None:
    body = (
        COMBINATION_HEADER + "\n1;demo_1;Size:select:0;S:0;;5,90123E+12;;1\n1;demo_1;Size:select:0;M:0;;59012X;;1\n"
    ).encode()

    parsed = read_catalogue_file(body)

    assert refusal_keys(parsed) == [(2, "catalogue_row_identifier_scientific"), (3, "catalogue_row_bad_identifier")]
    assert parsed.refusals[0].params == {"column": "EAN13", "value": "5,90123E+12"}


def test_a_long_value_is_quoted_back_shortened() -> None:
    body = ("Product ID;Name *;Reference #\n" + "9" * 300 + ";Mug;demo_14\n").encode()

    value = read_catalogue_file(body).refusals[0].params["value"]

    assert isinstance(value, str) and len(value) == 40 and value.endswith("…")


# --- files that cannot be read as a whole --------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", "catalogue_file_empty"),
        (b"\n \r\n\t\n", "catalogue_file_empty"),
        (codecs.BOM_UTF8, "catalogue_file_empty"),
        (b"sep=;\n", "catalogue_file_empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "catalogue_file_not_text"),
        (b"PK\x03\x04\x14\x00\x06\x00", "catalogue_file_spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "catalogue_file_spreadsheet"),
        (codecs.BOM_UTF8 + b"Product ID;Name\xff\n", "catalogue_file_encoding"),
        (b"\x81\x83 cp1250 has no such bytes", "catalogue_file_encoding"),
        (b"sku;title;price\n1;Mug;3\n", "catalogue_file_unknown_header"),
        (b"Name *;Price\nMug;3\n", "catalogue_file_unknown_header"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(body: bytes, code: str) -> None:
    assert refused(body).code == code


def test_a_file_over_10_mb_is_refused_before_it_is_read() -> None:
    error = refused(b"Product ID;Name *;Reference #\n" + b"1;a;b\n" * (MAX_FILE_BYTES // 6))
    assert (error.code, error.params) == ("catalogue_file_too_large", {"limit_mb": 10})


def test_a_file_over_100000_lines_is_refused() -> None:
    body = b"Product ID;Name *;Reference #\n" + b"\n" * MAX_LINES
    error = refused(body)
    assert (error.code, error.params) == ("catalogue_file_too_many_lines", {"limit": MAX_LINES})
    # and exactly the limit is read
    assert read_catalogue_file(body[:-1]).blank_lines == MAX_LINES - 1


def test_an_unterminated_quote_refuses_the_file_naming_its_line() -> None:
    body = b'Product ID;Name *;Reference #\n1;Mug;demo_14\n2;"Cup;demo_15\n3;Plate;demo_16\n'
    error = refused(body)
    assert (error.code, error.params, error.details) == ("catalogue_file_malformed", {"line": 3}, [{"line": 3}])
    assert "wierszu 3 " in render(error.message_key, "pl", error.params)


def test_a_quoted_line_break_stays_in_its_cell_and_the_record_counts_once() -> None:
    body = b'Product ID;Name *;Reference #\n1;"Mug\nwith a note";demo_14\n2;Cup;demo_15\n'
    parsed = read_catalogue_file(body)
    assert [(r.line, r.product_name) for r in parsed.rows] == [(2, "Mug\nwith a note"), (4, "Cup")]
    assert parsed.data_lines == 2


def test_a_huge_line_is_refused_alone() -> None:
    body = b"Product ID;Name *;Reference #\n1;" + b"x" * 200_000 + b";demo_14\n2;Cup;demo_15\n"
    parsed = read_catalogue_file(body)
    assert refusal_keys(parsed) == [(2, "catalogue_row_too_long")]
    assert [r.shop_product_id for r in parsed.rows] == [2]


def test_formula_cells_are_kept_as_text_or_refused_never_evaluated() -> None:
    body = b'Product ID;Name *;Reference #;MPN\n1;=1+1;demo_1;+48 123\n2;@SUM(A1);=cmd|"/c calc"!A1;x\n'
    parsed = read_catalogue_file(body)
    # a name is text (the hub quotes formula-like cells whenever it writes a CSV)
    assert [(r.product_name, r.identifiers) for r in parsed.rows] == [
        ("=1+1", {"reference": "demo_1", "mpn": "+48 123"})
    ]
    # a reference PrestaShop itself would refuse is refused
    assert refusal_keys(parsed) == [(3, "catalogue_row_bad_identifier")]


# --- any bytes: a file read, or a 422 ------------------------------------------------------------


def _header_then_noise() -> st.SearchStrategy[bytes]:
    headers = [
        (EXPORTS / "stock-export.csv").read_bytes().split(b"\n")[0],
        b"Product ID;Name *;Reference #;EAN13;Quantity",
        COMBINATION_HEADER.encode(),
    ]
    return st.tuples(st.sampled_from(headers), st.binary(max_size=400)).map(lambda p: p[0] + b"\n" + p[1])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=600), _header_then_noise(), st.text(max_size=300).map(str.encode)))
def test_any_bytes_give_a_file_or_a_validation_error(body: bytes) -> None:
    try:
        parsed = read_catalogue_file(body)
    except ValidationError as error:
        assert error.status == 422 and error.code.startswith("catalogue_file_")
        assert error.code in messages_files.MESSAGES
        return
    assert parsed.accounted
    assert all(r.key in messages_files.MESSAGES for r in parsed.refusals)
    assert len({r.line for r in parsed.rows} | {r.line for r in parsed.refusals}) == len(parsed.rows) + len(
        parsed.refusals
    )
