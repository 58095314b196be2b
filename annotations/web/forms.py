from django import forms
from django.db import models
from django.forms.models import fields_for_model

from annotations.jobs import JobStatus
from annotations.labels import Label
from annotations.moderation.selectors import QueueFilters
from annotations.moderation.services import REASON_MAX_LENGTH
from annotations.review.models import Annotation

# The largest id a row can have (big integer keys): a larger number names no row, and would
# overflow the database's integer in a query.
MAX_ID = 2**63 - 1


def id_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def as_id(value) -> int | None:
    """A row id sent by a page; None for anything that can name no row."""
    value = str(value or "")
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_ID:
        return None
    return int(value)


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


class QueueFilterForm(forms.Form):
    """The moderation queue's filters; a value that does not parse is reported, then left out."""

    article = id_field(label="Article id", required=False)
    reviewer = forms.TypedChoiceField(
        label="Reviewer", required=False, coerce=int, empty_value=None
    )
    label = forms.ChoiceField(label="Label", required=False, choices=[("", "Any"), *Label.choices])
    since = forms.DateField(
        label="Changed since", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="Until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data, reviewers):
        super().__init__(data)
        self.fields["reviewer"].choices = [("", "Anyone"), *reviewers]

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "Until must not be before the start date.")
        return data

    def filters(self) -> QueueFilters:
        """The filters from the fields that are valid."""
        self.is_valid()
        data = self.cleaned_data
        return QueueFilters(
            article=data.get("article"),
            reviewer=data.get("reviewer"),
            label=data.get("label", ""),
            since=data.get("since"),
            until=data.get("until"),
        )


class ReasonForm(forms.Form):
    """A rejection's reason: one of the frequent reasons picked, or one typed (which wins)."""

    reason = forms.CharField(required=False)
    other_reason = forms.CharField(required=False)

    def reason_given(self) -> str:
        """The reason to record; the service checks that a rejection has one."""
        data = self.cleaned_data
        return (data.get("other_reason") or "").strip() or (data.get("reason") or "").strip()


class DecisionForm(ReasonForm):
    """Approve, reject or reopen one annotation of the queue's sentence."""

    decision = forms.ChoiceField(choices=[(d, d) for d in ("approve", "reject", "reopen")])
    annotation = id_field()
    # The version the page showed; empty: decide whatever is stored.
    expected_version = forms.IntegerField(min_value=0, required=False)


class BulkDecisionForm(ReasonForm):
    """One decision on the labels ticked in the queue, or on all of a reviewer's pending labels
    on an article (`article` and `reviewer` given)."""

    decision = forms.ChoiceField(choices=[(d, d) for d in ("approve", "reject")])
    annotation = forms.TypedMultipleChoiceField(coerce=int, required=False)
    article = id_field(required=False)
    reviewer = id_field(required=False)

    def __init__(self, data):
        super().__init__(data)
        # Any id: the ones that name no annotation simply change nothing.
        ids = [value for value in data.getlist("annotation") if as_id(value)]
        self.fields["annotation"].choices = [(value, value) for value in ids]

    def clean(self):
        data = super().clean()
        if not data.get("annotation") and not (data.get("article") and data.get("reviewer")):
            raise forms.ValidationError("no label selected: tick the labels to decide on first")
        return data


class AdjudicationForm(forms.Form):
    """A sentence's final label and a note, or (`clear`) no adjudication any more."""

    label = forms.ChoiceField(choices=Label.choices, required=False)
    reason = forms.CharField(required=False, max_length=REASON_MAX_LENGTH, strip=True)
    # The adjudication's version the page showed (0: none).
    expected_version = forms.IntegerField(min_value=0, required=False)
    clear = forms.BooleanField(required=False)


class ArticleFlagForm(forms.Form):
    """Lock, unlock, hide or show an article, then go back to `next` (the review page)."""

    change = forms.ChoiceField(choices=[(c, c) for c in ("lock", "unlock", "hide", "show")])
    article = id_field(required=False)
    sentence = id_field(required=False)
    next = forms.CharField(required=False)


class DeactivateForm(ReasonForm):
    """Deactivate a reviewer, and maybe reject all their pending labels (a reason then)."""

    reject_pending = forms.BooleanField(required=False)

    def clean(self):
        data = super().clean()
        if data.get("reject_pending") and not self.reason_given():
            self.add_error("other_reason", "To reject their pending labels, pick or type a reason.")
        return data


class HistoryFilterForm(forms.Form):
    """The audit trail of an article, a person or a sentence."""

    article = id_field(label="Article id", required=False)
    user = forms.TypedChoiceField(label="Person", required=False, coerce=int, empty_value=None)
    sentence = id_field(required=False, widget=forms.HiddenInput)

    def __init__(self, data, people):
        super().__init__(data)
        self.fields["user"].choices = [("", "Anyone"), *people]

    def about(self) -> dict:
        """history_of()'s keywords from the fields that are valid."""
        self.is_valid()
        names = {"article": "article", "user": "person", "sentence": "sentence"}
        return {
            keyword: self.cleaned_data[name]
            for name, keyword in names.items()
            if self.cleaned_data.get(name)
        }
