"""Pagination shared by every list endpoint (see api.md, "Basics")."""

from typing import TYPE_CHECKING

from rest_framework import pagination
from rest_framework.exceptions import ValidationError

from core.serializers import EMPTY_PARAMETER

if TYPE_CHECKING:
    _Pagination = pagination.BasePagination
else:
    _Pagination = object


class _StrictPageSize(_Pagination):
    """`?page_size=` must be a positive integer (400 otherwise, where DRF would quietly use
    the default); values above the maximum count as the maximum, as api.md has it."""

    page_size: int | None
    page_size_query_param: str | None = "page_size"
    max_page_size: int | None = 200

    def get_page_size(self, request):
        param = self.page_size_query_param or "page_size"
        raw = request.query_params.get(param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationError({param: ["Must be a positive integer."]})
        return min(size, self.max_page_size or size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = (
                    f"Results per page, at most {self.max_page_size} (larger values count as "
                    f"{self.max_page_size})."
                )
        return parameters


class PageNumberPagination(_StrictPageSize, pagination.PageNumberPagination):
    def paginate_queryset(self, queryset, request, view=None):
        # DRF reads `?page=` as page 1; it is no page number (400, as for other parameters).
        if request.query_params.get(self.page_query_param) == "":
            raise ValidationError({self.page_query_param: [EMPTY_PARAMETER]})
        return super().paginate_queryset(queryset, request, view)


class CursorPagination(_StrictPageSize, pagination.CursorPagination):
    """Newest first, stable under inserts: for time-series lists."""

    ordering = ("-created_at", "-id")
