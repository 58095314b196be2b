"""API tokens: obtained with a password, or seen, created and rotated on the /api/token/ page."""

import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser

from .parsers import StrictJSONParser
from .throttling import AddressThrottle, AuthThrottle


@transaction.atomic
def token_rotate(user) -> Token:
    """Give user a new API token; the old one, if any, stops working at once."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenRequestSerializer(AuthTokenSerializer):
    """Username and password; a username longer than any can be is refused before the login
    is tried (django-axes would record it, in a column as long as the longest username)."""

    username = serializers.CharField(
        label="Username", max_length=User._meta.get_field("username").max_length, write_only=True
    )


@extend_schema_view(
    post=extend_schema(
        summary="Get my API token",
        description="With username and password; the same token the /api/token/ page shows "
        "(created on first use).",
        request=TokenRequestSerializer,
        responses=TokenSerializer,
    )
)
class ObtainTokenView(ObtainAuthToken):
    authentication_classes = []
    serializer_class = TokenRequestSerializer
    throttle_classes = [AuthThrottle, AddressThrottle]
    parser_classes = [StrictJSONParser, FormParser, MultiPartParser]

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            # django-axes refused even to check the password: say so, not "wrong credentials".
            if getattr(request, "axes_locked_out", False):
                raise Throttled(
                    wait=settings.AXES_COOLOFF_TIME.total_seconds(),
                    detail="too many failed logins for this username from your address",
                ) from None
            raise


@login_required
@require_http_methods(["GET", "POST"])
def api_token(request):
    """The page where a logged-in user sees, creates and rotates their API token."""
    if request.method == "POST":
        throttle = AuthThrottle()
        if not throttle.allow_request(request, None):
            wait = math.ceil(throttle.wait() or 1)
            context = {"token": None, "retry_after": wait}
            response = render(request, "annotations/api_token.html", context, status=429)
            response["Retry-After"] = str(wait)
            return response
        had_token = Token.objects.filter(user=request.user).exists()
        token_rotate(request.user)
        messages.success(
            request,
            "New token created; the old one no longer works." if had_token else "Token created.",
        )
        return redirect("api:token")
    token = Token.objects.filter(user=request.user).first()
    return render(request, "annotations/api_token.html", {"token": token})
