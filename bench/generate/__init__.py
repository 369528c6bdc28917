"""A synthetic catalog for benchmarks: ``python -m bench.generate --movies N [--seed S] [--force]``
(also ``just seed --scale N``).

N movies (default 100 000) with 20 genres, 20 countries of differing availability, N/20
directors, N/10 actors, N/50 users, about 10 ratings per movie and about 12 list entries per
user. Documents are written raw (encoded to BSON as they are generated, then
``insert_many(ordered=False)`` in batches of 5 000, one batch on the server and one queued while
the next is generated) in exactly the shapes the modules' documents have: normalised keys and
search tokens from ``modules.catalog.text``, rating aggregates and ``rating_sort`` computed from
the generated ratings with the ratings module's own arithmetic, users' public statistics
likewise, and list entries carrying their movie's availability. The same ``--seed`` gives the
same documents (ids, timestamps and password hash included).

Migrations are applied first. Like ``mongorestore``, the load runs without the secondary
indexes (dropped, then built again once at the end with exactly the names, keys and options the
migrations gave them, also when the load fails): maintaining a dozen indexes per document is
what makes inserts slow, on the embedded server above all. The summary reports the insert rate
and the index build time separately. On the embedded server the build dominates: it runs in
Python, one index at a time (its ``createIndexes`` holds a server-wide lock). Keeping the indexes
during the load, loading the collections concurrently and building indexes concurrently were
each measured slower or no faster.

Every generated user (``bench000001``, ``bench000002``, ...) is active and has the password
``bench-password-2026`` (hashed once with identity's argon2 hasher); the seed admin
(``SEED_ADMIN_USERNAME``/``SEED_ADMIN_PASSWORD``) is ensured through identity. The generator
only writes into an empty database: it refuses when any application collection holds documents,
unless ``--force``, which empties them first (the migrations record is kept) and flushes the
Redis database (caches, queued tasks), since the same seed gives the same ids again.
"""

from bench.generate._cli import DEFAULT_MOVIES, main, run_generator
from bench.generate._documents import CatalogGenerator, Plan
from bench.generate._loading import BENCH_PASSWORD, DEFAULT_SEED, DatabaseNotEmpty, Summary, generate

__all__ = [
    "BENCH_PASSWORD",
    "DEFAULT_MOVIES",
    "DEFAULT_SEED",
    "CatalogGenerator",
    "DatabaseNotEmpty",
    "Plan",
    "Summary",
    "generate",
    "main",
    "run_generator",
]
