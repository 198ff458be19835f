"""The password forms of the browser pages and the admin, throttled like every password
check (``accounts.services``): signing in, and the current password a change asks for.

A throttled attempt is refused before the password is checked; the page comes back with
the form's error, status 429 and ``Retry-After`` (:func:`answer_throttled`).
"""

from django.contrib.admin.forms import AdminAuthenticationForm, AdminPasswordChangeForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError

from chatproject.accounts import services, throttle
from chatproject.errors import TooManyAttempts


class ThrottledForm:
    """Mixin: ``throttled`` holds the refusal when the form was refused for it."""

    throttled: TooManyAttempts | None = None

    def refuse(self, error: TooManyAttempts) -> ValidationError:
        self.throttled = error
        return ValidationError(error.detail, code="throttled")


class ThrottledAuthenticationForm(ThrottledForm, AuthenticationForm):
    """Django's form, with the password checked by ``password_sign_in`` (counted, throttled)."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = services.password_sign_in(
                    username=username,
                    password=password,
                    client=throttle.client_of(self.request),
                    request=self.request,
                )
            except TooManyAttempts as error:
                raise self.refuse(error) from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationForm, AdminAuthenticationForm):
    """The admin's sign-in (staff only), throttled."""


class ThrottledPasswordChangeForm(ThrottledForm, PasswordChangeForm):
    """Django's password change, with the current password checked by ``password_check``."""

    def __init__(self, user, *args, client: str, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.client = client

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        try:
            right = services.password_check(
                user=self.user, password=old_password, client=self.client
            )
        except TooManyAttempts as error:
            raise self.refuse(error) from None
        if not right:
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


class ThrottledAdminPasswordChangeForm(ThrottledPasswordChangeForm, AdminPasswordChangeForm):
    """The admin's own password change, throttled."""


def answer_throttled(response, form=None):
    """``response`` (a page showing ``form``, by default its template's ``form``) as 429 with
    ``Retry-After`` when the form was refused for too many failures."""
    if form is None:
        form = (getattr(response, "context_data", None) or {}).get("form")
    throttled = getattr(form, "throttled", None)
    if throttled is not None:
        response.status_code = 429
        response["Retry-After"] = str(throttled.retry_after)
    return response


class SignInView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm

    def form_invalid(self, form):
        return answer_throttled(super().form_invalid(form))


class ThrottledPasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change page with the throttled form (the admin's)."""

    form_class = ThrottledAdminPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "client": throttle.client_of(self.request)}

    def form_invalid(self, form):
        return answer_throttled(super().form_invalid(form))
