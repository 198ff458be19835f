"""Test data for the browser tests, written into the live server's database.

The server under test is another process with its own SQLite file, so this runs as one
long-lived subprocess (``python -m tests.browser.seed``) beside it: each line on stdin is
``[command, [args...]]``, each answer one JSON line on stdout. Everything goes through the
services, as in the product.
"""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatproject.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from chatproject.accounts.services import api_key_create, user_create  # noqa: E402
from chatproject.actors import SYSTEM  # noqa: E402
from chats import services as chat_services  # noqa: E402
from threads import services as thread_services  # noqa: E402
from threads.models import Thread, Workspace, WorkspaceMember  # noqa: E402

PASSWORD = "browser-test-pass-1"
USERS = [
    ("alice", "Alice Archer", WorkspaceMember.Role.ADMIN),
    ("bob", "Bob Baker", WorkspaceMember.Role.MEMBER),
    ("carol", "Carol Chen", WorkspaceMember.Role.MEMBER),
    ("dave", "Dave Diaz", WorkspaceMember.Role.AGENT),
]


def _user(name):
    return get_user_model().objects.get(username=name)


def _workspace():
    return Workspace.objects.get(slug="default")


def base() -> dict:
    workspace = _workspace()
    ids = {}
    for username, display_name, role in USERS:
        user = user_create(username=username, password=PASSWORD, display_name=display_name)
        # New users join the default workspace as members (a signal); give each its role.
        thread_services.workspace_member_set_role(
            workspace=workspace, user=user, role=role, actor=SYSTEM
        )
        ids[username] = str(user.pk)
    _, key = api_key_create(workspace=workspace, name="browser tests")
    return {"users": ids, "password": PASSWORD, "api_key": key}


def direct(a: str, b: str) -> dict:
    thread, _ = thread_services.direct_thread_get_or_create(
        workspace=_workspace(), user=_user(a), other=_user(b)
    )
    return {"thread": str(thread.pk)}


def group(title: str, creator: str, members: list) -> dict:
    thread = thread_services.custom_thread_create(
        workspace=_workspace(),
        creator=_user(creator),
        title=title,
        members=[_user(m) for m in members],
    )
    return {"thread": str(thread.pk)}


def session(title: str, host: str, members: list) -> dict:
    thread = thread_services.session_create(workspace=_workspace(), host=_user(host), title=title)
    for member in members:
        thread_services.membership_add(thread=thread, user=_user(member), actor=SYSTEM)
    return {"thread": str(thread.pk)}


def send(thread: str, author: str, text: str) -> dict:
    message = chat_services.message_send(
        thread=Thread.objects.get(pk=thread), actor=SYSTEM, author=_user(author), text=text
    )
    return {"message": str(message.pk)}


def send_many(thread: str, author: str, texts: list) -> dict:
    return {"messages": [send(thread, author, text)["message"] for text in texts]}


COMMANDS = {
    "send_many": send_many,
    "base": base,
    "direct": direct,
    "group": group,
    "session": session,
    "send": send,
}


def serve() -> None:
    import traceback

    from django.db import connection

    for line in sys.stdin:
        command, args = json.loads(line)
        try:
            answer = {"ok": COMMANDS[command](*args)}
        except Exception:
            answer = {"error": traceback.format_exc()}
        finally:
            connection.close()  # hold no lock or snapshot between commands
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    serve()
