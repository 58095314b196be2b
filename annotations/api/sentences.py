"""Sentences, each with its candidate, my annotation and everyone's label counts."""

import django_filters as filters
from django.db.models import Exists, OuterRef
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from annotations.corpus.models import Sentence
from annotations.corpus.selectors import sentences_visible_to
from annotations.detection.models import Candidate
from annotations.detection.selectors import at_least_percentile
from annotations.labels import CLAIM_LABELS, Label
from annotations.review.models import Annotation
from annotations.review.selectors import sentence_rows

from .annotations import MyAnnotationSerializer
from .base import ApiViewSet
from .candidates import RankedCandidateSerializer
from .filters import BooleanFilter, IdFilter, choice_filter, percentile_filter, score_filter


class LabelCountsSerializer(serializers.Serializer):
    sourced = serializers.IntegerField()
    disputed = serializers.IntegerField()
    false_flag = serializers.IntegerField()
    not_claim = serializers.IntegerField()


class SentenceSerializer(serializers.Serializer):
    """A review.selectors.SentenceRow: the sentence, its candidate, my annotation, everyone's
    labels."""

    id = serializers.IntegerField(source="sentence.id")
    article = serializers.IntegerField(source="sentence.article_id")
    index = serializers.IntegerField(source="sentence.index")
    paragraph = serializers.IntegerField(source="sentence.paragraph")
    start = serializers.IntegerField(source="sentence.start", help_text="offset in the body")
    end = serializers.IntegerField(source="sentence.end")
    text = serializers.CharField(source="sentence.text")
    candidate = RankedCandidateSerializer(allow_null=True)
    my_annotation = MyAnnotationSerializer(source="mine", allow_null=True)
    label_counts = serializers.SerializerMethodField(
        help_text="Everyone's labels (rejected ones left out); null until you have labelled "
        "this sentence, so they cannot anchor your own judgement."
    )

    @extend_schema_field(LabelCountsSerializer(allow_null=True))
    def get_label_counts(self, row) -> dict | None:
        if not row.others_visible:
            return None
        return {label: row.label_counts[label] for label in Label.values}


class SentenceFilter(filters.FilterSet):
    article = IdFilter(field_name="article_id")
    min_score = score_filter(method="filter_min_score", help_text="candidate score at least")
    min_percentile = percentile_filter(
        method="filter_min_percentile", help_text="candidate percentile in the corpus at least"
    )
    suggested_label = choice_filter(CLAIM_LABELS, method="filter_suggested_label")
    labelled = BooleanFilter(method="filter_labelled", help_text="labelled by me, or not")

    class Meta:
        model = Sentence
        fields = []

    def filter_min_score(self, sentences, name, value):
        return sentences.filter(
            Exists(Candidate.objects.filter(sentence=OuterRef("pk"), score__gte=value))
        )

    def filter_min_percentile(self, sentences, name, value):
        return sentences.filter(
            Exists(Candidate.objects.filter(at_least_percentile(value), sentence=OuterRef("pk")))
        )

    def filter_suggested_label(self, sentences, name, value):
        return sentences.filter(
            Exists(Candidate.objects.filter(sentence=OuterRef("pk"), suggested_label=value))
        )

    def filter_labelled(self, sentences, name, value):
        mine = Exists(
            Annotation.objects.filter(sentence=OuterRef("pk"), reviewer=self.request.user)
        )
        return sentences.filter(mine if value else ~mine)


@extend_schema_view(
    list=extend_schema(summary="List sentences", description="In article order."),
    retrieve=extend_schema(summary="A sentence with its candidate and my annotation"),
)
class SentenceViewSet(ApiViewSet):
    queryset = Sentence.objects.none()  # for the schema; requests get get_queryset()
    serializer_class = SentenceSerializer
    filterset_class = SentenceFilter
    ordering = ("id",)

    def get_queryset(self):
        return sentences_visible_to(self.request.user)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = sentence_rows(page, request.user)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request, pk=None):
        [row] = sentence_rows([self.get_object()], request.user)
        return Response(self.get_serializer(row).data)
