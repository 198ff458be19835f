"""Issue 12, item 9: production settings. No start without SECRET_KEY when DEBUG is off;
HTTPS settings from the environment; the README's production environment passes
``check --deploy``; uploaded media only through access-checked views."""

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import override_settings
from django.urls import Resolver404, clear_url_caches, resolve

ROOT = Path(django_settings.BASE_DIR)


def python(code: str, **env) -> subprocess.CompletedProcess:
    environment = {**python_env(), **env, "DJANGO_SETTINGS_MODULE": "chatproject.settings"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def readme_production_environment() -> dict[str, str]:
    """The ``# production environment`` block of the README, as the operator would set it."""
    text = (ROOT / "README.md").read_text()
    block = text.split("# production environment\n", 1)[1].split("```", 1)[0]
    env = {}
    for line in block.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep:
            env[key] = value
    env["SECRET_KEY"] = "r" + "0123456789abcdefghijklmnopqrstuvwxyz" * 2  # the <...> placeholder
    return env


def test_the_app_refuses_to_start_with_debug_off_and_no_secret_key():
    refused = python("import chatproject.asgi", DEBUG="0")
    refused_wsgi = python("import chatproject.wsgi", DEBUG="0")

    assert refused.returncode != 0
    assert "SECRET_KEY" in refused.stderr and "refusing to start" in refused.stderr
    assert refused_wsgi.returncode != 0


def test_it_starts_with_a_secret_key_or_in_debug():
    assert python("import chatproject.asgi", DEBUG="0", SECRET_KEY="x" * 60).returncode == 0
    assert python("import chatproject.asgi", DEBUG="1").returncode == 0


def test_https_settings_come_from_the_environment_under_djangos_names():
    names = [
        "SECURE_HSTS_SECONDS",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
    ]
    code = (
        "import django; django.setup(); from django.conf import settings; "
        f"print(repr([getattr(settings, n) for n in {names!r}]))"
    )
    out = python(
        code,
        SECURE_HSTS_SECONDS="3600",
        SECURE_SSL_REDIRECT="1",
        SESSION_COOKIE_SECURE="true",
        CSRF_COOKIE_SECURE="yes",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == repr([3600, True, True, True, ("HTTP_X_FORWARDED_PROTO", "https")])


def test_the_readme_production_environment_passes_check_deploy():
    env = readme_production_environment()
    assert {"DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"} <= env.keys()

    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**python_env(), **env},
        capture_output=True,
        text=True,
    )

    assert check.returncode == 0, check.stdout + check.stderr


def test_check_deploy_fails_without_the_production_settings():
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**python_env(), "DEBUG": "0"},
        capture_output=True,
        text=True,
    )

    assert check.returncode != 0
    assert "chat.E001" in check.stderr + check.stdout


def python_env() -> dict[str, str]:
    """This environment without any of the settings under test."""
    return {
        key: value
        for key, value in os.environ.items()
        if not re.match(r"^(SECURE_|SESSION_|CSRF_|SECRET_KEY$|DEBUG$)", key)
    }


@pytest.mark.django_db
def test_uploaded_media_is_not_served_from_media_url_even_in_debug(client):
    import chatproject.urls

    try:
        with override_settings(DEBUG=True):
            clear_url_caches()
            importlib.reload(chatproject.urls)
            with pytest.raises(Resolver404):
                resolve(f"/{django_settings.MEDIA_URL}attachments/secret.png")
    finally:
        clear_url_caches()
        importlib.reload(chatproject.urls)
