"""The audit trail's table (django-tables2), newest first. The user, unit, criterion and batch
cells link to the same page filtered on them (the other filters kept), so that "everything this
person did", "everything about this unit" and "everything of this import" are one click away."""

from urllib.parse import urlencode

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reformdash.lib.tables import TEMPLATE, LayoutMixin, table_attrs
from trail.actions import MISSING, action_label, shown_changes


class AuditTable(LayoutMixin, tables.Table):
    """One row per AuditEntry (trail.selectors.audit_entries, user, unit and criterion loaded)."""

    at = tables.Column(verbose_name=_("Time"))
    user = tables.Column(verbose_name=_("User"), empty_values=())
    action = tables.Column(verbose_name=_("Action"))
    unit = tables.Column(verbose_name=_("Unit"), empty_values=())
    criterion = tables.Column(verbose_name=_("Criterion"), empty_values=())
    changes = tables.Column(verbose_name=_("Changes"), empty_values=())
    # In the reader's language where our code gave it (audit.reasons).
    reason = tables.Column(verbose_name=_("Reason"), accessor="reason_shown")
    source = tables.Column(verbose_name=_("Source"))
    batch = tables.Column(verbose_name=_("Batch"))

    # When and what: an entry without them says nothing.
    layout_key = "audit-trail"
    required_columns = ("at", "action")

    class Meta:
        template_name = TEMPLATE
        attrs = table_attrs("audit-table")
        orderable = False  # newest first, always: the order of a trail
        empty_text = _("No entry matches these filters.")

    def __init__(self, data, *, query, **kwargs):
        super().__init__(data, **kwargs)
        self.query = query  # the page's filters, kept by the cells' links

    def _filtered(self, **params):
        return f"{reverse('audit_trail')}?{urlencode({**self.query, **params})}"

    def render_at(self, value):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M:%S")

    def render_user(self, record):
        if record.user is None:
            return MISSING
        username = record.user.get_username()
        return format_html(
            '<a href="{}" title="{}">{}</a>',
            self._filtered(user=username),
            gettext("Only this user's entries"),
            username,
        )

    def render_action(self, value):
        return format_html('<span title="{}">{}</span>', value, action_label(value))

    def render_unit(self, record):
        unit = record.unit
        if unit is None:
            return MISSING
        return format_html(
            '<a href="{}">{}</a> <a class="audit-filter" href="{}" title="{}" aria-label="{}">⌕</a>',
            reverse("unit_scorecard", kwargs={"code": unit.code}),
            unit.name,
            self._filtered(unit=unit.code),
            gettext("Only this unit's entries"),
            gettext("Only this unit's entries"),
        )

    def render_criterion(self, record):
        criterion = record.criterion
        if criterion is None:
            return MISSING
        methodology = criterion.methodology
        return format_html(
            '<a href="{}" title="{}">{}</a> <small class="muted">{} {}</small>',
            self._filtered(criterion=criterion.code, index=methodology.index.code, year=methodology.year),
            criterion.title,
            criterion.code,
            methodology.index.code,
            methodology.year,
        )

    def render_changes(self, record):
        rows = shown_changes(record.changes)
        if not rows:
            return MISSING
        return format_html(
            '<ul class="audit-changes">{}</ul>',
            format_html_join("", "<li>{}: {} → {}</li>", rows),
        )

    def render_source(self, record):
        return record.get_source_display()

    def render_batch(self, value):
        return format_html(
            '<a href="{}" title="{}"><code>{}</code></a>',
            self._filtered(batch=value),
            gettext("Everything of this request or import"),
            value[:8],
        )
