from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "chatproject.accounts"
    label = "accounts"
    verbose_name = "Accounts and credentials"
