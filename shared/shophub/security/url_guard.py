"""Shop URL guard: keep the connector from being pointed at anything but a public HTTPS shop.

A merchant types the shop address, so the address is untrusted input (SSRF). The guard:

* accepts only ``https://host[:port][/path]`` (no user info, query or fragment);
* resolves every A/AAAA record of the host and refuses the host when ANY of them is not a public
  address: loopback, private, link-local (169.254.169.254), CGNAT 100.64.0.0/10, multicast,
  reserved, unspecified, IPv6 site-local (fec0::/10), and IPv6 forms that embed such an IPv4
  address (IPv4-mapped, IPv4-compatible, NAT64, 6to4; Teredo is refused outright);
* is enforced again at connect time by :mod:`shophub.security.transport`, which dials the vetted
  address itself (no rebinding between the check and the request) and bounds all the I/O of a
  request by one deadline. This module holds the rules only (no HTTP stack), so the functions that
  merely validate an address do not load one.

``allow_local=True`` is the local-stack switch: it additionally allows ``http://127.0.0.1:<port>``,
``http://localhost:<port>`` (and loopback over https). Deployed code never sets it.

DNS resolution is injectable (``resolver(host, port) -> list of IP strings``) so tests need no
network.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from shophub.errors import ShopUnreachableError, UnsafeShopUrlError

Resolver = Callable[[str, int], Sequence[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

HTTPS_HINT = "The shop address must start with https:// and point to a public server."

_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL_USE = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")


@dataclass(frozen=True)
class ShopUrl:
    """A syntactically valid shop address, normalised (no trailing slash)."""

    scheme: str
    host: str
    port: int
    path: str

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        port = "" if self.port == default else f":{self.port}"
        return f"{self.scheme}://{host}{port}"

    @property
    def base_url(self) -> str:
        return self.origin + self.path

    @property
    def is_local(self) -> bool:
        return self.host in _LOCAL_HOSTS


def _refuse(reason: str, detail: str, url: str) -> UnsafeShopUrlError:
    return UnsafeShopUrlError(
        detail,
        params={"detail": detail, "reason": reason, "hint": HTTPS_HINT, "url": url[:200]},
    )


def parse_shop_url(url: str, *, allow_local: bool = False) -> ShopUrl:
    """Check the shape of ``url`` without resolving it.

    Raises :class:`UnsafeShopUrlError` whose ``params["reason"]`` is ``"malformed"``,
    ``"not_https"`` or ``"not_public"`` (a literal non-public IP address).
    """
    if not isinstance(url, str) or not url.strip():
        raise _refuse("malformed", "the shop address is empty", "")
    raw = url.strip()
    if any(ord(ch) < 33 or ch in "\\\x7f" for ch in raw):
        raise _refuse("malformed", "the shop address contains spaces or control characters", raw)
    parts, port = _split_url(raw)
    scheme = parts.scheme.lower()
    host = _bare_host(parts, raw)
    local_ok = allow_local and host in _LOCAL_HOSTS
    _check_scheme(scheme, local_ok, raw)
    _check_host(host, local_ok, raw)
    path = parts.path.rstrip("/")
    if path.endswith("/api"):
        path = path[: -len("/api")]
    if port is None:
        port = 443 if scheme == "https" else 80
    return ShopUrl(scheme=scheme, host=host, port=port, path=path)


def _split_url(raw: str) -> tuple[SplitResult, int | None]:
    """The parts and port of an address that has a scheme and a host part."""
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise _refuse("malformed", "the shop address is not a valid URL", raw) from None
    if not parts.scheme or not parts.netloc:
        if "://" not in raw:
            raise _refuse("not_https", "the shop address must start with https://", raw)
        raise _refuse("malformed", "the shop address is not a valid URL", raw)
    return parts, port


def _bare_host(parts: SplitResult, raw: str) -> str:
    """The host name (lower case, no trailing dot); refuses an address without one, or with a
    user name, password, query or fragment."""
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise _refuse("malformed", "the shop address has no host name", raw)
    if parts.username is not None or parts.password is not None:
        raise _refuse("malformed", "the shop address must not contain a user name or password", raw)
    if parts.query or parts.fragment or raw.endswith(("?", "#")):
        raise _refuse("malformed", "the shop address must not contain a query or fragment", raw)
    return host


def _check_scheme(scheme: str, local_ok: bool, raw: str) -> None:
    """Only https://, or http:// to a local host when the local stack allows it."""
    if scheme == "http" and not local_ok:
        raise _refuse("not_https", "the shop address uses http://; only https:// is accepted", raw)
    if scheme not in ("http", "https"):
        raise _refuse("not_https", f"the scheme {scheme}:// is not accepted; use https://", raw)


def _check_host(host: str, local_ok: bool, raw: str) -> None:
    """Refuse an invalid host name and, unless local hosts are allowed, a literal non-public
    address or a localhost name."""
    if not _valid_host(host):
        raise _refuse("malformed", "the shop address has an invalid host name", raw)
    literal = _literal_ip(host)
    if literal is not None and not local_ok and not is_public_address(literal):
        raise _refuse("not_public", f"{host} is not a public internet address", raw)
    if literal is None and not local_ok and (host == "localhost" or host.endswith(".localhost")):
        raise _refuse("not_public", f"{host} is not a public internet address", raw)


def _valid_host(host: str) -> bool:
    if _literal_ip(host) is not None:
        return True
    if len(host) > 253:
        return False
    labels = host.split(".")
    for label in labels:
        if not label or len(label) > 63 or label.startswith("-") or label.endswith("-"):
            return False
        if not all(ch.isalnum() or ch == "-" for ch in label):
            return False
    return True


def _literal_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64_WELL_KNOWN or ip in _IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    return None


def is_public_address(ip: IPAddress) -> bool:
    """True only for a globally routable unicast address (see the module docstring)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.teredo is not None or ip in _NAT64_LOCAL_USE:
            return False
        if ip.scope_id or ip.is_site_local:
            return False
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_public_address(embedded)
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return False
    return bool(
        ip.is_global
        and not ip.is_private
        and not ip.is_loopback
        and not ip.is_link_local
        and not ip.is_multicast
        and not ip.is_reserved
        and not ip.is_unspecified
    )


def system_resolver(host: str, port: int) -> list[str]:
    """Every A/AAAA address of ``host`` from the operating system's resolver."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in seen:
            seen.append(address)
    return seen


def vet_addresses(host: str, addresses: Iterable[str], *, allow_local: bool = False) -> list[IPAddress]:
    """Parse ``addresses`` and refuse the host when any of them is not public."""
    vetted: list[IPAddress] = []
    for address in addresses:
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            raise _refuse("not_public", f"{host} resolved to an invalid address", host) from None
        if allow_local and host in _LOCAL_HOSTS and ip.is_loopback:
            vetted.append(ip)
            continue
        if not is_public_address(ip):
            raise _refuse("not_public", f"{host} resolves to a non-public address ({ip})", host)
        vetted.append(ip)
    if not vetted:
        raise ShopUnreachableError(f"{host} has no address", params={"detail": f"{host} has no address"})
    return vetted


def resolve_public(
    host: str, port: int, *, resolver: Resolver | None = None, allow_local: bool = False
) -> list[IPAddress]:
    """Resolve ``host`` and return its addresses if every one of them is public."""
    literal = _literal_ip(host)
    if literal is not None:
        return vet_addresses(host, [str(literal)], allow_local=allow_local)
    try:
        addresses = (resolver or system_resolver)(host, port)
    except (OSError, UnicodeError) as exc:
        detail = f"the name {host} could not be resolved ({type(exc).__name__})"
        raise ShopUnreachableError(detail, params={"detail": detail}) from None
    return vet_addresses(host, addresses, allow_local=allow_local)


def check_shop_url(url: str, *, resolver: Resolver | None = None, allow_local: bool = False) -> ShopUrl:
    """Full check of a shop address: shape, scheme and every resolved address."""
    shop_url = parse_shop_url(url, allow_local=allow_local)
    resolve_public(shop_url.host, shop_url.port, resolver=resolver, allow_local=allow_local)
    return shop_url
