"""Admin for users and credentials. Secrets are created by the services and shown once."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from chatproject.accounts import services
from chatproject.accounts.models import AccessToken, ApiKey, User
from threads.models import WorkspaceMember


class WorkspaceMemberInline(admin.TabularInline):
    model = WorkspaceMember
    extra = 0
    autocomplete_fields = ["workspace"]
    fields = ["workspace", "role", "joined_at"]
    readonly_fields = ["joined_at"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "email", "is_staff", "is_active", "date_joined"]
    search_fields = ["username", "display_name", "email", "first_name", "last_name"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets[:1],
        ("Profile", {"fields": ["display_name", "first_name", "last_name", "email"]}),
        *DjangoUserAdmin.fieldsets[2:],
    ]
    inlines = [WorkspaceMemberInline]


class RevocableAdmin(admin.ModelAdmin):
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

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            services.token_revoke(token=token)
        self.message_user(request, f"Revoked {queryset.count()} token(s).")


@admin.register(ApiKey)
class ApiKeyAdmin(RevocableAdmin):
    list_display = ["prefix", "name", "workspace", "active", "created_at", "last_used_at"]
    list_select_related = ["workspace"]
    search_fields = ["prefix", "name", "workspace__name", "workspace__slug"]
    autocomplete_fields = ["workspace"]
    fields = ["workspace", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]

    def save_model(self, request, obj, form, change):
        key, raw = services.api_key_create(
            workspace=obj.workspace, name=obj.name, created_by=request.user
        )
        obj.pk, obj.prefix = key.pk, key.prefix
        obj._state.adding = False
        messages.warning(
            request, f"New API key (shown once, copy it now): {raw}", extra_tags="api-key"
        )

    @admin.action(description="Revoke selected API keys")
    def revoke(self, request, queryset):
        for key in queryset:
            services.api_key_revoke(key=key)
        self.message_user(request, f"Revoked {queryset.count()} API key(s).")
