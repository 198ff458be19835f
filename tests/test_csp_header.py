"""The Content-Security-Policy header: django-csp's policy, built once for the responses
that do not change it (``chatproject.csp_header``)."""

import pytest
from csp.constants import NONCE, SELF
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from chatproject.csp_header import CSPMiddleware
from tests import factories


def served(path="/api/v1/users/me", response=None, nonce=False):
    request = RequestFactory().get(path)
    middleware = CSPMiddleware(lambda request: response or HttpResponse("ok"))
    middleware.process_request(request)
    if nonce:
        str(request.csp_nonce)
    return middleware.process_response(request, middleware.get_response(request))


@pytest.mark.django_db
def test_api_answers_and_pages_carry_django_csps_own_policy(client, alice):
    token = factories.user_token(alice)
    answer = client.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    page = client.get("/accounts/login/")

    assert answer["Content-Security-Policy"] == page["Content-Security-Policy"] == build_policy()
    assert "script-src 'self'" in build_policy()


def test_a_changed_setting_changes_the_header():
    before = served()["Content-Security-Policy"]
    policy = {"DIRECTIVES": {"default-src": [SELF], "img-src": ["https://img.example"]}}

    with override_settings(CONTENT_SECURITY_POLICY=policy):
        during = served()["Content-Security-Policy"]
    after = served()["Content-Security-Policy"]

    assert sorted(during.split("; ")) == ["default-src 'self'", "img-src https://img.example"]
    assert before == after == build_policy()


def test_a_report_only_policy_and_its_excluded_prefixes_are_kept():
    policy = {"EXCLUDE_URL_PREFIXES": ["/admin/"], "DIRECTIVES": {"default-src": [SELF]}}

    with override_settings(CONTENT_SECURITY_POLICY_REPORT_ONLY=policy):
        api = served("/api/v1/users/me")
        admin = served("/admin/")

    assert api["Content-Security-Policy-Report-Only"] == "default-src 'self'"
    assert "Content-Security-Policy-Report-Only" not in admin
    assert "Content-Security-Policy" in admin


def test_a_response_with_its_own_policy_or_a_nonce_gets_it_built():
    own = HttpResponse("ok")
    own._csp_update = {"img-src": ["https://img.example"]}

    updated = served(response=own)["Content-Security-Policy"]
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"script-src": [SELF, NONCE]}}):
        with_nonce = served(nonce=True)["Content-Security-Policy"]
        without = served()["Content-Security-Policy"]

    assert "img-src 'self' data: https://img.example" in updated
    assert "script-src 'self' 'nonce-" in with_nonce
    assert "script-src 'self'" in without
    assert "nonce" not in without


def test_a_header_the_view_set_is_left_alone():
    response = HttpResponse("ok")
    response["Content-Security-Policy"] = "default-src 'none'"

    assert served(response=response)["Content-Security-Policy"] == "default-src 'none'"
