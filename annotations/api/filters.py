"""Building blocks of the lists' query parameters. A value that cannot be used is a 400 naming
the parameter and, for choices, the allowed values; it is never silently ignored."""

from datetime import UTC

import django_filters as filters
from django import forms
from django.contrib.auth.models import User
from django_filters.fields import IsoDateTimeField, RangeField
from django_filters.widgets import DateRangeWidget
from drf_spectacular.utils import extend_schema_field


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
            # As params: django-filter formats the message with them, so a raw "%" cannot break it.
            raise forms.ValidationError(
                "%(value)s is not a boolean; use true or false", params={"value": repr(value)}
            )
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


def percentile_filter(**kwargs) -> filters.NumberFilter:
    kwargs.setdefault("help_text", "percentile in the corpus at least (0 to 100)")
    return filters.NumberFilter(min_value=0, max_value=100, **kwargs)


def user_named(name: str) -> User:
    """The user with that username; a ValidationError (a 400 naming the field) if none."""
    user = User.objects.filter(username=name).first()
    if user is None:
        # As a parameter: a name may hold a % that formatting the message would trip on.
        raise forms.ValidationError("there is no user named %(name)s", params={"name": repr(name)})
    return user


class UsernameField(forms.CharField):
    """A username (a CharField refuses NUL characters, which PostgreSQL cannot compare), as the
    user it names."""

    def clean(self, value):
        name = super().clean(value)
        return user_named(name) if name else None


class UsernameFilter(filters.CharFilter):
    field_class = UsernameField
