from django.contrib.auth import views as auth_views
from django.urls import path

from chatproject.accounts.views import SignInView
from chatproject.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
]
