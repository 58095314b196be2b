"""Dataset exports: start an export job, poll it, download its file."""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse

from annotations.export.models import ExportJob
from annotations.export.selectors import BASES
from annotations.export.services import FILE_FORMATS, FORMATS, export_options, start_export
from annotations.labels import Label
from annotations.review.models import ModerationStatus
from annotations.roles import can_export

from .base import ApiViewSet
from .schema import ErrorSerializer

MAX_ID = 2**63 - 1  # a larger id names no row, and would overflow the database's integer


class ExportFiltersSerializer(serializers.Serializer):
    articles = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        help_text="article ids",
    )
    since = serializers.DateField(
        required=False, allow_null=True, help_text="articles published on or after"
    )
    until = serializers.DateField(
        required=False, allow_null=True, help_text="articles published on or before"
    )
    labels = serializers.ListField(
        child=serializers.ChoiceField(Label.values), required=False, help_text="final labels"
    )
    reviewers = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        help_text="user ids: only these reviewers' annotations",
    )
    statuses = serializers.ListField(
        child=serializers.ChoiceField(ModerationStatus.values),
        required=False,
        help_text="the moderation statuses of the annotations kept (default: pending, approved)",
    )
    min_agreement = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=1,
        help_text="the sentence's share of agreeing pairs of labels, at least",
    )
    bases = serializers.ListField(
        child=serializers.ChoiceField(BASES),
        required=False,
        help_text="how the final label was reached",
    )


class ExportRequestSerializer(serializers.Serializer):
    format = serializers.ChoiceField(FORMATS)
    filters = ExportFiltersSerializer(required=False)
    salt = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="the same salt gives reviewers the same pseudonyms in several exports; "
        "omitted: pseudonyms of this export's own",
    )
    real_names = serializers.BooleanField(
        required=False, help_text="usernames instead of pseudonyms (administrators only)"
    )
    bom = serializers.BooleanField(
        required=False, help_text="CSV: start with a UTF-8 byte order mark"
    )
    splits = serializers.ListField(
        child=serializers.FloatField(min_value=0, max_value=1),
        min_length=3,
        max_length=3,
        required=False,
        help_text="bundle: the train, dev and test ratios, adding up to 1 (default 0.8, 0.1, 0.1)",
    )
    bundle_formats = serializers.ListField(
        child=serializers.ChoiceField(FILE_FORMATS),
        required=False,
        help_text="bundle: the formats it holds (default: all)",
    )


class CanExport(BasePermission):
    """Starting an export takes the moderator role; a job shows to whoever may see it."""

    message = "exporting the dataset takes the moderator role (the Moderators group)"

    def has_permission(self, request, view):
        return request.method != "POST" or can_export(request.user)


class ExportJobSerializer(serializers.ModelSerializer):
    requester = serializers.CharField(source="requester.username", default=None)
    options = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "status",
            "format",
            "options",
            "requester",
            "rows_done",
            "rows_total",
            "row_count",
            "label_counts",
            "filename",
            "size",
            "sha256",
            "download",
            "error",
            "restarts",
            "created_at",
            "started_at",
            "finished_at",
            "expires_at",
        ]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_options(self, job: ExportJob) -> dict:
        # The salt would let anyone holding the file link pseudonyms to reviewers.
        return {key: value for key, value in job.options.items() if key != "salt"}

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download(self, job: ExportJob) -> str | None:
        if job.status != ExportJob.Status.DONE:
            return None
        return reverse("api:export-download", args=[job.pk], request=self.context.get("request"))


@extend_schema_view(
    list=extend_schema(
        summary="List export jobs",
        description="Newest first: every export for moderators (but those naming reviewers by "
        "username, which only their requester and administrators see), your own for others.",
    ),
    retrieve=extend_schema(
        summary="An export job",
        description="Poll it until it ends: `rows_done` of `rows_total` sentences read so far; "
        "once `done`, `download` is its file's address, `sha256` its checksum.",
    ),
)
class ExportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = ExportJobSerializer
    permission_classes = [IsAuthenticated, CanExport]
    ordering = ("-id",)

    def get_queryset(self):
        return ExportJob.objects.visible_to(self.request.user).select_related("requester")

    @extend_schema(
        summary="Start a dataset export",
        description="Queues an export job: 202 with the job to poll. Formats: `jsonl`, `csv`, "
        "`parquet`, `claimreview`, `checkthat` and `bundle` (a zip of `bundle_formats` in "
        "train/dev/test `splits`, with a dataset card and a manifest). Reviewers are "
        "pseudonymised unless an administrator asks for `real_names`. 400 naming each bad "
        "option. Moderators and administrators only.",
        request=ExportRequestSerializer,
        responses={202: ExportJobSerializer},
    )
    def create(self, request):
        wish = ExportRequestSerializer(data=request.data)
        wish.is_valid(raise_exception=True)
        job = start_export(request.user, export_options(wish.validated_data))
        serializer = ExportJobSerializer(job, context=self.get_serializer_context())
        return Response(serializer.data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Download an export's file",
        description="The file of a finished export, as an attachment named `filename`. 404 "
        "while the export is pending, running or failed; 410 once its file was deleted "
        "(EXPORT_RETENTION_DAYS after it finished).",
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            410: OpenApiResponse(ErrorSerializer, "the file was deleted: start the export again"),
        },
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def download(self, request, pk=None):
        job = self.get_object()
        if job.status == ExportJob.Status.EXPIRED:
            return Response(
                {"detail": "this export expired: its file was deleted; start it again"},
                status=status.HTTP_410_GONE,
            )
        if job.status != ExportJob.Status.DONE:
            raise NotFound(f"this export has no file yet: it is {job.status}")
        return FileResponse(
            job.file.open("rb"),
            as_attachment=True,
            filename=job.filename,
            content_type="application/octet-stream",
        )
