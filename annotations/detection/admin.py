from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, ExpressionWrapper, Q, Subquery
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.http import require_POST

from annotations.admin_base import ReadOnlyAdmin
from annotations.roles import can_train_detector
from annotations.training.models import TrainingRun
from annotations.training.services import request_training

from .models import Candidate, DetectorVersion
from .selectors import usable_detectors


@admin.register(Candidate)
class CandidateAdmin(ReadOnlyAdmin):
    list_display = ["score", "suggested_label", "sentence", "detector_version"]
    list_filter = ["suggested_label", "detector_version"]
    list_select_related = ["sentence", "detector_version"]
    search_fields = ["sentence__text"]
    ordering = ["-score"]


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
        active = usable_detectors().values("pk")[:1]
        return (
            super()
            .get_queryset(request)
            .annotate(active=ExpressionWrapper(Q(pk=Subquery(active)), BooleanField()))
        )

    def get_urls(self):
        train = self.admin_site.admin_view(require_POST(self.train_view))
        return [
            path("train/", train, name="annotations_detectorversion_train")
        ] + super().get_urls()

    def train_view(self, request):
        if not can_train_detector(request.user):
            raise PermissionDenied
        run = request_training(TrainingRun.Trigger.ADMIN, user=request.user)
        if run.status == TrainingRun.Status.FAILED:
            messages.error(request, f"Training run #{run.pk} refused: {run.error}")
        elif run.status == TrainingRun.Status.SKIPPED:
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
