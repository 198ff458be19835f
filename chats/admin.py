"""Admin for messages: moderators see removed messages too, and remove, restore and pin
through the services, so every moderation raises the same events as the APIs."""

from django.contrib import admin

from chatproject.actors import SYSTEM
from chats import services
from chats.models import Attachment, Message
from pins import services as pin_services
from pins.models import Pin
from reactions.models import Reaction
from threads.admin import INLINE_ROW_CAP, ReadOnlyInline, ViewOnlyAdmin, changelist_link, run_each


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["name", "content_type", "size", "width", "height", "file"]


class ReactionInline(ReadOnlyInline):
    model = Reaction
    fields = ["name", "user", "created_at"]
    ordering = ["name", "created_at"]
    related = ["user"]
    verbose_name_plural = f"reactions (first {INLINE_ROW_CAP})"


@admin.register(Message)
class MessageAdmin(ViewOnlyAdmin):
    list_display = [
        "short_text",
        "author_name",
        "role",
        "thread",
        "created_at",
        "is_removed",
        "pinned",
    ]
    list_filter = ["is_removed", "role", "thread__kind", "created_at"]
    list_select_related = ["author", "author_external", "thread", "pin"]
    search_fields = [
        "text",
        "=id",
        "author__username",
        "author__display_name",
        "author_external__name",
        "author_external__identifier",
    ]
    date_hierarchy = "created_at"
    # Moderators remove and restore; they do not rewrite what people said.
    fields = [
        "id",
        "thread",
        "author",
        "author_external",
        "role",
        "text",
        "reply_to",
        "created_at",
        "edited_at",
        "is_removed",
        "removed_at",
        "removed_by",
        "client_id",
        "reaction_list",
    ]
    readonly_fields = fields
    inlines = [AttachmentInline, ReactionInline]
    actions = ["remove_messages", "restore_messages", "pin_messages", "unpin_messages"]
    show_full_result_count = False

    @admin.display(description="text")
    def short_text(self, obj):
        return obj.text[:80] or "(attachment)"

    @admin.display(description="author", ordering="author__username")
    def author_name(self, obj):
        # Support chats are written by customers (external users) as well as by users.
        return obj.author or obj.author_external or "-"

    @admin.display(description="reactions")
    def reaction_list(self, obj):
        return changelist_link(
            "reactions_reaction",
            count=obj.reactions.count(),
            noun="reactions",
            message__id__exact=obj.pk,
        )

    @admin.display(boolean=True)
    def pinned(self, obj):
        try:
            return obj.pin is not None
        except Pin.DoesNotExist:
            return False

    @admin.action(description="Remove selected messages", permissions=["moderate"])
    def remove_messages(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda m: services.message_remove(message=m, actor=SYSTEM, removed_by=request.user),
            "Removed messages",
        )

    @admin.action(description="Restore selected messages", permissions=["moderate"])
    def restore_messages(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda m: services.message_restore(message=m, actor=SYSTEM),
            "Restored messages",
        )

    @admin.action(description="Pin selected messages", permissions=["moderate"])
    def pin_messages(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda m: pin_services.pin_add(message=m, actor=SYSTEM, pinned_by=request.user),
            "Pinned messages",
        )

    @admin.action(description="Unpin selected messages", permissions=["moderate"])
    def unpin_messages(self, request, queryset):
        pins = Pin.objects.filter(message__in=queryset)
        run_each(
            self,
            request,
            pins,
            lambda p: pin_services.pin_remove(pin=p, actor=SYSTEM),
            "Unpinned messages",
        )


@admin.register(Attachment)
class AttachmentAdmin(ViewOnlyAdmin):
    """Read-only: files arrive through ``attachment_create`` and leave with their message."""

    list_display = ["name", "content_type", "size", "uploaded_by", "message", "created_at"]
    list_filter = ["content_type", "created_at"]
    list_select_related = ["uploaded_by", "message"]
    search_fields = ["name", "=id", "uploaded_by__username"]
    date_hierarchy = "created_at"
    fields = [
        "id",
        "message",
        "uploaded_by",
        "file",
        "name",
        "content_type",
        "size",
        "width",
        "height",
        "created_at",
    ]
    readonly_fields = fields
