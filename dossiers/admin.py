from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from dossiers.models import Dossier, DossierMonth, SourceSystem
from dossiers.tokens import source_token_issue
from reformdash.lib.admin import EstimatedCountPaginator, ReadOnlyAdminMixin


@admin.register(SourceSystem)
class SourceSystemAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "active", "has_token", "serves", "created_at"]
    list_filter = ["active", "all_units"]
    search_fields = ["code", "name"]
    # The hash is of no use to a person; the token itself is shown once, by the action.
    exclude = ["token_hash"]
    readonly_fields = ["has_token", "created_at"]
    # What its token may write: the subtrees under these units, or every unit (dossiers.tokens).
    autocomplete_fields = ["units"]
    actions = ["issue_token"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("units")

    @admin.display(description=_("units served"))
    def serves(self, source):
        if source.all_units:
            return _("every unit")
        return ", ".join(sorted(unit.code for unit in source.units.all())) or _("none: it may send nothing")

    @admin.display(description=_("token issued"), boolean=True)
    def has_token(self, source):
        return bool(source.token_hash)

    @admin.action(description=_("Issue a new token (replaces the current one)"))
    def issue_token(self, request, queryset):
        for source in queryset:
            token = source_token_issue(source=source)
            self.message_user(
                request,
                _("New token for %(source)s — copy it now, it is not shown again: %(token)s")
                % {"source": source.code, "token": token},
                messages.WARNING,
            )


class SourceFilter(admin.SimpleListFilter):
    """The registered sources, rather than a DISTINCT over millions of dossiers."""

    title = _("source system")
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return list(SourceSystem.objects.values_list("code", "name"))

    def queryset(self, request, queryset):
        return queryset.filter(source=self.value()) if self.value() else queryset


@admin.register(Dossier)
class DossierAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "external_id",
        "source",
        "unit",
        "procedure_code",
        "status",
        "channel",
        "received_at",
        "due_at",
        "completed_at",
    ]
    list_filter = [
        SourceFilter,
        "status",
        "channel",
        "fully_online",
        "fee_required",
        "paid_online",
        "result_entered",
        "unit__kind",
    ]
    search_fields = ["=external_id", "=unit__code", "procedure_code"]
    list_select_related = ["unit"]
    # Counting every dossier for "n of N" on each page costs more than it tells.
    show_full_result_count = False
    paginator = EstimatedCountPaginator


@admin.register(DossierMonth)
class DossierMonthAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "unit",
        "month",
        "scope",
        "received",
        "completed_on_time",
        "completed_late",
        "returned_on_time",
        "returned_late",
        "pending_on_time",
        "pending_overdue",
        "computed_at",
    ]
    list_filter = ["scope", "unit__kind", "month"]
    search_fields = ["=unit__code", "unit__name"]
    list_select_related = ["unit"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
