from django.urls import path

import units.converters  # noqa: F401 (registers <unit_code:…>)
from remediation import views

urlpatterns = [
    path("", views.coverage, name="remediation_coverage"),
    path("items/<int:item_id>/cause/", views.item_cause, name="remediation_item_cause"),
    path("items/<int:item_id>/actions/", views.action_add, name="remediation_action_add"),
    path("actions/<int:action_id>/", views.action_update, name="remediation_action_update"),
    path("actions/<int:action_id>/evidence/", views.action_evidence, name="remediation_action_evidence"),
    path("<unit_code:code>/<slug:index>/<int:year>/", views.plan_page, name="remediation_plan"),
    path("<unit_code:code>/<slug:index>/<int:year>/submit/", views.plan_submit, name="remediation_plan_submit"),
    path("<unit_code:code>/<slug:index>/<int:year>/review/", views.plan_review, name="remediation_plan_review"),
]
