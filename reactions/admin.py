"""Admin for reactions: moderators see who reacted and remove reactions through the
service, which announces ``reaction.removed``."""

from django.contrib import admin

from chatproject.actors import SYSTEM
from reactions import services
from reactions.models import THUMBS_DOWN, THUMBS_UP, Reaction
from threads.admin import ViewOnlyAdmin, run_each


class ReactionNameFilter(admin.SimpleListFilter):
    """The canonical likes and dislikes, or anything else; listing every distinct shortcode
    would scan the whole table on each page load."""

    title = "reaction"
    parameter_name = "reaction"

    def lookups(self, request, model_admin):
        return [("up", THUMBS_UP), ("down", THUMBS_DOWN), ("other", "other")]

    def queryset(self, request, queryset):
        if self.value() == "up":
            return queryset.filter(name=THUMBS_UP)
        if self.value() == "down":
            return queryset.filter(name=THUMBS_DOWN)
        if self.value() == "other":
            return queryset.exclude(name__in=[THUMBS_UP, THUMBS_DOWN])
        return queryset


@admin.register(Reaction)
class ReactionAdmin(ViewOnlyAdmin):
    list_display = ["name", "user", "message", "created_at"]
    list_filter = [ReactionNameFilter, "message__thread__kind", "created_at"]
    list_select_related = ["user", "message"]
    search_fields = ["name", "user__username", "user__display_name", "=message__id"]
    date_hierarchy = "created_at"
    fields = ["id", "message", "user", "name", "created_at"]
    readonly_fields = fields
    actions = ["remove_reactions"]

    @admin.action(description="Remove selected reactions", permissions=["moderate"])
    def remove_reactions(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda r: services.reaction_remove(reaction=r, actor=SYSTEM),
            "Removed reactions",
        )
