from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from urllib.parse import parse_qsl, unquote

import httpx
import pytest

from shophub.connectors.prestashop.query import Query, chunk_values, url_length


def decoded(query: Query) -> dict[str, str]:
    return dict(parse_qsl(query.encode(), keep_blank_values=True))


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda q: q.where("id", 5), "[5]"),
        (lambda q: q.where_in("id", [1, 2, 3]), "[1|2|3]"),
        (lambda q: q.where_between("id", 1, 30), "[1,30]"),
        (lambda q: q.where_gt("id", 7), ">[7]"),
        (lambda q: q.where_lt("id", 7), "<[7]"),
        (lambda q: q.where_not("id", [4, 5]), "![4|5]"),
        (lambda q: q.where_starts("id", "ab"), "[ab]%"),
        (lambda q: q.where_ends("id", "ab"), "%[ab]"),
        (lambda q: q.where_contains("id", "a b"), "%[a b]%"),
    ],
)
def test_every_filter_operator(build, expected: str) -> None:
    assert decoded(build(Query()))["filter[id]"] == expected


def test_full_query_in_a_stable_order_with_date_added_for_date_filters() -> None:
    query = (
        Query()
        .display("full")
        .where_between("date_upd", datetime(2026, 11, 27, 9, 0), datetime(9999, 12, 31, 23, 59, 59))
        .sort(("date_upd", "ASC"), ("id", "ASC"))
        .limit(100, 0)
    )

    assert query.params() == [
        ("display", "full"),
        ("date", "1"),
        ("filter[date_upd]", "[2026-11-27 09:00:00,9999-12-31 23:59:59]"),
        ("sort", "[date_upd_ASC,id_ASC]"),
        ("limit", "0,100"),
    ]
    assert query.encode() == (
        "display=full&date=1&filter[date_upd]=[2026-11-27%2009:00:00,9999-12-31%2023:59:59]"
        "&sort=[date_upd_ASC,id_ASC]&limit=0,100"
    )


def test_date_flag_only_when_a_date_field_is_filtered_or_sorted() -> None:
    assert "date" not in decoded(Query().display(["id", "date_upd"]).where("id", 1))
    assert decoded(Query().sort(("date_add", "DESC")))["date"] == "1"
    assert decoded(Query().where_gt("date_upd", date(2026, 1, 1)))["date"] == "1"
    assert decoded(Query().where_gt("date_upd", date(2026, 1, 1)))["filter[date_upd]"] == ">[2026-01-01]"


def test_display_sort_limit_language_and_extras() -> None:
    query = (
        Query()
        .display(["id", "name"])
        .sort(("id", "desc"))
        .limit(50)
        .language(2)
        .param("sendemail", 1)
        .param("output_format", "JSON")
    )
    assert decoded(query) == {
        "display": "[id,name]",
        "sort": "[id_DESC]",
        "limit": "50",
        "language": "2",
        "sendemail": "1",
        "output_format": "JSON",
    }
    assert decoded(Query().language([1, 2]))["language"] == "[1|2]"


def test_values_are_formatted() -> None:
    query = Query().where("active", True).where("price", Decimal("1.50")).where("id_shop", 0)
    assert decoded(query) == {"filter[active]": "[1]", "filter[price]": "[1.50]", "filter[id_shop]": "[0]"}


@pytest.mark.parametrize("value", ["a|b", "a]b", "a[b", "100%", "a,b", "line\nbreak"])
def test_values_that_would_change_the_filter_syntax_are_refused(value: str) -> None:
    with pytest.raises(ValueError):
        Query().where("reference", value)


def test_range_bounds_are_restricted_like_prestashop_does() -> None:
    with pytest.raises(ValueError):
        Query().where_between("date_upd", "2026-01-01", "now; DROP")
    with pytest.raises(ValueError):
        Query().where_between("id", 1, datetime.now().astimezone())  # aware: must be converted first


@pytest.mark.parametrize("name", ["id]", "Name", "a-b", "", "filter[x]"])
def test_field_names_are_validated(name: str) -> None:
    with pytest.raises(ValueError):
        Query().where(name, 1)


def test_reserved_parameters_cannot_be_smuggled_in() -> None:
    for name in ("display", "ws_key", "date", "limit"):
        with pytest.raises(ValueError):
            Query().param(name, "x")


def test_a_second_filter_on_a_field_replaces_the_first() -> None:
    assert decoded(Query().where_gt("id", 1).where_lt("id", 9))["filter[id]"] == "<[9]"


def test_encoding_survives_httpx_and_decodes_back() -> None:
    query = Query().where_contains("name", "Zażółć gęślą").where_gt("id", 3).where_in("reference", ["a b", "c"])
    url = httpx.URL("https://shop.example/api/products?" + query.encode())
    params = dict(parse_qsl(url.query.decode()))
    assert params["filter[name]"] == "%[Zażółć gęślą]%"
    assert params["filter[id]"] == ">[3]"
    assert params["filter[reference]"] == "[a b|c]"
    assert "|" in unquote(url.query.decode())


def test_id_chunks_stay_under_the_url_cap() -> None:
    base = "https://shop.example/api/products"
    ids = list(range(1, 5001))

    def build(chunk):
        return Query().display("full").where_in("id", chunk).param("output_format", "JSON")

    chunks = list(chunk_values(ids, build, base, max_url_length=6000))

    assert [i for chunk in chunks for i in chunk] == ids
    assert len(chunks) > 1
    for chunk in chunks:
        assert url_length(base, build(chunk)) <= 6000
    # full: the next id would not have fitted
    first = chunks[0]
    assert url_length(base, build([*first, chunks[1][0]])) > 6000


def test_id_chunks_respect_max_items_and_drop_duplicates() -> None:
    def build(chunk):
        return Query().where_in("id", chunk)

    chunks = list(chunk_values([3, 1, 3, 2, 5, 4], build, "https://s/api/x", max_items=2))
    assert chunks == [[3, 1], [2, 5], [4]]
    assert list(chunk_values([], build, "https://s/api/x")) == []
