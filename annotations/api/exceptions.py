"""Every API error is JSON: {"detail": ...}, plus "errors" (field -> messages) for bad input and
"current" for a version conflict. Bad input of any kind is a 400, never a 500."""

from django.conf import settings
from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from annotations.moderation.services import AdjudicationConflict
from annotations.review.services import VersionConflict

from .adjudications import AdjudicationSerializer
from .annotations import AnnotationSerializer, conflict_response

# Each version conflict, with how to show what is stored now.
CONFLICTS = {VersionConflict: AnnotationSerializer, AdjudicationConflict: AdjudicationSerializer}


def exception_handler(exc, context):
    if type(exc) in CONFLICTS:
        # A stale If-Match is a failed precondition (412); a stale `version` a conflict (409).
        stale_if_match = "If-Match" in context["request"].headers
        code = status.HTTP_412_PRECONDITION_FAILED if stale_if_match else status.HTTP_409_CONFLICT
        return conflict_response(exc.current, str(exc), code, CONFLICTS[type(exc)])
    if isinstance(exc, DjangoValidationError):  # raised by the services
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, PermissionDenied):  # from annotations.roles: keep its message
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, ObjectDoesNotExist):  # removed by someone else while this request ran
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, exceptions.ParseError):
        exc = exceptions.ValidationError({"request_body": [str(exc.detail)]})
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        exc = exceptions.ValidationError({"content_type": [unsupported_media_type(context)]})

    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        errors = flatten(response.data)
        response.data = {"detail": f"invalid input: {', '.join(errors)}", "errors": errors}
    return response


def unsupported_media_type(context) -> str:
    allowed = [parser.media_type for parser in context["view"].get_parsers()]
    sent = context["request"].content_type.split(";")[0].strip() or "no content type"
    return f"{sent!r} is not accepted here; send one of: {', '.join(allowed)}"


def flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field": [...], "file.0": [...]}."""
    if isinstance(detail, dict):
        items = detail.items()
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        items = enumerate(detail)
    else:
        messages = detail if isinstance(detail, list) else [detail]
        return {prefix or "non_field_errors": [str(message) for message in messages]}
    errors: dict[str, list[str]] = {}
    for key, value in items:
        errors.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return errors


# Django's own error pages (handler400 and handler500 in factcheck/urls.py), as JSON under /api/:
# what Django refuses before a view runs (an oversized body, too many fields) and a server error.
def bad_request(request, exception):
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return JsonResponse({"detail": f"request body larger than {limit} bytes"}, status=413)
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return _bad_request(f"too many fields or files: {exception}")
    return _bad_request("bad request")


def _bad_request(message: str) -> JsonResponse:
    # The shape of every 400 the schema documents: a summary and what was wrong, by field.
    return JsonResponse({"detail": message, "errors": {"non_field_errors": [message]}}, status=400)


def server_error(request):
    if not _is_api(request):
        return defaults.server_error(request)
    return JsonResponse({"detail": "server error; it has been logged"}, status=500)


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")
