"""Template context every page may use; evaluated only when a template asks."""

from django.utils.functional import SimpleLazyObject

from chatproject.web import selectors as web_selectors


def navigation(request) -> dict:
    def is_support_staff() -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        return bool(web_selectors.support_workspace_ids(user=user))

    return {"web_is_support_staff": SimpleLazyObject(is_support_staff)}
