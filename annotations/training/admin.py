from django.contrib import admin

from annotations.admin_base import ReadOnlyAdmin

from .models import LabelledSentence, TrainingRun


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


@admin.register(LabelledSentence)
class LabelledSentenceAdmin(ReadOnlyAdmin):
    list_display = ["document", "line", "speaker", "text", "checkworthy", "label"]
    list_filter = ["checkworthy", "label"]
    search_fields = ["text", "document", "speaker"]
