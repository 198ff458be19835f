from django.urls import path, re_path

from chatproject.api.session import views

# Included at ``v1/``. ``chats/reactions`` precedes ``chats/<chat_id>`` so it is not read as an id.
urlpatterns = [
    path("chats", views.ChatsView.as_view(), name="session-chats"),
    path("chats/reactions", views.ReactionsView.as_view(), name="session-reactions"),
    path("chats/<str:chat_id>", views.ChatView.as_view(), name="session-chat"),
    path(
        "chats/<str:chat_id>/reactions",
        views.ChatReactionsView.as_view(),
        name="session-chat-reactions",
    ),
    path(
        "chats/<str:chat_id>/reactions/<str:reaction_id>",
        views.ChatReactionView.as_view(),
        name="session-chat-reaction",
    ),
    path("chats/<str:chat_id>/pins", views.ChatPinsView.as_view(), name="session-chat-pins"),
    path(
        "chats/<str:chat_id>/pins/<str:pin_id>",
        views.ChatPinView.as_view(),
        name="session-chat-pin",
    ),
    path("sessions", views.SessionsView.as_view(), name="session-create"),
    path("sessions/<str:session_id>/join", views.SessionJoinView.as_view(), name="session-join"),
    re_path(r"^.*$", views.UnknownPathView.as_view(), name="session-unknown"),
]
