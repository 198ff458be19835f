"""One URLconf for all four APIs, the browser pages and the admin.

The API prefixes (``/v1``, ``/api``, ``/chats``, ``/token``, ``/ws``) never collide with
each other or with the browser pages.
"""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from chatproject.api.schemas import SURFACES, surface_schema_view
from chatproject.api.team.views import UnknownPathView as TeamUnknownPath

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    *(
        path(f"api/schema/{surface}/", surface_schema_view(surface), name=f"schema-{surface}")
        for surface in SURFACES
    ),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("v1/", include("chatproject.api.session.urls")),
    path("api/v1/", include("chatproject.api.team.urls")),
    path("api/v1/", include("chatproject.api.support.urls")),
    # Any other /api/v1/ path gets the Team API's 404 (each API answers unknown paths under
    # its own prefixes in its own format; the Support API's resources end in its own above).
    re_path(r"^api/v1/", TeamUnknownPath.as_view(), name="team-unknown"),
    path("", include("chatproject.api.messenger.urls")),
    path("", include("chatproject.web.urls")),
]

# An outage raised outside any view's own handling (e.g. by middleware) is a 503 too.
handler500 = "chatproject.outage.server_error"

# Uploaded files are never served from MEDIA_ROOT directly (not even with DEBUG): only
# through the views that check who may see them (Team ``/api/v1/files/{id}``, Messenger
# ``/uploads/{id}``).
