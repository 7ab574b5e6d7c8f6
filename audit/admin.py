from django.contrib import admin

from audit.models import AuditEntry
from reformdash.lib.admin import ReadOnlyAdminMixin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The trail is written by audit.services only: an admin may read and search it, never edit it."""

    list_display = ["at", "user", "action", "object_label", "object_id", "unit", "criterion", "source", "batch"]
    list_filter = ["action", "source", "at", "unit__kind"]
    search_fields = [
        "action",
        "object_id",
        "unit__code",
        "unit__name",
        "criterion__code",
        "user__username",
        "reason",
        "batch",
    ]
    list_select_related = ["user", "unit", "criterion"]
    date_hierarchy = "at"
