"""The trusted-caller convention: a service that checks permissions names its actor.

Every ``services.py`` in the project is found and walked, so services added later (the
support desk, the messenger) are held to the same rule without editing this file.

"Checks permissions" is read from the code: a public service checks permissions when its
body, or a function of the same module it calls, refers to a permission word (a
visibility or moderation predicate such as ``can_see_thread``, a ``*_for_user`` selector,
``PermissionDenied``...) or calls another service that takes an ``actor``. Such a service
must take ``actor`` as a keyword-only parameter with no default, so that forgetting to
pass the caller is a ``TypeError`` rather than a silent trusted call; trusted callers pass
``chatproject.actors.SYSTEM``. Every ``actor`` parameter anywhere follows the same shape,
and the old ``as_moderator`` flag stays gone.
"""

import ast
import copy
import importlib
import inspect
import os
import pickle
import re
import textwrap
import types
from pathlib import Path

import pytest
from django.conf import settings

from chatproject.actors import SYSTEM, SystemActor, is_system, recorded_user

PERMISSION_WORDS = re.compile(
    r"^(SYSTEM|PermissionDenied|can_\w+|is_workspace_admin|is_support_staff|visible_\w+|\w+_for_user"
    r"|_deny|_require_visible|_require_live|_lock_visible_message|_check_moderator)$"
)
SKIPPED_DIRS = {"node_modules", "migrations", "tests", "static", "media", "__pycache__"}


def service_module_names() -> list[str]:
    """Every ``services.py`` under the project root, as a module name (the venv, tests,
    migrations and hidden directories are not walked at all)."""
    root = Path(settings.BASE_DIR)
    names = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = [d for d in subdirs if d not in SKIPPED_DIRS and not d.startswith(".")]
        if "services.py" in files:
            relative = (Path(directory) / "services.py").relative_to(root)
            names.append(".".join(relative.with_suffix("").parts))
    return sorted(names)


def _referenced_names(node: ast.AST) -> set[str]:
    names = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            names.add(child.id)
        elif isinstance(child, ast.Attribute):
            names.add(child.attr)
    return names


def _takes_actor(obj) -> bool:
    try:
        return "actor" in inspect.signature(obj).parameters
    except (TypeError, ValueError):
        return False


def permission_checkers(module: types.ModuleType, source: str) -> set[str]:
    """Names of the module's functions that check permissions (directly or through a
    same-module helper, or by handing over to another service that takes an actor)."""
    defs = {
        node.name: node
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    refs = {name: _referenced_names(node) for name, node in defs.items()}
    checks = set()
    for name, names in refs.items():
        direct = any(PERMISSION_WORDS.match(n) for n in names)
        delegates = any(n != name and _takes_actor(getattr(module, n, None)) for n in names) or any(
            _takes_actor(getattr(getattr(module, owner, None), n, None))
            for owner in names
            for n in names
            if isinstance(getattr(module, owner, None), types.ModuleType)
        )
        if direct or delegates:
            checks.add(name)
    changed = True
    while changed:  # through same-module helpers, however deep
        changed = False
        for name, names in refs.items():
            if name not in checks and names & checks:
                checks.add(name)
                changed = True
    return checks


def convention_problems(module: types.ModuleType, source: str) -> list[str]:
    problems = []
    checkers = permission_checkers(module, source)
    for name, func in inspect.getmembers(module, inspect.isfunction):
        if name.startswith("_") or func.__module__ != module.__name__:
            continue
        params = inspect.signature(func).parameters
        where = f"{module.__name__}.{name}"
        if "as_moderator" in params:
            problems.append(f"{where}: as_moderator is gone; trusted callers pass actor=SYSTEM")
        actor = params.get("actor")
        if actor is None:
            if name in checkers:
                problems.append(f"{where} checks permissions but takes no actor")
            continue
        if actor.kind is not inspect.Parameter.KEYWORD_ONLY:
            problems.append(f"{where}: actor must be keyword-only")
        if actor.default is not inspect.Parameter.empty:
            problems.append(f"{where}: actor must be required (no default)")
        if actor.annotation is inspect.Parameter.empty:
            problems.append(f"{where}: actor must be annotated (Actor or User)")
    return problems


def _synthetic(source: str) -> tuple[types.ModuleType, str]:
    source = textwrap.dedent(source)
    module = types.ModuleType("synthetic_services")
    exec(compile(source, "synthetic_services.py", "exec"), module.__dict__)
    return module, source


# --- the project's services ----------------------------------------------------------------


def test_every_service_module_is_found():
    names = service_module_names()
    for expected in [
        "threads.services",
        "chats.services",
        "reactions.services",
        "pins.services",
        "chatproject.accounts.services",
    ]:
        assert expected in names


@pytest.mark.parametrize("module_name", service_module_names())
def test_permission_checking_services_name_their_actor(module_name):
    module = importlib.import_module(module_name)
    source = inspect.getsource(module)
    assert convention_problems(module, source) == []


def test_the_services_known_to_check_permissions_are_detected():
    """The detector sees what a reader sees (so the walk above is not vacuous)."""
    from chats import services as chats
    from pins import services as pins
    from reactions import services as reactions
    from threads import services as threads

    found = set()
    for module in (threads, chats, reactions, pins):
        found |= {
            f"{module.__name__.split('.')[0]}.{name}"
            for name in permission_checkers(module, inspect.getsource(module))
            if not name.startswith("_")
        }
    assert {
        "threads.group_thread_create",
        "threads.thread_update",
        "threads.thread_remove",
        "threads.thread_restore",
        "threads.membership_add",
        "threads.membership_add_many",
        "threads.membership_remove",
        "chats.message_send",
        "chats.message_send_direct",
        "chats.message_edit",
        "chats.message_remove",
        "chats.message_restore",
        "reactions.reaction_add",
        "reactions.reaction_remove",
        "reactions.reaction_remove_by_name",
        "pins.pin_add",
        "pins.pin_remove",
    } <= found


# --- the detector itself ----------------------------------------------------------------------


def test_a_service_that_checks_permissions_without_an_actor_is_caught():
    module, source = _synthetic(
        """
        def can_see_thread(*, thread, user):
            return True

        def _visible(thread, user):
            return can_see_thread(thread=thread, user=user)

        def note_add(*, thread, user, text):
            if not _visible(thread, user):
                raise LookupError
        """
    )
    assert convention_problems(module, source) == [
        "synthetic_services.note_add checks permissions but takes no actor"
    ]


@pytest.mark.parametrize(
    ("signature", "problem"),
    [
        ("*, thread, actor: object = None", "actor must be required (no default)"),
        ("thread, actor: object", "actor must be keyword-only"),
        ("*, thread, actor", "actor must be annotated (Actor or User)"),
        ("*, thread, actor: object, as_moderator=False", "as_moderator is gone"),
    ],
)
def test_an_actor_that_can_be_left_out_is_caught(signature, problem):
    module, source = _synthetic(f"def note_remove({signature}):\n    pass\n")
    [found] = convention_problems(module, source)
    assert problem in found


def test_handing_over_to_a_service_with_an_actor_counts_as_checking():
    module, source = _synthetic(
        """
        def note_add(*, thread, actor: object):
            pass

        def note_add_twice(*, thread, user):
            note_add(thread=thread, actor=user)
            note_add(thread=thread, actor=user)
        """
    )
    assert convention_problems(module, source) == [
        "synthetic_services.note_add_twice checks permissions but takes no actor"
    ]


def test_leaving_out_the_actor_is_a_type_error(custom_thread):
    from threads import services

    with pytest.raises(TypeError):
        services.thread_remove(thread=custom_thread)
    assert not type(custom_thread).objects.get(pk=custom_thread.pk).is_removed


# --- SYSTEM ---------------------------------------------------------------------------------


def test_system_is_one_value_that_survives_copying():
    assert copy.deepcopy(SYSTEM) is SYSTEM
    assert pickle.loads(pickle.dumps(SYSTEM)) is SYSTEM
    assert list(SystemActor) == [SYSTEM]
    assert repr(SYSTEM) == "SYSTEM"


def test_only_system_is_system(django_user_model):
    assert is_system(SYSTEM)
    assert not is_system(None)
    assert not is_system(django_user_model(username="x"))


def test_a_user_acting_is_recorded_as_themselves(django_user_model):
    alice = django_user_model(username="alice")
    bob = django_user_model(username="bob")
    assert recorded_user(alice, None, field="author") is alice
    assert recorded_user(alice, alice, field="author") is alice
    assert recorded_user(SYSTEM, bob, field="author") is bob
    assert recorded_user(SYSTEM, None, field="author") is None
    with pytest.raises(ValueError):
        recorded_user(alice, bob, field="author")
