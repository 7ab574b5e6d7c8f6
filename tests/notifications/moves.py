"""The workflow moved for real (assessments.workflow services) for the notification tests: Sở A's
PAR 2024 self-assessment of tests/indicators/workflow, scored, submitted, returned, appraised."""

import datetime
from decimal import Decimal as D

from assessments.workflow import (
    appraisal_scores_save,
    assessment_appraise,
    assessment_return,
    assessment_submit,
    methodology_publish,
    self_scores_save,
)
from indicators.models import Assessment, Criterion

SELF = {"1.1": (D(35), False, ""), "1.2": (D(20), False, ""), "2.1": (D(30), False, "")}
FINAL = {"1.1": (D(35), ""), "1.2": (D(20), ""), "2.1": (D(30), "")}


def _ids(assessment, values):
    criteria = {c.code: c.pk for c in Criterion.objects.filter(methodology_id=assessment.methodology_id)}
    return {criteria[code]: value for code, value in values.items()}


def fresh(assessment):
    return Assessment.objects.get(pk=assessment.pk)


def submit(assessment, *, by):
    self_scores_save(assessment=assessment, user=by, scores=_ids(assessment, SELF), version=fresh(assessment).version)
    assessment_submit(assessment=fresh(assessment), user=by)
    return fresh(assessment)


def give_back(assessment, *, by, comment="Thiếu minh chứng cho tiêu chí 1.1"):
    assessment_return(assessment=fresh(assessment), user=by, comment=comment)
    return fresh(assessment)


def appraise(assessment, *, by):
    appraisal_scores_save(
        assessment=assessment, user=by, scores=_ids(assessment, FINAL), version=fresh(assessment).version
    )
    assessment_appraise(assessment=fresh(assessment), user=by)
    return fresh(assessment)


def publish(methodology, *, by, reference="Quyết định 99/QĐ-UBND"):
    return methodology_publish(
        methodology=methodology,
        user=by,
        decision_reference=reference,
        published_on=datetime.date(2025, 3, 1),
        publish_partial=True,
    )
