"""The Django admin, for administrators (superusers) only: units.access, Action.ADMINISTER.

Appraisers carry is_staff, which alone would let Django's admin in; their work (appraising,
importing) has pages of its own, and the admin edits scores, results and users past the
workflow's checks, so it is closed to everyone who may not administer."""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from units.access import Action, may


class SuperuserAuthenticationForm(AdminAuthenticationForm):
    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not may(user, Action.ADMINISTER):
            # The admin's own "not a staff account" answer, the same as for a wrong password.
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class SuperuserAdminSite(admin.AdminSite):
    login_form = SuperuserAuthenticationForm

    def has_permission(self, request):
        return may(request.user, Action.ADMINISTER)
