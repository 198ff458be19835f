"""The OpenAPI documents: every surface together at ``/api/schema/``, and each surface on
its own at ``/api/schema/<surface>/`` so each vendor's client is generated from a document
with only its own operations and models.

A surface is the package its views live in (``chatproject.api.<surface>``), so a new view
joins its surface's document without being listed anywhere.
"""

from django.conf import settings
from drf_spectacular.views import SpectacularAPIView

SURFACES = {
    "session": "Session API (/v1, seeds 000/001)",
    "team": "Team API (/api/v1/chat, seed 002)",
    "support": "Support API (/api/v1/chats, seed 003)",
    "messenger": "Messenger API (/chats, /token, seed 004)",
}


def surface_of(callback) -> str | None:
    module = getattr(getattr(callback, "cls", callback), "__module__", "")
    parts = module.split(".")
    if parts[:2] == ["chatproject", "api"] and len(parts) > 2:
        return parts[2]
    return None


def _only(surface: str, endpoints) -> list:
    return [e for e in endpoints if surface_of(e[3]) == surface]


# drf-spectacular preprocessing hooks (named by import path in settings), one per surface.


def session_only(endpoints, **kwargs):
    return _only("session", endpoints)


def team_only(endpoints, **kwargs):
    return _only("team", endpoints)


def support_only(endpoints, **kwargs):
    return _only("support", endpoints)


def messenger_only(endpoints, **kwargs):
    return _only("messenger", endpoints)


def surface_schema_view(surface: str):
    return SpectacularAPIView.as_view(
        custom_settings={
            "TITLE": f"{settings.SPECTACULAR_SETTINGS['TITLE']}: {SURFACES[surface]}",
            "PREPROCESSING_HOOKS": [f"{__name__}.{surface}_only"],
        }
    )
