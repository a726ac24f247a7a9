"""The one rule for a request's client address.

`REMOTE_ADDR` is the peer that opened the connection, and the only address a client can't
choose. Behind reverse proxies it is the nearest proxy's, and the client's is in a header
the proxies write; any client can send that header too, so it is read only when settings say
proxies are there:

- `TRUSTED_PROXY_COUNT = N` (N > 0): each proxy appends the address it saw to
  `X-Forwarded-For`, so the client is the N-th entry from the right; entries further left
  were written by the client and are ignored. A request with fewer entries did not come
  through the proxies: `REMOTE_ADDR`.
- `CLIENT_IP_HEADER = "HTTP_X_REAL_IP"` (a `request.META` key): a header the proxy sets
  whole, overwriting whatever the client sent.

Audit rows, tracked sessions, API-key failure counts, allauth's rate limits and every DRF
throttle read the address from here.
"""

import ipaddress

from django.conf import settings


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address as text, or None when there is no valid one."""
    if request is None:
        return None
    meta = request.META
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    if header and meta.get(header):
        return _valid(meta[header])
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        hops = [hop for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            return _valid(hops[-proxies])
    return _valid(meta.get("REMOTE_ADDR", ""))
