"""Connector profiles: the core reads a platform only through its profile.

* the core never imports the PrestaShop package (only the registry names it);
* PrestaShop's profile: the one permission table, used by the connection check; the tracking
  and key rules; its error codes;
* a second platform, declared in this test only, changes the key check, the texts and the
  tracking rule without a line of core code.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import FrozenInstanceError, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import httpx
import pytest

from shophub.connectors import (
    DEFAULT_PLATFORM,
    known_platforms,
    mappable_fields,
    profile_for,
    register_profile,
    unregister_profile,
)
from shophub.connectors.base import (
    ConnectorProfile,
    CredentialRule,
    ErrorCodeMeaning,
    IdNames,
    PermissionNeed,
    TrackingRule,
)
from shophub.domain.shop import ConnectionInfo
from shophub.domain.stock import MAX_QUANTITY
from shophub.errors import (
    ShopApiDisabledError,
    ShopAuthError,
    ShopPermissionError,
    ShopRequestRejectedError,
    ValidationError,
)
from shophub.i18n import MESSAGES, translate
from shophub.services.accounts import AccountService
from shophub.services.orders import check_tracking_number

SHOPHUB = Path(__file__).resolve().parents[2] / "shared" / "shophub"
#: the core: everything but the connectors (the registry, ``connectors/__init__.py``, may name one)
CORE = [p for p in SHOPHUB.rglob("*.py") if "connectors" not in p.relative_to(SHOPHUB).parts]
PS_KEY = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
EVERY_METHOD = frozenset({"GET", "PUT", "POST", "PATCH", "DELETE", "HEAD"})


def resolver(host: str, port: int) -> list[str]:
    return ["93.184.215.14"]


# --- the core does not know PrestaShop -----------------------------------------------------------


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_core_module_imports_the_prestashop_connector():
    assert len(CORE) > 30, "the core modules were found"
    offenders = {
        str(path.relative_to(SHOPHUB)): sorted(n for n in _imported_modules(path) if "prestashop" in n) for path in CORE
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_core_module_imports_a_platform_package_by_name_at_run_time():
    text = {p: p.read_text(encoding="utf-8") for p in CORE}
    assert [str(p.relative_to(SHOPHUB)) for p, t in text.items() if "import_module(" in t] == []


def test_the_registry_reads_a_profile_without_loading_the_connector():
    probe = (
        "import sys; from shophub.connectors import profile_for; profile_for('prestashop'); "
        "import shophub.services.accounts, shophub.domain.config, shophub.i18n; "
        "print(sorted(m for m in sys.modules if m.startswith('shophub.connectors.prestashop')))"
    )
    shared = str(SHOPHUB.parent)
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env={"PYTHONPATH": shared}
    )
    assert out.stdout.strip() == "['shophub.connectors.prestashop', 'shophub.connectors.prestashop.profile']"


# --- PrestaShop's profile ---------------------------------------------------------------------------


def test_prestashop_is_the_default_platform_and_its_profile_is_frozen():
    profile = profile_for()
    assert profile is profile_for(DEFAULT_PLATFORM) is profile_for(" PrestaShop ")
    assert profile.platform == "prestashop" and profile.display_name == "PrestaShop"
    with pytest.raises(FrozenInstanceError):
        profile.platform = "other"  # type: ignore[misc]
    with pytest.raises(ValueError, match="unknown shop platform"):
        profile_for("nosuchshop")


def test_prestashop_key_rule():
    rule = profile_for("prestashop").credential("api_key")
    assert rule is not None and rule.length == 32
    assert rule.problem(PS_KEY) is None
    assert rule.problem("ZQ88PRJX5VWQHCWE4EE7SQ7HPNX00RAJ") is None
    assert rule.problem(PS_KEY[:31]) == ("check_key_length", {"length": "31"})
    assert rule.problem(PS_KEY[:31] + "!") == ("check_key_characters", {})
    assert rule.problem(PS_KEY[:31] + "ł") == ("check_key_characters", {})
    assert translate("check_key_length", "en", length="31") == (
        "the API key must be exactly 32 characters long (it has 31)"
    )


@pytest.mark.parametrize(
    ("number", "accepted"),
    [
        ("1Z999AA10123456784", True),
        ("PL 123/45-6 #7", True),
        ("~:#,%&_=()[].?+-@/", True),
        ("A" * 64, True),
        ("A" * 65, False),
        ("", False),
        ("ZAŻÓŁĆ", False),
        ("a;b", False),
        ("a\nb", False),
    ],
)
def test_prestashop_tracking_rule(number: str, accepted: bool):
    rule = profile_for("prestashop").tracking
    assert (rule.max_length, rule.symbols) == (64, "~:#,%&_=()[].?+-@/")
    assert rule.accepts(number) is accepted
    if accepted:
        check_tracking_number(number, "prestashop", "en")
    else:
        with pytest.raises(ValidationError) as refused:
            check_tracking_number(number, "prestashop", "en")
        assert refused.value.details[0].message == (
            "A tracking number may contain letters, digits, spaces and the characters ~:#,%&_=()[].?+-@/ "
            "(up to 64 characters)."
        )


def test_prestashop_permission_table():
    profile = profile_for("prestashop")
    everything = {need.resource: EVERY_METHOD for need in profile.permissions}
    assert profile.missing_permissions(everything) == ([], [])
    put_only = {**everything, "stock_availables": frozenset({"GET", "PUT"}), "order_carriers": frozenset({"GET"})}
    assert profile.missing_permissions(put_only) == ([], ["order_carriers:PATCH|PUT"])
    partial = {**everything, "stock_availables": frozenset({"GET"}), "order_histories": frozenset({"GET"})}
    del partial["customers"]
    assert profile.missing_permissions(partial) == (
        ["customers:GET", "stock_availables:PATCH|PUT"],
        ["order_histories:POST"],
    )
    assert profile.is_essential("stock_availables:PATCH|PUT") and not profile.is_essential("order_histories:POST")
    assert "stock_availables" in profile.needed_resources


def test_prestashop_error_codes():
    profile = profile_for("prestashop")
    assert profile.error_for(401, (26,)) is ShopPermissionError
    assert profile.error_for(401, (20, 21)) is ShopAuthError
    assert profile.error_for(405, (25,)) is ShopPermissionError
    assert profile.error_for(503, (22,)) is ShopApiDisabledError
    assert profile.error_for(500, (22,)) is None, "code 22 means 'switched off' only with a 503"
    assert profile.error_for(500, (41,)) is ShopRequestRejectedError
    assert {32, 41, 93, 127, 133} <= profile.codes_meaning(ShopRequestRejectedError)


def test_the_hubs_largest_quantity_fits_in_a_prestashop_stock_row():
    assert profile_for("prestashop").max_stock_quantity >= MAX_QUANTITY


def test_field_mapping_offers_the_profiles_fields():
    profile = profile_for("prestashop")
    assert profile.product_fields == ("ean13", "reference", "supplier_reference", "mpn", "upc", "isbn")
    assert dict(profile.field_defaults) == {"ean": "ean13", "symbol": "reference", "catalog_number": "mpn"}
    assert mappable_fields()[:6] == profile.product_fields


def test_every_platform_text_is_in_polish_and_english():
    for name in known_platforms():
        for key, entry in profile_for(name).texts.items():
            assert set(entry) == {"pl", "en"}, (name, key)
            assert key in MESSAGES or key.startswith("check_"), "a platform words a core message"


# --- the connection check uses the profile's table ------------------------------------------------


def _api_root(granted: dict[str, set[str]]) -> bytes:
    nodes = "".join(
        f"<{res} {' '.join(f'{m.lower()}="true"' for m in sorted(methods))}/>" for res, methods in granted.items()
    )
    return f'<?xml version="1.0"?><prestashop><api shopName="S">{nodes}</api></prestashop>'.encode()


def _prestashop_factory(granted: dict[str, set[str]]) -> Any:
    from shophub.connectors import build_connector

    def answer(request: httpx.Request) -> httpx.Response:
        headers = {"Content-Type": "text/xml", "PSWS-Version": "8.1.2"}
        return httpx.Response(200, content=_api_root(granted), headers=headers)

    def connect(platform: str, shop_url: str, api_key: str, **options: Any) -> Any:
        return build_connector(
            platform, shop_url, api_key, http=httpx.Client(transport=httpx.MockTransport(answer)), resolver=resolver
        )

    return connect


def _service(connect: Any) -> AccountService:
    return AccountService(
        accounts=None,  # type: ignore[arg-type]
        secrets=None,  # type: ignore[arg-type]
        activity=None,  # type: ignore[arg-type]
        discovery=None,  # type: ignore[arg-type]
        connect=connect,
        resolver=resolver,
    )


def test_the_connection_check_reports_what_the_profile_table_misses():
    profile = profile_for("prestashop")
    granted = {need.resource: {"GET", "PUT", "POST", "PATCH"} for need in profile.permissions}
    granted["stock_availables"] = {"GET"}
    granted["customer_messages"] = set()

    check = _service(_prestashop_factory(granted)).check_credentials("https://shop.example", PS_KEY)

    assert not check.ok and check.at_fault == "api_key"
    assert check.missing_permissions == ["stock_availables:PATCH|PUT", "customer_messages:POST"]
    assert check.optional_missing == ["customer_messages:POST"]
    assert check.detail("en") == (
        "the API key lacks permissions the integration needs: stock_availables:PATCH|PUT. "
        "Grant them in the PrestaShop back office: Advanced Parameters → Webservice → the key."
    )


def test_a_connector_answer_is_what_the_check_uses():
    info = ConnectionInfo(platform="prestashop", missing_permissions=["x:GET"], optional_missing=["x:GET"])
    assert info.ok
    assert not ConnectionInfo(platform="prestashop", missing_permissions=["x:GET"]).ok


# --- a second platform, declared here only ----------------------------------------------------------


FAKE = ConnectorProfile(
    platform="fakeshop",
    display_name="FakeShop",
    credentials=(
        CredentialRule(
            field="api_key",
            length=10,
            characters=r"[a-z0-9]",
            length_message="fakeshop_token_length",
            characters_message="fakeshop_token_characters",
        ),
    ),
    permissions=(
        PermissionNeed("read_orders", ("ALLOW",), True, "orders"),
        PermissionNeed("write_inventory", ("ALLOW",), True, "stock"),
        PermissionNeed("write_fulfillments", ("ALLOW",), False, "tracking numbers"),
    ),
    error_codes=(ErrorCodeMeaning("SHOP_LOCKED", "the shop's API is off", ShopApiDisabledError),),
    tracking=TrackingRule(characters=r"[0-9\-]", max_length=12, symbols="-"),
    max_stock_quantity=99_999,
    product_fields=("gtin", "sku"),
    field_defaults=MappingProxyType({"ean": "gtin", "symbol": "sku", "catalog_number": "sku"}),
    id_names=IdNames(
        product="product",
        variant="variant",
        stock_reference="inventory item",
        carrier_key="carrier",
        shop_status="status",
    ),
    texts=MappingProxyType(
        {
            "fakeshop_token_length": {
                "pl": "token FakeShop ma 10 znaków (podano {length})",
                "en": "a FakeShop token has 10 characters (this one has {length})",
            },
            "fakeshop_token_characters": {
                "pl": "token FakeShop to małe litery i cyfry",
                "en": "a FakeShop token is lower-case letters and digits",
            },
            "check_missing_permissions": {
                "pl": "token nie ma zakresów: {permissions}. Dodaj je w FakeShop → Aplikacje.",
                "en": "the token lacks the scopes {permissions}. Add them in FakeShop → Apps.",
            },
        }
    ),
)


class FakeConnector:
    platform = "fakeshop"
    request_count = 0

    def __init__(self, granted: dict[str, frozenset[str]]) -> None:
        self.granted = granted

    def check_connection(self) -> ConnectionInfo:
        essential, optional = FAKE.missing_permissions(self.granted)
        return ConnectionInfo(
            platform="fakeshop",
            permissions=self.granted,
            missing_permissions=essential + optional,
            optional_missing=optional,
        )

    def close(self) -> None:
        pass


@pytest.fixture
def fakeshop() -> Iterator[ConnectorProfile]:
    register_profile(FAKE)
    yield FAKE
    unregister_profile(FAKE.platform)


def _fake_service(granted: dict[str, frozenset[str]], built: list[str]) -> AccountService:
    def connect(platform: str, shop_url: str, api_key: str, **options: Any) -> FakeConnector:
        built.append(platform)
        return FakeConnector(granted)

    return _service(connect)


def test_the_key_check_follows_the_platform_profile(fakeshop: ConnectorProfile):
    built: list[str] = []
    svc = _fake_service({"read_orders": frozenset({"ALLOW"}), "write_inventory": frozenset({"ALLOW"})}, built)

    prestashop_key = svc.check_credentials("https://shop.example", PS_KEY, platform="fakeshop")
    upper = svc.check_credentials("https://shop.example", "ABCDEFGH12", platform="fakeshop")
    good = svc.check_credentials("https://shop.example", "abcdefgh12", platform="fakeshop")

    assert prestashop_key.problem is not None and prestashop_key.problem.reason == "fakeshop_token_length"
    assert prestashop_key.detail("en") == "a FakeShop token has 10 characters (this one has 32)"
    assert upper.detail("pl") == "token FakeShop to małe litery i cyfry"
    assert built == ["fakeshop"], "only the good key reached the shop"
    assert good.ok and good.optional_missing == ["write_fulfillments:ALLOW"]
    assert good.permissions == {"read_orders": ["ALLOW"], "write_inventory": ["ALLOW"]}
    # the PrestaShop rule is untouched
    assert svc.check_credentials("https://shop.example", "abcdefgh12").problem.reason == "check_key_length"  # type: ignore[union-attr]


def test_missing_permissions_are_named_and_worded_by_the_platform(fakeshop: ConnectorProfile):
    check = _fake_service({"read_orders": frozenset({"ALLOW"})}, []).check_credentials(
        "https://shop.example", "abcdefgh12", platform="fakeshop"
    )
    assert check.missing_permissions == ["write_inventory:ALLOW", "write_fulfillments:ALLOW"]
    assert check.detail("en") == "the token lacks the scopes write_inventory:ALLOW. Add them in FakeShop → Apps."


def test_the_tracking_rule_follows_the_platform_profile(fakeshop: ConnectorProfile):
    check_tracking_number("123456789012", "fakeshop", "en")
    with pytest.raises(ValidationError) as letters:
        check_tracking_number("1Z999AA10123456784", "fakeshop", "en")
    assert letters.value.details[0].message == (
        "A tracking number may contain letters, digits, spaces and the characters - (up to 12 characters)."
    )
    with pytest.raises(ValidationError):
        check_tracking_number("1234567890123", "fakeshop", "pl")
    check_tracking_number("1Z999AA10123456784", "prestashop", "en")


def test_a_platform_error_code_maps_to_a_neutral_core_error(fakeshop: ConnectorProfile):
    assert fakeshop.error_for(None, ("SHOP_LOCKED",)) is ShopApiDisabledError
    assert translate("check_webservice_disabled", "en", detail="x", platform="fakeshop") == (
        "the shop's API is switched off (x). Switch it on in the shop's administration panel."
    )
    assert translate("check_webservice_disabled", "en", detail="x", platform="prestashop") == (
        "the shop's webservice is disabled (x). Enable it in the PrestaShop back office: "
        "Advanced Parameters → Webservice."
    )


def test_a_registered_profile_is_known_and_forgotten(fakeshop: ConnectorProfile):
    assert "fakeshop" in known_platforms() and "gtin" in mappable_fields()
    assert profile_for("fakeshop") is fakeshop
    assert replace(fakeshop, platform="x").platform == "x"
