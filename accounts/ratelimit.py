"""A fixed-window limit per client IP for public pages (sign-up, password reset, consent pages),
kept in Django's cache (Redis in production, so it holds across workers; local memory by default).

The API uses DRF's throttles instead; pages are plain Django views, so they count here: each
`scope` has one counter per IP and window, at a rate such as "30/min".
"""

import time

from django.core.cache import cache

from accounts.services import client_ip

PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate):
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip().lower()]


def over_limit(request, *, scope, rate):
    """Count this request; True once the client went past the limit in the current window."""
    limit, period = parse_rate(rate)
    window = int(time.time() // period)
    key = f"ratelimit:{scope}:{client_ip(request) or 'unknown'}:{window}"
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=period + 1)
        count = 1
    return count > limit
