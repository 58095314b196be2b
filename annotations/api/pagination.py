from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError


class CursorPagination(pagination.CursorPagination):
    """Every list: stable while rows are added, no COUNT query. A view sets `ordering` to a
    unique column: with ties the cursor falls back to offsets, which stop at 1,000 rows."""

    ordering = ("id",)
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_ordering(self, request, queryset, view):
        return getattr(view, "ordering", self.ordering)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:  # DRF's answer to a bad cursor; it is bad input, not a missing page
            raise ValidationError(
                {self.cursor_query_param: "not a cursor; follow the next and previous links"}
            ) from None


class RankedPagination(pagination.PageNumberPagination):
    """Lists ranked by a computed order (the moderation queue: how contested, then the candidate
    score), which a cursor cannot follow: numbered pages, with the count."""

    page_size_query_param = "page_size"
    max_page_size = 200
    invalid_page_message = "page {page_number}: {message}"

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as error:  # a page that is not a number, or past the last one
            raise ValidationError({self.page_query_param: str(error.detail)}) from None
