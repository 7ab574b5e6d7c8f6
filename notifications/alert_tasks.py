"""The alerts' and the digest's beat jobs (reformdash.settings: CELERY_BEAT_SCHEDULE). Thin: each
offers its notifications (written once by their keys) and mails what is pending (claimed once), so
running one twice, or two at once, sends nothing twice."""

from celery import shared_task

from notifications.alerts import alerts_offer
from notifications.digest import digest_offer
from notifications.mail import mail_send_pending


@shared_task(name="notifications.alerts_daily")
def alerts_daily_task():
    """Daily: a unit's month worse than its target, plan actions past their deadline."""
    return {"offered": alerts_offer(), "mailed": mail_send_pending()}


@shared_task(name="notifications.digest_weekly")
def digest_weekly_task():
    """Monday morning: each member's weekly digest."""
    return {"offered": digest_offer(), "mailed": mail_send_pending()}
