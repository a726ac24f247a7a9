"""django-filter for the API, with filters that say no to values they don't know.

Stock `BooleanFilter` reads `?is_active=maybe` as "no filter" and answers the whole list,
which hides a client's typo behind a plausible result. Here anything but true/false (or
1/0, any case) is a 400 naming the parameter. Likewise an empty value for a filter that is
not text (`?is_active=`, `?start_time_after=`) is a 400, as the schema's types say: leave
the parameter out for no filter.
"""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

from core.serializers import EMPTY_PARAMETER


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


class FilterSet(django_filters.FilterSet):
    """The base of every filter set: model boolean fields get the strict filter."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": BooleanFilter},
    }


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
        if filterset_class is None:
            return queryset
        params = request.query_params
        filters = filterset_class.base_filters
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
