"""The client's address, for every throttle: subscribe forms, password resets, login lockout.

Behind a reverse proxy every request comes from the proxy. X-Forwarded-For is believed only when
the direct peer is a trusted proxy (CANDOR_TRUSTED_PROXIES), and then only as far as the hops
are trusted proxies too: each proxy appends the address it saw, so the rightmost hop that is not
a trusted proxy is the client; anything left of it was written by the client and may be forged.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse(value: str) -> Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 192.0.2.1:443
        value = value.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return None
    return ip.ipv4_mapped or ip if isinstance(ip, ipaddress.IPv6Address) else ip


def _trusted(ip: Address) -> bool:
    return any(ip in ipaddress.ip_network(net) for net in settings.CANDOR_TRUSTED_PROXIES)


def client_ip(request: HttpRequest) -> str:
    """The client's address as a string ("" when the server gave none)."""
    peer = _parse(str(request.META.get("REMOTE_ADDR", "")))
    if peer is None:
        return ""
    client = peer
    if _trusted(peer):
        hops = str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        for hop in reversed(hops):
            ip = _parse(hop)
            if ip is None:
                break  # garbage in the chain: keep the last address a trusted proxy vouched for
            client = ip
            if not _trusted(ip):
                break
    return str(client)
