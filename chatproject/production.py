"""What must hold before the app serves anyone with ``DEBUG`` off.

``asgi.py`` and ``wsgi.py`` call ``refuse_insecure_start`` before building the application,
so a server (uvicorn, daphne, ``runserver``) started without ``SECRET_KEY`` exits at once
instead of signing sessions with the development key everybody can read. Management
commands (migrate, makemigrations, the schema) still run on the development key: they
sign nothing a browser will see. ``manage.py check --deploy`` reports the same thing as
an error (``chat.E001``).
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def insecure_secret_key() -> bool:
    return settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY


def refuse_insecure_start() -> None:
    if not settings.DEBUG and insecure_secret_key():
        raise ImproperlyConfigured(
            "SECRET_KEY is not set and DEBUG is off: refusing to start. Set SECRET_KEY to a "
            "long random value (README, Security), or DEBUG=1 for development."
        )


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs):
    if insecure_secret_key():
        return [
            checks.Error(
                "SECRET_KEY is the development key.",
                hint="Set SECRET_KEY in the environment (README, Security).",
                id="chat.E001",
            )
        ]
    return []
