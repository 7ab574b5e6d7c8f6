from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from jobs.models import Job, JobStatus
from jobs.services import job_send


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "arguments",
        "status",
        "attempts",
        "requested_at",
        "started_at",
        "finished_at",
        "rows_changed",
        "short_error",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["key", "error"]
    readonly_fields = [field.name for field in Job._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("error"))
    def short_error(self, job):
        return job.error[:120]

    @admin.action(description=_("Send the selected pending jobs to a worker again"))
    def send_again(self, request, queryset):
        sent = sum(
            bool(job_send(job_id=pk)) for pk in queryset.filter(status=JobStatus.PENDING).values_list("pk", flat=True)
        )
        self.message_user(request, _("%(count)d job(s) sent.") % {"count": sent}, messages.SUCCESS)
