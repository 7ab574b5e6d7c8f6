"""A world whose every free text is a script: unit, index and criterion names, notes, reasons,
comments, decision references, evidence and import file names, dossier procedures, unit heads.

Each text carries its own label (UNIT_A, NOTE, …) so a test can tell that a page shows the field
(the label is there) and shows it as text (no raw tag is).
"""

import csv
import datetime
import io
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.services import evidence_add
from assessments.workflow import (
    appraisal_scores_save,
    assessment_appraise,
    assessment_reopen,
    assessment_return,
    assessment_submit,
    methodology_publish,
    self_scores_save,
)
from audit.services import audit_record
from dossiers.models import Dossier
from dossiers.stats import dossier_stats_full
from imports.services import import_run_check
from indicators.models import Assessment, Criterion, Index
from tests.assessments.conftest import PNG
from tests.dossiers.pages import district_c
from tests.dossiers.test_stats import NOW, example  # noqa: F401 (a fixture)
from tests.indicators.builders import methodology
from units.models import Unit, UnitHead, UnitKind

# What must never reach a page as markup: a tag that runs script, or one closing the <script> the
# chart data lives in.
RAW = ("<script>window.__xss", "</script><script>", "<img src=x", "<svg onload")


HOSTILE_CODE = "X\"'><img src=x onerror=1>"


def hostile(label):
    """A text that runs script wherever a page puts it unescaped: in an element, in a quoted or
    unquoted attribute, or inside a <script> (the chart data)."""
    return f"{label}</script><script>window.__xss='{label}'</script>\"'><img src=x onerror=window.__xss='{label}'>"


def hostile_file_name(label, extension):
    # No slash: a browser's file name is cut to its last path part before it is stored.
    return f"{label}\"'><img src=x onerror=window.__xss='{label}'><svg onload=window.__xss=1>{extension}"


def csv_bytes(rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def unescaped(html):
    """The raw tags of a hostile text that a page let through, if any."""
    return [raw for raw in RAW if raw in html]


@pytest.fixture
def evidence_root(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_ROOT = tmp_path / "imports"


@pytest.fixture
def world(tree, example, head_a, appraiser, admin_user, evidence_root, tasks_in_process):
    """PAR 2024 of two hostile-named departments, scored with hostile notes, returned, appraised with
    hostile reasons, published, reopened and published again by hostile decisions; an evidence file,
    an import run, dossiers and a unit head, all named to run script."""
    Unit.objects.filter(pk=tree.dept_a.pk).update(name=hostile("UNIT_A"))
    Unit.objects.filter(pk=tree.district_b.pk).update(name=hostile("UNIT_B"))
    dept_a2 = Unit.objects.create(
        code="A2",
        name=hostile("UNIT_A2"),
        kind=UnitKind.DEPARTMENT,
        parent=tree.province,
        valid_from=tree.dept_a.valid_from,
    )
    # A code, too: codes reach URLs, links and data attributes, not only text.
    Unit.objects.create(
        code=HOSTILE_CODE,
        name="Sở X",
        kind=UnitKind.DEPARTMENT,
        parent=tree.province,
        valid_from=tree.dept_a.valid_from,
    )
    UnitHead.objects.create(
        unit=tree.dept_a, full_name=hostile("HEAD_NAME"), title=hostile("HEAD_TITLE"), start=datetime.date(2021, 1, 1)
    )
    par = Index.objects.create(
        code="par", name_vi=hostile("INDEX_VI"), name_en=hostile("INDEX_EN"), description=hostile("INDEX_DESCRIPTION")
    )
    m = methodology(par, 2024)
    for criterion in Criterion.objects.filter(methodology=m):
        criterion.title = hostile(f"CRITERION_{criterion.code}")
        criterion.save(update_fields=["title"])
    criteria = {c.code: c for c in Criterion.objects.filter(methodology=m)}
    leaves = ("1.1", "1.2", "2.1")

    def reload(assessment):
        return Assessment.objects.get(pk=assessment.pk)

    a = Assessment.objects.create(unit=tree.dept_a, methodology=m)
    a2 = Assessment.objects.create(unit=dept_a2, methodology=m)
    evidence = evidence_add(
        assessment=a,
        criterion_id=criteria["1.1"].pk,
        user=head_a,
        upload=SimpleUploadedFile(hostile_file_name("EVIDENCE", ".png"), PNG),
    )
    self_scores_save(
        assessment=a,
        user=head_a,
        version=a.version,
        scores={criteria[code].pk: (D(15), False, hostile("NOTE")) for code in leaves},
    )
    assessment_submit(assessment=reload(a), user=head_a)
    assessment_return(assessment=reload(a), user=appraiser, comment=hostile("RETURN_COMMENT"))
    assessment_submit(assessment=reload(a), user=head_a)
    Assessment.objects.filter(pk=a2.pk).update(status="submitted")
    for assessment in (a, a2):
        appraisal_scores_save(
            assessment=assessment,
            user=appraiser,
            version=reload(assessment).version,
            scores={criteria[code].pk: (D(15), hostile("REASON")) for code in leaves},
        )
        assessment_appraise(assessment=reload(assessment), user=appraiser)
    methodology_publish(
        methodology=m,
        user=admin_user,
        decision_reference=hostile("DECISION_1"),
        published_on=datetime.date(2025, 3, 1),
        publish_partial=True,  # a unit of the hostile tree has no assessment
    )
    assessment_reopen(assessment=reload(a), user=admin_user, reason=hostile("REOPEN_REASON"))
    appraisal_scores_save(
        assessment=a,
        user=appraiser,
        version=reload(a).version,
        scores={criteria["2.1"].pk: (D(10), hostile("CORRECTION"))},
    )
    methodology_publish(
        methodology=m,
        user=admin_user,
        decision_reference=hostile("DECISION_2"),
        published_on=datetime.date(2025, 4, 2),
        publish_partial=True,  # a unit of the hostile tree has no assessment
    )
    audit_record(
        action="score.final",
        user=admin_user,
        unit=tree.dept_a,
        criterion=criteria["1.1"],
        changes={"final_score": (hostile("OLD_VALUE"), hostile("NEW_VALUE"))},
        reason=hostile("AUDIT_REASON"),
        batch="hostile1",
    )

    # An import whose file name and rejected cells are script: the problems quote the cells.
    run = import_run_check(
        user=appraiser,
        kind="units",
        upload=SimpleUploadedFile(
            hostile_file_name("IMPORT_FILE", ".csv"),
            csv_bytes(
                [["code", "name", "kind", "parent_code"], ["Z", hostile("IMPORT_NAME"), hostile("IMPORT_KIND"), "P"]]
            ),
        ),
    )

    district_c(tree, name=hostile("UNIT_C"))
    Dossier.objects.update(procedure_name=hostile("PROCEDURE"))
    dossier_stats_full(now=NOW)
    return type(
        "World",
        (),
        {
            "index": par,
            "methodology": m,
            "assessment": a,
            "other": a2,
            "criteria": criteria,
            "evidence": evidence,
            "run": run,
            "tree": tree,
        },
    )
