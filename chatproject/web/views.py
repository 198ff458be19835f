"""Server-rendered pages. They read through selectors and write through services only.

A page renders its first state (sidebar, latest messages as JSON for the script, the id
of the last event so the socket resumes exactly there); the ES modules in ``static/js``
keep it live. Anything the user may not see answers 404.
"""

from django.contrib import messages as flash
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chatproject import health, outage
from chatproject.accounts import services as account_services
from chatproject.accounts import throttle
from chatproject.accounts.views import ThrottledPasswordChangeForm, answer_throttled
from chatproject.errors import DomainError, NotFound, PermissionDenied
from chatproject.web import present
from chatproject.web import selectors as web_selectors
from chats.services import message_max_length
from threads import selectors as thread_selectors
from threads import services as thread_services
from threads.models import Channel, Thread

CHAT_KINDS = (Thread.Kind.DIRECT, Thread.Kind.GROUP, Thread.Kind.CUSTOM)


def _or_404(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except NotFound:
        raise Http404 from None


def _live_context(request) -> dict:
    return {"last_event_id": web_selectors.last_event_id()}


@login_required
@require_GET
def home(request):
    return render(
        request,
        "chat/home.html",
        {"threads": web_selectors.sidebar_threads(user=request.user), **_live_context(request)},
    )


def _thread_context(request, thread: Thread, *, sort: str = web_selectors.SORT_NEWEST) -> dict:
    if sort == web_selectors.SORT_NEWEST:
        page, has_more = web_selectors.message_page(thread_id=thread.pk)
    else:
        page, has_more = web_selectors.session_message_page(thread_id=thread.pk, sort=sort)
    membership = thread.viewer_membership
    return {
        "thread": thread,
        "initial": {
            "thread": str(thread.pk),
            "kind": thread.kind,
            "me": str(request.user.pk),
            "moderator": bool(membership and membership.is_moderator),
            "messages": present.messages(page),
            "has_more": has_more,
            "sort": sort,
            "max_length": message_max_length(thread),
        },
        "max_length": message_max_length(thread),
        **_live_context(request),
    }


@login_required
@require_GET
def thread(request, thread_id):
    thread = _or_404(
        web_selectors.thread_for_page,
        user=request.user,
        thread_id=thread_id,
        kinds=(*CHAT_KINDS, Thread.Kind.SESSION),
    )
    if thread.kind == Thread.Kind.SESSION:
        return redirect("session-room", thread_id=thread.pk)
    context = _thread_context(request, thread)
    context["threads"] = web_selectors.sidebar_threads(user=request.user)
    context["can_manage_members"] = thread.kind != Thread.Kind.DIRECT
    return render(request, "chat/thread.html", context)


@login_required
@require_GET
def sidebar(request):
    """The sidebar's list alone: the script swaps it in when something changes live."""
    return render(
        request,
        "chat/_sidebar_list.html",
        {"threads": web_selectors.sidebar_threads(user=request.user), "current": None},
    )


# --- new conversations and members --------------------------------------------------------


@login_required
@require_GET
def people(request):
    return render(
        request,
        "chat/people.html",
        {"people": list(web_selectors.people(user=request.user)[:500])},
    )


@login_required
@require_POST
def direct_start(request, user_id):
    other = web_selectors.people(user=request.user).filter(pk=user_id).first()
    workspace = other and thread_selectors.shared_workspace(user=request.user, others=[other])
    if other is None or workspace is None:
        raise Http404
    thread, _ = thread_services.direct_thread_get_or_create(
        workspace=workspace, user=request.user, other=other
    )
    return redirect("thread", thread_id=thread.pk)


@login_required
@require_POST
def group_create(request):
    ids = request.POST.getlist("members")
    members = list(web_selectors.people(user=request.user).filter(pk__in=_uuids(ids)))
    workspace = thread_selectors.chat_workspace(user=request.user, others=members)
    error = None
    if workspace is None:
        raise Http404
    if not members or len(members) != len(set(ids)):
        error = "Choose at least one person."
    else:
        try:
            thread = thread_services.custom_thread_create(
                workspace=workspace,
                creator=request.user,
                title=request.POST.get("name", ""),
                members=members,
            )
        except DomainError as exc:
            error = exc.detail
        else:
            return redirect("thread", thread_id=thread.pk)
    return render(
        request,
        "chat/people.html",
        {
            "people": list(web_selectors.people(user=request.user)[:500]),
            "group_error": error,
            "group_name": request.POST.get("name", ""),
            "chosen": set(ids),
        },
        status=400,
    )


def _uuids(values) -> list:
    import uuid

    out = []
    for value in values:
        try:
            out.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return out


@login_required
@require_http_methods(["GET", "POST"])
def members(request, thread_id):
    thread = _or_404(
        web_selectors.thread_for_page,
        user=request.user,
        thread_id=thread_id,
        kinds=(Thread.Kind.GROUP, Thread.Kind.CUSTOM),
    )
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        target_ids = _uuids([request.POST.get("user", "")])
        target = (
            thread_selectors.people_for_user(user=request.user).filter(pk=target_ids[0]).first()
            if target_ids
            else None
        )
        if target is None:
            error = "Choose a person."
        else:
            try:
                if action == "add":
                    thread_services.membership_add(thread=thread, user=target, actor=request.user)
                elif action == "remove":
                    thread_services.membership_remove(
                        thread=thread, user=target, actor=request.user
                    )
                else:
                    error = "Unknown action."
            except NotFound:
                if target.pk == request.user.pk:
                    return redirect("home")
                error = "Not a member of this thread."
            except DomainError as exc:
                error = exc.detail
            if error is None:
                if action == "remove" and target.pk == request.user.pk:
                    return redirect("home")
                flash.success(request, "Members updated.")
                return redirect("thread-members", thread_id=thread.pk)
        thread = web_selectors.thread_for_page(
            user=request.user, thread_id=thread.pk, kinds=(Thread.Kind.GROUP, Thread.Kind.CUSTOM)
        )
    member_ids = {m.user_id for m in thread.member_list}
    membership = thread.viewer_membership
    return render(
        request,
        "chat/members.html",
        {
            "thread": thread,
            "candidates": [
                p for p in web_selectors.people(user=request.user)[:500] if p.pk not in member_ids
            ],
            "can_add": thread.kind == Thread.Kind.CUSTOM
            or bool(membership and membership.is_moderator),
            "moderator": bool(membership and membership.is_moderator),
            "error": error,
        },
        status=400 if error else 200,
    )


# --- session room ---------------------------------------------------------------------


@login_required
@require_GET
def session_room(request, thread_id):
    try:
        thread = web_selectors.thread_for_page(
            user=request.user, thread_id=thread_id, kinds=(Thread.Kind.SESSION,)
        )
    except NotFound:
        # Someone of the session's workspace who has not joined yet may join, like
        # opening a meeting link; everyone else gets a 404.
        session = _or_404(
            thread_selectors.session_joinable_by, user=request.user, thread_id=thread_id
        )
        return render(request, "chat/session_join.html", {"session": session})
    sort = request.GET.get("sort", web_selectors.SORT_NEWEST)
    if sort not in web_selectors.SESSION_SORTS:
        sort = web_selectors.SORT_NEWEST
    context = _thread_context(request, thread, sort=sort)
    context["sorts"] = web_selectors.SESSION_SORTS
    context["sort"] = sort
    return render(request, "chat/session.html", context)


@login_required
@require_POST
def session_join(request, thread_id):
    session = _or_404(thread_selectors.session_joinable_by, user=request.user, thread_id=thread_id)
    try:
        thread_services.session_join(thread=session, actor=request.user)
    except PermissionDenied as exc:
        # Removed by a host: they see the session (403, as ``/v1/sessions/{id}/join``
        # answers), told why, instead of a server error.
        return render(
            request, "chat/session_join.html", {"session": session, "error": exc.detail}, status=403
        )
    return redirect("session-room", thread_id=session.pk)


# --- support inbox ----------------------------------------------------------------------


def _require_support_staff(request) -> None:
    if not web_selectors.support_workspace_ids(user=request.user):
        raise Http404


@login_required
@require_GET
def support_inbox(request):
    _require_support_staff(request)
    channel_type = request.GET.get("channel", "")
    status = request.GET.get("status", "")
    if channel_type not in Channel.Type.values:
        channel_type = ""
    if status not in dict(web_selectors.TICKET_STATUSES):
        status = ""
    context = {
        "chats": web_selectors.support_chats(
            user=request.user, channel_type=channel_type, status=status
        ),
        "channel_types": Channel.Type.choices,
        "statuses": web_selectors.TICKET_STATUSES,
        "channel": channel_type,
        "status": status,
        **_live_context(request),
    }
    template = "support/_list.html" if request.GET.get("fragment") else "support/inbox.html"
    return render(request, template, context)


@login_required
@require_GET
def support_chat(request, thread_id):
    _require_support_staff(request)
    thread = _or_404(web_selectors.support_chat, user=request.user, thread_id=thread_id)
    context = _thread_context(request, thread)
    context["initial"]["moderator"] = True
    context["initial"]["agent"] = True
    context["statuses"] = web_selectors.TICKET_STATUSES
    return render(request, "support/chat.html", context)


# --- profile ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    client = throttle.client_of(request)
    password_form = ThrottledPasswordChangeForm(request.user, client=client)
    name_error = None
    status = 200
    if request.method == "POST":
        if request.POST.get("form") == "password":
            password_form = ThrottledPasswordChangeForm(request.user, request.POST, client=client)
            if password_form.is_valid():
                account_services.password_change(
                    user=request.user, new_password=password_form.cleaned_data["new_password1"]
                )
                update_session_auth_hash(request, request.user)
                flash.success(request, "Password changed.")
                return redirect("profile")
            status = 400
        else:
            try:
                account_services.profile_update(
                    user=request.user, display_name=request.POST.get("display_name", "")
                )
            except DomainError as exc:
                name_error = exc.detail
                status = 400
            else:
                flash.success(request, "Profile saved.")
                return redirect("profile")
    response = render(
        request,
        "accounts/profile.html",
        {"password_form": password_form, "name_error": name_error},
        status=status,
    )
    return answer_throttled(response, password_form)


@require_GET
def healthz(request):
    """200 when the database and the channel layer both answer; 503 (``Retry-After``) if not."""
    database = health.database_state()
    layer = health.channel_layer_state()
    up = database == health.UP and layer == health.UP
    return JsonResponse(
        {
            "status": "ok" if up else "unavailable",
            "database": {"state": database, "vendor": connection.vendor},
            "channel_layer": {"state": layer, "backend": health.channel_layer_backend()},
        },
        status=200 if up else 503,
        headers=None if up else {"Retry-After": str(outage.retry_after_s())},
    )


def thread_url(thread: Thread) -> str:
    if thread.kind == Thread.Kind.SESSION:
        return reverse("session-room", args=[thread.pk])
    if thread.kind == Thread.Kind.SUPPORT:
        return reverse("support-chat", args=[thread.pk])
    return reverse("thread", args=[thread.pk])
