"""assessments.services.evidence_hold / evidence_held: a checked file held while its page comes back
for other mistakes, good for its user, assessment and criterion for a day, then swept."""

import os
import time
from pathlib import Path

from django.core import signing

from assessments.services import HELD_MAX_AGE, evidence_held, evidence_hold
from tests.assessments.conftest import PDF
from tests.assessments.evidence import upload


def hold(workflow, user, code="1.1"):
    return evidence_hold(
        assessment=workflow.assessment, criterion_id=workflow.criteria[code].pk, upload=upload("kh.pdf", PDF), user=user
    )


def test_the_held_file_comes_back_with_its_name_for_its_user_and_line(workflow, head_a, officer_a):
    token = hold(workflow, head_a)
    cid = workflow.criteria["1.1"].pk
    held = evidence_held(token=token, assessment=workflow.assessment, criterion_id=cid, user=head_a)
    assert (held.name, held.read(), held.held_token) == ("kh.pdf", PDF, token)
    held.close()
    assert evidence_held(token=token, assessment=workflow.assessment, criterion_id=cid, user=officer_a) is None
    other = workflow.criteria["1.2"].pk
    assert evidence_held(token=token, assessment=workflow.assessment, criterion_id=other, user=head_a) is None
    assert evidence_held(token="x" + token, assessment=workflow.assessment, criterion_id=cid, user=head_a) is None


def test_a_token_older_than_a_day_holds_nothing(workflow, head_a, monkeypatch):
    token = hold(workflow, head_a)
    later = time.time() + HELD_MAX_AGE + 60
    monkeypatch.setattr(signing.time, "time", lambda: later)
    cid = workflow.criteria["1.1"].pk
    assert evidence_held(token=token, assessment=workflow.assessment, criterion_id=cid, user=head_a) is None


def test_held_files_never_saved_are_swept_after_a_day(workflow, head_a, evidence_root):
    hold(workflow, head_a)
    (old,) = Path(evidence_root, "held").iterdir()
    stale = time.time() - HELD_MAX_AGE - 60
    os.utime(old, (stale, stale))
    hold(workflow, head_a, code="1.2")
    remaining = list(Path(evidence_root, "held").iterdir())
    assert len(remaining) == 1 and remaining[0] != old
