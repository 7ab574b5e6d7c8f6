"""What a user chose for himself, remembered across visits: the columns and page size of each table."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TablePreference(models.Model):
    """The optional columns a user hides in one table and the page size he reads it at."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="table_preferences", verbose_name=_("user")
    )
    # The table's layout_key (reformdash.lib.tables.LAYOUT_TABLES): "rankings", "dossier-ranking", …
    table = models.CharField(_("table"), max_length=40)
    # The columns hidden, not those shown: a column a table gains later is shown until he hides it.
    hidden_columns = models.JSONField(_("hidden columns"), default=list, blank=True)
    per_page = models.PositiveSmallIntegerField(_("rows per page"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("table preference")
        verbose_name_plural = _("table preferences")
        constraints = [models.UniqueConstraint(fields=["user", "table"], name="one_preference_per_user_and_table")]

    def __str__(self):
        return f"{self.user} · {self.table}"
