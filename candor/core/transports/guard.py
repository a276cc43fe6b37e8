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

# All an anonymous visitor learns about a refused target: never what a name resolves to (the
# URL checks in core/targets.py and a chat test message's refusal in core/channels both say it).
PUBLIC_TARGET_REFUSAL = "This address cannot receive webhooks: give a public http(s) URL."


class TargetRefused(Exception):
    pass


class Unresolvable(TargetRefused):
    pass


# Python's is_global misses these: each reaches (or may reach) an address on our own side.
NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: the IPv4 address is inside
NOT_PUBLIC_V6 = (
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible (deprecated): ::7f00:1 is 127.0.0.1
    ipaddress.IPv6Network("64:ff9b:1::/48"),  # RFC 8215: NAT64 for local use
    ipaddress.IPv6Network("fec0::/10"),  # site-local (deprecated, still routed inside some sites)
)


def is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in net for net in NOT_PUBLIC_V6):
            return False
        nat64 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in NAT64_WELL_KNOWN else None
        # ::ffff:127.0.0.1, 2002:7f00:1:: and 64:ff9b::7f00:1 reach the IPv4 address inside them.
        for inner in (ip.ipv4_mapped, ip.sixtofour, nat64):
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
