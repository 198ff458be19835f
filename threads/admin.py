"""Admin for workspaces, threads and the support desk. Moderation goes through services.

Anything a subscriber may see (threads, memberships, messages, pins, reactions, a customer's
block) changes only through the services, so the admin raises the same events as the APIs.
Plain configuration (workspaces, channels, responders, tickets) is edited as ordinary rows.
"""

import json

from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html

from chatproject.actors import SYSTEM
from chatproject.errors import DomainError
from threads import services
from threads.models import (
    Channel,
    Event,
    ExternalUser,
    Membership,
    Responder,
    ResponderVersion,
    SessionRemoval,
    Thread,
    Ticket,
    Workspace,
    WorkspaceMember,
)


class ModerationPermission:
    """Moderation actions declare ``permissions=["moderate"]``: the model's custom
    ``moderate_<model>`` permission (no model permission fits "remove this message" on a
    read-only table). The "Moderators" group holds exactly these and the view permissions
    (``accounts/migrations/0004_moderators_group.py``)."""

    def has_moderate_permission(self, request) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.moderate_{opts.model_name}")


class ViewOnlyAdmin(ModerationPermission, admin.ModelAdmin):
    """Rows moderators read and act on through actions (services); no form writes them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def run_each(modeladmin, request, queryset, action, done: str) -> None:
    """Apply a service to each selected row; a rule it breaks becomes a message, not a 500."""
    succeeded = 0
    for obj in queryset:
        try:
            action(obj)
        except DomainError as error:
            modeladmin.message_user(request, f"{obj}: {error.detail}", messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, f"{done}: {succeeded}.")


# A webinar has thousands of members and a popular message thousands of reactions: an
# inline shows the first rows and links to the paged changelist for the rest.
INLINE_ROW_CAP = 50


class CappedInlineFormSet(BaseInlineFormSet):
    def get_queryset(self):
        if not hasattr(self, "_capped_queryset"):
            self._capped_queryset = super().get_queryset()[:INLINE_ROW_CAP]
        return self._capped_queryset


class ReadOnlyInline(admin.TabularInline):
    """Rows shown for context; changing them is a service's job, not the parent form's."""

    formset = CappedInlineFormSet
    extra = 0
    can_delete = False
    show_change_link = True
    related = ()  # select_related for the read-only foreign keys shown per row

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.related)

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class WorkspaceFixedAdmin(admin.ModelAdmin):
    """Support chats point at channels, customers, responders and tickets of their own
    workspace (``support_chat_create`` checks it); moving one to another workspace later
    would break that, so the workspace is chosen once."""

    autocomplete_fields = ["workspace"]
    list_select_related = ["workspace"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "workspace"] if obj is not None else fields


def changelist_link(model_label: str, *, count: int, noun: str, **filters) -> str:
    """``"<count> <noun> — list them"`` linking to a filtered changelist."""
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    url = f"{reverse(f'admin:{model_label}_changelist')}?{query}"
    return format_html('{} {} — <a href="{}">list them</a>', count, noun, url)


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "default_responder", "created_at"]
    list_select_related = ["default_responder"]
    search_fields = ["name", "slug", "=id"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["default_responder"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Every workspace has a default responder (support chats fall back to it).
        services.workspace_default_responder(workspace=obj)


@admin.register(WorkspaceMember)
class WorkspaceMemberAdmin(admin.ModelAdmin):
    """Joining, role changes and leaving go through the services: leaving a workspace also
    leaves its threads (with events), and a role change reaches open sockets at once."""

    list_display = ["user", "workspace", "role", "joined_at"]
    list_filter = ["role", "workspace"]
    list_select_related = ["user", "workspace"]
    search_fields = ["user__username", "user__display_name", "workspace__name"]
    autocomplete_fields = ["user", "workspace"]

    def get_readonly_fields(self, request, obj=None):
        # Who and where are fixed once made; only the role changes.
        return ["user", "workspace"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            services.workspace_member_set_role(
                workspace=obj.workspace, user=obj.user, role=obj.role, actor=SYSTEM
            )
        else:
            member = services.workspace_member_add(
                workspace=obj.workspace, user=obj.user, role=obj.role
            )
            obj.pk = member.pk
            obj._state.adding = False

    def delete_model(self, request, obj):
        services.workspace_member_remove(workspace=obj.workspace, user=obj.user, actor=SYSTEM)

    def delete_queryset(self, request, queryset):
        for member in queryset.select_related("workspace", "user"):
            self.delete_model(request, member)


class MembershipInline(ReadOnlyInline):
    model = Membership
    fields = ["user", "role", "joined_at", "last_read_at"]
    ordering = ["role", "joined_at"]  # admin, host, member: moderators first
    related = ["user"]
    verbose_name_plural = f"memberships (first {INLINE_ROW_CAP})"


@admin.register(Thread)
class ThreadAdmin(ModerationPermission, admin.ModelAdmin):
    list_display = [
        "__str__",
        "kind",
        "workspace",
        "owner",
        "last_message_at",
        "is_removed",
        "created_at",
    ]
    list_filter = ["kind", "is_removed", "workspace", "channel__type"]
    list_select_related = ["workspace", "owner", "owner_user"]
    search_fields = [
        "id",
        "title",
        "project_ref",
        "owner__name",
        "owner__identifier",
        "owner_user__username",
    ]
    date_hierarchy = "created_at"
    # Only the title is edited here, through ``thread_update``; the rest is fixed at creation
    # by the service of each kind (moving a thread between workspaces would break scoping).
    readonly_fields = [
        "id",
        "workspace",
        "kind",
        "project_ref",
        "direct_key",
        "created_by",
        "created_at",
        "updated_at",
        "last_message_at",
        "is_removed",
        "removed_at",
        "event_seq",
        "channel",
        "owner",
        "owner_user",
        "responder",
        "current_responder",
        "responder_version",
        "ticket",
        "member_list",
        "message_list",
        "event_list",
    ]
    fieldsets = [
        (None, {"fields": ["id", "workspace", "kind", "title", "project_ref", "created_by"]}),
        ("Contents", {"fields": ["member_list", "message_list", "event_list"]}),
        ("Activity", {"fields": ["created_at", "updated_at", "last_message_at", "event_seq"]}),
        ("Removal", {"fields": ["is_removed", "removed_at"]}),
        (
            "Support chat",
            {
                "classes": ["collapse"],
                "fields": [
                    "channel",
                    "owner",
                    "owner_user",
                    "responder",
                    "current_responder",
                    "responder_version",
                    "ticket",
                ],
            },
        ),
    ]
    inlines = [MembershipInline]
    actions = ["remove_chats", "restore_chats"]

    def has_add_permission(self, request):
        # Threads are made by their surfaces' services (each kind has its own rules).
        return False

    def has_delete_permission(self, request, obj=None):
        # Removal is soft and goes through the service (and raises its event).
        return False

    def save_model(self, request, obj, form, change):
        if "title" in form.changed_data:
            services.thread_update(thread=obj, actor=SYSTEM, title=form.cleaned_data["title"])

    @admin.display(description="members")
    def member_list(self, obj):
        return changelist_link(
            "threads_membership",
            count=obj.memberships.count(),
            noun="members",
            thread__id__exact=obj.pk,
        )

    @admin.display(description="messages")
    def message_list(self, obj):
        return changelist_link(
            "chats_message",
            count=obj.messages.count(),
            noun="messages (removed ones included)",
            thread__id__exact=obj.pk,
        )

    @admin.display(description="events")
    def event_list(self, obj):
        return changelist_link(
            "threads_event", count=obj.event_seq, noun="events", thread__id__exact=obj.pk
        )

    @admin.action(description="Remove selected chats (soft)", permissions=["moderate"])
    def remove_chats(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda t: services.thread_remove(thread=t, actor=SYSTEM),
            "Removed chats",
        )

    @admin.action(description="Restore selected chats", permissions=["moderate"])
    def restore_chats(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda t: services.thread_restore(thread=t, actor=SYSTEM),
            "Restored chats",
        )


@admin.register(Membership)
class MembershipAdmin(ViewOnlyAdmin):
    """Read-only rows; members leave through ``membership_remove`` so everyone hears of it."""

    list_display = ["user", "thread", "role", "joined_at", "last_read_at"]
    list_filter = ["role", "thread__kind"]
    list_select_related = ["user", "thread"]
    search_fields = ["user__username", "user__display_name", "thread__id", "thread__title"]
    readonly_fields = ["thread", "user", "role", "joined_at", "last_read_at"]
    actions = ["remove_members"]

    @admin.action(
        description="Remove selected members from their threads", permissions=["moderate"]
    )
    def remove_members(self, request, queryset):
        run_each(
            self,
            request,
            queryset.select_related("thread", "user"),
            lambda m: services.membership_remove(thread=m.thread, user=m.user, actor=SYSTEM),
            "Removed members",
        )


@admin.register(SessionRemoval)
class SessionRemovalAdmin(ViewOnlyAdmin):
    """Members a host removed from a session; they cannot rejoin until let back in."""

    list_display = ["user", "thread", "removed_by", "created_at"]
    list_select_related = ["user", "thread", "removed_by"]
    search_fields = ["user__username", "=thread__id", "thread__title"]
    fields = ["thread", "user", "removed_by", "created_at"]
    readonly_fields = fields
    actions = ["let_rejoin"]

    @admin.action(description="Let selected members rejoin", permissions=["moderate"])
    def let_rejoin(self, request, queryset):
        run_each(
            self,
            request,
            queryset.select_related("thread", "user"),
            lambda r: services.session_removal_lift(thread=r.thread, user=r.user, actor=SYSTEM),
            "May rejoin",
        )


@admin.register(Channel)
class ChannelAdmin(WorkspaceFixedAdmin):
    list_display = ["name", "type", "workspace", "responder", "created_at"]
    list_filter = ["type", "workspace"]
    list_select_related = ["workspace", "responder"]
    search_fields = ["id", "name"]
    autocomplete_fields = ["workspace", "responder"]


@admin.register(ExternalUser)
class ExternalUserAdmin(ModerationPermission, WorkspaceFixedAdmin):
    list_display = ["__str__", "identifier", "email", "workspace", "is_blocked", "created_at"]
    list_filter = ["is_blocked", "workspace"]
    search_fields = ["id", "name", "identifier", "email", "=super_identity__id"]
    # Blocking is an action (through the service), not a checkbox.
    readonly_fields = ["super_identity", "is_blocked", "created_at"]
    actions = ["block", "unblock"]

    @admin.action(description="Block selected customers", permissions=["moderate"])
    def block(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda u: services.external_user_set_blocked(
                external_user=u, blocked=True, actor=SYSTEM
            ),
            "Blocked",
        )

    @admin.action(description="Unblock selected customers", permissions=["moderate"])
    def unblock(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda u: services.external_user_set_blocked(
                external_user=u, blocked=False, actor=SYSTEM
            ),
            "Unblocked",
        )


class ResponderVersionInline(admin.TabularInline):
    model = ResponderVersion
    extra = 0


@admin.register(Responder)
class ResponderAdmin(WorkspaceFixedAdmin):
    list_display = ["name", "entity", "workspace", "created_at"]
    list_filter = ["entity", "workspace"]
    search_fields = ["id", "name", "=super_identity__id"]
    readonly_fields = ["super_identity"]
    inlines = [ResponderVersionInline]


@admin.register(ResponderVersion)
class ResponderVersionAdmin(admin.ModelAdmin):
    list_display = ["responder", "number", "created_at"]
    list_select_related = ["responder"]
    search_fields = ["id", "responder__name"]
    autocomplete_fields = ["responder"]


@admin.register(Ticket)
class TicketAdmin(WorkspaceFixedAdmin):
    list_display = ["__str__", "status", "workspace", "created_at", "updated_at"]
    list_filter = ["status", "workspace"]
    search_fields = ["id", "subject"]


class EventSubjectFilter(admin.SimpleListFilter):
    """By what changed (``message.*``, ``pin.*``...): a fixed list, because offering every
    distinct ``type`` would scan the whole log on each page load."""

    title = "subject"
    parameter_name = "subject"

    def lookups(self, request, model_admin):
        return [
            ("message", "messages"),
            ("reaction", "reactions"),
            ("pin", "pins"),
            ("thread", "threads"),
            ("member", "members"),
            ("read", "read marks"),
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(type__startswith=f"{self.value()}.")
        return queryset


@admin.register(Event)
class EventAdmin(ViewOnlyAdmin):
    """The log is append-only: moderators read it, nobody edits it."""

    list_display = ["id", "type", "thread", "seq", "user", "created_at"]
    list_filter = [EventSubjectFilter, "thread__kind", "created_at"]
    list_select_related = ["thread", "user"]
    search_fields = ["type", "=thread__id", "thread__title"]
    date_hierarchy = "created_at"
    fields = ["id", "thread", "seq", "type", "user", "created_at", "payload_json"]
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description="payload")
    def payload_json(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, sort_keys=True))
