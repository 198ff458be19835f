"""Hooks on the user model, so account rules hold however a user is created or changed.

Users are made by ``createsuperuser``, the admin's add form, ``create_user`` in a shell
(as an operator or a benchmark harness does) and ``accounts.services.user_create``; they
are changed by the password forms, the admin and the shell. Only a model signal sees all
of these, so this module is the one place that turns them into service calls:

- a new user joins the default workspace (``threads.services.workspace_join_default``),
  so they can see people and start chats at once;
- a password change or a deactivation revokes what must stop working
  (``accounts.services.user_credentials_changed``);
- a logout closes the sockets of that browser session (``session_logged_out``).

The handlers decide nothing themselves.
"""

from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from chatproject.accounts import services
from chatproject.accounts.models import User
from threads import services as thread_services


@receiver(pre_save, sender=User, dispatch_uid="accounts.user_pre_save")
def remember_previous_state(sender, instance: User, raw=False, update_fields=None, **kwargs):
    """Note whether this save deactivates the user (the row still has the old value)."""
    instance._was_active = None
    if raw or instance._state.adding:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return  # e.g. ``last_login`` on every sign-in: no query
    instance._was_active = (
        User.objects.filter(pk=instance.pk).values_list("is_active", flat=True).first()
    )


@receiver(post_save, sender=User, dispatch_uid="accounts.user_post_save")
def apply_account_rules(sender, instance: User, created: bool, raw=False, **kwargs):
    if raw:  # loaddata: fixtures carry their own memberships
        return
    if created:
        thread_services.workspace_join_default(user=instance)
        return
    services.user_credentials_changed(
        user=instance,
        # ``set_password`` keeps the new raw password until the save completes.
        password_changed=getattr(instance, "_password", None) is not None,
        deactivated=bool(getattr(instance, "_was_active", None)) and not instance.is_active,
    )


@receiver(user_logged_out, dispatch_uid="accounts.user_logged_out")
def close_logged_out_sockets(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    services.session_logged_out(user=user, session_key=getattr(session, "session_key", None))
