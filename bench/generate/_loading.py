"""Writing the synthetic catalog: bulk inserts without secondary indexes, then index builds."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import Counter, deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import bson
from bson.raw_bson import RawBSONDocument
from pymongo import IndexModel, MongoClient
from pymongo.database import Database
from rich.progress import Progress, TaskID

from app.kernel import runtime
from bench.generate._documents import ORDER, CatalogGenerator, Plan
from migrations import runner
from modules.catalog.services import movie_cache, people_changed
from modules.identity import ensure_admin
from modules.identity.passwords import HASHER

DEFAULT_SEED = 2026
BATCH_SIZE = 5_000
# one batch on the server and one queued behind it while the next is generated: the embedded
# server is single-threaded in effect (a Python process), so more concurrent batches only contend
IN_FLIGHT = 1
BENCH_PASSWORD = "bench-password-2026"
KEEP = ("pymongo_migrate",)


class BulkWriter:
    """Batches per collection, inserted from a worker thread with at most IN_FLIGHT batches pending.

    Documents are encoded to BSON as they are added (``RawBSONDocument``), so a worker only
    ships bytes: the encoding overlaps the server's work on the previous batch instead of
    delaying the next one.
    """

    def __init__(self, db: Database[dict[str, Any]], progress: Progress, tasks: dict[str, TaskID], batch: int) -> None:
        self._db = db
        self._progress = progress
        self._tasks = tasks
        self._batch = batch
        self._buffers: dict[str, list[RawBSONDocument]] = {name: [] for name in ORDER}
        self._pending: deque[Future[None]] = deque()
        self._executor = ThreadPoolExecutor(max_workers=IN_FLIGHT, thread_name_prefix="bench-insert")
        self.written: Counter[str] = Counter()

    def add(self, collection: str, document: dict[str, Any]) -> None:
        buffer = self._buffers[collection]
        buffer.append(RawBSONDocument(bson.encode(document)))
        if len(buffer) >= self._batch:
            self._submit(collection)

    def add_all(self, collection: str, documents: Iterable[dict[str, Any]]) -> None:
        for document in documents:
            self.add(collection, document)

    def _insert(self, collection: str, documents: list[RawBSONDocument]) -> None:
        self._db[collection].insert_many(documents, ordered=False)
        self._progress.advance(self._tasks[collection], len(documents))

    def _submit(self, collection: str) -> None:
        documents, self._buffers[collection] = self._buffers[collection], []
        if not documents:
            return
        self.written[collection] += len(documents)
        self._pending.append(self._executor.submit(self._insert, collection, documents))
        while len(self._pending) > IN_FLIGHT:
            self._pending.popleft().result()

    def flush(self) -> None:
        for collection in ORDER:
            self._submit(collection)
        while self._pending:
            self._pending.popleft().result()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


class DatabaseNotEmpty(Exception):
    """The generator writes only into an empty database (unless told to empty it)."""


@dataclass
class Summary:
    written: dict[str, int] = field(default_factory=dict)
    insert_seconds: float = 0.0
    index_seconds: float = 0.0
    skipped: bool = False

    @property
    def documents(self) -> int:
        return sum(self.written.values())

    @property
    def insert_rate(self) -> float:
        return self.documents / self.insert_seconds if self.insert_seconds > 0 else 0.0

    @property
    def overall_rate(self) -> float:
        seconds = self.insert_seconds + self.index_seconds
        return self.documents / seconds if seconds > 0 else 0.0


INDEX_OPTIONS = ("unique", "sparse", "expireAfterSeconds", "partialFilterExpression", "collation")


def detach_indexes(db: Database[dict[str, Any]], collections: Iterable[str]) -> dict[str, list[IndexModel]]:
    """Drop the secondary indexes of ``collections``, returning them exactly as they were.

    A bulk load into an empty collection is much faster without index maintenance per document
    (the embedded server maintains indexes in Python); the indexes are built once afterwards,
    with the names, keys and options the migrations gave them.
    """
    detached: dict[str, list[IndexModel]] = {}
    for name in collections:
        models = [
            IndexModel(
                list(spec["key"].items()),
                name=spec["name"],
                **{option: spec[option] for option in INDEX_OPTIONS if option in spec},
            )
            for spec in db[name].list_indexes()
            if spec["name"] != "_id_"
        ]
        for model in models:
            db[name].drop_index(model.document["name"])
        detached[name] = models
    return detached


def restore_indexes(
    db: Database[dict[str, Any]], detached: dict[str, list[IndexModel]], progress: Progress, task: TaskID
) -> None:
    """Build the detached indexes again, one at a time (the server builds each in one pass)."""
    for name, models in detached.items():
        for model in models:
            db[name].create_indexes([model])
            progress.advance(task)


def occupied_collections(db: Database[dict[str, Any]]) -> list[str]:
    return [
        name
        for name in sorted(db.list_collection_names())
        if name not in KEEP and not name.startswith("system.") and db[name].find_one({}, {"_id": 1}) is not None
    ]


def empty_collection(db: Database[dict[str, Any]], name: str) -> None:
    """Drop and recreate the collection with its options (validators...): far faster than deleting
    every document. Its indexes were detached before and are built again after the load."""
    info = next(iter(db.list_collections(filter={"name": name})), None)
    options = dict(info.get("options") or {}) if info else {}
    db.drop_collection(name)
    db.create_collection(name, **options)


def _insert(db: Database[dict[str, Any]], generator: CatalogGenerator, progress: Progress, batch: int) -> Counter[str]:
    tasks = {kind: progress.add_task(kind, total=total) for kind, total in generator.totals().items()}
    writer = BulkWriter(db, progress, tasks, batch)
    try:
        writer.add_all("countries", generator.countries())
        writer.add_all("genres", generator.genres())
        writer.add_all("directors", generator.people("directors", generator.plan.directors))
        writer.add_all("actors", generator.people("actors", generator.plan.actors))
        for collection, document in generator.movies_and_ratings():
            writer.add(collection, document)
        writer.add_all("list_entries", generator.list_entries())
        writer.add_all("users", generator.users())
        writer.flush()
    finally:
        writer.close()
    return writer.written


def _load(
    db: Database[dict[str, Any]], generator: CatalogGenerator, emptied: list[str], progress: Progress, batch: int
) -> Summary:
    """Empty ``emptied``, insert everything without secondary indexes, then build them again
    (also when the load fails half-way, so the database never stays without its indexes)."""
    detached = detach_indexes(db, dict.fromkeys([*ORDER, *emptied]))
    index_task = progress.add_task("indexes", total=sum(len(models) for models in detached.values()))
    try:
        for collection in emptied:
            empty_collection(db, collection)
        started = time.perf_counter()
        written = _insert(db, generator, progress, batch)
        inserted = time.perf_counter()
    finally:
        restore_indexes(db, detached, progress, index_task)
    return Summary(
        written={name: written[name] for name in ORDER},
        insert_seconds=inserted - started,
        index_seconds=time.perf_counter() - inserted,
    )


async def generate(
    movies: int,
    seed: int = DEFAULT_SEED,
    *,
    force: bool = False,
    if_empty: bool = False,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> Summary:
    """Generate into the open runtime's database (migrated first); see the module docstring."""
    rt = runtime.current()
    url, name = rt.stack.mongodb_url, rt.settings.mongodb_db
    await asyncio.to_thread(runner.upgrade, url, name)
    client: MongoClient[dict[str, Any]] = MongoClient(url, tz_aware=True, maxPoolSize=2)
    try:
        db = client[name]
        occupied = occupied_collections(db)
        if occupied and if_empty:
            return Summary(skipped=True)
        if occupied and not force:
            raise DatabaseNotEmpty(
                f"the database {name!r} is not empty ({', '.join(occupied)}); use --force to empty it"
            )
        salt = hashlib.sha256(f"marquee-bench-salt-{seed}".encode()).digest()[:16]
        password_hash = await asyncio.to_thread(HASHER.hash, BENCH_PASSWORD, salt=salt)
        generator = CatalogGenerator(
            Plan(movies), seed, password_hash=password_hash, permissions=list(rt.settings.default_user_permissions)
        )
        summary = _load(db, generator, occupied, progress or Progress(disable=True), batch_size)
    finally:
        client.close()
    if occupied:
        # generated ids repeat for the same seed: no cached movie, aggregate or listing may survive
        await rt.redis.flushdb()
    await ensure_admin(rt.settings.seed_admin_username, rt.settings.seed_admin_password)
    await movie_cache().listing_changed()
    await people_changed()
    return summary
