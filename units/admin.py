from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.admin import AuditedAdminMixin
from units.models import HeadRating, Membership, Unit, UnitHead, UnitLineage


class UnitHeadInline(admin.TabularInline):
    model = UnitHead
    extra = 0
    autocomplete_fields = ["user"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class ValidNowFilter(admin.SimpleListFilter):
    title = _("in existence")
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", _("Still in existence")), ("no", _("Ended"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(valid_to__isnull=True)
        if self.value() == "no":
            return queryset.filter(valid_to__isnull=False)
        return queryset


@admin.register(Unit)
class UnitAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "valid_from", "valid_to"]
    list_filter = ["kind", ValidNowFilter, ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    inlines = [UnitHeadInline, MembershipInline]


@admin.register(UnitLineage)
class UnitLineageAdmin(admin.ModelAdmin):
    list_display = ["predecessor", "successor", "kind", "date"]
    list_filter = ["kind", "date"]
    search_fields = ["predecessor__name", "predecessor__code", "successor__name", "successor__code"]
    list_select_related = ["predecessor", "successor"]
    autocomplete_fields = ["predecessor", "successor"]


@admin.register(UnitHead)
class UnitHeadAdmin(admin.ModelAdmin):
    list_display = ["full_name", "title", "unit", "start", "end", "user"]
    list_filter = ["unit__kind", "start"]
    search_fields = ["full_name", "title", "unit__name", "unit__code", "user__username"]
    list_select_related = ["unit", "user"]
    autocomplete_fields = ["unit", "user"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role"]
    list_filter = ["role", "unit__kind"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name", "unit__code"]
    list_select_related = ["user", "unit"]
    autocomplete_fields = ["user", "unit"]


@admin.register(HeadRating)
class HeadRatingAdmin(admin.ModelAdmin):
    list_display = ["year", "name", "min_value", "position"]
    list_filter = ["year"]
    search_fields = ["name"]
    ordering = ["-year", "position", "name"]
