"""Agreement snapshots in the admin: read-only, with their headline figures as columns, and an
action for moderators to recompute every snapshot now rather than wait for the next refresh."""

from django.contrib import admin, messages

from annotations.admin_base import ReadOnlyAdmin
from annotations.roles import is_moderator

from .models import AgreementSnapshot
from .services import refresh_snapshots


def _headline(name: str, description: str):
    @admin.display(description=description)
    def column(modeladmin, snapshot: AgreementSnapshot):
        value = snapshot.figures.get(name, {}).get("value")
        return "undefined" if value is None else f"{value:.3f}"

    return column


@admin.register(AgreementSnapshot)
class AgreementSnapshotAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "day",
        "computed_at",
        "sentences",
        "reviewers",
        "percent_agreement",
        "fleiss_kappa",
        "krippendorff_alpha",
    ]
    list_filter = [("article", admin.EmptyFieldListFilter), "day"]
    list_select_related = ["article"]
    ordering = ["-day", "article_id"]
    fields = ["article", "day", "computed_at", "figures"]
    actions = ["refresh_now"]

    percent_agreement = _headline("percent_agreement", "agreement")
    fleiss_kappa = _headline("fleiss_kappa", "Fleiss' κ")
    krippendorff_alpha = _headline("krippendorff_alpha", "Krippendorff's α")

    @admin.display(description="sentences")
    def sentences(self, snapshot):
        return snapshot.figures.get("sentences")

    @admin.display(description="reviewers")
    def reviewers(self, snapshot):
        return snapshot.figures.get("reviewers")

    def has_view_permission(self, request, obj=None):
        return is_moderator(request.user) or super().has_view_permission(request, obj)

    def has_refresh_permission(self, request):
        return is_moderator(request.user)

    @admin.action(
        description="Recompute every snapshot now (whichever are selected)",
        permissions=["refresh"],
    )
    def refresh_now(self, request, queryset):
        articles = refresh_snapshots(everything=True)
        self.message_user(
            request,
            f"Agreement recomputed for the project and {len(articles)} article(s).",
            messages.SUCCESS,
        )
