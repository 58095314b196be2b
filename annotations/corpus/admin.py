from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path

from annotations.admin_base import ReadOnlyAdmin
from annotations.detection.services import requeue_articles
from annotations.moderation.services import set_article_flag
from annotations.roles import can_add_articles

from .models import Article, Sentence
from .seedfile import MAX_FILE_BYTES
from .services import FAILED, ingest_files, uploaded_files

LOCK_ARTICLE = "annotations.lock_article"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = [file for file in (data if isinstance(data, list | tuple) else [data]) if file]
        if not files:
            return [super().clean(None, initial)]  # raises "This field is required."
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class SeedUploadForm(forms.Form):
    files = MultipleFileField(
        label="Seed files",
        help_text=(
            "One or more .txt files in the seed format: title, date (YYYYMMDD), URL, then one "
            f"paragraph a line. At most {MAX_FILE_BYTES // (1024 * 1024)} MB each."
        ),
    )


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
    list_display = [
        "title",
        "published_on",
        "precompute_status",
        "locked",
        "hidden",
        "overlap",
        "created_at",
    ]
    list_filter = ["precompute_status", "locked", "hidden", "published_on"]
    search_fields = ["title", "url"]
    date_hierarchy = "published_on"
    # Shown, never edited: the text is what annotations point into, and locking or hiding goes
    # through the actions, which record it in the audit trail.
    readonly_fields = [
        "title",
        "url",
        "published_on",
        "locked",
        "hidden",
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
    # The one editable field: how many reviewers each sentence needs (empty: REVIEW_OVERLAP).
    fields = [*readonly_fields, "overlap"]
    inlines = [SentenceInline]
    change_list_template = "admin/annotations/article/change_list.html"
    actions = ["rerun_precompute", "lock", "unlock", "hide", "show"]

    @admin.action(description="Re-run candidate precompute", permissions=["change"])
    def rerun_precompute(self, request, queryset):
        count = requeue_articles(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"Candidate precompute queued for {count} article(s).")

    def has_lock_permission(self, request):
        return request.user.has_perm(LOCK_ARTICLE)

    def has_change_permission(self, request, obj=None):
        # Moderators set an article's overlap, its only editable field; the "change" actions
        # (re-running precompute) still take the change permission itself.
        by_moderator = obj is not None and self.has_lock_permission(request)
        return super().has_change_permission(request, obj) or by_moderator

    def save_model(self, request, obj, form, change):
        # Only the overlap: writing the row back whole could undo a precompute worker's update.
        obj.save(update_fields=["overlap"])

    def _set_flag(self, request, queryset, flag: str, value: bool, done: str) -> None:
        try:
            changed = sum(
                set_article_flag(article=article, actor=request.user, flag=flag, value=value)
                for article in queryset.only("pk", flag)
            )
        except PermissionDenied as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, f"{changed} article(s) {done}.", messages.SUCCESS)

    @admin.action(
        description="Lock the selected articles (reviewers can no longer edit)",
        permissions=["lock"],
    )
    def lock(self, request, queryset):
        self._set_flag(request, queryset, "locked", True, "locked")

    @admin.action(description="Unlock the selected articles", permissions=["lock"])
    def unlock(self, request, queryset):
        self._set_flag(request, queryset, "locked", False, "unlocked")

    @admin.action(description="Hide the selected articles from reviewers", permissions=["lock"])
    def hide(self, request, queryset):
        self._set_flag(request, queryset, "hidden", True, "hidden")

    @admin.action(description="Show the selected articles to reviewers", permissions=["lock"])
    def show(self, request, queryset):
        self._set_flag(request, queryset, "hidden", False, "shown")

    def has_add_permission(self, request):
        return False  # articles come in through the upload, the command or the API

    def get_urls(self):
        upload = self.admin_site.admin_view(self.upload_view)
        return [path("upload/", upload, name="annotations_article_upload")] + super().get_urls()

    def upload_view(self, request):
        if not can_add_articles(request.user):
            raise PermissionDenied
        outcomes = []
        bound = request.method == "POST"
        form = SeedUploadForm(request.POST, request.FILES) if bound else SeedUploadForm()
        if bound and form.is_valid():
            outcomes = list(ingest_files(uploaded_files(form.cleaned_data["files"])))
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
