import dataclasses

from django import forms

from .models import Annotation, Label, PrecomputeStatus, WebhookEndpoint, WebhookEvent
from .seedfile import MAX_FILE_BYTES
from .services import AnnotationInput
from .webhooks import url_problem

ANNOTATION_INPUT_FIELDS = [field.name for field in dataclasses.fields(AnnotationInput)]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = [file for file in (data if isinstance(data, list | tuple) else [data]) if file]
        if not files:
            return [super().clean(None, initial)]  # raises "This field is required."
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class SeedUploadForm(forms.Form):
    files = MultipleFileField(
        label="Seed files",
        help_text=(
            "One or more .txt files in the seed format: title, date (YYYYMMDD), URL, then one "
            f"paragraph a line. At most {MAX_FILE_BYTES // (1024 * 1024)} MB each."
        ),
    )


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
        choices=[("", "Any"), *PrecomputeStatus.choices],
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


class SentenceSearchForm(forms.Form):
    q = forms.CharField(label="Search sentences", required=False, max_length=200)


class AnnotationActionForm(forms.Form):
    """One tagging action on a sentence from the review page.

    Only the fields the request sends change: pressing `2` sends just the label and keeps the
    note, source and span already stored. The service validates the values themselves.
    """

    label = forms.ChoiceField(choices=Label.choices, required=False)
    span_start = forms.IntegerField(min_value=0, required=False)
    span_end = forms.IntegerField(min_value=0, required=False)
    clear_span = forms.BooleanField(required=False)
    claimant = forms.CharField(required=False)
    source_name = forms.CharField(required=False)
    evidence_url = forms.CharField(required=False)
    note = forms.CharField(required=False)
    # The version the page showed; empty: the page showed no annotation of mine.
    expected_version = forms.IntegerField(min_value=0, required=False)

    def annotation_input(self, current: Annotation | None) -> AnnotationInput:
        """The annotation this action asks for: the current one with the sent fields replaced."""
        values = (
            {name: getattr(current, name) for name in ANNOTATION_INPUT_FIELDS} if current else {}
        )
        for name in ANNOTATION_INPUT_FIELDS:
            if name in self.data:
                values[name] = self.cleaned_data[name]
        if self.cleaned_data["clear_span"]:
            values["span_start"] = values["span_end"] = None
        if not values.get("label"):
            raise forms.ValidationError({"label": "choose a label"})
        return AnnotationInput(**values)
