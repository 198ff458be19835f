from django.contrib.auth import views as auth_views
from django.urls import path

from chatproject.accounts.views import SignInView
from chatproject.web import api, views

urlpatterns = [
    path("", views.home, name="home"),
    path("threads/<uuid:thread_id>/", views.thread, name="thread"),
    path("threads/<uuid:thread_id>/members/", views.members, name="thread-members"),
    path("people/", views.people, name="people"),
    path("people/<uuid:user_id>/direct/", views.direct_start, name="direct-start"),
    path("groups/new/", views.group_create, name="group-create"),
    path("sessions/<uuid:thread_id>/", views.session_room, name="session-room"),
    path("sessions/<uuid:thread_id>/join/", views.session_join, name="session-join"),
    path("support/", views.support_inbox, name="support-inbox"),
    path("support/<uuid:thread_id>/", views.support_chat, name="support-chat"),
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", views.profile, name="profile"),
    path("healthz", views.healthz, name="healthz"),
    # JSON and fragments for the pages' scripts (session cookie + CSRF).
    path("web/sidebar/", views.sidebar, name="web-sidebar"),
    path("web/threads/<uuid:thread_id>/messages/", api.messages, name="web-messages"),
    path("web/threads/<uuid:thread_id>/send/", api.message_send, name="web-send"),
    path("web/threads/<uuid:thread_id>/read/", api.mark_read, name="web-read"),
    path("web/messages/<uuid:message_id>/", api.message_remove, name="web-message"),
    path(
        "web/messages/<uuid:message_id>/reactions/<str:name>/",
        api.reaction,
        name="web-reaction",
    ),
    path("web/messages/<uuid:message_id>/pin/", api.pin, name="web-pin"),
    path("web/support/<uuid:thread_id>/block/", api.support_block, name="web-support-block"),
    path("web/support/<uuid:thread_id>/status/", api.support_status, name="web-support-status"),
    path("web/files/", api.upload, name="web-upload"),
    path("web/files/<uuid:attachment_id>/", api.file, name="web-file"),
]
