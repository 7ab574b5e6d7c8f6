from django.contrib import admin

from preferences.models import TablePreference


@admin.register(TablePreference)
class TablePreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "table", "per_page", "updated_at")
    list_filter = ("table",)
    search_fields = ("user__username", "table")
    autocomplete_fields = ("user",)
