"""The kernel: settings, clients, errors, pagination, logging, events, storage, mail."""
