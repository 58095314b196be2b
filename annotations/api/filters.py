"""Query parameters of the lists. A value that cannot be used is a 400 naming the parameter and,
for choices, the allowed values; it is never silently ignored."""

from datetime import UTC

import django_filters as filters
from django import forms
from django.db.models import Exists, OuterRef
from django_filters.fields import IsoDateTimeField, RangeField
from django_filters.widgets import DateRangeWidget
from drf_spectacular.utils import extend_schema_field

from annotations import selectors
from annotations.models import (
    Annotation,
    Article,
    Candidate,
    Label,
    ModerationStatus,
    PrecomputeStatus,
    Sentence,
)

SUGGESTED_LABELS = Candidate._meta.get_field("suggested_label").choices


def choice_filter(choices, **kwargs) -> filters.ChoiceFilter:
    allowed = ", ".join(value for value, _ in choices)
    message = f"%(value)s is not one of: {allowed}"
    return filters.ChoiceFilter(
        choices=choices, error_messages={"invalid_choice": message}, **kwargs
    )


class IdField(forms.IntegerField):
    """An id: larger ones cannot exist, and would overflow the database's bigint."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=2**63 - 1, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2**63 - 1})
class IdFilter(filters.NumberFilter):
    field_class = IdField


class StrictBooleanField(forms.Field):
    """true/false (or 1/0); Django's NullBooleanField would quietly ignore anything else."""

    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if str(value).lower() not in self.VALUES:
            raise forms.ValidationError(f"{value!r} is not a boolean; use true or false")
        return self.VALUES[str(value).lower()]


class BooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField


class UtcDateTimeField(IsoDateTimeField):
    """ISO 8601, turned into UTC: PostgreSQL refuses the offsets beyond 16 hours that ISO 8601
    parsing lets through."""

    def to_python(self, value):
        moment = super().to_python(value)
        try:
            return moment and moment.astimezone(UTC)
        except OverflowError:  # near year 1 or 9999: not a usable time
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcDateTimeRangeField(RangeField):
    widget = DateRangeWidget

    def __init__(self, *args, **kwargs):
        super().__init__((UtcDateTimeField(), UtcDateTimeField()), *args, **kwargs)


class DateTimeRangeFilter(filters.IsoDateTimeFromToRangeFilter):
    field_class = UtcDateTimeRangeField


def score_filter(**kwargs) -> filters.NumberFilter:
    return filters.NumberFilter(min_value=0, max_value=1, **kwargs)


class ArticleFilter(filters.FilterSet):
    search = filters.CharFilter(help_text="words in the title or URL")
    progress = choice_filter(
        [(name, name) for name in selectors.PROGRESS_FILTERS],
        help_text="how far I am: no sentence labelled, some, all",
    )
    precompute_status = choice_filter(PrecomputeStatus.choices)
    locked = BooleanFilter()

    class Meta:
        model = Article
        fields = []

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        articles = selectors.filter_articles(
            queryset,
            query=data.get("search") or "",
            progress=data.get("progress") or "",
            precompute_status=data.get("precompute_status") or "",
        )
        if data.get("locked") is not None:
            articles = articles.filter(locked=data["locked"])
        return articles


class SentenceFilter(filters.FilterSet):
    article = IdFilter(field_name="article_id")
    min_score = score_filter(method="filter_min_score", help_text="candidate score at least")
    suggested_label = choice_filter(SUGGESTED_LABELS, method="filter_suggested_label")
    labelled = BooleanFilter(method="filter_labelled", help_text="labelled by me, or not")

    class Meta:
        model = Sentence
        fields = []

    def filter_min_score(self, sentences, name, value):
        return sentences.filter(
            Exists(Candidate.objects.filter(sentence=OuterRef("pk"), score__gte=value))
        )

    def filter_suggested_label(self, sentences, name, value):
        return sentences.filter(
            Exists(Candidate.objects.filter(sentence=OuterRef("pk"), suggested_label=value))
        )

    def filter_labelled(self, sentences, name, value):
        mine = Exists(
            Annotation.objects.filter(sentence=OuterRef("pk"), reviewer=self.request.user)
        )
        return sentences.filter(mine if value else ~mine)


class CandidateFilter(filters.FilterSet):
    article = IdFilter(field_name="sentence__article_id")
    sentence = IdFilter(field_name="sentence_id")
    min_score = score_filter(field_name="score", lookup_expr="gte")
    suggested_label = choice_filter(SUGGESTED_LABELS)

    class Meta:
        model = Candidate
        fields = []


class AnnotationFilter(filters.FilterSet):
    article = IdFilter(field_name="sentence__article_id")
    sentence = IdFilter(field_name="sentence_id")
    label = choice_filter(Label.choices)
    reviewer = filters.CharFilter(field_name="reviewer__username", help_text="a username")
    moderation_status = choice_filter(ModerationStatus.choices)
    created = filters.DateFromToRangeFilter(
        field_name="created_at", help_text="created_after / created_before: dates, inclusive"
    )
    updated = DateTimeRangeFilter(
        field_name="updated_at", help_text="updated_after / updated_before: ISO 8601 times"
    )

    class Meta:
        model = Annotation
        fields = []
