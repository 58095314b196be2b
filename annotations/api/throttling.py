from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle


def client_address(request) -> str:
    """The client's address as the API throttles and django-axes see it: REMOTE_ADDR, or the
    X-Forwarded-For entry the API_TRUSTED_PROXIES proxies vouch for."""
    return BaseThrottle().get_ident(request)


class ScopedThrottle(SimpleRateThrottle):
    """Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], read when the throttle is made
    (DRF's own throttles read them once, at import)."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class AuthThrottle(ScopedThrottle):
    """Obtaining or rotating a token: per user when logged in, else per client address."""

    scope = "auth"

    def get_cache_key(self, request, view):
        user = request.user
        ident = f"user-{user.pk}" if user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class WriteThrottle(ScopedThrottle):
    """Every POST, PUT, PATCH and DELETE, per user; reads are not counted."""

    scope = "write"

    def get_cache_key(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS") or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
