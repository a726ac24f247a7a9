"""django-filter for the API, with booleans that say no to values they don't know.

Stock `BooleanFilter` reads `?is_active=maybe` as "no filter" and answers the whole list,
which hides a client's typo behind a plausible result. Here anything but true/false (or
1/0, any case) is a 400 naming the parameter. An empty value still means "no filter".
"""

import django_filters
from django import forms
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend


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


class FilterSet(django_filters.FilterSet):
    """The base of every filter set: model boolean fields get the strict filter."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": BooleanFilter},
    }


class FilterBackend(DjangoFilterBackend):
    """DRF's django-filter backend; filter sets made from `filterset_fields` use ours too."""

    filterset_base = FilterSet
