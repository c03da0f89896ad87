"""Names a merchant types (accounts, templates, hub dictionary entries): one validator refuses
control and bidi characters and invisible-only names, and normalizes whitespace; shop URLs
compare by what makes them the same shop."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shophub.domain.accounts import shop_identity
from shophub.domain.common import DisplayName, RequestModel


class Named(RequestModel):
    name: DisplayName


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Sklep", "Sklep"),
        ("  Sklep   demo  ", "Sklep demo"),
        ("Sklep\u00a0\u2003 demo", "Sklep demo"),  # no-break and em spaces are whitespace too
        ("\u200bSklep\ufeff", "Sklep"),  # invisible characters at the edges are trimmed
        ("Żółty 🐝 sklep", "Żółty 🐝 sklep"),
        ("👩\u200d💻 Dev", "👩\u200d💻 Dev"),  # a joiner inside an emoji sequence stays
    ],
)
def test_names_are_trimmed_and_inner_whitespace_collapsed(typed: str, kept: str) -> None:
    assert Named(name=typed).name == kept


@pytest.mark.parametrize(
    "typed",
    [
        "Sklep\x00",
        "Sk\x07lep",
        "Sklep\ndemo",
        "Sklep\tdemo",
        "Sklep\x7f",
        "Sklep\x85",
        "Sklep \u202eexe.txt",
        "\u202aSklep\u202c",
        "Sklep\u2066demo\u2069",
        "\u200fSklep",
        "Sklep\u200e",
        "\u200b",
        "\u200b\u200c\u200d\u2060\ufeff",
        " \u200b \u3000 ",
        "\u3164",
        "",
        "   ",
        "x" * 101,
    ],
)
def test_control_bidi_and_invisible_names_are_refused(typed: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Named(name=typed)

    assert [e["loc"] for e in refused.value.errors()] == [("name",)]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("https://Shop.Example", "https://shop.example/"),
        ("https://shop.example:443/sklep/", "HTTPS://SHOP.EXAMPLE/sklep"),
        ("http://127.0.0.1:80", "http://127.0.0.1"),
        ("https://shop.example.", "https://shop.example"),
    ],
)
def test_shop_urls_of_one_shop_have_one_identity(first: str, second: str) -> None:
    assert shop_identity(first) == shop_identity(second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("https://shop.example", "http://shop.example"),
        ("https://shop.example", "https://shop.example:8443"),
        ("https://shop.example/a", "https://shop.example/b"),
        ("https://shop.example/Sklep", "https://shop.example/sklep"),
    ],
)
def test_different_shops_have_different_identities(first: str, second: str) -> None:
    assert shop_identity(first) != shop_identity(second)
