import hashlib

from django.contrib.auth import get_user_model
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle


def client_address(request) -> str:
    """The client's address as the API throttles and django-axes see it: REMOTE_ADDR, or the
    X-Forwarded-For entry the API_TRUSTED_PROXIES proxies vouch for."""
    return BaseThrottle().get_ident(request)


def login_username(request, credentials=None) -> str | None:
    """The username django-axes records a login attempt under, cut to the longest a username
    can be: a longer one names no account, and would not fit axes' column (a 500 on PostgreSQL)."""
    fields = credentials or getattr(request, "data", request.POST)
    username = fields.get("username") if hasattr(fields, "get") else None  # JSON may be a list
    longest = get_user_model()._meta.get_field("username").max_length
    return None if username is None else str(username)[:longest]


class ScopedThrottle(SimpleRateThrottle):
    """Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], read when the throttle is made
    (DRF's own throttles read them once, at import)."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class AuthThrottle(ScopedThrottle):
    """Obtaining or rotating a token: per user when logged in, else per username and client
    address, so that colleagues behind one address do not use up each other's requests
    (django-axes locks out a username and address after repeated failures)."""

    scope = "auth"

    def get_cache_key(self, request, view):
        user = request.user
        if user.is_authenticated:
            ident = f"user-{user.pk}"
        else:
            username = login_username(request) or ""
            digest = hashlib.sha256(username.encode("utf-8", "replace")).hexdigest()
            ident = f"{self.get_ident(request)}-{digest}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AddressThrottle(ScopedThrottle):
    """Obtaining a token with a password, per client address whatever the username: a ceiling
    generous enough for a newsroom behind one address, against trying many usernames."""

    scope = "auth_address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class WriteThrottle(ScopedThrottle):
    """Every POST, PUT, PATCH and DELETE, per user; reads are not counted."""

    scope = "write"

    def get_cache_key(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS") or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
