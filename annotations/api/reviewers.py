"""Reviewers, for moderators: how many of each one's labels wait, were approved or rejected; and
deactivating one."""

from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from annotations.moderation.selectors import reviewers_overview
from annotations.moderation.services import REASON_MAX_LENGTH, deactivate_reviewer

from .base import ApiViewSet
from .permissions import IsModerator


class ReviewerSerializer(serializers.ModelSerializer):
    is_active = serializers.BooleanField(help_text="false once deactivated: they cannot log in")
    pending = serializers.IntegerField(help_text="their annotations waiting for a decision")
    approved = serializers.IntegerField()
    rejected = serializers.IntegerField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "is_active",
            "date_joined",
            "last_login",
            "pending",
            "approved",
            "rejected",
        ]


class DeactivationSerializer(serializers.Serializer):
    reject_pending = serializers.BooleanField(
        default=False, help_text="also reject every annotation of theirs still pending"
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=f"Required with `reject_pending` (at most {REASON_MAX_LENGTH:,} characters).",
    )


class DeactivationResultSerializer(serializers.Serializer):
    rejected = serializers.IntegerField(help_text="how many pending annotations were rejected")
    reviewer = ReviewerSerializer(help_text="the reviewer as they are now")


@extend_schema_view(
    list=extend_schema(
        summary="List reviewers",
        description="Everyone with a role or with labels, with the counts of their annotations "
        "by decision; by username. Moderators only.",
    )
)
class ReviewerViewSet(mixins.ListModelMixin, ApiViewSet):
    queryset = User.objects.none()  # for the schema; requests get get_queryset()
    serializer_class = ReviewerSerializer
    permission_classes = [IsAuthenticated, IsModerator]
    ordering = ("username",)

    def get_queryset(self):
        return reviewers_overview()

    @extend_schema(
        summary="Deactivate a reviewer",
        description="They can no longer log in or use their token; their labels stay, and keep "
        "counting unless rejected. With `reject_pending`, their pending annotations are "
        "rejected with `reason` (each recorded and announced as `annotation.rejected`). Your "
        "own account and superusers are refused (400). Moderators only.",
        request=DeactivationSerializer,
        responses=DeactivationResultSerializer,
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        user = self.get_object()
        wish = DeactivationSerializer(data=request.data)
        wish.is_valid(raise_exception=True)
        rejected = deactivate_reviewer(user=user, actor=request.user, **wish.validated_data)
        result = {"rejected": rejected, "reviewer": self.get_object()}  # its counts now
        return Response(DeactivationResultSerializer(result).data)
