"""Moderation in the admin: annotations with approve, reject, reopen and adjudicate actions,
adjudications, the audit trail (read-only for everyone), and users with a role chosen on
creation and a deactivate action. Every action calls the moderation services, which check the
moderator role and write the audit trail (with via="admin", set by the middleware); the actions
are offered only to those holding the model permission each one names."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.response import TemplateResponse

from annotations.admin_base import ReadOnlyAdmin
from annotations.corpus.models import Sentence
from annotations.labels import Label
from annotations.review.models import Adjudication, Annotation, History
from annotations.roles import ROLES, give_role, is_moderator

from .selectors import frequent_reasons
from .services import (
    adjudicate,
    adjudication_clear,
    deactivate_reviewer,
    moderate_many,
    pending_annotations_of,
)

MODERATE = "annotations.moderate_annotation"
ADJUDICATE = "annotations.add_adjudication"
CLEAR_ADJUDICATION = "annotations.delete_adjudication"
CHANGE_USER = "auth.change_user"
# The name of the intermediate page's submit button: its presence means "apply", not "ask".
APPLY = "apply"


class ReasonForm(forms.Form):
    """A reason picked from those moderators give most, or typed; whether one is required is
    the service's rule (a rejection needs one), reported on the `reason` field."""

    reason = forms.ChoiceField(label="Reason", required=False, widget=forms.RadioSelect, choices=())
    other_reason = forms.CharField(label="Or type a reason", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [(reason, reason) for reason in frequent_reasons()]

    def clean(self):
        data = super().clean()
        data["reason"] = data.get("other_reason", "").strip() or data.get("reason", "")
        return data


class DeactivateForm(ReasonForm):
    reject_pending = forms.BooleanField(
        label="Also reject their pending labels (give the reason below)", required=False
    )
    field_order = ["reject_pending", "reason", "other_reason"]


class AdjudicateForm(forms.Form):
    label = forms.ChoiceField(label="Final label", choices=Label.choices)
    reason = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 3}))


def _show_errors(form: forms.Form, error: ValidationError) -> None:
    """The service's errors on the form's fields of the same name, the others above it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, texts in error.message_dict.items():
        form.add_error(name if name in form.fields else None, texts)


def ask_then_apply(
    modeladmin, request, queryset, *, action, form_class, title, intro, items, apply
):
    """The action named `action`, asking first: a page with the selection (`items`) and the
    form; once submitted and valid, `apply(cleaned_data)` calls the service and returns the
    message to show. A ValidationError from the service shows the page again with it; a
    PermissionDenied becomes an error message on the list."""
    form = form_class(request.POST if APPLY in request.POST else None)
    if form.is_bound and form.is_valid():
        try:
            done = apply(form.cleaned_data)
        except PermissionDenied as error:
            modeladmin.message_user(request, str(error), messages.ERROR)
            return None
        except ValidationError as error:
            _show_errors(form, error)
        else:
            modeladmin.message_user(request, done, messages.SUCCESS)
            return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": title,
        "intro": intro,
        "items": items,
        "form": form,
        "media": modeladmin.media + form.media,
        "selected": queryset.values_list("pk", flat=True),
        "action": action,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
        "apply": APPLY,
    }
    return TemplateResponse(request, "admin/annotations/confirm_action.html", context)


@admin.register(Annotation)
class AnnotationAdmin(ReadOnlyAdmin):
    list_display = [
        "sentence",
        "reviewer",
        "label",
        "moderation_status",
        "moderated_by",
        "updated_at",
    ]
    # Narrowed to one reviewer and one article, a bulk decision covers their labels there.
    list_filter = ["moderation_status", "label", ("reviewer", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["sentence", "reviewer", "moderated_by"]
    search_fields = ["sentence__text", "sentence__article__title", "reviewer__username"]
    actions = ["approve", "reject", "reopen", "adjudicate_sentences"]

    def has_delete_permission(self, request, obj=None):
        return False  # a reviewer clears their own label; the admin would skip the audit trail

    def has_moderate_permission(self, request):
        return request.user.has_perm(MODERATE)

    def has_adjudicate_permission(self, request):
        return request.user.has_perm(ADJUDICATE)

    def _moderate(self, request, queryset, decision: str, done: str) -> None:
        try:
            changed = moderate_many(annotations=queryset, actor=request.user, decision=decision)
        except PermissionDenied as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, f"{changed} annotation(s) {done}.", messages.SUCCESS)

    @admin.action(description="Approve the selected annotations", permissions=["moderate"])
    def approve(self, request, queryset):
        self._moderate(request, queryset, "approve", "approved")

    @admin.action(description="Reopen the selected annotations", permissions=["moderate"])
    def reopen(self, request, queryset):
        self._moderate(request, queryset, "reopen", "reopened")

    @admin.action(
        description="Reject the selected annotations (asks for the reason)",
        permissions=["moderate"],
    )
    def reject(self, request, queryset):
        def apply(data):
            changed = moderate_many(
                annotations=queryset, actor=request.user, decision="reject", reason=data["reason"]
            )
            return f"{changed} annotation(s) rejected."

        return ask_then_apply(
            self,
            request,
            queryset,
            action="reject",
            form_class=ReasonForm,
            title="Reject annotations",
            intro="Their reviewers see the reason on the review page, and can revise the label.",
            items=queryset.select_related("sentence", "reviewer"),
            apply=apply,
        )

    @admin.action(
        description="Adjudicate the selected annotations' sentences (asks for the label)",
        permissions=["adjudicate"],
    )
    def adjudicate_sentences(self, request, queryset):
        sentences = Sentence.objects.filter(pk__in=queryset.values("sentence_id"))

        def apply(data):
            with transaction.atomic():
                for sentence in sentences:
                    adjudicate(
                        sentence=sentence,
                        actor=request.user,
                        label=data["label"],
                        reason=data["reason"],
                    )
            return f"{len(sentences)} sentence(s) adjudicated: {Label(data['label']).label}."

        return ask_then_apply(
            self,
            request,
            queryset,
            action="adjudicate_sentences",
            form_class=AdjudicateForm,
            title="Adjudicate sentences",
            intro="The final label overrides the reviewers' majority.",
            items=sentences,
            apply=apply,
        )


@admin.register(Adjudication)
class AdjudicationAdmin(ReadOnlyAdmin):
    list_display = ["sentence", "label", "moderator", "version", "updated_at"]
    list_filter = ["label"]
    list_select_related = ["sentence", "moderator"]
    search_fields = ["sentence__text", "moderator__username"]
    actions = ["clear"]

    def has_delete_permission(self, request, obj=None):
        return False  # cleared through the action, which records it

    def has_clear_permission(self, request):
        return request.user.has_perm(CLEAR_ADJUDICATION)

    @admin.action(
        description="Clear the selected adjudications (back to the reviewers' majority)",
        permissions=["clear"],
    )
    def clear(self, request, queryset):
        adjudications = list(queryset.select_related("sentence"))
        try:
            with transaction.atomic():
                for adjudication in adjudications:
                    adjudication_clear(sentence=adjudication.sentence, actor=request.user)
        except PermissionDenied as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(
                request, f"{len(adjudications)} adjudication(s) cleared.", messages.SUCCESS
            )


@admin.register(History)
class HistoryAdmin(admin.ModelAdmin):
    """The audit trail: read by those who may view it, changed by no one (superusers
    included); the services add its rows."""

    list_display = [
        "at",
        "actor",
        "action",
        "subject",
        "subject_id",
        "via",
        "reviewer",
        "article",
        "sentence",
    ]
    list_filter = [
        "action",
        "subject",
        "via",
        ("actor", admin.RelatedOnlyFieldListFilter),
        ("reviewer", admin.RelatedOnlyFieldListFilter),
        ("article", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["actor", "reviewer", "article", "sentence"]
    search_fields = ["sentence__text", "actor__username", "reviewer__username"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RoleUserCreationForm(AdminUserCreationForm):
    """The admin's "add user", with the role `create_user --role` gives."""

    role = forms.ChoiceField(
        choices=[*((role, role.capitalize()) for role in ROLES), ("", "No role")],
        initial="reviewer",
        required=False,
        help_text="Moderators also review. Without a role, only the permissions given below.",
    )


class ModeratedUserAdmin(UserAdmin):
    add_form = RoleUserCreationForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "role", "usable_password", "password1", "password2"),
            },
        ),
    )
    actions = ["deactivate"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        role = form.cleaned_data.get("role")
        if role:
            give_role(obj, role)

    def has_deactivate_permission(self, request):
        return request.user.has_perm(CHANGE_USER) and is_moderator(request.user)

    @admin.action(
        description="Deactivate (and optionally reject pending labels)",
        permissions=["deactivate"],
    )
    def deactivate(self, request, queryset):
        users = list(queryset)

        def apply(data):
            rejected = 0
            with transaction.atomic():
                for user in users:
                    try:
                        rejected += deactivate_reviewer(
                            user=user,
                            actor=request.user,
                            reject_pending=data["reject_pending"],
                            reason=data["reason"],
                        )
                    except ValidationError as error:
                        # Refused for this user (oneself, a superuser): say whom it was about.
                        if "user" not in getattr(error, "error_dict", {}):
                            raise
                        refusal = " ".join(error.message_dict["user"])
                        raise ValidationError(f"{user}: {refusal}") from None
            return f"{len(users)} user(s) deactivated, {rejected} pending label(s) rejected."

        return ask_then_apply(
            self,
            request,
            queryset,
            action="deactivate",
            form_class=DeactivateForm,
            title="Deactivate users",
            intro=(
                "They can no longer log in. Their labels stay, and keep counting unless rejected."
            ),
            items=[
                f"{user}: {pending_annotations_of(user).count()} pending label(s)" for user in users
            ],
            apply=apply,
        )


admin.site.unregister(User)
admin.site.register(User, ModeratedUserAdmin)
