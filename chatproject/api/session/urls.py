"""The Session API's routes, included at ``v1/``: two viewsets on a router, then the
catch-all that answers any other ``/v1/`` path with a problem document.

The router lists ``chats/reactions`` (a list action) before ``chats/{chat_id}``, so it
is never read as an id. No trailing slashes: the seed's paths have none.
"""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from chatproject.api.session import views

router = SimpleRouter(trailing_slash=False)
router.register("chats", views.ChatViewSet, basename="session-chat")
router.register("sessions", views.SessionViewSet, basename="session")

urlpatterns = [
    *router.urls,
    re_path(r"^.*$", views.UnknownPathView.as_view(), name="session-unknown"),
]
