from django.urls import path

import units.converters  # noqa: F401 (registers <unit_code:…>)
from assessments import views, whatif_views

urlpatterns = [
    path("", views.worklist, name="assessment_worklist"),
    path("start/", views.start, name="assessment_start"),
    path("what-if/<unit_code:code>/", whatif_views.unit_what_if, name="unit_what_if"),
    path("publish/<int:methodology_id>/", views.publish, name="assessment_publish"),
    path("<int:assessment_id>/", views.assessment_detail, name="assessment_detail"),
    path("<int:assessment_id>/return/", views.assessment_return_view, name="assessment_return"),
    path("<int:assessment_id>/reopen/", views.assessment_reopen_view, name="assessment_reopen"),
    path("<int:assessment_id>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("<int:assessment_id>/evidence/<int:evidence_id>/", views.evidence_download, name="evidence_download"),
    path("<int:assessment_id>/evidence/<int:evidence_id>/delete/", views.evidence_remove, name="evidence_delete"),
]
