from django.contrib import admin

from reactions import services
from reactions.models import Reaction
from threads.admin import run_each


@admin.register(Reaction)
class ReactionAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "message", "created_at"]
    list_filter = ["name", "created_at"]
    list_select_related = ["user", "message"]
    search_fields = ["name", "user__username", "message__id"]
    autocomplete_fields = ["user", "message"]
    readonly_fields = ["id", "message", "user", "name", "created_at"]
    actions = ["remove_reactions"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Deleting must go through the service, which raises reaction.removed.
        actions.pop("delete_selected", None)
        return actions

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Remove selected reactions")
    def remove_reactions(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda r: services.reaction_remove(reaction=r, actor=request.user, as_moderator=True),
            "Removed reactions",
        )
