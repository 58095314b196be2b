from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from annotations.admin_base import ReadOnlyAdmin

from .models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "requester",
        "created_at",
        "finished_at",
        "rows_done",
        "row_count",
        "expires_at",
        "download",
        "error",
    ]
    list_filter = ["status", "format"]
    list_select_related = ["requester"]
    # A link to the file in storage would bypass the download's permission check; the salt in
    # the options would tie pseudonyms to reviewers.
    exclude = ["file", "options"]
    readonly_fields = ["download", "export_options"]

    @admin.display(description="options")
    def export_options(self, job: ExportJob) -> dict:
        return {key: value for key, value in job.options.items() if key != "salt"}

    @admin.display(description="file")
    def download(self, job: ExportJob) -> str:
        """A link to the web UI's download, which checks who may have the file."""
        if job.status != ExportJob.Status.DONE:
            return "-"
        url = reverse("annotations:export_download", args=[job.pk])
        return format_html('<a href="{}">{}</a>', url, job.filename)
