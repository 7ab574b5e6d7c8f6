"""Thin Celery tasks: the sweep of the workflow's steps and the e-mail of what is pending, every
minute; the alerts, daily; the digest, on Monday mornings (settings.CELERY_BEAT_SCHEDULE). Any may
run twice, or two at once: each notification is written once (its unique key) and mailed once
(claimed before it is sent)."""

import logging

from celery import chain, shared_task

from jobs.services import TRANSIENT_ERRORS
from notifications.alerts import alerts_offer
from notifications.digest import digest_offer
from notifications.mail import mail_send_pending
from notifications.workflow import workflow_sweep

logger = logging.getLogger(__name__)


@shared_task(name="notifications.workflow_sweep", autoretry_for=TRANSIENT_ERRORS, retry_backoff=5, max_retries=3)
def workflow_sweep_task():
    return workflow_sweep()


@shared_task(name="notifications.mail_send", autoretry_for=TRANSIENT_ERRORS, retry_backoff=5, max_retries=3)
def mail_send_task():
    return mail_send_pending()


@shared_task(name="notifications.alerts_daily")
def alerts_daily_task():
    """Daily: a unit's month worse than its target, plan actions past their deadline."""
    return {"offered": alerts_offer(), "mailed": mail_send_pending()}


@shared_task(name="notifications.digest_weekly")
def digest_weekly_task():
    """Monday morning: each member's weekly digest."""
    return {"offered": digest_offer(), "mailed": mail_send_pending()}


def workflow_notify_soon(**kwargs):
    """Receiver of assessments.signals.steps_recorded: after the commit, sweep and mail at once
    rather than at beat's next minute — and at all where no beat runs (the embedded default, whose
    tasks run in this process). Beat stays the guarantee: a failure here is logged, never the
    workflow's, and the next run of beat does the work."""
    from django.db import transaction

    transaction.on_commit(_send)


def _send():
    try:
        chain(workflow_sweep_task.si(), mail_send_task.si()).apply_async(retry=False)
    except Exception as error:  # noqa: BLE001 (broker down, or the in-process run failed: beat catches up)
        logger.warning("workflow notifications not sent now, beat will: %s: %s", type(error).__name__, error)
