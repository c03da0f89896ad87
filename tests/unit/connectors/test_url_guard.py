"""The shop URL guard: only public https shops, checked before anything is sent."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

import httpcore
import httpx
import pytest

from shophub.connectors.prestashop.connector import PrestaShopConnector
from shophub.errors import ShopUnreachableError, UnsafeShopUrlError
from shophub.security.transport import GuardedTransport, guarded_client
from shophub.security.url_guard import check_shop_url, is_public_address, parse_shop_url

KEY = "Q" * 32
PUBLIC_V4 = "93.184.216.34"


def resolver_for(mapping: dict[str, Sequence[str]]):
    calls: list[str] = []

    def resolve(host: str, port: int) -> Sequence[str]:
        calls.append(host)
        if host not in mapping:
            raise OSError("Name or service not known")
        return mapping[host]

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Fail the test if anything tries to open a TCP connection; record attempts."""
    attempts: list[tuple[str, int]] = []

    def refuse(self: Any, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        attempts.append((host, port))
        raise AssertionError(f"a connection to {host}:{port} was attempted")

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", refuse)
    return attempts


# --- shape ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://shop.example", "not_https"),
        ("shop.example", "not_https"),
        ("ftp://shop.example", "not_https"),
        ("", "malformed"),
        ("https://", "malformed"),
        ("https://shop example.com", "malformed"),
        ("https://user:secret@shop.example", "malformed"),
        ("https://shop.example/?ws_key=abc", "malformed"),
        ("https://shop.example/#x", "malformed"),
        ("https://shop..example", "malformed"),
        ("https://-shop.example", "malformed"),
        ("https://shop.example:99999", "malformed"),
        ("https://127.0.0.1", "not_public"),
        ("https://169.254.169.254/latest/meta-data", "not_public"),
        ("https://10.0.0.1", "not_public"),
        ("https://192.168.1.10", "not_public"),
        ("https://172.16.0.1", "not_public"),
        ("https://100.64.0.1", "not_public"),
        ("https://0.0.0.0", "not_public"),
        ("https://224.0.0.1", "not_public"),
        ("https://240.0.0.1", "not_public"),
        ("https://[::1]", "not_public"),
        ("https://[::ffff:10.0.0.1]", "not_public"),
        ("https://[::ffff:169.254.169.254]", "not_public"),
        ("https://[::10.0.0.1]", "not_public"),
        ("https://[64:ff9b::a00:1]", "not_public"),
        ("https://[2002:a00:1::]", "not_public"),
        ("https://[fe80::1]", "not_public"),
        ("https://[fc00::1]", "not_public"),
        ("https://localhost", "not_public"),
        ("https://shop.localhost", "not_public"),
    ],
)
def test_unsafe_addresses_are_refused_with_a_reason_and_a_hint(url: str, reason: str) -> None:
    with pytest.raises(UnsafeShopUrlError) as caught:
        parse_shop_url(url)
    assert caught.value.params["reason"] == reason
    assert "https://" in caught.value.params["hint"]
    assert caught.value.status == 422


def test_good_addresses_are_normalised() -> None:
    url = parse_shop_url("  https://Shop.Example/store/api/  ")
    assert (url.scheme, url.host, url.port, url.path) == ("https", "shop.example", 443, "/store")
    assert url.base_url == "https://shop.example/store"
    assert parse_shop_url("https://shop.example:8443").base_url == "https://shop.example:8443"
    assert parse_shop_url(f"https://{PUBLIC_V4}").host == PUBLIC_V4


# --- resolution -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "addresses",
    [
        ["10.0.0.5"],
        ["127.0.0.1"],
        ["169.254.169.254"],
        ["100.64.0.1"],
        ["::1"],
        ["::ffff:192.168.0.1"],
        ["64:ff9b::7f00:1"],
        [PUBLIC_V4, "10.0.0.5"],  # one bad record is enough
        ["2606:4700::1111", "fd00::1"],
        ["fec0::1"],  # deprecated site-local: still routed inside some networks
    ],
)
def test_names_resolving_to_non_public_addresses_are_refused(addresses: list[str]) -> None:
    resolve = resolver_for({"shop.example": addresses})
    with pytest.raises(UnsafeShopUrlError) as caught:
        check_shop_url("https://shop.example", resolver=resolve)
    assert caught.value.params["reason"] == "not_public"


def test_public_names_pass_and_unknown_names_are_unreachable() -> None:
    resolve = resolver_for({"shop.example": [PUBLIC_V4, "2606:4700::1111"]})
    assert check_shop_url("https://shop.example", resolver=resolve).host == "shop.example"
    with pytest.raises(ShopUnreachableError):
        check_shop_url("https://nowhere.example", resolver=resolve)


def test_public_address_rules() -> None:
    assert is_public_address(ipaddress.ip_address("8.8.8.8"))
    assert is_public_address(ipaddress.ip_address("64:ff9b::808:808"))  # NAT64 of a public address
    assert is_public_address(ipaddress.ip_address("::ffff:8.8.8.8"))
    assert not is_public_address(ipaddress.ip_address("2001:0:4136:e378:8000:63bf:3fff:fdd2"))  # Teredo


# --- nothing leaves before the check; the vetted IP is dialled ---------------------------------------------


def test_a_name_resolving_to_a_private_address_is_refused_before_any_request(no_sockets) -> None:
    resolve = resolver_for({"shop.example": ["10.0.0.5"]})
    connector = PrestaShopConnector("https://shop.example", KEY, resolver=resolve)

    with pytest.raises(UnsafeShopUrlError):
        connector.check_connection()
    assert no_sockets == []
    assert resolve.calls == ["shop.example"]  # type: ignore[attr-defined]
    assert connector.request_count == 1  # counted as attempted, never sent


@pytest.mark.parametrize(
    "url",
    ["http://shop.example", "https://127.0.0.1", "https://169.254.169.254", "https://[::1]", "https://10.0.0.1"],
)
def test_connector_refuses_unsafe_urls_at_construction(url: str, no_sockets) -> None:
    with pytest.raises(UnsafeShopUrlError):
        PrestaShopConnector(url, KEY, resolver=resolver_for({}))
    assert no_sockets == []


class _StopStream(httpcore.NetworkStream):
    def __init__(self, seen: dict[str, Any]) -> None:
        self.seen = seen

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> Any:
        self.seen["sni"] = server_hostname
        raise httpcore.ConnectError("stop here")

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # pragma: no cover
        return b""

    def write(self, buffer: bytes, timeout: float | None = None) -> None:  # pragma: no cover
        self.seen.setdefault("written", b"")
        self.seen["written"] += buffer

    def close(self) -> None:
        pass

    def get_extra_info(self, info: str) -> Any:
        return None


def test_the_vetted_ip_is_dialled_while_sni_keeps_the_host_name(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def connect(self: Any, host: str, port: int, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        seen["dialled"] = (host, port)
        return _StopStream(seen)

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", connect)
    answers = iter([[PUBLIC_V4], ["10.0.0.5"]])  # a rebinding DNS: public first, private later
    client = guarded_client(resolver=lambda host, port: next(answers))

    with pytest.raises(httpx.ConnectError):
        client.get("https://shop.example/api/")
    assert seen["dialled"] == (PUBLIC_V4, 443)
    assert seen["sni"] == "shop.example"

    seen.clear()
    with pytest.raises(UnsafeShopUrlError):
        client.get("https://shop.example/api/")  # resolved again at connect time, and refused
    assert "dialled" not in seen


def test_guarded_transport_ignores_environment_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://10.0.0.1:3128")
    client = guarded_client(resolver=resolver_for({}))
    assert isinstance(client._transport, GuardedTransport)
    assert client._mounts == {}


# --- local mode ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["http://127.0.0.1:8081", "http://localhost:8081", "https://127.0.0.1:8443"])
def test_local_mode_allows_loopback_only(url: str) -> None:
    assert parse_shop_url(url, allow_local=True).is_local
    with pytest.raises(UnsafeShopUrlError):
        parse_shop_url(url)


@pytest.mark.parametrize("url", ["http://10.0.0.1:8081", "http://shop.example", "https://169.254.169.254"])
def test_local_mode_does_not_open_anything_else(url: str) -> None:
    with pytest.raises(UnsafeShopUrlError):
        parse_shop_url(url, allow_local=True)


def test_local_mode_resolves_localhost_to_loopback_only() -> None:
    assert check_shop_url("http://localhost:8081", resolver=lambda h, p: ["127.0.0.1", "::1"], allow_local=True)
    with pytest.raises(UnsafeShopUrlError):
        check_shop_url("http://localhost:8081", resolver=lambda h, p: ["10.0.0.7"], allow_local=True)
