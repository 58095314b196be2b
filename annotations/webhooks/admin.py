from django import forms
from django.contrib import admin

from annotations.admin_base import ReadOnlyAdmin

from .models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from .services import new_secret, url_problem


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "events", "active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        problem = url_problem(url)
        if problem:
            raise forms.ValidationError(problem)
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "description", "events", "active", "created_at"]
    list_filter = ["active"]
    readonly_fields = ["secret", "created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.secret = new_secret()
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "event", "endpoint", "status", "attempts", "response_status"]
    list_filter = ["status", "event", "endpoint"]
    list_select_related = ["endpoint"]
    readonly_fields = [
        "endpoint",
        "message_id",
        "event",
        "payload",
        "status",
        "attempts",
        "response_status",
        "last_error",
        "created_at",
        "finished_at",
    ]
