"""The outbound SSRF guard: no request reaches a link-local or cloud-metadata address.

Checked where the socket is made (a urllib3 connection class), so it holds for
every hop of a redirect and for host names that resolve to such an address; the
connected peer is checked again, which defeats DNS rebinding between the check
and the connect. `MSSP_OUTBOUND_ALLOWLIST` (CIDRs) lets chosen addresses through.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NameResolutionError

from app.integrations.errors import BlockedDestination

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Link-local (IPv4 and IPv6, which include the AWS/GCP/Azure 169.254.169.254 metadata
#: service) and AWS's IPv6 metadata address.
BLOCKED_NETWORKS: tuple[IPNetwork, ...] = (
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fe80::/10"),
    ipaddress.ip_network("fd00:ec2::254/128"),
)


def parse_allowlist(entries: Iterable[str]) -> tuple[IPNetwork, ...]:
    """CIDRs or single addresses; raises ValueError naming a bad entry."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"MSSP_OUTBOUND_ALLOWLIST: {entry!r} is not an address or CIDR") from None
    return tuple(networks)


def is_blocked(address: str, allowlist: tuple[IPNetwork, ...] = ()) -> bool:
    """Whether outbound requests must not reach `address` (an IP literal)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:169.254.169.254 is 169.254.169.254
    if any(ip in network for network in allowlist):
        return False
    return any(ip in network for network in BLOCKED_NETWORKS)


def _refuse(host: str, address: str) -> BlockedDestination:
    where = host if host == address else f"{host} ({address})"
    return BlockedDestination(
        f"refused to connect to {where}: link-local or cloud-metadata address "
        "(allow it with MSSP_OUTBOUND_ALLOWLIST if this is intended)"
    )


def check_host(host: str, port: int, allowlist: tuple[IPNetwork, ...], conn: Any = None) -> None:
    """Resolve `host` and refuse it when any of its addresses is blocked."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise NameResolutionError(host, conn, error) from error
    for info in infos:
        address = str(info[4][0])
        if is_blocked(address, allowlist):
            raise _refuse(host, address)


class _GuardedConnectionMixin:
    allowlist: tuple[IPNetwork, ...] = ()

    def _new_conn(self) -> socket.socket:
        host = self._dns_host  # type: ignore[attr-defined]
        check_host(host, self.port, self.allowlist, self)  # type: ignore[attr-defined]
        sock = super()._new_conn()  # type: ignore[misc]
        peer = sock.getpeername()[0]
        if is_blocked(peer, self.allowlist):
            sock.close()
            raise _refuse(host, peer)
        return sock


@lru_cache(maxsize=16)
def _pool_classes(allowlist: tuple[IPNetwork, ...]) -> dict[str, type]:
    http_conn = type(
        "GuardedHTTPConnection", (_GuardedConnectionMixin, HTTPConnection), {"allowlist": allowlist}
    )
    https_conn = type(
        "GuardedHTTPSConnection", (_GuardedConnectionMixin, HTTPSConnection), {"allowlist": allowlist}
    )
    return {
        "http": type("GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
        "https": type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
    }


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose connections refuse blocked addresses (no retries here)."""

    def __init__(self, allowlist: tuple[IPNetwork, ...] = ()) -> None:
        self._allowlist = allowlist
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self._allowlist)
