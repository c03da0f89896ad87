"""The links file as spreadsheets really save it: UTF-8 with or without a BOM, UTF-16 and
Windows-1250 (Polish Excel), CRLF / LF / CR-only / mixed line endings, line breaks inside quoted
cells, broken quotes, short rows and ids that are not numbers. Every data line comes back as
exactly one outcome (linked, unchanged, skipped or rejected with a reason in the caller's
language), and a file that cannot be read as a whole is a 422 naming the line."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.linking import hub_products, listed_shop
from tests.support.links import HEADER, assert_every_line_counted, json_of, post_links_file

Factory = Any

ENCODINGS = {
    "utf-8": lambda text: text.encode("utf-8"),
    "utf-8 with BOM": lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
    "utf-16 LE with BOM": lambda text: text.encode("utf-16"),  # Python writes the BOM, little-endian here
    "utf-16 BE with BOM": lambda text: b"\xfe\xff" + text.encode("utf-16-be"),
    "windows-1250": lambda text: text.encode("cp1250"),
}
ENDINGS = {"CRLF": ["\r\n"], "LF": ["\n"], "CR only": ["\r"], "mixed": ["\r\n", "\n", "\r"]}


def file_text(first: int, second: int, endings: list[str], delimiter: str = ",") -> str:
    rows = [
        HEADER,
        f"{first},Żółta koszulka,,,,1,0,Żółw",  # line 2: linked
        ",,,,,2,0,Tylko sklep",  # line 3: shop only → skipped
        f"{second},Kubek,,,,3,,",  # line 4: linked (combination left empty = 0)
        "",  # line 5: empty → skipped
        f"{first},Tylko hub,,,,,,",  # line 6: hub only → skipped
    ]
    rows = [r.replace(",", delimiter) for r in rows]
    return "".join(row + endings[i % len(endings)] for i, row in enumerate(rows))


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_every_encoding_and_line_ending_is_read(world_factory: Factory, encoding: str) -> None:
    # Given a hub product pair and a shop whose variants a link run listed
    world = world_factory(products=3, combinations=0)
    first, second = hub_products(world, "Żółta koszulka", "Kubek")
    account = world.account()
    listed_shop(world, account, world.api())

    for n, (ending_name, endings) in enumerate(ENDINGS.items()):
        delimiter = ";" if encoding == "windows-1250" else ","  # Polish Excel separates with semicolons
        body = ENCODINGS[encoding](file_text(first, second, endings, delimiter))

        # When the file is uploaded (as a binary body, base64 through API Gateway)
        answer = post_links_file(account.id, body, content_type="application/octet-stream")

        # Then both pairs are linked the first time and unchanged afterwards; every line counted
        assert answer.status == 200, (ending_name, answer.text)
        result = json_of(answer)
        assert (result["lines"], result["skipped"], result["rejected"]) == (5, 3, []), (ending_name, result)
        assert (result["linked"], result["unchanged"]) == ((2, 0) if n == 0 else (0, 2)), (ending_name, result)
        assert_every_line_counted(result)
    assert sorted((o.shop_product_id, o.hub_product_id) for o in world.offers(account)) == [(1, first), (3, second)]


def test_line_breaks_inside_quoted_cells_stay_in_the_cell(world_factory: Factory) -> None:
    world = world_factory(products=3, combinations=0)
    first, second = hub_products(world, "A", "B")
    account = world.account()
    listed_shop(world, account, world.api())
    header = HEADER.replace("shop_name", '"shop_name\r"')  # lines 1-2: a CR in the header's quoted last cell
    text = (
        header + "\r\n"
        f'{first},"Kubek\rczerwony",,,,1,0,"nazwa\r\nw dwóch liniach"\r\n'  # lines 3-5: linked
        f"{second},,,,,3,0,\r\n"  # line 6: linked
        "999,,,,,2,0,\r\n"  # line 7: unknown hub product
    )

    answer = post_links_file(account.id, text.encode())

    assert answer.status == 200, answer.text
    result = json_of(answer)
    assert (result["lines"], result["linked"], result["rejected_total"]) == (3, 2, 1)
    # (lines as an editor numbers them: a line break inside a quoted cell still starts a new line)
    assert result["rejected"] == [{"line": 7, "reason": "There is no product 999 in the hub catalogue."}]
    assert_every_line_counted(result)


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "The links file is not valid CSV: the quotation mark opened on line 3 is never closed."),
        ("pl", "Plik powiązań nie jest poprawnym plikiem CSV: cudzysłów otwarty w wierszu 3 nie jest zamknięty."),
    ],
)
def test_an_unterminated_quote_refuses_the_file_naming_the_line(
    world_factory: Factory, language: str, message: str
) -> None:
    world = world_factory(products=2, combinations=0)
    first, second = hub_products(world, "A", "B")
    account = world.account()
    listed_shop(world, account, world.api())
    text = f'{HEADER}\n{first},,,,,1,0,\n{second},"Kubek,,,,2,0,\n{first},,,,,3,0,\n'

    answer = post_links_file(account.id, text.encode(), language=language)

    # Then nothing is linked: the rest of the file after the quote could not be read
    assert answer.status == 422, answer.text
    error = json_of(answer)["error"]
    assert error["code"] == "links_file_malformed"
    assert error["message"].startswith(message)
    assert error["details"] == [{"line": 3}]
    assert world.offers(account) == []


@pytest.mark.parametrize(
    ("language", "reasons"),
    [
        (
            "en",
            {
                3: "Malformed row: it has 2 columns, at least 7 are needed (up to shop_combination_id).",
                4: "Malformed row: the columns hub_product_id must hold whole numbers (ids).",
                5: "Malformed row: the columns shop_product_id, shop_combination_id must hold whole numbers (ids).",
                6: "Malformed row: text follows the quotation mark that closes a cell instead of a separator. "
                "Check the quotation marks on this line.",
                8: "The shop has no variant 77/0.",
            },
        ),
        (
            "pl",
            {
                3: "Nieprawidłowy wiersz: ma 2 kolumn, a potrzeba co najmniej 7 (do kolumny shop_combination_id "
                "włącznie).",
                4: "Nieprawidłowy wiersz: kolumny hub_product_id muszą zawierać liczby całkowite (identyfikatory).",
                5: "Nieprawidłowy wiersz: kolumny shop_product_id, shop_combination_id muszą zawierać liczby "
                "całkowite (identyfikatory).",
                6: "Nieprawidłowy wiersz: po cudzysłowie zamykającym komórkę stoi tekst zamiast separatora. "
                "Sprawdź cudzysłowy w tym wierszu.",
                8: "Sklep nie ma wariantu 77/0.",
            },
        ),
    ],
)
def test_short_rows_and_bad_ids_are_rejected_in_the_callers_language(
    world_factory: Factory, language: str, reasons: dict[int, str]
) -> None:
    world = world_factory(products=2, combinations=0)
    first, second = hub_products(world, "A", "B")
    account = world.account()
    listed_shop(world, account, world.api())
    lines = [
        HEADER,
        f"{first},,,,,1,0,",  # 2: linked
        f"{second},Kubek",  # 3: too few columns
        "12a,,,,,2,0,",  # 4: hub id not a number
        f"{second},,,,,x,1.5,",  # 5: shop ids not numbers
        f'{second},"Kubek"XL,,,,2,0,',  # 6: text after a closing quote
        ",,,,,,,",  # 7: empty
        f"{second},,,,,77,0,",  # 8: the shop has no such variant
    ]

    answer = post_links_file(account.id, ("\r\n".join(lines) + "\r\n").encode(), language=language)

    assert answer.status == 200, answer.text
    result = json_of(answer)
    assert {r["line"]: r["reason"] for r in result["rejected"]} == reasons
    assert (result["lines"], result["linked"], result["skipped"], result["rejected_total"]) == (7, 1, 1, 5)
    assert_every_line_counted(result)
