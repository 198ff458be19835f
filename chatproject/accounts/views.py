"""The sign-in form, throttled like every password sign-in (``accounts.services``)."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.forms.utils import ErrorDict

from chatproject.accounts import services, throttle
from chatproject.errors import TooManyAttempts


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's form, with the password checked by ``password_sign_in`` (counted, throttled)."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            self.user_cache = services.password_sign_in(
                username=username,
                password=password,
                client=throttle.client_of(self.request),
                request=self.request,
            )
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class SignInView(auth_views.LoginView):
    """Too many failures: the form again, with 429 and ``Retry-After``, password unchecked."""

    form_class = ThrottledAuthenticationForm

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        try:
            valid = form.is_valid()
        except TooManyAttempts as error:
            form = self.form_class(request)  # blank: nothing of the attempt is echoed
            form.cleaned_data = {}
            form._errors = ErrorDict()
            form.add_error(None, error.detail)
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(error.retry_after)
            return response
        return self.form_valid(form) if valid else self.form_invalid(form)
