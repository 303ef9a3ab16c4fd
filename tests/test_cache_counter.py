"""aihm.cache.count: the throttles' counter, one round trip on Redis, the cache API elsewhere."""

import uuid

import pytest
from django.core.cache.backends.locmem import LocMemCache

from aihm import cache as shared_cache
from aihm.cache import FallbackRedisCache

LIVE_REDIS = "redis://127.0.0.1:6379/12"
DEAD_REDIS = "redis://127.0.0.1:1/0"


def redis_cache(location):
    return FallbackRedisCache(location, {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}})


def test_a_counter_on_redis_counts_up_and_expires_with_its_window():
    cache = redis_cache(LIVE_REDIS)
    try:
        cache.get("probe")
    except Exception:  # noqa: BLE001 - no Redis on this machine: the other tests still run
        pytest.skip("no Redis on 127.0.0.1:6379")
    key = f"count-{uuid.uuid4()}"
    assert [shared_cache.count(cache, key, 30) for _ in range(3)] == [1, 2, 3]
    raw = cache._cache.get_client(cache.make_and_validate_key(key))
    assert 0 < raw.ttl(cache.make_and_validate_key(key)) <= 30
    assert cache.get(key) == 3  # the same value the cache API reads
    cache.delete(key)


def test_a_counter_counts_in_the_process_while_redis_is_down_and_on_other_caches():
    down = redis_cache(DEAD_REDIS)
    assert [shared_cache.count(down, "window", 30) for _ in range(3)] == [1, 2, 3]
    assert down._redis_down_until > 0  # Redis is tried again later, not on every request
    local = LocMemCache("count-test", {})
    assert [shared_cache.count(local, "window", 30) for _ in range(2)] == [1, 2]
