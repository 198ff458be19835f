"""The answer to a path under an API's prefix that names no endpoint of it.

Without it Django answers such a path (a typo, a trailing slash the API does not use)
with its HTML "Not Found" page, which an API client cannot read. Each surface mounts a
catch-all view after its routes, built as ``UnknownPath`` + the surface's own mixin +
``APIView``, so the 404 comes in that surface's error format.
"""

from django.http import Http404
from django.urls import re_path


class UnknownPath:
    """Mixin for a surface's catch-all view: no authentication (nothing there to protect,
    and an unknown path is unknown to everyone), not in the schema, and for every method,
    ``OPTIONS`` included, the surface's ordinary 404 (what a missing thing gets)."""

    authentication_classes: list = []
    permission_classes: list = []
    schema = None

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise Http404("No such endpoint.")

    options = http_method_not_allowed


def unknown_paths(router, view, *, name: str):
    """The catch-all route for any other path under ``router``'s resources (a trailing
    slash included), from the prefixes the router registered."""
    prefixes = "|".join(prefix for prefix, _, _ in router.registry)
    return re_path(rf"^(?:{prefixes})(?:/.*)?$", view.as_view(), name=name)
