"""Admin for pins: unpinning goes through the service, which announces ``pin.removed``.
Pinning is an action on the message changelist."""

from django.contrib import admin

from chatproject.actors import SYSTEM
from pins import services
from pins.models import Pin
from threads.admin import ViewOnlyAdmin, run_each


@admin.register(Pin)
class PinAdmin(ViewOnlyAdmin):
    list_display = ["message", "thread", "pinned_by", "created_at"]
    list_select_related = ["message", "thread", "pinned_by"]
    list_filter = ["thread__kind", "created_at"]
    search_fields = ["message__text", "thread__title", "=thread__id"]
    date_hierarchy = "created_at"
    fields = ["id", "message", "thread", "pinned_by", "created_at"]
    readonly_fields = fields
    actions = ["unpin"]

    @admin.action(description="Unpin selected messages", permissions=["moderate"])
    def unpin(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda p: services.pin_remove(pin=p, actor=SYSTEM),
            "Unpinned",
        )
