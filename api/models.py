from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A personal token a user's programs read the JSON API with; only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for, e.g. “monthly report”."))
    # SHA-256 of the token: the token itself is shown once, when it is issued, and never stored.
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    active = models.BooleanField(_("active"), default=True, help_text=_("Untick to revoke the token."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["user", "name", "-created_at"]
        constraints = [
            # Revoked tokens keep their name, so that the admin shows which one was replaced.
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=Q(active=True),
                name="apitoken_unique_active_name",
                violation_error_code="duplicate_name",
                violation_error_message=_("This user already has an active token with this name."),
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.name}"
