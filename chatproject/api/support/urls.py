"""The Support API's routes (seed 003 and its directory), included at ``api/v1/``.

``chats...`` never meets the Team API's ``chat/...``, ``users`` and ``files`` at the same
prefix. No trailing slashes: the seed's paths have none.
"""

from rest_framework.routers import SimpleRouter

from chatproject.api.common.unknown import unknown_paths
from chatproject.api.support import views

router = SimpleRouter(trailing_slash=False)
router.register("chats", views.ChatViewSet, basename="support-chat")
router.register("channels", views.ChannelViewSet, basename="support-channel")
router.register("external-users", views.ExternalUserViewSet, basename="support-external-user")
router.register("members", views.MemberViewSet, basename="support-member")
router.register("responders", views.ResponderViewSet, basename="support-responder")
router.register("tickets", views.TicketViewSet, basename="support-ticket")

urlpatterns = [
    *router.urls,
    unknown_paths(router, views.UnknownPathView, name="support-unknown"),
]
