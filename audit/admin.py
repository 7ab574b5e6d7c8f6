from django.contrib import admin

from audit.models import AuditEntry
from audit.services import audit_admin_delete, audit_admin_save
from reformdash.lib.admin import ReadOnlyAdminMixin


class AuditedAdminMixin:
    """A model admin whose saves and deletes, one by one or a selection at once, are written to the
    audit trail in the admin's own transaction: the one way the admins of audited models record."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_admin_save(request=request, obj=obj, form=form, change=change)

    def delete_model(self, request, obj):
        audit_admin_delete(request=request, obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit_admin_delete(request=request, obj=obj)
        super().delete_queryset(request, queryset)


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
