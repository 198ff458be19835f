"""Admin for users and credentials. Secrets are created by the services and shown once."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from chatproject.accounts import services
from chatproject.accounts.models import AccessToken, ApiKey, SuperIdentity, User
from chatproject.actors import SYSTEM
from threads.admin import ModerationPermission, run_each
from threads.models import WorkspaceMember


class WorkspaceMemberInline(admin.TabularInline):
    """Shown for context; joining, leaving and roles are changed on the workspace members'
    page, whose actions go through the services (leaving also leaves the threads)."""

    model = WorkspaceMember
    extra = 0
    fields = ["workspace", "role", "joined_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(ModerationPermission, DjangoUserAdmin):
    list_display = ["username", "display_name", "email", "is_staff", "is_active", "date_joined"]
    search_fields = [
        "username",
        "display_name",
        "email",
        "first_name",
        "last_name",
        "=id",
        "=super_identity__id",
    ]
    # The UUID is what every API shows, so moderators can paste it into the search box.
    readonly_fields = ["id", "super_identity", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["id", "super_identity", "username", "password"]}),
        ("Profile", {"fields": ["display_name", "first_name", "last_name", "email"]}),
        *DjangoUserAdmin.fieldsets[2:],
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "username",
                    "display_name",
                    "email",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]
    inlines = [WorkspaceMemberInline]
    actions = ["deactivate", "reactivate"]

    def has_delete_permission(self, request, obj=None):
        # A user's messages, reactions and files are the chat's history: users are
        # deactivated (they can no longer sign in and their sockets close), never deleted.
        return False

    @admin.action(description="Deactivate selected users", permissions=["moderate"])
    def deactivate(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda u: services.user_set_active(user=u, active=False, actor=SYSTEM),
            "Deactivated users",
        )

    @admin.action(description="Reactivate selected users", permissions=["moderate"])
    def reactivate(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda u: services.user_set_active(user=u, active=True, actor=SYSTEM),
            "Reactivated users",
        )


class RevocableAdmin(ModerationPermission, admin.ModelAdmin):
    """Shared by tokens and keys: nothing is edited, they are revoked."""

    actions = ["revoke"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "created_at"]
    date_hierarchy = "created_at"

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(boolean=True, description="active")
    def active(self, obj):
        return obj.is_active


@admin.register(AccessToken)
class AccessTokenAdmin(RevocableAdmin):
    list_display = ["prefix", "user", "kind", "thread", "active", "created_at", "last_used_at"]
    list_filter = ["kind", *RevocableAdmin.list_filter]
    list_select_related = ["user", "thread"]
    search_fields = ["prefix", "name", "user__username", "user__email"]
    autocomplete_fields = ["user", "thread"]
    fields = [
        "user",
        "kind",
        "thread",
        "name",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = ["kind", "prefix", "created_at", "last_used_at", "revoked_at"]

    def has_add_permission(self, request):
        # Users get tokens through POST /token or a session join; a moderator never needs to
        # hold someone else's secret.
        return False

    @admin.action(description="Revoke selected tokens", permissions=["moderate"])
    def revoke(self, request, queryset):
        live = list(queryset.filter(revoked_at__isnull=True))
        for token in live:
            services.token_revoke(token=token)
        self.message_user(request, f"Revoked {len(live)} token(s).")


@admin.register(ApiKey)
class ApiKeyAdmin(RevocableAdmin):
    list_display = ["prefix", "name", "workspace", "active", "created_at", "last_used_at"]
    list_select_related = ["workspace"]
    search_fields = ["prefix", "name", "workspace__name", "workspace__slug"]
    autocomplete_fields = ["workspace"]
    fields = ["workspace", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]

    def save_model(self, request, obj, form, change):
        # Only reachable on add (keys are never changed): the service makes the secret and
        # stores its digest; the admin then logs and redirects using the created row.
        key, raw = services.api_key_create(
            workspace=obj.workspace, name=obj.name, created_by=request.user
        )
        for field in ApiKey._meta.concrete_fields:
            setattr(obj, field.attname, getattr(key, field.attname))
        obj._state.adding = False
        messages.warning(
            request, f"New API key (shown once, copy it now): {raw}", extra_tags="api-key"
        )

    @admin.action(description="Revoke selected API keys", permissions=["moderate"])
    def revoke(self, request, queryset):
        live = list(queryset.filter(revoked_at__isnull=True))
        for key in live:
            services.api_key_revoke(key=key)
        self.message_user(request, f"Revoked {len(live)} API key(s).")


@admin.register(SuperIdentity)
class SuperIdentityAdmin(admin.ModelAdmin):
    """The shared id space of owners and responders (Support API ``ownerId``/``responderId``):
    paste an id to see whom it names. Rows come and go with their user, customer or
    responder, so nothing is edited here."""

    list_display = ["id", "kind", "holder", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["user", "external_user", "responder"]
    search_fields = ["=id"]
    fields = ["id", "kind", "holder", "created_at"]
    readonly_fields = fields
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="user, customer or responder")
    def holder(self, obj):
        for name in ("user", "external_user", "responder"):
            holder = getattr(obj, name, None)
            if holder is not None:
                return holder
        return "-"
