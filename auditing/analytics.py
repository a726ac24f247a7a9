"""Session analytics: device from the user agent, counters and a simple security score.

Scoring (documented here because staff read the number): a session starts at 100 and loses
    new_ip             20  a request came from an IP other than the login IP
    new_user_agent     20  a request came with a user agent other than the login one
    impossible_travel  40  the IP moved to another network (/16 for IPv4, /48 for IPv6)
                           within TRAVEL_WINDOW of the previous request: too fast to travel
and 10 for every FAILED_STEP failed actions (responses >= 400), at most 30. A session below
SUSPICIOUS_BELOW is marked suspicious. No GeoIP database is shipped, so "travel" is judged
by network distance rather than by kilometres; `country` and `city` stay blank.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from functools import lru_cache

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.utils import timezone
from ua_parser import parse

SIGNAL_PENALTIES = {"new_ip": 20, "new_user_agent": 20, "impossible_travel": 40}
FAILED_STEP = 5
FAILED_PENALTY = 10
FAILED_PENALTY_MAX = 30
SUSPICIOUS_BELOW = 60
TRAVEL_WINDOW = timedelta(minutes=10)

_TABLETS = ("iPad", "Tablet", "Kindle", "Nexus 7", "Nexus 9", "Nexus 10")
_MOBILE_OS = ("iOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS")


@lru_cache(maxsize=2048)
def parse_user_agent(user_agent: str) -> dict[str, str]:
    """{"device_type", "browser", "os"} for a user agent string (cached: agents repeat)."""
    if not user_agent:
        return {"device_type": "", "browser": "", "os": ""}
    result = parse(user_agent).with_defaults()
    device = result.device.family
    os_family = result.os.family
    if device == "Spider":
        device_type = "bot"
    elif any(name in device for name in _TABLETS) or (
        os_family == "Android" and "Mobile" not in user_agent
    ):
        device_type = "tablet"
    elif os_family in _MOBILE_OS:
        device_type = "mobile"
    elif os_family == "Other" and result.user_agent.family == "Other":
        device_type = "other"
    else:
        device_type = "desktop"
    browser = " ".join(p for p in (result.user_agent.family, result.user_agent.major) if p)
    os_name = " ".join(p for p in (os_family, result.os.major) if p)
    return {"device_type": device_type, "browser": browser[:100], "os": os_name[:100]}


def network_of(ip: str | None):
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    prefix = 16 if address.version == 4 else 48
    return ipaddress.ip_network(f"{address}/{prefix}", strict=False)


def security_score(*, signals: list[str], failed_actions: int) -> int:
    penalty = sum(SIGNAL_PENALTIES.get(signal, 0) for signal in set(signals))
    penalty += min(FAILED_PENALTY_MAX, (failed_actions // FAILED_STEP) * FAILED_PENALTY)
    return max(0, 100 - penalty)


def _on_login(sender, request, user, **kwargs):
    from auditing.services import session_analytics_start

    if request is not None and getattr(request, "session", None) is not None:
        session_analytics_start(request=request, user=user)


def _on_logout(sender, request, user, **kwargs):
    from auditing.middleware import session_hash
    from auditing.services import session_analytics_end

    if request is not None and user is not None:
        key = session_hash(request)
        if key:
            session_analytics_end(session_id=key, at=timezone.now())


def connect() -> None:
    user_logged_in.connect(_on_login, dispatch_uid="auditing.session_analytics_login")
    user_logged_out.connect(_on_logout, dispatch_uid="auditing.session_analytics_logout")
