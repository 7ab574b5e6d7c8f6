"""The Django admin, for administrators (superusers) only: units.access, Action.ADMINISTER.

Appraisers carry is_staff, which alone would let Django's admin in; their work (appraising,
importing) has pages of its own, and the admin edits scores, results and users past the
workflow's checks, so it is closed to everyone who may not administer."""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import FieldDoesNotExist, ValidationError

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


class CheckedInitialMixin:
    """An "add" page's initial values from its query string (`?unit=3`) kept only when the field
    can hold them. Django's autocomplete widget looks an initial relation up as given, so
    `?unit=abc` or `?unit=99999999999999999999` was a 500 (a ValueError, a database overflow)."""

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        return {name: value for name, value in initial.items() if self._holds(name, value)}

    def _holds(self, name, value):
        try:
            field = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return True  # a form-only field: the form checks it
        target = field.target_field if field.is_relation else field
        values = value if isinstance(value, list) else [value]
        try:
            for one in values:
                target.run_validators(target.to_python(one))
        except (ValidationError, ValueError, TypeError, OverflowError):
            return False
        return True


class SuperuserAdminSite(admin.AdminSite):
    login_form = SuperuserAuthenticationForm

    def register(self, model_or_iterable, admin_class=None, **options):
        # Every model admin of every app gets the check, without each app having to remember it.
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, CheckedInitialMixin):
            admin_class = type(admin_class.__name__, (CheckedInitialMixin, admin_class), {})
        super().register(model_or_iterable, admin_class, **options)

    def has_permission(self, request):
        return may(request.user, Action.ADMINISTER)
