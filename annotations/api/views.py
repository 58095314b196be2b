"""API views: parse the request, call one selector or service, shape the answer."""

from django.conf import settings
from django.http import Http404, JsonResponse
from django.urls import resolve, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations import selectors, services, training
from annotations.accounts import is_moderator
from annotations.ingest import FAILED, LOADED, LoadOutcome, ingest_files
from annotations.models import Annotation, Article, Candidate, Sentence, TrainingRun
from annotations.seedfile import MAX_FILE_BYTES

from .etags import etag_for, version_from_if_match
from .exceptions import conflict_response
from .filters import AnnotationFilter, ArticleFilter, CandidateFilter, SentenceFilter
from .parsers import StrictJSONParser
from .permissions import CanAddArticles, CanTrainDetector, OwnerOrStaffCanChange
from .serializers import (
    AnnotationCreateSerializer,
    AnnotationSerializer,
    AnnotationUpdateSerializer,
    ArticleDetailSerializer,
    ArticleJSONSerializer,
    ArticleSerializer,
    CandidateSerializer,
    ConflictSerializer,
    IngestFailureSerializer,
    IngestResultSerializer,
    LabelVocabularySerializer,
    LoadOutcomeSerializer,
    MeSerializer,
    SeedUploadSerializer,
    SentenceSerializer,
    TokenSerializer,
    TrainingRequestSerializer,
    TrainingRunSerializer,
)
from .throttling import AuthThrottle

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


class ApiViewSet(viewsets.GenericViewSet):
    """Ids in URLs are whole numbers: anything else, or one too big for the database, is a
    JSON 404 rather than a database error or Django's HTML page."""

    lookup_value_regex = "[^/]+"

    def get_object(self):
        pk = self.kwargs[self.lookup_field]
        if not (pk.isascii() and pk.isdigit()):
            raise Http404
        self.kwargs[self.lookup_field] = int(pk)  # an int lets Django see it is out of range
        return super().get_object()


@extend_schema_view(
    list=extend_schema(summary="List articles", description="Newest loaded first."),
    retrieve=extend_schema(
        summary="An article with its sentences",
        description="Each sentence with its candidate, my annotation and everyone's label "
        "counts (once I have labelled it).",
        responses=ArticleDetailSerializer,
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
        return selectors.article_list(self.request.user)

    def retrieve(self, request, pk=None):
        article = self.get_object()
        sentences = selectors.article_sentences(article, request.user)
        return Response(ArticleDetailSerializer(article, context={"sentences": sentences}).data)

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
            files = [(f.name, f.read(MAX_FILE_BYTES + 1)) for f in upload.validated_data["file"]]
            fields = [f"file.{position}" for position in range(len(files))]
        else:
            source_name = f"api:{request.user.get_username()}"
            article = ArticleJSONSerializer(data=request.data, context={"source_name": source_name})
            article.is_valid(raise_exception=True)
            files = article.validated_data["files"]
            fields = ["url"]  # all else was checked above: only a clash with a stored URL is left
        return ingest_response(list(ingest_files(files)), fields)


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


@extend_schema_view(
    list=extend_schema(summary="List sentences", description="In article order."),
    retrieve=extend_schema(summary="A sentence with its candidate and my annotation"),
)
class SentenceViewSet(ApiViewSet):
    queryset = Sentence.objects.all()
    serializer_class = SentenceSerializer
    filterset_class = SentenceFilter
    ordering = ("id",)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = selectors.sentence_rows(page, request.user)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request, pk=None):
        [row] = selectors.sentence_rows([self.get_object()], request.user)
        return Response(self.get_serializer(row).data)


@extend_schema_view(
    list=extend_schema(
        summary="List candidate claims",
        description="One per sentence, from the active detector; in article order.",
    ),
    retrieve=extend_schema(summary="A candidate claim"),
)
class CandidateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = Candidate.objects.select_related("sentence")
    serializer_class = CandidateSerializer
    filterset_class = CandidateFilter
    ordering = ("id",)


@extend_schema_view(
    list=extend_schema(
        summary="List annotations",
        description="Mine, and other reviewers' on sentences I have labelled; staff see all.",
    ),
    retrieve=extend_schema(summary="An annotation", parameters=[ETAG_HEADER]),
)
class AnnotationViewSet(mixins.ListModelMixin, ApiViewSet):
    queryset = Annotation.objects.none()  # for the schema; requests get get_queryset()
    serializer_class = AnnotationSerializer
    filterset_class = AnnotationFilter
    permission_classes = [IsAuthenticated, OwnerOrStaffCanChange]
    ordering = ("id",)

    def get_queryset(self):
        return selectors.annotations_visible_to(self.request.user)

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
        serializer.is_valid(raise_exception=True)
        sentence = serializer.validated_data["sentence"]
        try:
            annotation, _ = services.annotation_save(
                sentence=sentence,
                reviewer=request.user,
                data=serializer.annotation_input(),
                expected_version=0,
            )
        except services.VersionConflict as conflict:
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
        description="Mine, or anyone's for staff. Send the version you read (`version` or "
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
        version = version_from_if_match(request)
        if version is None:
            version = serializer.validated_data.get("version")
        if version is None:
            raise ValidationError(
                {"version": 'send the version you read, in `version` or as If-Match: "3"'}
            )
        saved, _ = services.annotation_save(
            sentence=annotation.sentence,
            reviewer=annotation.reviewer,
            data=serializer.annotation_input(base=annotation if partial else None),
            actor=request.user,
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
        description="Mine, or anyone's for staff. With If-Match, only if it has not changed.",
        parameters=[IF_MATCH],
        responses={204: None, 412: ConflictSerializer},
    )
    def destroy(self, request, pk=None):
        services.annotation_delete(
            annotation=self.get_object(),
            actor=request.user,
            expected_version=version_from_if_match(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="List training runs", description="Newest first."),
    retrieve=extend_schema(summary="A training run", description="Poll it until it ends."),
)
class TrainingRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = TrainingRun.objects.select_related("requested_by", "detector_version").defer(
        "detector_version__model_data"
    )
    serializer_class = TrainingRunSerializer
    permission_classes = [IsAuthenticated, CanTrainDetector]
    parser_classes = [StrictJSONParser]
    ordering = ("-id",)

    @extend_schema(
        summary="Train the candidate detector",
        description="Queues a training run on every label there is (imported and reviewers'); "
        "when done, every article is re-scored with the new version. 202 with the run to poll; "
        "a request while a run still waits joins it. 200 with a skipped run when the active "
        "model already has every label (send `force: true` to train anyway). 400 when there "
        "is too little to train on. Needs the 'Can add detector version' permission.",
        request=TrainingRequestSerializer,
        responses={202: TrainingRunSerializer, 200: TrainingRunSerializer},
    )
    def create(self, request):
        wish = TrainingRequestSerializer(data=request.data)
        wish.is_valid(raise_exception=True)
        try:
            run = training.request_training(
                TrainingRun.Trigger.API, user=request.user, force=wish.validated_data["force"]
            )
        except training.TrainingError as error:
            raise ValidationError(str(error)) from None
        skipped = run.status == TrainingRun.Status.SKIPPED
        code = status.HTTP_200_OK if skipped else status.HTTP_202_ACCEPTED
        return Response(TrainingRunSerializer(run).data, status=code)


def not_found(request, path):
    """Any other path under /api/: a JSON 404 like the API's own (with a hint for a missing
    trailing slash, which this catch-all keeps Django from redirecting)."""
    detail = f"there is no API endpoint /api/{path}"
    if not path.endswith("/") and resolve(f"/api/{path}/").func is not not_found:
        detail += f"; did you mean /api/{path}/ (with the trailing slash)?"
    return JsonResponse({"detail": detail}, status=404)


def annotation_response(annotation: Annotation, code=status.HTTP_200_OK, **headers) -> Response:
    data = AnnotationSerializer(annotation).data
    return Response(data, status=code, headers={"ETag": etag_for(annotation), **headers})


class MeView(APIView):
    @extend_schema(summary="Who I am and what I may do", responses=MeSerializer)
    def get(self, request):
        user = request.user
        me = {
            "id": user.pk,
            "username": user.get_username(),
            "is_staff": user.is_staff,
            "is_moderator": is_moderator(user),
            "can_add_articles": user.has_perm("annotations.add_article"),
        }
        return Response(MeSerializer(me).data)


class LabelVocabularyView(APIView):
    @extend_schema(
        summary="The labels and their guideline",
        description="The guideline reviewers see; when two labels apply, the first listed wins.",
        responses=LabelVocabularySerializer,
    )
    def get(self, request):
        vocabulary = {"labels": selectors.LABEL_GUIDELINES, "rule": selectors.LABEL_PRECEDENCE_RULE}
        return Response(LabelVocabularySerializer(vocabulary).data)


@extend_schema_view(
    post=extend_schema(
        summary="Get my API token",
        description="With username and password; the same token the /api/token/ page shows "
        "(created on first use).",
        request=AuthTokenSerializer,
        responses=TokenSerializer,
    )
)
class ObtainTokenView(ObtainAuthToken):
    authentication_classes = []
    throttle_classes = [AuthThrottle]
    parser_classes = [StrictJSONParser, FormParser, MultiPartParser]

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            # django-axes refused even to check the password: say so, not "wrong credentials".
            if getattr(request, "axes_locked_out", False):
                raise Throttled(
                    wait=settings.AXES_COOLOFF_TIME.total_seconds(),
                    detail="too many failed logins for this username from your address",
                ) from None
            raise
