"""The composition root's list of modules, in dependency order (lower modules first)."""

from __future__ import annotations

from app.kernel.modules import ModuleSpec


def installed_modules() -> list[ModuleSpec]:
    from modules.catalog.module import MODULE as catalog
    from modules.exports.module import MODULE as exports
    from modules.identity.module import MODULE as identity
    from modules.lists.module import MODULE as lists
    from modules.ratings.module import MODULE as ratings

    return [identity, catalog, lists, ratings, exports]
