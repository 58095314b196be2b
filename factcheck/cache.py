"""The Redis cache, failing open: what the project keeps there (throttle counters, a debounce
flag, figures cached for a minute) can be lost or missing without harm, so a Redis that does not
answer must not turn a request into a 500. A read then finds nothing and a write is dropped,
with one warning per outage in the log.

A Redis that hangs rather than refuses costs a call its whole timeout; so after a failure the
cache is not asked again for CACHE_RETRY_SECONDS, and one slow request per interval pays for the
outage instead of every call of every request.
"""

import functools
import logging
import time

from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
# When the last call failed (None: it did not), shared by the cache objects of every thread of
# this process.
_outage = {"failed_at": None}


def _failing_open(method, fallback):
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        failed_at = _outage["failed_at"]
        if failed_at is not None and time.monotonic() < failed_at + settings.CACHE_RETRY_SECONDS:
            return fallback(*args, **kwargs)
        try:
            result = method(self, *args, **kwargs)
        except RedisError as error:
            if failed_at is None:
                logger.warning("cache unreachable, going on without it: %s", error)
            _outage["failed_at"] = time.monotonic()
            return fallback(*args, **kwargs)
        if failed_at is not None:
            _outage["failed_at"] = None
            logger.warning("cache reachable again")
        return result

    return call


def _default(key, default=None, *args, **kwargs):
    return default


def _constant(value):
    return lambda *args, **kwargs: value


# What each operation gives when Redis does not answer: nothing found, nothing stored.
_FALLBACKS = {
    "get": _default,
    "get_many": _constant({}),
    "has_key": _constant(False),
    "add": _constant(False),
    "set": _constant(None),
    "set_many": _constant([]),
    "touch": _constant(False),
    "delete": _constant(False),
    "delete_many": _constant(None),
}


class ClientKeepingRedisCacheClient(RedisCacheClient):
    """Django builds a redis.Redis around the connection pool on every call, which costs about
    as much as the call's round trip with redis-py 8 (bench/cache_calls.py): every API write
    pays it twice for its throttle. One client per pool, kept, does the same (clients are
    thread-safe and share the pool's connections)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailOpenRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ClientKeepingRedisCacheClient


for _name, _fallback in _FALLBACKS.items():
    setattr(FailOpenRedisCache, _name, _failing_open(getattr(RedisCache, _name), _fallback))
