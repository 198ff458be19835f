from django.apps import AppConfig


class ApiConfig(AppConfig):
    """Registers the schema extensions of the API surfaces."""

    name = "chatproject.api"
    label = "chat_api"

    def ready(self):
        from chatproject.api.common import schema  # noqa: F401
