"""Candidate claims: what the detector found in each sentence, and why."""

import django_filters as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from annotations.corpus.selectors import articles_visible_to
from annotations.detection.models import Candidate
from annotations.detection.selectors import at_least_percentile, with_percentile
from annotations.labels import CLAIM_LABELS

from .base import ApiViewSet
from .filters import IdFilter, choice_filter, percentile_filter, score_filter


class CandidateSummarySerializer(serializers.ModelSerializer):
    reasons = serializers.JSONField(
        help_text="Why: attributions, quotes, quantities, dispute and false-flag cues, the "
        "model's contribution."
    )

    class Meta:
        model = Candidate
        fields = ["id", "score", "suggested_label", "reasons", "detector_version"]


class RankedCandidateSerializer(CandidateSummarySerializer):
    """With where the score stands: in its article and in the whole corpus (read from
    detection.selectors.with_percentile)."""

    rank = serializers.IntegerField(
        allow_null=True,
        help_text="Rank of the score in its article: 1 for the highest (ties in sentence order).",
    )
    percentile = serializers.FloatField(
        allow_null=True,
        help_text="Share (%) of the detector's candidates over the whole corpus that score at most "
        "as high, in steps of 0.1: 99.5 is in the top half percent. Null until the detector's "
        "score distribution is computed (after its first batch of articles).",
    )

    class Meta(CandidateSummarySerializer.Meta):
        fields = CandidateSummarySerializer.Meta.fields[:2] + [
            "rank",
            "percentile",
            *CandidateSummarySerializer.Meta.fields[2:],
        ]


class CandidateSerializer(RankedCandidateSerializer):
    article = serializers.IntegerField(source="sentence.article_id")
    sentence_index = serializers.IntegerField(source="sentence.index")
    text = serializers.CharField(source="sentence.text")

    class Meta(RankedCandidateSerializer.Meta):
        fields = ["id", "article", "sentence", "sentence_index", "text"] + (
            RankedCandidateSerializer.Meta.fields[1:]
        )


class CandidateFilter(filters.FilterSet):
    article = IdFilter(field_name="sentence__article_id")
    sentence = IdFilter(field_name="sentence_id")
    min_score = score_filter(field_name="score", lookup_expr="gte")
    min_percentile = percentile_filter(method="filter_min_percentile")
    suggested_label = choice_filter(CLAIM_LABELS)

    class Meta:
        model = Candidate
        fields = []

    def filter_min_percentile(self, candidates, name, value):
        return candidates.filter(at_least_percentile(value))


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
        return with_percentile(
            Candidate.objects.select_related("sentence").filter(sentence__article__in=visible)
        )
