"""Moderation: decisions on annotations (one at a time, version-checked, or in bulk), locking and
hiding articles, and the queue. Moderators only; every write goes through
annotations.moderation.services, which records it (via "api") and announces it."""

import django_filters as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from annotations.corpus.models import Article, Sentence
from annotations.labels import Label
from annotations.moderation.selectors import (
    TABS,
    QueueFilters,
    queue_items,
    queue_sentences,
    to_decide_on_article,
)
from annotations.moderation.services import (
    DECISIONS,
    REASON_MAX_LENGTH,
    moderate,
    moderate_many,
    set_article_flag,
)
from annotations.review.models import Annotation
from annotations.review.selectors import article_list

from .adjudications import AdjudicationSummarySerializer
from .annotations import (
    ETAG_HEADER,
    IF_MATCH,
    AnnotationSerializer,
    ConflictSerializer,
    MyAnnotationSerializer,
    annotation_response,
)
from .articles import ArticleSerializer
from .base import ApiViewSet
from .candidates import CandidateSummarySerializer
from .etags import required_version
from .filters import IdFilter, UsernameFilter, choice_filter, user_named
from .pagination import RankedPagination
from .permissions import IsModerator
from .sentences import LabelCountsSerializer

BULK_LIMIT = 1000
REASON_HELP = f"At most {REASON_MAX_LENGTH:,} characters; reviewers see it with their label."


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, help_text=REASON_HELP)
    version = serializers.IntegerField(
        required=False,
        help_text="The annotation's version you read. Required unless sent as `If-Match`; a "
        "stale one gets 409 (412 with If-Match) and what is stored now.",
    )


class RejectionSerializer(DecisionSerializer):
    reason = serializers.CharField(
        allow_blank=True, help_text=f"Required: why the label is rejected. {REASON_HELP}"
    )


DECISION_RESPONSES = {200: AnnotationSerializer, 409: ConflictSerializer, 412: ConflictSerializer}


def decision_schema(summary: str, description: str, request=DecisionSerializer):
    return extend_schema(
        summary=summary,
        description=f"{description} Send the version you read (`version` or If-Match): if the "
        "annotation changed since, nothing is decided: 409 (412 for If-Match) with what is "
        "stored now. Moderators only.",
        request=request,
        responses=DECISION_RESPONSES,
        parameters=[IF_MATCH, ETAG_HEADER],
    )


class AnnotationDecisionViewSet(ApiViewSet):
    queryset = Annotation.objects.select_related("sentence", "reviewer")
    serializer_class = AnnotationSerializer
    permission_classes = [IsAuthenticated, IsModerator]

    def decide(self, request, decision: str, serializer_class=DecisionSerializer):
        annotation = self.get_object()
        wish = serializer_class(data=request.data)
        wish.is_valid(raise_exception=True)
        decided = moderate(
            annotation=annotation,
            actor=request.user,
            decision=decision,
            reason=wish.validated_data.get("reason", ""),
            expected_version=required_version(request, wish.validated_data.get("version")),
        )
        return annotation_response(decided)

    @decision_schema(
        "Approve an annotation",
        "Its label counts, and shows as approved to its reviewer. Announced as "
        "`annotation.approved`.",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self.decide(request, "approve")

    @decision_schema(
        "Reject an annotation",
        "Its label no longer counts (gold label, training, agreement, export); its reviewer sees "
        "the reason and may revise it, which sets it back to pending. Announced as "
        "`annotation.rejected`.",
        RejectionSerializer,
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self.decide(request, "reject", RejectionSerializer)

    @decision_schema(
        "Reopen an annotation",
        "Back to pending, the decision and its reason cleared. Announced as `annotation.updated`.",
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self.decide(request, "reopen")


def switch_schema(summary: str, description: str):
    return extend_schema(
        summary=summary,
        description=f"{description} Answers the article; nothing changes if it already was. "
        "Moderators only.",
        request=None,
        responses=ArticleSerializer,
    )


class ArticleSwitchViewSet(ApiViewSet):
    queryset = Article.objects.none()  # for the schema; requests get get_queryset()
    serializer_class = ArticleSerializer
    permission_classes = [IsAuthenticated, IsModerator]

    def get_queryset(self):
        return article_list(self.request.user)

    def switch(self, request, flag: str, value: bool) -> Response:
        article = self.get_object()
        set_article_flag(article=article, actor=request.user, flag=flag, value=value)
        return Response(ArticleSerializer(article).data)

    @switch_schema("Lock an article", "Reviewers can no longer change its labels; moderators can.")
    @action(detail=True, methods=["post"])
    def lock(self, request, pk=None):
        return self.switch(request, "locked", True)

    @switch_schema("Unlock an article", "Reviewers can change their labels again.")
    @action(detail=True, methods=["post"])
    def unlock(self, request, pk=None):
        return self.switch(request, "locked", False)

    @switch_schema(
        "Hide an article",
        "Reviewers no longer see it, its sentences, candidates or labels (404), nor change them.",
    )
    @action(detail=True, methods=["post"])
    def hide(self, request, pk=None):
        return self.switch(request, "hidden", True)

    @switch_schema("Show an article", "Reviewers see it again.")
    @action(detail=True, methods=["post"])
    def show(self, request, pk=None):
        return self.switch(request, "hidden", False)


class BulkDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=list(DECISIONS))
    reason = serializers.CharField(
        required=False, allow_blank=True, help_text=f"Required to reject. {REASON_HELP}"
    )
    annotations = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        min_length=1,
        max_length=BULK_LIMIT,
        help_text=f"The annotations' ids (at most {BULK_LIMIT:,}); or send `article` and "
        "`reviewer` instead.",
    )
    article = serializers.PrimaryKeyRelatedField(
        queryset=Article.objects.all(),
        pk_field=serializers.IntegerField(),  # a number first: a huge one is not found
        required=False,
        error_messages={"does_not_exist": "there is no article {pk_value}"},
        help_text="With `reviewer`: their labels of this article, those pending (to approve or "
        "reject) or those decided (to reopen).",
    )
    reviewer = serializers.CharField(required=False, help_text="A username; with `article`.")

    def validate_annotations(self, ids: list[int]) -> list[int]:
        found = set(Annotation.objects.filter(pk__in=ids).values_list("pk", flat=True))
        missing = sorted(set(ids) - found)
        if missing:
            raise serializers.ValidationError(
                f"there is no annotation {', '.join(map(str, missing[:20]))}"
            )
        return ids

    def validate_reviewer(self, name: str):
        return user_named(name)

    def validate(self, data):
        by_reviewer = {"article", "reviewer"} & set(data)
        if "annotations" in data and by_reviewer:
            raise serializers.ValidationError(
                "send either `annotations` or `article` and `reviewer`, not both"
            )
        if "annotations" not in data and not by_reviewer:
            raise serializers.ValidationError(
                {"annotations": "send the annotations' ids, or `article` and `reviewer`"}
            )
        if len(by_reviewer) == 1:
            [given] = by_reviewer
            [missing] = {"article", "reviewer"} - by_reviewer
            raise serializers.ValidationError({missing: f"needed with `{given}`"})
        return data

    def chosen(self):
        """The annotations to decide: ids, or a queryset."""
        data = self.validated_data
        if "annotations" in data:
            return data["annotations"]
        return to_decide_on_article(
            article=data["article"].pk, reviewer=data["reviewer"].pk, decision=data["decision"]
        )


class BulkResultSerializer(serializers.Serializer):
    changed = serializers.IntegerField(
        help_text="How many annotations the decision changed (those already so decided are left "
        "as they were)."
    )


class BulkDecisionViewSet(ApiViewSet):
    serializer_class = BulkDecisionSerializer
    permission_classes = [IsAuthenticated, IsModerator]

    @extend_schema(
        summary="Decide many annotations at once",
        description="Approve, reject (with one reason for all) or reopen the annotations listed "
        "in `annotations`, or a reviewer's labels of one article (`article` and `reviewer`). "
        "All or nothing; each change is recorded and announced on its own. No version check: "
        "the decision applies to the labels as they are. Moderators only.",
        request=BulkDecisionSerializer,
        responses={200: BulkResultSerializer},
    )
    def create(self, request):
        wish = BulkDecisionSerializer(data=request.data)
        wish.is_valid(raise_exception=True)
        changed = moderate_many(
            annotations=wish.chosen(),
            actor=request.user,
            decision=wish.validated_data["decision"],
            reason=wish.validated_data.get("reason", ""),
        )
        return Response(BulkResultSerializer({"changed": changed}).data)


class QueueFilter(filters.FilterSet):
    tab = choice_filter(
        list(TABS.items()),
        help_text="contested (the default: counted labels disagree, or contradict a confident "
        "suggestion), pending (labels waiting for a decision), decided (latest decision first)",
    )
    article = IdFilter()
    reviewer = UsernameFilter(help_text="a username: sentences with this reviewer's labels")
    label = choice_filter(Label.choices, help_text="sentences with a label of this value")
    since = filters.DateFilter(
        help_text="labels changed on or after this date (on the decided tab: decided)"
    )
    until = filters.DateFilter(help_text="labels changed on or before this date")

    class Meta:
        model = Sentence
        fields = []

    def filter_queryset(self, sentences):
        # The tab's selector builds the whole query; there is nothing to narrow beforehand.
        data = self.form.cleaned_data
        reviewer = data.get("reviewer")
        narrowed = QueueFilters(
            article=data.get("article"),
            reviewer=reviewer.pk if reviewer else None,
            label=data.get("label") or "",
            since=data.get("since"),
            until=data.get("until"),
        )
        return queue_sentences(data.get("tab") or "contested", narrowed)


class QueueSentenceSerializer(serializers.ModelSerializer):
    article = serializers.IntegerField(source="article_id")

    class Meta:
        model = Sentence
        fields = ["id", "article", "index", "paragraph", "text"]


class QueueAnnotationSerializer(MyAnnotationSerializer):
    """A reviewer's label in the queue, with its decision."""

    reviewer = serializers.CharField(source="reviewer.get_username")
    moderated_by = serializers.CharField(source="moderated_by.get_username", allow_null=True)

    class Meta(MyAnnotationSerializer.Meta):
        fields = [
            "id",
            "reviewer",
            *Annotation.RECORDED_FIELDS,
            "moderated_by",
            "moderated_at",
            "created_at",
            "updated_at",
        ]


class GoldLabelSerializer(serializers.Serializer):
    label = serializers.ChoiceField(choices=Label.choices)
    basis = serializers.ChoiceField(
        choices=["adjudicated", "majority", "tie"],
        help_text="a tie takes the most specific tied label and is unresolved until adjudicated",
    )


class QueueItemSerializer(serializers.Serializer):
    """A moderation.selectors.QueueItem: a sentence with everything a decision needs."""

    sentence = QueueSentenceSerializer()
    previous_text = serializers.CharField(source="previous.text", allow_null=True)
    next_text = serializers.CharField(source="next.text", allow_null=True)
    candidate = CandidateSummarySerializer(allow_null=True)
    gold = GoldLabelSerializer(allow_null=True, help_text="the final label and what it rests on")
    adjudication = AdjudicationSummarySerializer(allow_null=True)
    label_counts = LabelCountsSerializer(help_text="counted labels (rejected ones left out)")
    annotations = QueueAnnotationSerializer(many=True, help_text="every reviewer's, oldest first")


class QueueViewSet(ApiViewSet):
    queryset = Sentence.objects.none()  # for the schema; QueueFilter builds the query
    serializer_class = QueueItemSerializer
    filterset_class = QueueFilter
    pagination_class = RankedPagination
    permission_classes = [IsAuthenticated, IsModerator]

    @extend_schema(
        summary="The moderation queue",
        description="Sentences to decide on, in the tab's order (contested: the most divided "
        "first, then the most votes, then the highest candidate score; pending: highest score "
        "first; decided: latest first), each with its neighbours' text, its candidate, every "
        "reviewer's label and decision, its adjudication and its final label. Numbered pages "
        "(`page`, `page_size`), each in the same few queries. Moderators only.",
    )
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(queue_items(page), many=True).data)
