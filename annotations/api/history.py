"""The audit trail, read-only: who changed or decided what, when, before and after, and through
which entry point. Moderators see all of it; a reviewer what concerns their own labels."""

import django_filters as filters
from django.db.models import Q
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from annotations.audit import EntryPoint
from annotations.moderation.selectors import history_visible_to
from annotations.review.models import History

from .base import ApiViewSet
from .filters import IdFilter, UsernameFilter, choice_filter


class HistorySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.get_username", help_text="who did it")
    reviewer = serializers.CharField(
        source="reviewer.get_username",
        allow_null=True,
        help_text="whose work it concerns: the annotation's reviewer, or the user deactivated",
    )
    subject_id = serializers.IntegerField(help_text="kept after the subject is deleted")
    before = serializers.JSONField(allow_null=True, help_text="null: it did not exist")
    after = serializers.JSONField(allow_null=True, help_text="null: it was deleted")

    class Meta:
        model = History
        fields = [
            "id",
            "at",
            "action",
            "subject",
            "subject_id",
            "article",
            "sentence",
            "actor",
            "reviewer",
            "via",
            "before",
            "after",
        ]


class HistoryFilter(filters.FilterSet):
    sentence = IdFilter(field_name="sentence_id")
    article = IdFilter(field_name="article_id")
    user = UsernameFilter(
        method="filter_user", help_text="a username: what they did, and what was done to their work"
    )
    action = choice_filter(History.Action.choices)
    via = choice_filter(EntryPoint.choices)

    class Meta:
        model = History
        fields = []

    def filter_user(self, history, name, user):
        return history.filter(Q(actor=user) | Q(reviewer=user))


@extend_schema_view(
    list=extend_schema(
        summary="The audit trail",
        description="Newest first. Moderators see every row; a reviewer sees the rows about "
        "their own labels (their changes, and moderators' decisions on them). Rows are never "
        "changed nor deleted.",
    ),
    retrieve=extend_schema(summary="One row of the audit trail"),
)
class HistoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = History.objects.none()  # for the schema; requests get get_queryset()
    serializer_class = HistorySerializer
    filterset_class = HistoryFilter
    ordering = ("-id",)

    def get_queryset(self):
        return history_visible_to(self.request.user)
