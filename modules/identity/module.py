"""How the identity module plugs into the app and the workers."""

from app.kernel.modules import ModuleSpec
from modules.identity.controllers import AuthController, UserController
from modules.identity.documents import AuthSession, OneTimeToken, OutboundMail, User
from modules.identity.guards import authentication_middleware, inactive_accounts_read_only
from modules.identity.restore import revoke_restored_credentials
from modules.identity.services import CACHED_COPIES, DISPATCH_DUE_MAIL_TASK

MAIL_SWEEP_SECONDS = 60.0

MODULE = ModuleSpec(
    name="identity",
    documents=[User, AuthSession, OneTimeToken, OutboundMail],
    route_handlers=[AuthController, UserController],
    middleware=[authentication_middleware],
    guards=[inactive_accounts_read_only],
    task_modules=["modules.identity.tasks"],
    beat_schedule={"identity-dispatch-due-mail": {"task": DISPATCH_DUE_MAIL_TASK, "schedule": MAIL_SWEEP_SECONDS}},
    redis_copies=CACHED_COPIES,
    after_restore=[revoke_restored_credentials],
)
