"""The seed step: demo catalog files (``seed/data``), their validation and the idempotent loader."""
