"""The private-address guard for webhook targets.

A name is resolved once, every address it resolves to is checked, and the request then goes to
a checked address (the Host header and TLS SNI carry the name). Checking a name and letting the
HTTP client resolve it again would let DNS answer differently the second time.
"""

from __future__ import annotations

import ipaddress
import socket

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(Exception):
    pass


class Unresolvable(TargetRefused):
    pass


def is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        # ::ffff:127.0.0.1 and friends reach the IPv4 address inside them.
        for inner in (ip.ipv4_mapped, ip.sixtofour):
            if inner is not None and not is_public(inner):
                return False
        if ip.teredo is not None:
            return False
    return bool(ip.is_global and not ip.is_multicast)


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the name resolves to (a literal, in any spelling inet_aton takes, too)."""
    host = host.strip("[]")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unresolvable(f"Could not resolve {host}: {exc}") from None
    seen: list[IPAddress] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if ip not in seen:
            seen.append(ip)
    if not seen:
        raise Unresolvable(f"{host} resolves to no address")
    return seen


def check_host(host: str, port: int) -> list[IPAddress]:
    """The addresses to connect to; refuses a target any of whose addresses is not public."""
    addresses = resolve(host, port)
    if settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS:
        return addresses
    for ip in addresses:
        if not is_public(ip):
            raise TargetRefused(
                f"{host} resolves to {ip}, a private, loopback or link-local address; "
                "webhooks only reach public addresses"
            )
    return addresses
