"""How the catalog module plugs into the app and the workers."""

from app.kernel.modules import ModuleSpec

MODULE = ModuleSpec(name="catalog")
