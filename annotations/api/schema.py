"""OpenAPI schema: every operation documents the errors it can answer with, not only success."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny

RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    required=True,
    response=[429],
    description="seconds to wait before trying again",
)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="What was wrong, by field (query parameter, body field, `request_body` for "
        "malformed JSON, `content_type`, `If-Match`); messages name the allowed values.",
    )


class ApiAutoSchema(AutoSchema):
    def get_override_parameters(self):
        return super().get_override_parameters() + ([RETRY_AFTER] if self.is_throttled() else [])

    def is_public(self) -> bool:
        return all(isinstance(permission, AllowAny) for permission in self.view.get_permissions())

    def restricts_reads(self) -> bool:
        return any(getattr(p, "restricts_reads", False) for p in self.view.get_permissions())

    def is_write(self) -> bool:
        return self.method not in ("GET", "HEAD", "OPTIONS")

    def is_throttled(self) -> bool:
        # The write throttle counts writes; the auth throttle every request to its views.
        scopes = {getattr(throttle, "scope", None) for throttle in self.view.get_throttles()}
        return "auth" in scopes or ("write" in scopes and self.is_write())

    def error_responses(self) -> dict[str, OpenApiResponse]:
        errors = {}
        if self.is_write() or self._is_list_view():
            errors["400"] = OpenApiResponse(
                ValidationErrorSerializer, "bad input: what was wrong, by field"
            )
        if not self.is_public():
            errors["401"] = OpenApiResponse(ErrorSerializer, "no credentials, or bad ones")
            if self.is_write() or self.restricts_reads():
                errors["403"] = OpenApiResponse(
                    ErrorSerializer,
                    "not allowed: another reviewer's annotation, a locked article, a missing "
                    "role or permission, or a session call without its CSRF token",
                )
        if "{" in self.path:
            errors["404"] = OpenApiResponse(ErrorSerializer, "no such object, or not visible")
        if self.is_throttled():
            errors["429"] = OpenApiResponse(ErrorSerializer, "too many requests; see Retry-After")
        return errors

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in self.error_responses().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses
