"""The page where a logged-in user sees, creates and rotates their API token."""

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from .throttling import AuthThrottle
from .tokens import token_rotate


@login_required
@require_http_methods(["GET", "POST"])
def api_token(request):
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
