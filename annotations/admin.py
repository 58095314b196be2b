from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path

from .forms import SeedUploadForm
from .ingest import FAILED, ingest_files
from .models import Article, Sentence
from .seedfile import MAX_FILE_BYTES


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
class SentenceAdmin(admin.ModelAdmin):
    list_display = ["text", "article", "index", "paragraph", "start", "end"]
    list_select_related = ["article"]
    search_fields = ["text", "article__title"]
    readonly_fields = ["article", "index", "paragraph", "start", "end", "text"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
