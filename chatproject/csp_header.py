"""django-csp's middleware, with the site's policy built once.

django-csp builds the Content-Security-Policy header from the settings on every response:
it copies the configuration, then every directive's sources, and joins them (~90 µs, about
a twentieth of a cached history read). The header only differs from the site's policy when
a view changed the policy of its response (django-csp's decorators set ``_csp_*``
attributes on it) or a page asked for a nonce. Every other response, every API answer
among them, gets the same strings, built on first use and again after a CSP setting
changes (tests override them).
"""

import functools
import http.client

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

# What django-csp's decorators set on a response whose policy is its own.
_PER_RESPONSE = tuple(
    f"_csp_{part}{suffix}"
    for part in ("config", "update", "replace", "exempt")
    for suffix in ("", "_ro")
)
_SETTINGS = {
    HEADER: ("CONTENT_SECURITY_POLICY", False),
    HEADER_REPORT_ONLY: ("CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
}
_SETTING_NAMES = frozenset(name for name, _ in _SETTINGS.values())


@functools.lru_cache(maxsize=1)
def site_policy() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(header, value, URL prefixes it is not sent for) of each header the settings ask for."""
    headers = []
    for header, (setting, report_only) in _SETTINGS.items():
        value = build_policy(report_only=report_only)
        if value:
            config = getattr(settings, setting, None) or {}
            headers.append((header, value, tuple(config.get("EXCLUDE_URL_PREFIXES") or ())))
    return tuple(headers)


@receiver(setting_changed)
def _forget_site_policy(*, setting, **kwargs):
    if setting in _SETTING_NAMES:
        site_policy.cache_clear()


class CSPMiddleware(DjangoCSPMiddleware):
    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in _PER_RESPONSE
        ):
            return super().process_response(request, response)
        # As django-csp: Django's debug pages keep their inline styles.
        if settings.DEBUG and response.status_code in (
            http.client.INTERNAL_SERVER_ERROR,
            http.client.NOT_FOUND,
        ):
            return response
        for header, value, excluded in site_policy():
            if header not in response and not request.path_info.startswith(excluded):
                response[header] = value
        # As django-csp: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
