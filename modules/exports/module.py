"""How the exports module plugs into the app and the workers."""

from app.kernel.modules import ModuleSpec
from modules.exports.controllers import ExportController
from modules.exports.documents import ExportJob
from modules.exports.services import EXPIRE_TASK, SWEEP_TASK

SWEEP_EVERY_SECONDS = 60.0
EXPIRE_EVERY_SECONDS = 300.0

MODULE = ModuleSpec(
    name="exports",
    documents=[ExportJob],
    route_handlers=[ExportController],
    task_modules=["modules.exports.tasks"],
    beat_schedule={
        "exports-sweep": {"task": SWEEP_TASK, "schedule": SWEEP_EVERY_SECONDS},
        "exports-expire": {"task": EXPIRE_TASK, "schedule": EXPIRE_EVERY_SECONDS},
    },
)
