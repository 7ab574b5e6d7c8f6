from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from audit.admin import AuditedAdminMixin
from audit.services import audit_admin_delete, audit_admin_save
from indicators.models import (
    Assessment,
    AssessmentStep,
    Band,
    Criterion,
    Index,
    Methodology,
    Publication,
    Result,
    ResultRevision,
    Score,
    Target,
)
from indicators.selectors import criteria_in_tree_order
from indicators.services import results_recompute_request
from reformdash.lib.admin import ReadOnlyAdminMixin

# One level of a criterion tree: an em space and an en space, 1.5 em.
INDENT = "\u2003\u2002"


class RecomputesResults(AuditedAdminMixin):
    """Admin edits of what results are computed from record a recompute job in the same transaction
    (the admin saves atomically), like every other write does, and are audited."""

    def index_year(self, obj):
        raise NotImplementedError

    def _request(self, obj):
        index_id, year = self.index_year(obj)
        results_recompute_request(index_id=index_id, year=year)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._request(obj)

    def delete_model(self, request, obj):
        self._request(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._request(obj)
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        # Scores edited inline on their assessment are audited one by one, like on their own page.
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk is not None:
                audit_admin_delete(request=request, obj=inline_form.instance)
        super().save_formset(request, form, formset, change)
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            if inline_form.instance.pk is not None:
                audit_admin_save(
                    request=request, obj=inline_form.instance, form=inline_form, change=bool(inline_form.initial)
                )


@admin.register(Index)
class IndexAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "direction", "value_unit"]
    list_filter = ["direction", "value_unit"]
    search_fields = ["code", "name_vi", "name_en"]

    def save_model(self, request, index, form, change):
        super().save_model(request, index, form, change)
        if change and "direction" in form.changed_data:  # every year's ranks turn around
            for year in Result.objects.filter(index=index).values_list("year", flat=True).distinct():
                results_recompute_request(index_id=index.pk, year=year)


@admin.register(Methodology)
class MethodologyAdmin(RecomputesResults, admin.ModelAdmin):
    list_display = ["index", "year", "unit_kind", "aggregation", "decision_reference"]
    list_filter = ["index", "year", "unit_kind", "aggregation"]
    search_fields = ["index__code", "index__name_vi", "decision_reference"]
    list_select_related = ["index"]
    readonly_fields = ["criteria_tree"]

    def index_year(self, methodology):
        return methodology.index_id, methodology.year

    @admin.display(description=_("criteria"))
    def criteria_tree(self, methodology):
        if methodology.pk is None:
            return "—"
        rows = criteria_in_tree_order(methodology=methodology)
        if not rows:
            return _("No criteria yet.")
        return format_html(
            '<table class="criteria-tree"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            _("code"),
            _("title"),
            _("maximum points"),
            _("weight"),
            # Indented with spaces, 1.5 em a level, not a style attribute: the Content-Security-Policy
            # (reformdash/csp.py) allows no inline style.
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td></tr>",
                ((c.code, INDENT * c.depth, c.title, c.max_points.normalize(), c.weight or "") for c in rows),
            ),
        )


class DepthFilter(admin.SimpleListFilter):
    title = _("level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [("area", _("Areas")), ("criterion", _("Criteria below an area"))]

    def queryset(self, request, queryset):
        if self.value() == "area":
            return queryset.filter(parent__isnull=True)
        if self.value() == "criterion":
            return queryset.filter(parent__isnull=False)
        return queryset


@admin.register(Criterion)
class CriterionAdmin(RecomputesResults, admin.ModelAdmin):
    list_display = ["code", "indented_title", "max_points", "weight", "kind", "methodology"]
    list_filter = ["methodology__index", "methodology__year", "methodology__unit_kind", "kind", DepthFilter]
    search_fields = ["code", "title", "title_en"]
    list_select_related = ["methodology__index", "parent__parent__parent"]
    autocomplete_fields = ["parent"]
    ordering = ["methodology", "position", "code"]

    def index_year(self, criterion):
        return criterion.methodology.index_id, criterion.methodology.year

    @admin.display(description=_("title"), ordering="title")
    def indented_title(self, criterion):
        depth, parent = 0, criterion.parent
        while parent is not None and depth < 3:  # the tree is area → criterion → sub-criterion
            depth, parent = depth + 1, parent.parent
        return format_html("{}{}", INDENT * depth, criterion.title)


class ScoreInline(admin.TabularInline):
    model = Score
    extra = 0
    fields = ["criterion", "self_score", "final_score", "not_applicable", "note"]
    ordering = ["criterion__position", "criterion__code"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("criterion")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Offer only the criteria of the assessment's own methodology.
        if db_field.name == "criterion":
            assessment_id = request.resolver_match.kwargs.get("object_id")
            queryset = Criterion.objects.select_related("methodology__index")
            if assessment_id:
                queryset = queryset.filter(methodology__assessments__pk=assessment_id)
            kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Assessment)
class AssessmentAdmin(RecomputesResults, admin.ModelAdmin):
    list_display = ["unit", "methodology", "status", "updated_at"]
    list_filter = ["methodology__index", "methodology__year", "methodology__unit_kind", "status"]
    search_fields = ["unit__code", "unit__name"]
    list_select_related = ["unit", "methodology__index"]
    autocomplete_fields = ["unit"]
    inlines = [ScoreInline]

    def index_year(self, assessment):
        return assessment.methodology.index_id, assessment.methodology.year


@admin.register(Score)
class ScoreAdmin(RecomputesResults, admin.ModelAdmin):
    list_display = ["assessment", "criterion", "self_score", "final_score", "not_applicable", "updated_at"]
    list_filter = [
        "assessment__methodology__index",
        "assessment__methodology__year",
        "assessment__unit__kind",
        "not_applicable",
    ]
    search_fields = ["assessment__unit__code", "assessment__unit__name", "criterion__code", "criterion__title"]
    list_select_related = ["assessment__unit", "assessment__methodology__index", "criterion"]
    raw_id_fields = ["assessment", "criterion"]

    def index_year(self, score):
        return score.assessment.methodology.index_id, score.assessment.methodology.year


@admin.register(Band)
class BandAdmin(RecomputesResults, admin.ModelAdmin):
    list_display = ["name", "index", "year", "unit_kind", "min_value", "max_value", "position"]
    list_filter = ["index", "year", "unit_kind"]
    search_fields = ["name", "index__code"]
    list_select_related = ["index"]

    def index_year(self, band):
        return band.index_id, band.year


@admin.register(Result)
class ResultAdmin(RecomputesResults, admin.ModelAdmin):
    list_display = ["unit", "index", "year", "value", "rank", "group_size", "official_rank", "band", "source"]
    list_filter = ["index", "year", "source", "unit__kind"]
    search_fields = ["unit__code", "unit__name"]
    list_select_related = ["unit", "index", "band"]
    autocomplete_fields = ["unit"]
    raw_id_fields = ["band"]
    # Written by the recompute (docs/design.md §4, "Comparable ranks"), not by hand.
    exclude = ["group_parent"]
    readonly_fields = ["previous_group_size", "rank_comparable"]

    def index_year(self, result):
        return result.index_id, result.year


@admin.register(Target)
class TargetAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Targets are set here by administrators; nothing is recomputed (a target changes no result)."""

    list_display = ["index", "year", "unit", "unit_kind", "parent", "value", "rank"]
    list_filter = ["index", "year", "unit_kind"]
    search_fields = ["index__code", "unit__code", "unit__name", "parent__code", "parent__name"]
    list_select_related = ["index", "unit", "parent"]
    autocomplete_fields = ["unit", "parent"]


@admin.register(AssessmentStep)
class AssessmentStepAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["assessment", "from_status", "to_status", "user", "at"]
    list_filter = ["to_status", "assessment__methodology__index", "assessment__methodology__year"]
    search_fields = ["assessment__unit__code", "assessment__unit__name", "user__username", "comment"]
    list_select_related = ["assessment__unit", "assessment__methodology__index", "user"]


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["methodology", "number", "decision_reference", "published_on", "published_by", "published_at"]
    list_filter = ["methodology__index", "methodology__year", "methodology__unit_kind"]
    search_fields = ["decision_reference", "methodology__index__code"]
    list_select_related = ["methodology__index", "published_by"]


@admin.register(ResultRevision)
class ResultRevisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["result", "number", "value", "rank", "group_size", "published_at"]
    list_filter = ["result__index", "result__year"]
    search_fields = ["result__unit__code", "result__unit__name", "reason"]
    list_select_related = ["result__unit", "result__index"]
