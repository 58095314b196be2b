from django import forms
from django.db import models
from django.forms.models import fields_for_model

from annotations.jobs import JobStatus
from annotations.review.models import Annotation


class ArticleFilterForm(forms.Form):
    """The article list's search, filters and sort; an unknown value is reported, then ignored."""

    q = forms.CharField(label="Search title or URL", required=False, max_length=200)
    progress = forms.ChoiceField(
        label="My progress",
        required=False,
        choices=[
            ("", "Any"),
            ("not_started", "Not started"),
            ("in_progress", "In progress"),
            ("done", "Done"),
        ],
    )
    status = forms.ChoiceField(
        label="Precompute",
        required=False,
        choices=[("", "Any"), *JobStatus.choices],
    )
    sort = forms.ChoiceField(
        label="Sort",
        required=False,
        choices=[("newest", "Newest"), ("candidates", "Most candidate claims")],
    )

    def filters(self) -> dict:
        """Keyword arguments for selectors.filter_articles from the fields that are valid."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "query": data.get("q", ""),
            "progress": data.get("progress", ""),
            "precompute_status": data.get("status", ""),
            "sort": data.get("sort") or "newest",
        }


class ReviewerSettingsForm(forms.Form):
    """The review page's settings, and the page to go back to."""

    shortcuts = forms.BooleanField(required=False)
    next = forms.CharField(required=False)


class SentenceSearchForm(forms.Form):
    q = forms.CharField(label="Search sentences", required=False, max_length=200)


class AnnotationActionForm(forms.Form):
    """One tagging action on a sentence from the review page.

    Only the fields the request sends change: pressing `2` sends just the label and keeps the
    note, source and span already stored. The service validates the values themselves.
    """

    clear_span = forms.BooleanField(required=False)
    # The version the page showed; empty: the page showed no annotation of mine.
    expected_version = forms.IntegerField(min_value=0, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(
            fields_for_model(Annotation, Annotation.INPUT_FIELDS, formfield_callback=_input_field)
        )

    def changes(self) -> dict:
        """The fields this action sends; the service applies them to the stored annotation."""
        changes = {
            name: self.cleaned_data[name] for name in Annotation.INPUT_FIELDS if name in self.data
        }
        if self.cleaned_data["clear_span"]:
            changes["span_start"] = changes["span_end"] = None
        return changes


def _input_field(model_field, **kwargs) -> forms.Field:
    """The form field for an annotation input: optional, since only what is sent changes; the
    service checks the values themselves."""
    if model_field.choices:
        return forms.ChoiceField(choices=model_field.choices, required=False)
    if isinstance(model_field, models.IntegerField):
        return forms.IntegerField(min_value=0, required=False)
    return forms.CharField(required=False)
