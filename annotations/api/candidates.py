"""Candidate claims: what the detector found in each sentence, and why."""

import django_filters as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from annotations.corpus.selectors import articles_visible_to
from annotations.detection.models import Candidate
from annotations.labels import CLAIM_LABELS

from .base import ApiViewSet
from .filters import IdFilter, choice_filter, score_filter


class CandidateSummarySerializer(serializers.ModelSerializer):
    reasons = serializers.JSONField(
        help_text="Why: attributions, quotes, quantities, dispute and false-flag cues, the "
        "model's contribution."
    )

    class Meta:
        model = Candidate
        fields = ["id", "score", "suggested_label", "reasons", "detector_version"]


class CandidateSerializer(CandidateSummarySerializer):
    article = serializers.IntegerField(source="sentence.article_id")
    sentence_index = serializers.IntegerField(source="sentence.index")
    text = serializers.CharField(source="sentence.text")

    class Meta(CandidateSummarySerializer.Meta):
        fields = ["id", "article", "sentence", "sentence_index", "text"] + (
            CandidateSummarySerializer.Meta.fields[1:]
        )


class CandidateFilter(filters.FilterSet):
    article = IdFilter(field_name="sentence__article_id")
    sentence = IdFilter(field_name="sentence_id")
    min_score = score_filter(field_name="score", lookup_expr="gte")
    suggested_label = choice_filter(CLAIM_LABELS)

    class Meta:
        model = Candidate
        fields = []


@extend_schema_view(
    list=extend_schema(
        summary="List candidate claims",
        description="One per sentence, from the active detector; in article order.",
    ),
    retrieve=extend_schema(summary="A candidate claim"),
)
class CandidateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = Candidate.objects.none()  # for the schema; requests get get_queryset()
    serializer_class = CandidateSerializer
    filterset_class = CandidateFilter
    ordering = ("id",)

    def get_queryset(self):
        visible = articles_visible_to(self.request.user)
        return Candidate.objects.select_related("sentence").filter(sentence__article__in=visible)
