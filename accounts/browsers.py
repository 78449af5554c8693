"""Who is at the other end of a request, as the sign-in log and the session list show it: the client's
address (the rule django-axes locks out by, so both agree behind a proxy) and a short device name."""

import ipaddress
from functools import lru_cache

from axes.helpers import get_client_ip_address
from django.http import HttpRequest

USER_AGENT_LENGTH = 500  # the columns' length


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address, or None when the request carries none that is valid."""
    address = get_client_ip_address(request)
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def client_user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH]


@lru_cache(maxsize=256)
def device_label(user_agent: str) -> str:
    """ "Chrome 128 on Windows", "Mobile Safari 17 on iOS (iPhone)", or "Unknown device". ua-parser's
    rules (Browserscope's, kept up to date in ua-parser-builtins) rather than a regular expression of our
    own that would age with every browser release."""
    if not user_agent:
        return "Unknown device"
    from ua_parser import parse  # loads its rules on first use (about 0.1 s), not at every start

    result = parse(user_agent)
    browser = result.user_agent.family if result.user_agent else "Unknown browser"
    if result.user_agent and result.user_agent.major:
        browser = f"{browser} {result.user_agent.major}"
    system = result.os.family if result.os else ""
    label = f"{browser} on {system}" if system and system != "Other" else browser
    if result.device and result.device.family not in {"Other", "Mac", "Generic Desktop", ""}:
        label = f"{label} ({result.device.family})"
    return label[:120]
