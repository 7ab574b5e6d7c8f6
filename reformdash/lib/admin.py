"""Admin helpers shared by the apps."""


class ReadOnlyAdminMixin:
    """For rows only a service writes (dossiers from the one-stop systems, the workflow's history,
    the audit trail): an edit in the admin would skip what the service derives and records, so
    the admin may read and search them, never add, change or delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
