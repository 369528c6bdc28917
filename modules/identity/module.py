"""How the identity module plugs into the app and the workers."""

from app.kernel.modules import ModuleSpec
from modules.identity.controllers import AuthController, UserController
from modules.identity.documents import AuthSession, User
from modules.identity.guards import authentication_middleware, inactive_accounts_read_only

MODULE = ModuleSpec(
    name="identity",
    documents=[User, AuthSession],
    route_handlers=[AuthController, UserController],
    middleware=[authentication_middleware],
    guards=[inactive_accounts_read_only],
)
