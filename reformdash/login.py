"""The login page, saying which count is used up when a login is locked out (reformdash.lib.lockout)."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from reformdash.lib.client import client_address
from reformdash.lib.lockout import Lock, login_lock


class LoginForm(AuthenticationForm):
    locked = False

    error_messages = {
        **AuthenticationForm.error_messages,
        Lock.PAIR: _(
            "Too many failed logins with this user name from your address. Try again in at most %(minutes)d minutes."
        ),
        Lock.ADDRESS: _(
            "Too many failed logins from your address, whatever the user name. "
            "Try again in at most %(minutes)d minutes."
        ),
        Lock.ACCOUNT: _(
            "Too many failed logins with this user name, from several addresses: it is locked for everyone for now. "
            "Try again in at most %(minutes)d minutes, or ask an administrator."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        # Checked before the password is: a locked login gets this answer whatever it sends, so a
        # guess made while locked out cannot be told right or wrong.
        if username is not None and self.request is not None:
            lock = login_lock(username=username, address=client_address(self.request))
            if lock is not None:
                self.locked = True
                raise ValidationError(
                    self.error_messages[lock],
                    code=f"locked_{lock}",
                    params={"minutes": max(1, settings.LOGIN_FAILURE_WINDOW // 60)},
                )
        return super().clean()


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if getattr(form, "locked", False):
            response.status_code = 429
        return response
