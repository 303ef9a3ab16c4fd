"""The shared cache (Redis), degrading to this process's memory while Redis is unreachable.

The cache holds only counters that may start again (the API's throttles, the pages' rate limits),
so an outage must not fail requests: each operation falls back to a local memory cache, and
Redis is tried again after RETRY_SECONDS. While it is down, limits count per process (a web
server with three workers allows up to three times the rate): degraded, but on.
"""

import logging
import time

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
