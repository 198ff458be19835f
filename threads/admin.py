"""Admin for workspaces, threads and the support desk. Moderation goes through services."""

from django.contrib import admin, messages

from chatproject.errors import DomainError
from threads import services
from threads.models import (
    Channel,
    Event,
    ExternalUser,
    Membership,
    Responder,
    ResponderVersion,
    Thread,
    Ticket,
    Workspace,
    WorkspaceMember,
)


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


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(WorkspaceMember)
class WorkspaceMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "role", "joined_at"]
    list_filter = ["role", "workspace"]
    list_select_related = ["user", "workspace"]
    search_fields = ["user__username", "user__display_name", "workspace__name"]
    autocomplete_fields = ["user", "workspace"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "joined_at", "last_read_at"]
    readonly_fields = ["joined_at", "last_read_at"]


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "kind",
        "workspace",
        "last_message_at",
        "is_removed",
        "created_at",
    ]
    list_filter = ["kind", "is_removed", "workspace", "channel__type"]
    list_select_related = ["workspace"]
    search_fields = ["id", "title", "project_ref", "owner__name", "owner__identifier"]
    date_hierarchy = "created_at"
    autocomplete_fields = [
        "workspace",
        "created_by",
        "channel",
        "owner",
        "responder",
        "current_responder",
        "responder_version",
        "ticket",
    ]
    readonly_fields = [
        "id",
        "kind",
        "direct_key",
        "created_at",
        "updated_at",
        "last_message_at",
        "is_removed",
        "removed_at",
        "event_seq",
    ]
    fieldsets = [
        (None, {"fields": ["id", "workspace", "kind", "title", "project_ref", "created_by"]}),
        ("Activity", {"fields": ["created_at", "updated_at", "last_message_at", "event_seq"]}),
        ("Removal", {"fields": ["is_removed", "removed_at"]}),
        (
            "Support chat",
            {
                "classes": ["collapse"],
                "fields": [
                    "channel",
                    "owner",
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

    @admin.action(description="Remove selected chats (soft)")
    def remove_chats(self, request, queryset):
        run_each(
            self, request, queryset, lambda t: services.thread_remove(thread=t), "Removed chats"
        )

    @admin.action(description="Restore selected chats")
    def restore_chats(self, request, queryset):
        run_each(
            self, request, queryset, lambda t: services.thread_restore(thread=t), "Restored chats"
        )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "thread", "role", "joined_at", "last_read_at"]
    list_filter = ["role", "thread__kind"]
    list_select_related = ["user", "thread"]
    search_fields = ["user__username", "user__display_name", "thread__title"]
    autocomplete_fields = ["user", "thread"]
    readonly_fields = ["joined_at", "last_read_at"]


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "workspace", "created_at"]
    list_filter = ["type", "workspace"]
    list_select_related = ["workspace"]
    search_fields = ["name"]
    autocomplete_fields = ["workspace"]


@admin.register(ExternalUser)
class ExternalUserAdmin(admin.ModelAdmin):
    list_display = ["__str__", "identifier", "email", "workspace", "is_blocked", "created_at"]
    list_filter = ["is_blocked", "workspace"]
    list_select_related = ["workspace"]
    search_fields = ["name", "identifier", "email"]
    autocomplete_fields = ["workspace"]
    readonly_fields = ["is_blocked"]
    actions = ["block", "unblock"]

    @admin.action(description="Block selected customers")
    def block(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda u: services.external_user_set_blocked(external_user=u, blocked=True),
            "Blocked",
        )

    @admin.action(description="Unblock selected customers")
    def unblock(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda u: services.external_user_set_blocked(external_user=u, blocked=False),
            "Unblocked",
        )


class ResponderVersionInline(admin.TabularInline):
    model = ResponderVersion
    extra = 0


@admin.register(Responder)
class ResponderAdmin(admin.ModelAdmin):
    list_display = ["name", "entity", "workspace", "created_at"]
    list_filter = ["entity", "workspace"]
    list_select_related = ["workspace"]
    search_fields = ["name"]
    autocomplete_fields = ["workspace"]
    inlines = [ResponderVersionInline]


@admin.register(ResponderVersion)
class ResponderVersionAdmin(admin.ModelAdmin):
    list_display = ["responder", "number", "created_at"]
    list_select_related = ["responder"]
    search_fields = ["responder__name"]
    autocomplete_fields = ["responder"]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "workspace", "created_at"]
    list_filter = ["status", "workspace"]
    list_select_related = ["workspace"]
    search_fields = ["id", "subject"]
    autocomplete_fields = ["workspace"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The log is append-only: moderators read it, nobody edits it."""

    list_display = ["id", "type", "thread", "seq", "user", "created_at"]
    list_filter = ["type", "thread__kind"]
    list_select_related = ["thread", "user"]
    search_fields = ["type", "thread__id", "thread__title"]
    date_hierarchy = "created_at"
    readonly_fields = ["id", "thread", "seq", "type", "payload", "user", "created_at"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
