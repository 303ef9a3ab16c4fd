"""The shared cache (Redis), degrading to this process's memory while Redis is unreachable.

The cache holds only counters that may start again (the API's throttles, the pages' rate limits),
so an outage must not fail requests: each operation falls back to a local memory cache, and
Redis is tried again after RETRY_SECONDS. While it is down, limits count per process (a web
server with three workers allows up to three times the rate): degraded, but on.
"""

import logging
import time

from django.core.cache import cache as default_cache
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger("aihm.cache")

RETRY_SECONDS = 10
_OPERATIONS = ("add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "set_many", "delete_many", "clear")


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        local_params = {key: params[key] for key in ("TIMEOUT", "KEY_PREFIX", "VERSION", "KEY_FUNCTION") if key in params}
        self._local = LocMemCache(f"aihm-fallback:{server}", local_params)
        self._redis_down_until = 0.0

    def _redis_or_local(self, name, *args, **kwargs):
        if time.monotonic() >= self._redis_down_until:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except (RedisError, OSError) as error:
                self._redis_down_until = time.monotonic() + RETRY_SECONDS
                logger.warning("cache unreachable (%s): counting in this process for %d s", type(error).__name__, RETRY_SECONDS)
        return getattr(self._local, name)(*args, **kwargs)


def _falling_back(name):
    def operation(self, *args, **kwargs):
        return self._redis_or_local(name, *args, **kwargs)

    operation.__name__ = name
    return operation


for _name in _OPERATIONS:
    setattr(FallbackRedisCache, _name, _falling_back(_name))


def _count_in(cache, key, timeout):
    """Django's cache API: add, then increment (two operations, each a round trip on Redis)."""
    while True:
        if cache.add(key, 1, timeout):
            return 1
        try:
            return cache.incr(key)
        except ValueError:  # expired between the two
            continue


def _count_on_redis(cache, key, timeout):
    """One round trip: SET NX with the expiry, then INCR, in one pipeline."""
    key = cache.make_and_validate_key(key)
    pipeline = cache._cache.get_client(key, write=True).pipeline(transaction=False)
    pipeline.set(key, 0, ex=timeout, nx=True)
    pipeline.incr(key)
    return pipeline.execute()[1]


def count(cache, key, timeout):
    """Add one to the counter `key` (created at 1, gone after `timeout` seconds) and return it.
    On Redis that is one round trip instead of the three of `add` and `incr`; while Redis is
    down, and on the other caches, it counts through the cache API."""
    if cache is default_cache:  # the proxy of `django.core.cache.cache`
        cache = caches["default"]
    if isinstance(cache, FallbackRedisCache):
        if time.monotonic() >= cache._redis_down_until:
            try:
                return _count_on_redis(cache, key, timeout)
            except (RedisError, OSError) as error:
                cache._redis_down_until = time.monotonic() + RETRY_SECONDS
                logger.warning("cache unreachable (%s): counting in this process for %d s", type(error).__name__, RETRY_SECONDS)
        return _count_in(cache._local, key, timeout)
    return _count_in(cache, key, timeout)
