"""Data safety: ``marquee backup`` / ``marquee restore`` of the database and the object storage.

Composition-level code (it reads every module's collections without knowing them), run from
the CLI; see deploy/README.md for the restore drill.
"""

from app.backup._commands import backup_command, restore_command
from app.backup._manifest import BackupError, Manifest, StorageSummary
from app.backup._operations import Restored, create_backup, default_output, restore_backup

__all__ = [
    "BackupError",
    "Manifest",
    "Restored",
    "StorageSummary",
    "backup_command",
    "create_backup",
    "default_output",
    "restore_backup",
    "restore_command",
]
