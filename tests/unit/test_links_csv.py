"""Reading the links file without AWS or a shop: encodings, line endings, Excel's ``sep=`` hint,
quotes, and one outcome per data line."""

from __future__ import annotations

import pytest

from shophub.errors import ValidationError
from shophub.services.links_csv import LINKS_FILE_COLUMNS, Pair, Rejection, Skip, parse_links_file

HEADER = ",".join(LINKS_FILE_COLUMNS)


def test_utf16_without_a_bom_is_recognised_by_its_nul_bytes() -> None:
    text = f"{HEADER}\r\n12,Żółw,,,,5,0,x\r\n"
    for encoding in ("utf-16-le", "utf-16-be"):
        assert parse_links_file(text.encode(encoding)).rows == [Pair(2, 12, 5, 0)]


def test_excels_sep_hint_sets_the_delimiter_and_is_not_a_line_of_data() -> None:
    body = f"sep=;\n{HEADER.replace(',', ';')}\n12;a,b;;;;5;0;x\n".encode("cp1250")
    assert parse_links_file(body).rows == [Pair(3, 12, 5, 0)]


def test_every_row_after_the_header_is_one_outcome_in_file_order() -> None:
    body = f'\n\n{HEADER}\n12,,,,,5,0,\n\n,,,,,6,0,\n12,"a"b,,,,7,0,\n13,,,,,5,0,\n'.encode()
    rows = parse_links_file(body).rows
    assert [type(r) for r in rows] == [Pair, Skip, Skip, Rejection, Rejection]
    assert [r.line for r in rows] == [4, 5, 6, 7, 8]
    assert [r.key for r in rows if isinstance(r, Rejection)] == ["link_bad_quotes", "link_duplicate_row"]


def test_a_quote_left_open_over_more_than_the_csv_cell_limit_still_names_its_line() -> None:
    body = (f'{HEADER}\n12,"open,,,,5,0,\n' + "13,,,,,6,0,xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n" * 6000).encode()
    with pytest.raises(ValidationError) as refused:
        parse_links_file(body)
    assert (refused.value.code, refused.value.params) == ("links_file_malformed", {"line": 2})
