"""Review claims in the admin, read-only: who holds which sentence "next" handed out, until
when, and which sentences each reviewer passed over."""

from django.contrib import admin
from django.utils import timezone

from annotations.admin_base import ReadOnlyAdmin

from .models import ReviewClaim


@admin.register(ReviewClaim)
class ReviewClaimAdmin(ReadOnlyAdmin):
    list_display = ["sentence", "reviewer", "claimed_at", "expires_at", "skipped", "live"]
    list_filter = ["skipped", "claimed_at"]
    list_select_related = ["sentence", "reviewer"]
    search_fields = ["reviewer__username", "sentence__text"]
    ordering = ["-claimed_at"]

    @admin.display(boolean=True, description="live (neither skipped nor expired)")
    def live(self, claim):
        return not claim.skipped and claim.expires_at > timezone.now()
