from django.contrib import admin

from annotations.admin_base import ReadOnlyAdmin

from .models import Annotation, History


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
