"""Who is posting, for rate limits (issue 13): the client's address as seen through the
configured trusted reverse proxies, and an anonymous id per browser, so that a class
of 30 behind one school address each get their own budget while one client cannot
flood a public page.

``COSPIRAL_TRUSTED_PROXIES`` (IPs or CIDRs): only a request whose ``REMOTE_ADDR`` is one
of them has its ``X-Forwarded-For`` read, from the right, skipping trusted proxies: the
first address that is not one is the client. Otherwise ``REMOTE_ADDR`` is the client
and the header is ignored (anyone can write it). Counts live in Django's default cache
(``django-ratelimit``), shared by every process when the cache is."""

from __future__ import annotations

import ipaddress
import secrets
from functools import lru_cache

from django.conf import settings
from django_ratelimit.core import is_ratelimited

BROWSER_KEY = "cospiral_client"


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]):
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = _networks(tuple(getattr(settings, "COSPIRAL_TRUSTED_PROXIES", ()) or ()))
    if not networks or not _trusted(remote, networks):
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    for address in reversed(forwarded):
        if not _trusted(address, networks):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return remote  # a malformed header: count the proxy itself
    return remote


def browser_id(request) -> str:
    """A random id kept in this browser's session (Django's signed session cookie):
    never a name, never the address."""
    value = request.session.get(BROWSER_KEY)
    if not value:
        value = secrets.token_hex(8)
        request.session[BROWSER_KEY] = value
    return value


def public_post_limited(request, group: str, link: str) -> bool:
    """True when this post must be refused: more than ``COSPIRAL_ONLINE_RATE`` posts on
    ``link`` from this browser, or more than ``COSPIRAL_ONLINE_ADDRESS_RATE`` from its
    address (a ceiling for clients that drop their cookies). Counts this post."""
    if request.method != "POST":
        return False
    browser = browser_id(request)
    address = client_address(request)
    per_browser = is_ratelimited(request, group=f"{group}-browser",
                                 key=lambda _g, _r: f"{link}|{browser}",
                                 rate=settings.COSPIRAL_ONLINE_RATE, method="POST", increment=True)
    per_address = is_ratelimited(request, group=f"{group}-address",
                                 key=lambda _g, _r: f"{link}|{address}",
                                 rate=settings.COSPIRAL_ONLINE_ADDRESS_RATE, method="POST",
                                 increment=True)
    return per_browser or per_address
