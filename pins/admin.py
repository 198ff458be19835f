from django.contrib import admin

from pins import services
from pins.models import Pin
from threads.admin import run_each


@admin.register(Pin)
class PinAdmin(admin.ModelAdmin):
    list_display = ["message", "thread", "pinned_by", "created_at"]
    list_select_related = ["message", "thread", "pinned_by"]
    list_filter = ["thread__kind", "created_at"]
    search_fields = ["message__text", "thread__title"]
    autocomplete_fields = ["message", "thread", "pinned_by"]
    readonly_fields = ["id", "message", "thread", "pinned_by", "created_at"]
    actions = ["unpin"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # unpinning goes through the service
        return actions

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Unpin selected messages")
    def unpin(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda p: services.pin_remove(pin=p, actor=request.user, as_moderator=True),
            "Unpinned",
        )
