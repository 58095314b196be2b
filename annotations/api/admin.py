"""DRF's token admin, plus an action that rotates the selected users' tokens."""

from django.contrib import admin
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from .tokens import token_rotate


class RotatingTokenAdmin(TokenAdmin):
    actions = ["rotate_tokens"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Its confirmation page links tokens by key, but this admin's URLs use user ids.
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Rotate the selected tokens (old keys stop working)")
    def rotate_tokens(self, request, queryset):
        users = [token.user for token in queryset.select_related("user")]
        for user in users:
            token_rotate(user)
        self.message_user(request, f"Rotated {len(users)} token(s).")


admin.site.unregister(TokenProxy)
admin.site.register(TokenProxy, RotatingTokenAdmin)
