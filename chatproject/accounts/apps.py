from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "chatproject.accounts"
    label = "accounts"
    verbose_name = "Accounts and credentials"

    def ready(self):
        from chatproject import production  # noqa: F401  (registers the deploy check)
        from chatproject.accounts import signals  # noqa: F401  (connects the receivers)
