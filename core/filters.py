"""django-filter for the API, with filters that say no to values they don't know.

Stock `BooleanFilter` reads `?is_active=maybe` as "no filter" and answers the whole list,
which hides a client's typo behind a plausible result. Here anything but true/false (or
1/0, any case) is a 400 naming the parameter. Likewise an empty value for a filter that is
not text (`?is_active=`, `?start_time_after=`) is a 400, as the schema's types say: leave
the parameter out for no filter.

django-filter reads only the parameters its filters declare and ignores the rest, so a time
range the list has no filter for (`?created_after=` on a list that filters by
`start_time_after`) would answer the whole list whatever its value. A `..._after` or
`..._before` parameter that is not one of the list's filters is a 400 naming the parameter
and the ones the list has. Every date or datetime a filter reads must lie in core.limits'
range.
"""

from datetime import UTC, datetime

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from core import limits
from core.fields import DateField, DateTimeField
from core.serializers import EMPTY_PARAMETER

# The suffixes of the contract's time-range filters (api.md: `<field>_after`/`<field>_before`).
RANGE_SUFFIXES = ("_after", "_before")


class StrictBooleanField(forms.Field):
    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError("Must be true or false.", code="invalid")


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


def requesters_own(model):
    """The choices of a related-id filter on a user-owned model: the requesting user's own
    rows. Another user's id is then refused exactly as an id that doesn't exist is, instead
    of filtering to an empty page and so confirming that the row exists."""

    def queryset(request):
        if request is None or not request.user.is_authenticated:
            return model._default_manager.none()
        return model._default_manager.filter(user=request.user)

    return queryset


def requester_unless_staff(request):
    """The choices of a `user` filter: every user for staff, the requester alone otherwise."""
    User = get_user_model()
    if request is None or not request.user.is_authenticated:
        return User._default_manager.none()
    if request.user.is_staff:
        return User._default_manager.all()
    return User._default_manager.filter(pk=request.user.pk)


# The schema of a date or datetime filter is the serializer field's, with its range.
@extend_schema_field(DateTimeField)
class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    pass


@extend_schema_field(DateTimeField)
class DateTimeFilter(django_filters.DateTimeFilter):
    pass


@extend_schema_field(DateField)
class DateFilter(django_filters.DateFilter):
    pass


def _range_errors(value) -> str | None:
    """The range message for a filter's cleaned value (a date or datetime, a range of them as
    a slice, or a list of them), or None."""
    if isinstance(value, slice):
        return _range_errors(value.start) or _range_errors(value.stop)
    if isinstance(value, list | tuple):
        return next(filter(None, map(_range_errors, value)), None)
    return limits.range_error(value)


def _in_utc(value):
    """A filter's cleaned value with its datetimes moved to UTC. PostgreSQL refuses offsets
    past 15:59 (ISO 8601 allows up to 23:59) in a query parameter; the instant is the same."""
    if isinstance(value, slice):
        return slice(_in_utc(value.start), _in_utc(value.stop), value.step)
    if isinstance(value, list | tuple):
        return type(value)(map(_in_utc, value))
    if isinstance(value, datetime) and value.utcoffset() is not None:
        return value.astimezone(UTC)
    return value


class _DatesInRange(forms.Form):
    """Every date or datetime a filter set reads lies in core.limits' range, and reaches the
    query in UTC: checked once the fields have cleaned their values, whatever kind of filter
    read them."""

    def clean(self):
        cleaned = super().clean()
        for name, value in list(self.cleaned_data.items()):
            message = _range_errors(value)
            if message:
                self.add_error(name, message)
            else:
                self.cleaned_data[name] = _in_utc(value)
        return cleaned


class FilterSet(django_filters.FilterSet):
    """The base of every filter set: model boolean fields get the strict filter, date and
    datetime fields the range-checked ones."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": BooleanFilter},
        models.DateTimeField: {"filter_class": DateTimeFilter},
        models.DateField: {"filter_class": DateFilter},
    }

    def get_form_class(self):
        form_class = super().get_form_class()
        return type(form_class.__name__, (_DatesInRange, form_class), {})


class FilterBackend(DjangoFilterBackend):
    """DRF's django-filter backend; filter sets made from `filterset_fields` use ours too.

    A request that names none of the filters gets the queryset as it is, without a filter
    set: building one deep-copies every filter and makes a form class, work that a list
    asking for no filter would do for nothing. A parameter is taken for a filter's when it
    starts with the filter's name, so filters with several inputs (`x_min`, `x_max`) are
    seen too.
    """

    filterset_base = FilterSet
    # Filter sets made from `filterset_fields`, by model and fields: django-filter makes a
    # new class on every call.
    _made: dict = {}

    def get_filterset_class(self, view, queryset=None):
        fields = getattr(view, "filterset_fields", None)
        if getattr(view, "filterset_class", None) or not fields or queryset is None:
            return super().get_filterset_class(view, queryset)
        key = (queryset.model, tuple(fields))
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().get_filterset_class(view, queryset)
        return made

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        params = request.query_params
        filters = filterset_class.base_filters if filterset_class is not None else {}
        _refuse_unknown_ranges(params, filters)
        if filterset_class is None:
            return queryset
        if not any(key.startswith(name) for name in filters for key in params):
            return queryset
        empty = {
            name: [EMPTY_PARAMETER]
            for name, filter_ in filters.items()
            if params.get(name) == "" and not isinstance(filter_, django_filters.CharFilter)
        }
        if empty:
            raise ValidationError(empty)
        return super().filter_queryset(request, queryset, view)


def _refuse_unknown_ranges(params, filters) -> None:
    """A time-range parameter (`..._after`, `..._before`) that is none of the list's filters
    is a 400, where django-filter would ignore it and answer the whole list."""
    unknown = [
        key
        for key in params
        if key.endswith(RANGE_SUFFIXES)
        and key not in filters
        and not any(key.startswith(f"{name}_") for name in filters)
    ]
    if not unknown:
        return
    known = sorted(name for name in filters if name.endswith(RANGE_SUFFIXES))
    message = (
        f"Not a filter of this list; its time filters are {', '.join(known)}."
        if known
        else "Not a filter of this list, which has no time filters."
    )
    raise ValidationError({key: [message] for key in unknown})
