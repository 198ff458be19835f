from django.urls import path

from chatproject.api.messenger.token import TokenView

urlpatterns = [
    path("token", TokenView.as_view(), name="messenger-token"),
]
