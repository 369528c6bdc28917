"""Identity's Celery tasks: mail delivery, password-reset mails, and the outbox sweep.

Tasks take ids or the address only and call services; their results are not stored (a reset
task's result must not tell whether an account exists).
"""

from __future__ import annotations

from celery import shared_task
from pymongo.errors import ConnectionFailure

from app.kernel.mail import TransientMailError
from app.kernel.tasks import run_async
from modules.identity.deps import build_account_service, build_mail_outbox
from modules.identity.services import DISPATCH_DUE_MAIL_TASK, SEND_MAIL_TASK, SEND_PASSWORD_RESET_TASK

RETRY_BACKOFF_MAX_SECONDS = 600
MAX_RETRIES = 8


@shared_task(
    name=SEND_MAIL_TASK,
    autoretry_for=(TransientMailError, ConnectionFailure),
    retry_backoff=True,
    retry_backoff_max=RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
    ignore_result=True,
)
def send_mail(mail_id: str) -> str:
    """Deliver one message of the outbox through the configured mailer (once)."""
    return run_async(build_mail_outbox().deliver(mail_id))


@shared_task(
    name=SEND_PASSWORD_RESET_TASK,
    autoretry_for=(ConnectionFailure,),
    retry_backoff=True,
    retry_backoff_max=RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
    ignore_result=True,
)
def send_password_reset(email: str) -> None:
    """Mail a reset token to the account with this email, if any (returns nothing either way)."""
    run_async(build_account_service().send_password_reset(email))


@shared_task(name=DISPATCH_DUE_MAIL_TASK, ignore_result=True)
def dispatch_due_mail() -> int:
    """Enqueue outbox messages whose delivery was never enqueued (broker outage) or stalled."""
    return run_async(build_mail_outbox().dispatch_due())
