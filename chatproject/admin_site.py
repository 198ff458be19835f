"""The admin site: Django's, with its sign-in and password change throttled like every
other password check (``chatproject.accounts.views``)."""

from django.contrib import admin
from django.urls import reverse

from chatproject.accounts.views import (
    ThrottledAdminAuthenticationForm,
    ThrottledPasswordChangeView,
    answer_throttled,
)


class ChatAdminSite(admin.AdminSite):
    login_form = ThrottledAdminAuthenticationForm

    def login(self, request, extra_context=None):
        return answer_throttled(super().login(request, extra_context))

    def password_change(self, request, extra_context=None):
        """``AdminSite.password_change`` with the throttled view."""
        defaults = {
            "success_url": reverse("admin:password_change_done", current_app=self.name),
            "extra_context": {**self.each_context(request), **(extra_context or {})},
        }
        if self.password_change_template is not None:
            defaults["template_name"] = self.password_change_template
        request.current_app = self.name
        return ThrottledPasswordChangeView.as_view(**defaults)(request)
