"""The Team API's routes, included at ``api/v1/``: one viewset per resource on a router.

Its paths (``chat/...``, ``users``, ``files``) never meet the Support API's ``chats...``,
which is included at the same prefix. No trailing slashes: the seed's paths have none.
"""

from rest_framework.routers import SimpleRouter

from chatproject.api.team import views

router = SimpleRouter(trailing_slash=False)
router.register("chat/threads", views.ThreadViewSet, basename="team-thread")
router.register("chat/messages", views.MessageViewSet, basename="team-message")
router.register("users", views.PeopleViewSet, basename="team-user")
router.register("files", views.FileViewSet, basename="team-file")

urlpatterns = router.urls
