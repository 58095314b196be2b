from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services (ingest, precompute, training, reviews, deliveries): shown,
    never edited in the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
