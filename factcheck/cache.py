"""The Redis cache, failing open: what the project keeps there (throttle counters, a debounce
flag, figures cached for a minute) can be lost or missing without harm, so a Redis that does not
answer must not turn a request into a 500. A read then finds nothing and a write is dropped,
with one warning per outage in the log."""

import functools
import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
# Whether the last call failed, shared by the cache objects of every thread of this process.
_outage = {"now": False}


def _failing_open(method, fallback):
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            result = method(self, *args, **kwargs)
        except RedisError as error:
            if not _outage["now"]:
                _outage["now"] = True
                logger.warning("cache unreachable, going on without it: %s", error)
            return fallback(*args, **kwargs)
        if _outage["now"]:
            _outage["now"] = False
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


class FailOpenRedisCache(RedisCache):
    pass


for _name, _fallback in _FALLBACKS.items():
    setattr(FailOpenRedisCache, _name, _failing_open(getattr(RedisCache, _name), _fallback))
