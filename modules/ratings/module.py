"""How the ratings module plugs into the app and the workers."""

from app.kernel.modules import ModuleSpec

MODULE = ModuleSpec(name="ratings")
