"""Agreement among reviewers, for moderators: the project's figures and their daily history, an
article's, a selection's computed live, and the confusion table of two reviewers. Stored figures
come from annotations.agreement's snapshots; those not computed yet are computed on request."""

from django.contrib.auth.models import User
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.agreement.models import AgreementSnapshot
from annotations.agreement.selectors import Scope, project_history
from annotations.agreement.services import confusion, measure, snapshot_or_compute
from annotations.corpus.models import Article
from annotations.corpus.selectors import articles_visible_to
from annotations.labels import Label

from .permissions import IsModerator
from .schema import ValidationErrorSerializer

LIST_LIMIT = 200  # well under DATA_UPLOAD_MAX_NUMBER_FIELDS
BAD_INPUT = {400: OpenApiResponse(ValidationErrorSerializer, "bad input: what was wrong, by field")}


class MeasureSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True, help_text="null when undefined (see reason)")
    units = serializers.IntegerField(help_text="how many sentences it rests on")
    reason = serializers.CharField(allow_blank=True, help_text="why it is undefined; else empty")
    raters = serializers.IntegerField(
        allow_null=True, help_text="Fleiss' kappa: the number of reviewers per sentence it used"
    )


class ReviewerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class PairSerializer(serializers.Serializer):
    reviewer_a = ReviewerRefSerializer()
    reviewer_b = ReviewerRefSerializer()
    shared_sentences = serializers.IntegerField(help_text="sentences both labelled")
    cohen_kappa = MeasureSerializer()
    percent_agreement = MeasureSerializer(help_text="share of shared sentences labelled alike")


class FiguresSerializer(serializers.Serializer):
    categories = serializers.ListField(child=serializers.ChoiceField(choices=Label.choices))
    sentences = serializers.IntegerField(help_text="sentences with counted labels")
    annotations = serializers.IntegerField(help_text="counted labels (rejected ones left out)")
    reviewers = serializers.IntegerField(help_text="reviewers who gave them")
    label_distribution = serializers.DictField(child=serializers.IntegerField())
    percent_agreement = MeasureSerializer(
        help_text="over sentences with two or more labels: the share of each sentence's pairs "
        "of reviewers who agree, averaged over sentences"
    )
    fleiss_kappa = MeasureSerializer(
        help_text="over the sentences with the most common number of reviewers (`raters`)"
    )
    krippendorff_alpha = MeasureSerializer(help_text="nominal; sentences with one label left out")
    pairs = PairSerializer(many=True, help_text="Cohen's kappa of each pair of reviewers")


class SnapshotSerializer(serializers.ModelSerializer):
    figures = FiguresSerializer()

    class Meta:
        model = AgreementSnapshot
        fields = ["article", "day", "computed_at", "figures"]


def _articles(ids: list[int]) -> list[int]:
    missing = sorted(
        set(ids) - set(Article.objects.filter(pk__in=ids).values_list("pk", flat=True))
    )
    if missing:
        raise serializers.ValidationError(f"there is no article {', '.join(map(str, missing))}")
    return ids


def _users(ids: list[int]) -> dict[int, User]:
    users = User.objects.in_bulk(ids)
    missing = sorted(set(ids) - set(users))
    if missing:
        raise serializers.ValidationError(f"there is no user {', '.join(map(str, missing))}")
    return users


def id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=2**63 - 1, **kwargs)


def id_list(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=id_field(), required=False, max_length=LIST_LIMIT, help_text=help_text
    )


class ScopeSerializer(serializers.Serializer):
    article = id_list("articles to include (repeat the parameter); all when absent")
    since = serializers.DateField(required=False, help_text="articles published on or after")
    until = serializers.DateField(required=False, help_text="articles published on or before")
    reviewer = id_list("user ids: agreement among these reviewers' labels alone")

    def validate_article(self, ids):
        return _articles(ids)

    def validate_reviewer(self, ids):
        return list(_users(ids))

    def validate(self, data):
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise serializers.ValidationError({"until": "must not be before `since`"})
        return data

    def scope(self) -> Scope:
        data = self.validated_data
        return Scope(
            articles=tuple(data.get("article", ())),
            since=data.get("since"),
            until=data.get("until"),
            reviewers=tuple(data.get("reviewer", ())),
        )


class ConfusionQuerySerializer(serializers.Serializer):
    a = id_field(help_text="user id of the first reviewer (the table's rows)")
    b = id_field(help_text="user id of the second reviewer (the columns)")
    article = id_list("articles to include (repeat the parameter); all when absent")

    def validate_article(self, ids):
        return _articles(ids)

    def validate(self, data):
        users = _users([data["a"], data["b"]])
        return {**data, "a": users[data["a"]], "b": users[data["b"]]}


class ConfusionSerializer(PairSerializer):
    categories = serializers.ListField(child=serializers.ChoiceField(choices=Label.choices))
    counts = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="counts[i][j]: sentences reviewer a labelled categories[i] and b categories[j]",
    )


class ModeratorView(APIView):
    permission_classes = [IsAuthenticated, IsModerator]


class ProjectAgreementView(ModeratorView):
    @extend_schema(
        summary="The project's agreement",
        description="The latest figures over every counted label (computed now if there are "
        "none yet); refreshed shortly after labels change. Moderators only.",
        responses=SnapshotSerializer,
    )
    def get(self, request):
        return Response(SnapshotSerializer(snapshot_or_compute()).data)


class AgreementHistoryView(ModeratorView):
    @extend_schema(
        summary="The project's agreement over time",
        description="One snapshot per day, oldest first: each the day's last figures. "
        "Moderators only.",
        responses=SnapshotSerializer(many=True),
    )
    def get(self, request):
        return Response(SnapshotSerializer(project_history(), many=True).data)


class ArticleAgreementView(ModeratorView):
    @extend_schema(
        summary="An article's agreement",
        description="The figures over the article's counted labels (computed now if there are "
        "none yet). Moderators only.",
        responses=SnapshotSerializer,
    )
    def get(self, request, pk: int):
        article = articles_visible_to(request.user).filter(pk=pk).first()
        if article is None:
            raise NotFound(f"there is no article {pk}")
        return Response(SnapshotSerializer(snapshot_or_compute(article)).data)


class SelectionAgreementView(ModeratorView):
    @extend_schema(
        summary="Agreement over a selection",
        description="Computed now over the counted labels of the chosen articles, publication "
        "dates and reviewers (each optional). Moderators only.",
        parameters=[ScopeSerializer],
        responses={200: FiguresSerializer, **BAD_INPUT},
    )
    def get(self, request):
        wish = ScopeSerializer(data=request.query_params)
        wish.is_valid(raise_exception=True)
        return Response(FiguresSerializer(measure(wish.scope())).data)


class ConfusionView(ModeratorView):
    @extend_schema(
        summary="Two reviewers' confusion table",
        description="How each label one reviewer gave fell with the other's, over the sentences "
        "both labelled (optionally in some articles), with their Cohen's kappa. Moderators only.",
        parameters=[ConfusionQuerySerializer],
        responses={200: ConfusionSerializer, **BAD_INPUT},
    )
    def get(self, request):
        wish = ConfusionQuerySerializer(data=request.query_params)
        wish.is_valid(raise_exception=True)
        data = wish.validated_data
        table = confusion(data["a"], data["b"], Scope(articles=tuple(data.get("article", ()))))
        return Response(ConfusionSerializer(table).data)
