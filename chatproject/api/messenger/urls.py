"""The Messenger API at the site root: ``/token``, ``/chats...``, ``/uploads...``.

No trailing slashes (FastAPI's paths). ``/chats`` is not the Support API's
``/api/v1/chats``: that lives under another prefix.
"""

from rest_framework.routers import SimpleRouter

from chatproject.api.common.unknown import unknown_paths
from chatproject.api.messenger.token import TokenViewSet
from chatproject.api.messenger.views import ChatViewSet, UnknownPathView, UploadViewSet

router = SimpleRouter(trailing_slash=False)
router.register("token", TokenViewSet, basename="messenger-token")
router.register("chats", ChatViewSet, basename="messenger-chat")
router.register("uploads", UploadViewSet, basename="messenger-upload")

urlpatterns = [
    *router.urls,
    unknown_paths(router, UnknownPathView, name="messenger-unknown"),
]
