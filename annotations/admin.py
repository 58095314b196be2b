from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, ExpressionWrapper, Q, Subquery
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.http import require_POST

from .candidates.scoring import RULES_VERSION
from .forms import SeedUploadForm, WebhookEndpointForm
from .ingest import FAILED, ingest_files
from .models import (
    Annotation,
    Article,
    Candidate,
    DetectorVersion,
    History,
    LabelledSentence,
    Sentence,
    TrainingRun,
    WebhookDelivery,
    WebhookEndpoint,
)
from .precompute import requeue_articles
from .seedfile import MAX_FILE_BYTES
from .training import TrainingError, request_training
from .webhooks import new_secret


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services (ingest, precompute, training): shown, never edited here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SentenceInline(admin.TabularInline):
    model = Sentence
    fields = ["index", "paragraph", "start", "end", "text"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "published_on", "precompute_status", "locked", "created_at"]
    list_filter = ["precompute_status", "locked", "published_on"]
    search_fields = ["title", "url"]
    date_hierarchy = "published_on"
    # The text is what annotations point into: it is shown, never edited.
    readonly_fields = [
        "title",
        "url",
        "published_on",
        "body",
        "content_hash",
        "source_name",
        "precompute_status",
        "precompute_error",
        "precompute_queued_at",
        "precompute_started_at",
        "precompute_finished_at",
        "created_at",
    ]
    fields = readonly_fields[:3] + ["locked"] + readonly_fields[3:]
    inlines = [SentenceInline]
    change_list_template = "admin/annotations/article/change_list.html"
    actions = ["rerun_precompute"]

    @admin.action(description="Re-run candidate precompute", permissions=["change"])
    def rerun_precompute(self, request, queryset):
        count = requeue_articles(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"Candidate precompute queued for {count} article(s).")

    def has_add_permission(self, request):
        return False  # articles come in through the upload, the command or the API

    def get_urls(self):
        upload = self.admin_site.admin_view(self.upload_view)
        return [path("upload/", upload, name="annotations_article_upload")] + super().get_urls()

    def upload_view(self, request):
        if not request.user.has_perm("annotations.add_article"):
            raise PermissionDenied
        outcomes = []
        bound = request.method == "POST"
        form = SeedUploadForm(request.POST, request.FILES) if bound else SeedUploadForm()
        if bound and form.is_valid():
            files = [
                (upload.name, upload.read(MAX_FILE_BYTES + 1))
                for upload in form.cleaned_data["files"]
            ]
            outcomes = list(ingest_files(files))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Upload seed files",
            "form": form,
            "outcomes": outcomes,
            "failed": sum(outcome.status == FAILED for outcome in outcomes),
        }
        return TemplateResponse(request, "admin/annotations/article/upload.html", context)


@admin.register(Sentence)
class SentenceAdmin(ReadOnlyAdmin):
    list_display = ["text", "article", "index", "paragraph", "start", "end"]
    list_select_related = ["article"]
    search_fields = ["text", "article__title"]


class DetectorVersionFilter(admin.SimpleListFilter):
    """By detector version, listing their names only: the stock filter loads every stored model."""

    title = "detector version"
    parameter_name = "detector_version"

    def lookups(self, request, model_admin):
        return DetectorVersion.objects.values_list("pk", "name")

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(detector_version_id=self.value())
        return queryset


@admin.register(Candidate)
class CandidateAdmin(ReadOnlyAdmin):
    list_display = ["score", "suggested_label", "sentence", "detector_version"]
    list_filter = ["suggested_label", DetectorVersionFilter]
    list_select_related = ["sentence", "detector_version"]
    search_fields = ["sentence__text"]
    ordering = ["-score"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("detector_version__model_data")


@admin.register(DetectorVersion)
class DetectorVersionAdmin(ReadOnlyAdmin):
    list_display = ["name", "created_at", "examples", "is_active"]
    fields = ["name", "rules_version", "training", "labels_as_of", "created_at"]
    change_list_template = "admin/annotations/detectorversion/change_list.html"

    @admin.display(description="training sentences")
    def examples(self, obj):
        return obj.training.get("examples", "rules only")

    @admin.display(boolean=True, description="active")
    def is_active(self, obj):
        return obj.active

    def get_queryset(self, request):
        active = DetectorVersion.objects.filter(rules_version=RULES_VERSION).values("pk")[:1]
        return (
            super()
            .get_queryset(request)
            .defer("model_data")  # megabytes per version, never shown
            .annotate(active=ExpressionWrapper(Q(pk=Subquery(active)), BooleanField()))
        )

    def get_urls(self):
        train = self.admin_site.admin_view(require_POST(self.train_view))
        return [
            path("train/", train, name="annotations_detectorversion_train")
        ] + super().get_urls()

    def train_view(self, request):
        if not request.user.has_perm("annotations.add_detectorversion"):
            raise PermissionDenied
        try:
            run = request_training(TrainingRun.Trigger.ADMIN, user=request.user)
        except TrainingError as error:
            messages.error(request, str(error))
        else:
            if run.status == TrainingRun.Status.SKIPPED:
                messages.info(
                    request,
                    f"{run.detector_version.name} was trained on every label there is; "
                    "nothing new to train on.",
                )
            else:
                messages.success(
                    request,
                    f"Training run #{run.pk} queued (its status is under Training runs): the "
                    "new version appears here when done, then all articles are re-scored.",
                )
        return redirect("admin:annotations_detectorversion_changelist")


@admin.register(TrainingRun)
class TrainingRunAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "trigger",
        "requested_by",
        "created_at",
        "finished_at",
        "detector_version",
        "error",
    ]
    list_filter = ["status", "trigger"]
    list_select_related = ["requested_by", "detector_version"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("detector_version__model_data")


@admin.register(LabelledSentence)
class LabelledSentenceAdmin(ReadOnlyAdmin):
    list_display = ["document", "line", "speaker", "text", "checkworthy", "label"]
    list_filter = ["checkworthy", "label"]
    search_fields = ["text", "document", "speaker"]


@admin.register(Annotation)
class AnnotationAdmin(ReadOnlyAdmin):
    list_display = ["sentence", "reviewer", "label", "moderation_status", "updated_at"]
    list_filter = ["label", "moderation_status"]
    list_select_related = ["sentence", "reviewer"]
    search_fields = ["sentence__text", "reviewer__username"]


@admin.register(History)
class HistoryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "subject", "subject_id", "sentence"]
    list_filter = ["action", "subject"]
    list_select_related = ["actor", "sentence"]
    search_fields = ["actor__username", "sentence__text"]
    date_hierarchy = "at"


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "description", "events", "active", "created_at"]
    list_filter = ["active"]
    readonly_fields = ["secret", "created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.secret = new_secret()
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "event", "endpoint", "status", "attempts", "response_status"]
    list_filter = ["status", "event", "endpoint"]
    list_select_related = ["endpoint"]
    readonly_fields = [
        "endpoint",
        "message_id",
        "event",
        "payload",
        "status",
        "attempts",
        "response_status",
        "last_error",
        "created_at",
        "finished_at",
    ]
