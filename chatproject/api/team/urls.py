"""The Team API, included at ``api/v1/``.

Its paths (``chat/...``, ``users``, ``files``) never meet the Support API's ``chats...``,
which is included at the same prefix.
"""

from django.urls import path

from chatproject.api.team import views

urlpatterns = [
    path("chat/threads", views.ThreadsView.as_view(), name="team-threads"),
    path("chat/threads/<str:thread_id>", views.ThreadView.as_view(), name="team-thread"),
    path(
        "chat/threads/<str:thread_id>/messages",
        views.ThreadMessagesView.as_view(),
        name="team-thread-messages",
    ),
    path(
        "chat/threads/<str:thread_id>/users",
        views.ThreadUsersView.as_view(),
        name="team-thread-users",
    ),
    path(
        "chat/threads/<str:thread_id>/users/<str:user_id>",
        views.ThreadUserView.as_view(),
        name="team-thread-user",
    ),
    path("chat/messages", views.MessagesView.as_view(), name="team-messages"),
    path(
        "chat/messages/<str:message_id>/likes",
        views.MessageLikesView.as_view(),
        name="team-message-likes",
    ),
    path(
        "chat/messages/<str:message_id>/dislikes",
        views.MessageDislikesView.as_view(),
        name="team-message-dislikes",
    ),
    path("users", views.PeopleView.as_view(), name="team-users"),
    path("users/me", views.MeView.as_view(), name="team-me"),
    path("files", views.FilesView.as_view(), name="team-files"),
    path("files/<str:file_id>", views.FileView.as_view(), name="team-file"),
]
