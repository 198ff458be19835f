from django.contrib.admin.apps import AdminConfig


class ChatAdminConfig(AdminConfig):
    """``django.contrib.admin`` with this project's site (``chatproject.admin_site``)."""

    default_site = "chatproject.admin_site.ChatAdminSite"
