"""Annotations: reviewers' labels, written through the review services with version checks."""

import django_filters as filters
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from annotations.corpus.models import Sentence
from annotations.corpus.selectors import articles_visible_to, sentences_visible_to
from annotations.labels import Label
from annotations.review.models import Annotation, ModerationStatus
from annotations.review.selectors import annotations_visible_to, reading_in_list_order
from annotations.review.services import VersionConflict, annotation_clear, annotation_save

from .base import ApiViewSet
from .etags import etag_for, required_version, version_from_if_match
from .filters import DateTimeRangeFilter, IdFilter, choice_filter
from .permissions import OwnerOrModeratorCanChange
from .schema import ErrorSerializer

ETAG_HEADER = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    response=[200, 201],
    description='the version, quoted: send it back as If-Match, e.g. "3"',
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='the ETag you read, e.g. "3"; a stale one gets 412 with what is stored now',
)


class MyAnnotationSerializer(serializers.ModelSerializer):
    """An annotation shown inside its sentence, to its own reviewer."""

    evidence_url = serializers.CharField()

    class Meta:
        model = Annotation
        fields = ["id", *Annotation.RECORDED_FIELDS, "created_at", "updated_at"]


class AnnotationSerializer(MyAnnotationSerializer):
    article = serializers.IntegerField(source="sentence.article_id")
    reviewer = serializers.CharField(source="reviewer.get_username")

    class Meta(MyAnnotationSerializer.Meta):
        fields = ["id", "sentence", "article", "reviewer"] + MyAnnotationSerializer.Meta.fields[1:]


class ConflictSerializer(ErrorSerializer):
    current = AnnotationSerializer(
        allow_null=True, help_text="What is stored now; null when it no longer exists."
    )


@extend_schema_field(serializers.ChoiceField(choices=Label.choices))
class LabelField(serializers.CharField):
    """A label value. The service checks it and answers with the allowed values."""


# Annotation.INPUT_FIELDS, each with its documentation (a test keeps the two lists equal); the
# service checks the values.
class AnnotationWriteSerializer(serializers.Serializer):
    label = LabelField()
    span_start = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Claim span inside the sentence text: 0 <= span_start < span_end <= length.",
    )
    span_end = serializers.IntegerField(required=False, allow_null=True)
    claimant = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=f"Who makes the claim (at most {Annotation.max_lengths()['claimant']} "
        "characters).",
    )
    source_name = serializers.CharField(
        required=False, allow_blank=True, help_text="For `sourced`: the source named."
    )
    evidence_url = serializers.CharField(
        required=False, allow_blank=True, help_text="An http:// or https:// URL."
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=f"At most {Annotation.max_lengths()['note']:,} characters.",
    )

    def changes(self) -> dict:
        """The input fields sent."""
        return {
            name: value
            for name, value in self.validated_data.items()
            if name in Annotation.INPUT_FIELDS
        }


class AnnotationCreateSerializer(AnnotationWriteSerializer):
    sentence = serializers.PrimaryKeyRelatedField(
        queryset=Sentence.objects.select_related("article"),
        pk_field=serializers.IntegerField(),  # a number first: a huge one is not found, no DB error
        error_messages={"does_not_exist": "there is no sentence {pk_value}"},
    )
    article = serializers.IntegerField(
        required=False,
        write_only=True,
        help_text="Optional: the article the sentence must belong to.",
    )

    def validate(self, data):
        article = data.pop("article", None)
        if article is not None and data["sentence"].article_id != article:
            raise serializers.ValidationError(
                {
                    "sentence": f"sentence {data['sentence'].pk} belongs to article "
                    f"{data['sentence'].article_id}, not to article {article}"
                }
            )
        return data


class AnnotationUpdateSerializer(AnnotationWriteSerializer):
    version = serializers.IntegerField(
        required=False,
        help_text="The version you read. Required unless sent as `If-Match`; a stale one "
        "gets 409 (412 with If-Match) and what is stored now.",
    )


class AnnotationFilter(filters.FilterSet):
    article = IdFilter(field_name="sentence__article_id")
    sentence = IdFilter(field_name="sentence_id")
    label = choice_filter(Label.choices)
    reviewer = filters.CharFilter(field_name="reviewer__username", help_text="a username")
    moderation_status = choice_filter(ModerationStatus.choices)
    created = filters.DateFromToRangeFilter(
        field_name="created_at", help_text="created_after / created_before: dates, inclusive"
    )
    updated = DateTimeRangeFilter(
        field_name="updated_at", help_text="updated_after / updated_before: ISO 8601 times"
    )

    class Meta:
        model = Annotation
        fields = []


@extend_schema_view(
    list=extend_schema(
        summary="List annotations",
        description="Mine, and other reviewers' on sentences I have labelled; moderators see all.",
    ),
    retrieve=extend_schema(summary="An annotation", parameters=[ETAG_HEADER]),
)
class AnnotationViewSet(mixins.ListModelMixin, ApiViewSet):
    queryset = Annotation.objects.none()  # for the schema; requests get get_queryset()
    serializer_class = AnnotationSerializer
    filterset_class = AnnotationFilter
    permission_classes = [IsAuthenticated, OwnerOrModeratorCanChange]
    # annotations_visible_to(): id order for moderators; a reviewer's in the order they labelled
    # (ties, the annotations of one sentence, are few: the cursor's offset covers them).
    ordering = ("position",)

    def get_queryset(self):
        user = self.request.user
        return annotations_visible_to(user).filter(sentence__article__in=articles_visible_to(user))

    def paginate_queryset(self, queryset):
        with reading_in_list_order():
            return super().paginate_queryset(queryset)

    def retrieve(self, request, pk=None):
        return annotation_response(self.get_object())

    @extend_schema(
        summary="Label a sentence",
        description="Creates my annotation of the sentence. If I already have one, nothing is "
        "overwritten: 409 with the stored annotation, to update with PUT or PATCH and its "
        "version.",
        request=AnnotationCreateSerializer,
        responses={201: AnnotationSerializer, 409: ConflictSerializer},
        parameters=[ETAG_HEADER],
    )
    def create(self, request):
        serializer = AnnotationCreateSerializer(data=request.data)
        # A sentence of a hidden article does not exist for a reviewer.
        visible = sentences_visible_to(request.user)
        serializer.fields["sentence"].queryset = visible
        serializer.is_valid(raise_exception=True)
        sentence = serializer.validated_data["sentence"]
        try:
            annotation, _ = annotation_save(
                sentence=sentence,
                reviewer=request.user,
                changes=serializer.changes(),
                replace=True,
                expected_version=0,
            )
        except VersionConflict as conflict:
            current = conflict.current
            message = (
                f"you already labelled sentence {sentence.pk}: annotation {current.pk}, version "
                f"{current.version}; change it with PUT or PATCH "
                f"{reverse('api:annotation-detail', args=[current.pk])} and that version"
            )
            return conflict_response(current, message, status.HTTP_409_CONFLICT)
        location = reverse("api:annotation-detail", args=[annotation.pk])
        return annotation_response(annotation, status.HTTP_201_CREATED, Location=location)

    @extend_schema(
        summary="Change an annotation",
        description="Mine, or anyone's for moderators. Send the version you read (`version` or "
        "If-Match); if it changed since, nothing is written: 409 (412 for If-Match) with "
        "what is stored now. PUT replaces every field; PATCH changes those sent.",
        request=AnnotationUpdateSerializer,
        responses={
            200: AnnotationSerializer,
            409: ConflictSerializer,
            412: ConflictSerializer,
        },
        parameters=[IF_MATCH, ETAG_HEADER],
    )
    def update(self, request, pk=None, partial=False):
        annotation = self.get_object()
        serializer = AnnotationUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        version = required_version(request, serializer.validated_data.get("version"))
        saved, _ = annotation_save(
            sentence=annotation.sentence,
            reviewer=annotation.reviewer,
            changes=serializer.changes(),
            actor=request.user,
            replace=not partial,
            expected_version=version,
        )
        return annotation_response(saved)

    @extend_schema(
        summary="Change some fields of an annotation",
        description="As PUT, but fields left out keep their values.",
        request=AnnotationUpdateSerializer(partial=True),
        responses={
            200: AnnotationSerializer,
            409: ConflictSerializer,
            412: ConflictSerializer,
        },
        parameters=[IF_MATCH, ETAG_HEADER],
    )
    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)

    @extend_schema(
        summary="Delete an annotation",
        description="Mine, or anyone's for moderators. With If-Match, only if it has not changed.",
        parameters=[IF_MATCH],
        responses={204: None, 412: ConflictSerializer},
    )
    def destroy(self, request, pk=None):
        annotation_clear(
            annotation=self.get_object(),
            actor=request.user,
            expected_version=version_from_if_match(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def annotation_response(annotation: Annotation, code=status.HTTP_200_OK, **headers) -> Response:
    data = AnnotationSerializer(annotation).data
    return Response(data, status=code, headers={"ETag": etag_for(annotation), **headers})


def conflict_response(
    current, message: str, code: int, serializer_class=AnnotationSerializer
) -> Response:
    """A version conflict: what is stored now (null once deleted, or when there is none), with its
    ETag."""
    exists = current is not None and current.pk is not None
    return Response(
        {"detail": message, "current": serializer_class(current).data if exists else None},
        status=code,
        headers={"ETag": etag_for(current)} if exists else {},
    )
