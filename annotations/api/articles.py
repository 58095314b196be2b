"""Articles: list, read with their sentences a window at a time, load (JSON or seed files)."""

import django_filters as filters
from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param

from annotations.corpus.models import CANDIDATE_CLAIM_SCORE, Article
from annotations.corpus.seedfile import SeedFileError, seed_article
from annotations.corpus.services import (
    FAILED,
    LOADED,
    PRESENT,
    LoadOutcome,
    ingest_articles,
    ingest_files,
    uploaded_files,
)
from annotations.jobs import JobStatus
from annotations.review.selectors import PROGRESS_FILTERS, article_list, sentence_window
from annotations.review.selectors import filter_articles as filter_article_list

from .base import ApiViewSet
from .filters import BooleanFilter, choice_filter
from .pagination import CursorPagination
from .parsers import StrictJSONParser
from .permissions import CanAddArticles
from .schema import ValidationErrorSerializer
from .sentences import SentenceSerializer


class ArticleSerializer(serializers.ModelSerializer):
    url = serializers.CharField()
    sentence_count = serializers.IntegerField()
    candidate_claims = serializers.IntegerField(
        help_text=f"sentences whose latest candidate scores {CANDIDATE_CLAIM_SCORE} or more"
    )
    top_score = serializers.FloatField(allow_null=True)
    labelled_by_me = serializers.IntegerField()
    labelled_by_anyone = serializers.IntegerField()
    overlap = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="the article's own overlap k (moderators set it in the admin); null: the "
        "project's REVIEW_OVERLAP",
    )
    needed_reviewers = serializers.IntegerField(
        help_text="how many reviewers each sentence needs: `overlap`, else REVIEW_OVERLAP"
    )
    reached_overlap = serializers.IntegerField(
        help_text="sentences with at least `needed_reviewers` counted (not rejected) labels"
    )

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "url",
            "published_on",
            "source_name",
            "locked",
            "hidden",
            "precompute_status",
            "precompute_error",
            "created_at",
            "sentence_count",
            "candidate_claims",
            "top_score",
            "labelled_by_me",
            "labelled_by_anyone",
            "overlap",
            "needed_reviewers",
            "reached_overlap",
        ]


class ArticleWindowQuerySerializer(serializers.Serializer):
    """Which of the article's sentences to return with it, and whether its text."""

    after = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text="the sentences after this index; follow `sentences_next`, which sets it",
    )
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=CursorPagination.max_page_size,
        help_text="how many sentences (default: the project's REVIEW_WINDOW, 100)",
    )
    body = serializers.BooleanField(
        required=False, default=False, help_text="`true`: with the article's whole text"
    )


class ArticleDetailSerializer(ArticleSerializer):
    """An article with a window of its sentences; the view passes the window and the request
    as context, and the body only when asked for."""

    body = serializers.SerializerMethodField(
        help_text="The article's text, which sentence offsets point into; null unless asked "
        "for with `body=true`."
    )
    sentences = serializers.SerializerMethodField(
        help_text="Up to `limit` sentences in order, from the first (or after `after`)."
    )
    sentences_next = serializers.SerializerMethodField(
        help_text="The URL of the next window of sentences; null after the last sentence."
    )

    class Meta(ArticleSerializer.Meta):
        fields = ArticleSerializer.Meta.fields + ["body", "sentences", "sentences_next"]

    def get_body(self, article) -> str | None:
        return article.body if self.context["with_body"] else None

    @extend_schema_field(SentenceSerializer(many=True))
    def get_sentences(self, article) -> list:
        return SentenceSerializer(self.context["window"].rows, many=True).data

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_sentences_next(self, article) -> str | None:
        later = self.context["window"].later
        if later is None:
            return None
        url = self.context["request"].build_absolute_uri()
        return remove_query_param(replace_query_param(url, "after", later), "body")


class ArticleJSONSerializer(serializers.Serializer):
    """One article as JSON; checked as a seed file's lines are, stored by the same ingest."""

    title = serializers.CharField()
    published_on = serializers.DateField()
    url = serializers.CharField(help_text="The canonical http:// or https:// URL; unique.")
    body = serializers.CharField(help_text="The text, one paragraph a line.")

    def validate(self, data):
        try:
            article = seed_article(self.context["source_name"], **data)
        except SeedFileError as error:
            raise serializers.ValidationError({error.field: error.problem}) from None
        return {"article": article}


class SeedUploadSerializer(serializers.Serializer):
    file = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        min_length=1,
        help_text="One or more seed-format files: title, date (YYYYMMDD), URL, then one "
        "paragraph a line.",
    )


class LoadOutcomeSerializer(serializers.Serializer):
    source_name = serializers.CharField()
    status = serializers.ChoiceField(choices=[LOADED, PRESENT, FAILED])
    message = serializers.CharField(help_text="why it failed, naming the line")
    article = serializers.IntegerField(source="article_id", allow_null=True)
    sentence_count = serializers.IntegerField()


class IngestResultSerializer(serializers.Serializer):
    outcomes = LoadOutcomeSerializer(many=True)


class IngestFailureSerializer(ValidationErrorSerializer):
    outcomes = LoadOutcomeSerializer(
        many=True, required=False, help_text="Per file, when files were read: what loaded too."
    )


class ArticleFilter(filters.FilterSet):
    search = filters.CharFilter(help_text="words in the title or URL")
    progress = choice_filter(
        [(name, name) for name in PROGRESS_FILTERS],
        help_text="how far I am: no sentence labelled, some, all",
    )
    precompute_status = choice_filter(JobStatus.choices)
    locked = BooleanFilter()
    hidden = BooleanFilter(help_text="hidden from reviewers (only moderators see these)")

    class Meta:
        model = Article
        fields = []

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        articles = filter_article_list(
            queryset,
            self.request.user,
            query=data.get("search") or "",
            progress=data.get("progress") or "",
            precompute_status=data.get("precompute_status") or "",
        )
        for flag in ("locked", "hidden"):
            if data.get(flag) is not None:
                articles = articles.filter(**{flag: data[flag]})
        return articles


@extend_schema_view(
    list=extend_schema(summary="List articles", description="Newest loaded first."),
    retrieve=extend_schema(
        summary="An article with a window of its sentences",
        description="The article with its first `limit` sentences (or those after `after`), "
        "each with its candidate, my annotation and everyone's label counts (once I have "
        "labelled it); follow `sentences_next` for the next window. `sentence_count` is the "
        "article's total.",
        parameters=[ArticleWindowQuerySerializer],
        responses={
            200: ArticleDetailSerializer,
            400: OpenApiResponse(ValidationErrorSerializer, "bad input: what was wrong, by field"),
        },
    ),
)
class ArticleViewSet(mixins.ListModelMixin, ApiViewSet):
    queryset = Article.objects.none()  # for the schema; requests get get_queryset()
    serializer_class = ArticleSerializer
    filterset_class = ArticleFilter
    permission_classes = [IsAuthenticated, CanAddArticles]
    parser_classes = [StrictJSONParser, MultiPartParser]
    ordering = ("-id",)

    def get_queryset(self):
        return article_list(self.request.user)

    def retrieve(self, request, pk=None):
        query = ArticleWindowQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        wish = query.validated_data
        article = self.get_object()
        window = sentence_window(
            article,
            request.user,
            after=wish.get("after"),
            limit=wish.get("limit", settings.REVIEW_WINDOW),
        )
        context = {"window": window, "request": request, "with_body": wish["body"]}
        return Response(ArticleDetailSerializer(article, context=context).data)

    @extend_schema(
        summary="Load articles",
        description="JSON for one article, or a multipart upload of seed-format files under "
        "`file`; both run the same ingest as the admin upload and `manage.py load_articles`. "
        "201 when something was loaded, 200 when everything was already there, 400 when any "
        "file failed (the others still load; see `outcomes`). Needs the 'Can add article' "
        "permission.",
        request={
            "application/json": ArticleJSONSerializer,
            "multipart/form-data": SeedUploadSerializer,
        },
        responses={
            201: IngestResultSerializer,
            200: IngestResultSerializer,
            400: OpenApiResponse(IngestFailureSerializer, "bad input, or a file that failed"),
        },
    )
    def create(self, request):
        if request.content_type.startswith("multipart/"):
            upload = SeedUploadSerializer(data=request.data)
            upload.is_valid(raise_exception=True)
            files = uploaded_files(upload.validated_data["file"])
            outcomes = list(ingest_files(files))
            fields = [f"file.{position}" for position in range(len(files))]
        else:
            source_name = f"api:{request.user.get_username()}"
            article = ArticleJSONSerializer(data=request.data, context={"source_name": source_name})
            article.is_valid(raise_exception=True)
            outcomes = list(ingest_articles([article.validated_data["article"]]))
            fields = [outcomes[0].field or api_settings.NON_FIELD_ERRORS_KEY]
        return ingest_response(outcomes, fields)


def ingest_response(outcomes: list[LoadOutcome], fields: list[str]) -> Response:
    """One outcome per file; `fields` names each file in the errors."""
    data = {"outcomes": LoadOutcomeSerializer(outcomes, many=True).data}
    failed = {
        field: [outcome.message]
        for field, outcome in zip(fields, outcomes, strict=True)
        if outcome.status == FAILED
    }
    if failed:
        detail = f"{len(failed)} of {len(outcomes)} failed to load"
        return Response({"detail": detail, "errors": failed, **data}, status.HTTP_400_BAD_REQUEST)
    loaded = [outcome for outcome in outcomes if outcome.status == LOADED]
    headers = {}
    if len(outcomes) == 1 and outcomes[0].article_id:
        headers["Location"] = reverse("api:article-detail", args=[outcomes[0].article_id])
    code = status.HTTP_201_CREATED if loaded else status.HTTP_200_OK
    return Response(data, status=code, headers=headers)
