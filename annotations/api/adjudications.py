"""A sentence's adjudication: the final label a moderator sets over the reviewers' majority,
version-checked as annotations are."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from annotations.corpus.models import Sentence
from annotations.moderation.services import REASON_MAX_LENGTH, adjudicate, adjudication_clear
from annotations.review.models import Adjudication

from .annotations import ETAG_HEADER, IF_MATCH, LabelField
from .base import ApiViewSet
from .etags import etag_for, required_version, version_from_if_match
from .permissions import IsModerator
from .schema import ErrorSerializer


class AdjudicationSummarySerializer(serializers.ModelSerializer):
    """An adjudication shown inside its sentence (a queue item)."""

    moderator = serializers.CharField(source="moderator.get_username")

    class Meta:
        model = Adjudication
        fields = ["label", "reason", "moderator", "version", "created_at", "updated_at"]


class AdjudicationSerializer(AdjudicationSummarySerializer):
    sentence = serializers.IntegerField(source="sentence_id")
    article = serializers.IntegerField(source="sentence.article_id")

    class Meta(AdjudicationSummarySerializer.Meta):
        fields = ["sentence", "article", *AdjudicationSummarySerializer.Meta.fields]


class AdjudicationConflictSerializer(ErrorSerializer):
    current = AdjudicationSerializer(
        allow_null=True, help_text="What is stored now; null when there is no adjudication."
    )


class AdjudicationWriteSerializer(serializers.Serializer):
    label = LabelField(help_text="The sentence's final label.")
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=f"A note on the decision (at most {REASON_MAX_LENGTH:,} characters).",
    )
    version = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text="The adjudication's version you read, 0 when there was none. Required unless "
        "sent as `If-Match`; a stale one gets 409 (412 with If-Match) and what is stored now.",
    )


CONFLICTS = {409: AdjudicationConflictSerializer, 412: AdjudicationConflictSerializer}


class SentenceAdjudicationViewSet(ApiViewSet):
    queryset = Sentence.objects.select_related("article")
    serializer_class = AdjudicationSerializer
    permission_classes = [IsAuthenticated, IsModerator]

    def stored(self, sentence: Sentence) -> Adjudication:
        adjudication = (
            Adjudication.objects.filter(sentence=sentence).select_related("moderator").first()
        )
        if adjudication is None:
            raise NotFound(f"sentence {sentence.pk} has no adjudication")
        adjudication.sentence = sentence
        return adjudication

    @extend_schema(
        summary="A sentence's adjudication",
        description="The final label a moderator set; 404 when there is none (the reviewers' "
        "majority decides). Moderators only.",
        responses=AdjudicationSerializer,
        parameters=[ETAG_HEADER],
    )
    @action(detail=True, methods=["get"])
    def adjudication(self, request, pk=None):
        adjudication = self.stored(self.get_object())
        return Response(AdjudicationSerializer(adjudication).data, headers=etag(adjudication))

    @extend_schema(
        summary="Adjudicate a sentence",
        description="Sets the sentence's final label, which overrides the reviewers' majority "
        "(training, agreement and export use it). Send the version you read (`version` or "
        "If-Match; 0 when there was none): if it changed since, nothing is written: 409 (412 "
        "for If-Match) with what is stored now. 201 when it creates the adjudication. "
        "Announced as `sentence.adjudicated`. Moderators only.",
        request=AdjudicationWriteSerializer,
        responses={201: AdjudicationSerializer, 200: AdjudicationSerializer, **CONFLICTS},
        parameters=[IF_MATCH, ETAG_HEADER],
    )
    @adjudication.mapping.put
    def set_adjudication(self, request, pk=None):
        sentence = self.get_object()
        wish = AdjudicationWriteSerializer(data=request.data)
        wish.is_valid(raise_exception=True)
        version = required_version(request, wish.validated_data.get("version"))
        adjudication = adjudicate(
            sentence=sentence,
            actor=request.user,
            label=wish.validated_data["label"],
            reason=wish.validated_data.get("reason", ""),
            expected_version=version,
        )
        code = status.HTTP_201_CREATED if version == 0 else status.HTTP_200_OK
        data = AdjudicationSerializer(adjudication).data
        return Response(data, status=code, headers=etag(adjudication))

    @extend_schema(
        summary="Remove a sentence's adjudication",
        description="Its final label goes back to the reviewers' majority. With If-Match, only "
        "if it has not changed (412 otherwise). Announced as `sentence.adjudicated` with a null "
        "label. Moderators only.",
        parameters=[IF_MATCH],
        responses={204: None, 412: AdjudicationConflictSerializer},
    )
    @adjudication.mapping.delete
    def clear_adjudication(self, request, pk=None):
        sentence = self.get_object()
        self.stored(sentence)
        adjudication_clear(
            sentence=sentence, actor=request.user, expected_version=version_from_if_match(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def etag(adjudication: Adjudication) -> dict[str, str]:
    return {"ETag": etag_for(adjudication)}
