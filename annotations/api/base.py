"""What every API view shares."""

from django.http import Http404, JsonResponse
from django.urls import resolve
from rest_framework import viewsets


class ApiViewSet(viewsets.GenericViewSet):
    """Ids in URLs are whole numbers: anything else, or one too big for the database, is a
    JSON 404 rather than a database error or Django's HTML page."""

    lookup_value_regex = "[^/]+"

    def get_object(self):
        pk = str(self.kwargs[self.lookup_field])  # a second call finds the int of the first
        if not (pk.isascii() and pk.isdigit()):
            raise Http404
        self.kwargs[self.lookup_field] = int(pk)  # an int lets Django see it is out of range
        return super().get_object()


def not_found(request, path):
    """Any other path under /api/: a JSON 404 like the API's own (with a hint for a missing
    trailing slash, which this catch-all keeps Django from redirecting)."""
    detail = f"there is no API endpoint /api/{path}"
    if not path.endswith("/") and resolve(f"/api/{path}/").func is not not_found:
        detail += f"; did you mean /api/{path}/ (with the trailing slash)?"
    return JsonResponse({"detail": detail}, status=404)
