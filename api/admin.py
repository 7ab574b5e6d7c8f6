from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from api.auth import SCHEME, api_token_issue, token_new
from api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Adding a token here issues it: the token is shown once, in the message after saving."""

    list_display = ["name", "user", "active", "created_at", "last_used_at"]
    list_filter = ["active"]
    search_fields = ["name", "user__username"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    # The hash is of no use to a person; the token itself is shown once, when it is issued.
    exclude = ["token_hash"]
    readonly_fields = ["created_at", "last_used_at"]
    actions = ["issue_replacement", "revoke"]

    def get_readonly_fields(self, request, obj=None):
        # A token belongs to its user for good: moving it would hand one person's key to another.
        return [*self.readonly_fields, "user"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        token = None
        if not change:
            token, obj.token_hash = token_new()
        super().save_model(request, obj, form, change)
        if token:
            self._show_token(request, obj, token)

    @admin.action(description=_("Issue a new token in place of each selected one (revokes it)"))
    def issue_replacement(self, request, queryset):
        # One new token per user and name, even when an old revoked one is selected with it.
        owners = {(old.user_id, old.name): old.user for old in queryset.select_related("user")}
        for (_user_id, name), user in sorted(owners.items()):
            api_token, token = api_token_issue(user=user, name=name, replace=True)
            self._show_token(request, api_token, token)

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = queryset.filter(active=True).update(active=False)
        self.message_user(request, _("%(count)d token(s) revoked.") % {"count": count}, messages.SUCCESS)

    def _show_token(self, request, api_token, token):
        self.message_user(
            request,
            _(
                "New API token “%(name)s” for %(user)s — copy it now, it is not shown again: %(token)s "
                "(send it as “Authorization: %(scheme)s <token>”)"
            )
            % {"name": api_token.name, "user": api_token.user, "token": token, "scheme": SCHEME},
            messages.WARNING,
        )
