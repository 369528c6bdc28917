"""One benchmark run: for each catalog size a fresh stack, the generated catalog, then every case."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psutil
import redis
from pymongo import MongoClient
from rich.console import Console

from bench import report
from bench.cases import PAGES, Catalog, Listing, explain_matrix, listings
from bench.generate import BENCH_PASSWORD
from bench.load import Spec, load_tool, run_load
from bench.probe import PAGE_SIZES, explain_commands
from bench.stack import ROOT, ApiServer, Stack, settle
from bench.workloads import export_once, freshness, freshness_worker

JSON = {"Content-Type": "application/json"}
GROUPS = ("bare", "list", "raw", "detail", "saved", "login", "rating", "freshness", "export", "roundtrips", "explain")
Captured = dict[tuple[str, int], dict[str, Any]]
CELERY_QUEUE = "celery"  # the default queue's Redis list
T = TypeVar("T")


@dataclass
class Options:
    sizes: list[int]
    duration: float
    concurrency: list[int]
    server: str
    compare_uvicorn: bool
    tool: str
    groups: set[str]
    request_timeout: float
    db_timeout_ms: int
    freshness_rate: float
    freshness_duration: float
    freshness_sample: int
    tokens: int
    settle_timeout: float
    keep_data: bool
    output: Path
    seed: int
    include: Path | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "sizes": self.sizes,
            "duration_s": self.duration,
            "concurrency": self.concurrency,
            "server": self.server,
            "compare_uvicorn": self.compare_uvicorn,
            "load_tool": self.tool,
            "groups": sorted(self.groups),
            "request_timeout_s": self.request_timeout,
            "api_db_timeout_ms": self.db_timeout_ms,
            "freshness_rate": self.freshness_rate,
            "freshness_duration_s": self.freshness_duration,
            "freshness_sample_every": self.freshness_sample,
            "seed": self.seed,
        }


class CacheBuster:
    """Deletes the cached movie details every ``interval`` seconds (keeps a "cold" case cold when
    the catalog is too small for every request to name a new movie)."""

    def __init__(self, redis_url: str, interval: float = 0.2) -> None:
        self._client = redis.Redis.from_url(redis_url)
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            keys = list(self._client.scan_iter(match="marquee:cache:movie:*", count=1000))
            if keys:
                self._client.delete(*keys)

    def __enter__(self) -> CacheBuster:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._client.close()


@dataclass
class Bench:
    options: Options
    console: Console = field(default_factory=lambda: Console(width=160))
    cases: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tool = load_tool(self.options.tool)

    def wants(self, group: str) -> bool:
        return group in self.options.groups

    def log(self, message: str) -> None:
        self.console.log(message)

    def record(self, case: dict[str, Any]) -> dict[str, Any]:
        server = f" [{case['server']}]" if case.get("server") else ""
        concurrency = f" c{case['concurrency']}" if case.get("concurrency") is not None else ""
        case["name"] = f"{case['size']} {case['group']}: {case['case']}{concurrency}{server}"
        self.cases.append(case)
        return case

    # -- the whole run --------------------------------------------------------------------------

    def run(self) -> Path:
        started = time.time()
        machine = report.machine({**self.options.as_json(), "load_tool": self.tool})
        partial = self.options.output / "tmp"
        for size in self.options.sizes:
            self.run_size(size)
            report.write({"machine": machine, "cases": self.cases, "goals": {}}, partial)
        machine["load_average_end"] = [round(value, 2) for value in os.getloadavg()]
        machine["wall_seconds"] = round(time.time() - started, 1)
        cases, sizes = self.cases, self.options.sizes
        if self.options.include is not None:
            # sizes measured by an earlier run of the same harness (say, 1k), reported side by side
            earlier = json.loads(self.options.include.read_text())
            kept = [case for case in earlier["cases"] if case["size"] not in sizes]
            machine["included_from"] = {"file": self.options.include.name, "machine": earlier["machine"]}
            cases = kept + cases
            sizes = sorted({case["size"] for case in kept} | set(sizes))
        result = {"machine": machine, "cases": cases, "goals": report.goals(cases, sizes)}
        path = report.write(result, self.options.output)
        report.print_report(result, self.console)
        self.console.print(f"written: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        return path

    def run_size(self, size: int) -> None:
        label = f"{size // 1000}k" if size % 1000 == 0 else str(size)
        self.log(f"[bold]catalog of {size:,} movies[/bold]: starting SecantusDB and redis-server")
        stack = Stack.start(label)
        try:
            self.generate(stack, size)
            catalog = Catalog.read(stack.mongodb_url, stack.database, seed=self.options.seed)
            captured: Captured = self.guarded(size, "capture", lambda: self.capture(stack, size, catalog)) or {}
            if self.wants("bare"):
                self.guarded(
                    size, "bare", lambda: self.with_api(stack, "bench.bare_app:create_app", self.bare_cases, size)
                )
            api = stack.start_api(self.options.server, db_timeout_ms=self.options.db_timeout_ms)
            try:
                tokens = self.tokens(api, catalog)
                self.http_cases(stack, size, api, catalog, tokens, captured)
                if self.wants("freshness"):
                    self.guarded(size, "freshness", lambda: self.freshness(stack, size, api, catalog))
                if self.wants("export"):
                    self.guarded(size, "export", lambda: self.exports(stack, size, api, tokens[0]))
                if self.wants("rating"):
                    self.guarded(size, "rating", lambda: self.rating_cases(stack, size, api, catalog, tokens))
            finally:
                api.stop()
            if self.options.compare_uvicorn and size == self.options.sizes[0]:
                self.guarded(size, "uvicorn", lambda: self.compare_uvicorn(stack, size, catalog))
        finally:
            stack.stop(keep=self.options.keep_data)
            if self.options.keep_data:
                self.log(f"data kept in {stack.data_dir}")

    def guarded(self, size: int, group: str, work: Callable[[], T]) -> T | None:
        """Run one group of cases; a failure is recorded as a failed case and the run goes on."""
        try:
            return work()
        except Exception as exc:  # noqa: BLE001 - the report says what failed; the other groups still run
            self.log(f"[red]{group} failed at {size:,} movies: {type(exc).__name__}: {str(exc)[:500]}")
            self.record(
                {"size": size, "group": "failure", "case": group, "errors": 1, "error": f"{type(exc).__name__}: {exc}"}
            )
            return None

    def with_api(self, stack: Stack, app: str, cases: Callable[[Stack, int, ApiServer], None], size: int) -> None:
        server = stack.start_api(self.options.server, app=app)
        try:
            cases(stack, size, server)
        finally:
            server.stop()

    # -- data -------------------------------------------------------------------------------------

    def generate(self, stack: Stack, size: int) -> None:
        self.log(f"generating {size:,} movies (python -m bench.generate)")
        started = time.perf_counter()
        result = stack.run_python("-m", "bench.generate", "--movies", str(size), "--seed", str(self.options.seed))
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            raise RuntimeError(f"bench.generate failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        client: MongoClient[dict[str, Any]] = MongoClient(stack.mongodb_url)
        try:
            db = client[stack.database]
            counts = {name: db[name].estimated_document_count() for name in db.list_collection_names()}
        finally:
            client.close()
        self.record(
            {
                "size": size,
                "group": "generate",
                "case": "synthetic catalog",
                "seconds": round(seconds, 1),
                "documents": sum(counts.values()),
                "collections": counts,
            }
        )

    def capture(self, stack: Stack, size: int, catalog: Catalog) -> Captured:
        """One in-process pass over every probed request (``python -m bench.probe capture``):
        round trips per request, the plans of the listings' commands, and those commands (keyed by
        listing and page) for the raw floor and the cached-page check of the load cases."""
        self.log("capturing each request's MongoDB commands (in-process app, command monitoring)")
        user_index = max(
            range(len(catalog.user_ids)), key=lambda i: len(catalog.saved_countries.get(catalog.user_ids[i], []))
        )
        country = (catalog.saved_countries.get(catalog.user_ids[user_index]) or ["US"])[0]
        movie = catalog.movie_ids[-1]
        targets: list[dict[str, Any]] = []
        for listing in listings(catalog.genre_id):
            for page_size in PAGE_SIZES:
                route = f"GET /v1/movies {listing.name}"
                targets.append(
                    {"kind": "list", "route": route, "page_size": page_size, "path": listing.path(1, page_size)}
                )
            for page in PAGES:
                targets.append({"kind": "load", "route": listing.name, "page": page, "path": listing.path(page)})
        for page_size in PAGE_SIZES:
            for route, path in (
                ("GET /v1/users/me/saved-movies", f"/v1/users/me/saved-movies?country={country}&"),
                ("GET /v1/movies/{id}/ratings", f"/v1/movies/{movie}/ratings?"),
                ("GET /v1/users/me/ratings", "/v1/users/me/ratings?"),
            ):
                targets.append(
                    {"kind": "list", "route": route, "page_size": page_size, "path": f"{path}page_size={page_size}"}
                )
        targets.append(
            {"kind": "detail", "route": "GET /v1/movies/{id}", "page_size": None, "path": f"/v1/movies/{movie}"}
        )
        # not judged: where a write's time goes (the first PUT creates the rating, the second replaces it)
        targets.append(
            {
                "kind": "write",
                "route": "PUT /v1/movies/{id}/rating",
                "page_size": None,
                "path": f"/v1/movies/{movie}/rating",
                "method": "PUT",
                "json": {"score": 7},
            }
        )
        if self.wants("explain"):
            matrix = explain_matrix(catalog.genre_id, catalog.director_id, catalog.actor_id, catalog.user_ids[0])
            targets += [{"kind": "explain", "route": listing.name, "path": listing.path(1)} for listing in matrix]
        spec = {"username": catalog.usernames[user_index], "password": BENCH_PASSWORD, "targets": targets}
        result = self.probe(stack, "capture", spec)
        captured: Captured = {}
        for row in result["requests"]:
            uncached, cached = row["uncached"], row["cached"]
            if row["kind"] == "load":
                captured[(row["route"], row["page"])] = row
            elif row["kind"] == "explain":
                self.explain(stack, size, row)
            elif self.wants("roundtrips"):
                self.record(
                    {
                        "size": size,
                        "group": "roundtrips",
                        "case": f"{row['route']} page_size={row['page_size']}",
                        "kind": row["kind"],
                        "route": row["route"],
                        "page_size": row["page_size"],
                        "status": uncached["status"],
                        "errors": 0 if uncached["status"] in (200, 201) else 1,
                        "uncached_round_trips": uncached["mongo_round_trips"],
                        "cached_round_trips": cached["mongo_round_trips"],
                        "uncached_commands": uncached["mongo_commands"],
                        "uncached_command_ms": uncached["mongo_ms"],
                        "cached_commands": cached["mongo_commands"],
                        "cached_command_ms": cached["mongo_ms"],
                        "uncached_redis_commands": uncached["redis_commands"],
                        "cached_redis_commands": cached["redis_commands"],
                        "uncached_ms": uncached["ms"],
                        "cached_ms": cached["ms"],
                    }
                )
        return captured

    def explain(self, stack: Stack, size: int, row: dict[str, Any]) -> None:
        """The plan of each command a listing sent (the metadata count of an unfiltered listing
        has no plan)."""
        commands = row["uncached"]["movie_commands"]
        plans = [
            plan
            for plan in explain_commands(stack.mongodb_url, stack.database, commands)
            if plan["command"] in ("find", "aggregate")
        ]
        self.record(
            {
                "size": size,
                "group": "explain",
                "case": row["route"],
                "path": row["path"],
                "plans": plans,
                "indexes": sorted({index for plan in plans for index in plan["indexes"]}),
                "collscan": any(plan["collscan"] for plan in plans),
                "unexplained": [cmd.split('"', 2)[1] for cmd in commands][len(plans) :],
            }
        )

    def probe(self, stack: Stack, kind: str, spec: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="bench-probe-") as tmp:
            source, target = Path(tmp) / "in.json", Path(tmp) / "out.json"
            source.write_text(json.dumps(spec))
            result = stack.run_python(
                "-m", "bench.probe", kind, str(source), str(target), timeout=timeout, LOG_LEVEL="WARNING"
            )
            if result.returncode != 0 or not target.exists():
                raise RuntimeError(f"bench.probe {kind} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
            return dict(json.loads(target.read_text()))

    # -- HTTP load ------------------------------------------------------------------------------

    def tokens(self, api: ApiServer, catalog: Catalog) -> list[str]:
        tokens = []
        with httpx.Client(base_url=api.base_url, timeout=120) as client:
            for username in catalog.usernames[: self.options.tokens]:
                response = client.post("/v1/auth/login", json={"login": username, "password": BENCH_PASSWORD})
                response.raise_for_status()
                tokens.append(str(response.json()["access_token"]))
        return tokens

    def watched(self, stack: Stack, api: ApiServer) -> list[psutil.Process]:
        return stack.server_processes() + api.process.tree()

    def load_case(
        self,
        stack: Stack,
        api: ApiServer,
        size: int,
        group: str,
        case: str,
        spec: Spec,
        concurrency: int,
        *,
        warm: int = 1,
        during: Callable[[], Any] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Warm up (timing the first request alone: the idle latency), load, then let the servers settle."""
        idle_ms, idle_status = None, None
        with httpx.Client(base_url=api.base_url, timeout=self.options.request_timeout) as client:
            for index, (path, body, token) in enumerate(spec.items[:warm]):
                headers = dict(spec.headers)
                if token is not None:
                    headers["Authorization"] = f"Bearer {spec.tokens[token]}"
                started = time.perf_counter()
                try:
                    response = client.request(spec.method, path, headers=headers, content=body)
                except httpx.HTTPError as exc:
                    idle_status = idle_status or type(exc).__name__
                    continue
                if index == 0:
                    idle_ms = round((time.perf_counter() - started) * 1000, 2)
                    idle_status = response.status_code
        context = during() if during is not None else contextlib.nullcontext()
        try:
            with context:
                result = run_load(
                    self.tool, spec, api.base_url, concurrency, self.options.duration, self.options.request_timeout
                )
        except Exception as exc:  # noqa: BLE001 - recorded as a failed case
            result = {"tool": self.tool, "rps": 0.0, "p50_ms": None, "p99_ms": None, "errors": 1, "error": repr(exc)}
        waited = settle(self.watched(stack, api), timeout=self.options.settle_timeout)
        row = self.record(
            {
                "size": size,
                "group": group,
                "case": case,
                "server": api.server,
                "concurrency": concurrency,
                "idle_ms": idle_ms,
                "idle_status": idle_status,
                **result,
                "settle_s": round(waited, 1),
                **extra,
            }
        )
        self.log(
            f"{row['name']}: {row['rps']} req/s, p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms, errors {row['errors']}"
        )
        return row

    def bare_cases(self, stack: Stack, size: int, bare: ApiServer) -> None:
        spec = Spec("GET", [("/bare", None, None)])
        for concurrency in self.options.concurrency:
            self.load_case(stack, bare, size, "bare", "bare Litestar GET /bare", spec, concurrency, warm=20)

    def raw_case(
        self, stack: Stack, size: int, listing: Listing, page: int, concurrency: int, commands: list[str]
    ) -> None:
        spec = {
            "commands": commands,
            "concurrency": concurrency,
            "duration": self.options.duration,
            "timeout_ms": int(self.options.request_timeout * 1000),
        }
        result = self.probe(stack, "rawfloor", spec, timeout=self.options.duration + self.options.request_timeout + 120)
        waited = settle(stack.server_processes(), timeout=self.options.settle_timeout)
        row = self.record(
            {
                "size": size,
                "group": "raw",
                "case": f"raw PyMongo {listing.name} page {page}",
                "server": "pymongo",
                "concurrency": concurrency,
                "listing": listing.name,
                "page": page,
                "tool": "pymongo",
                "commands": [cmd.split('"', 2)[1] for cmd in commands],
                **result,
                "settle_s": round(waited, 1),
            }
        )
        self.log(f"{row['name']}: {row['rps']} ops/s, p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms")

    def http_cases(
        self, stack: Stack, size: int, api: ApiServer, catalog: Catalog, tokens: list[str], captured: Captured
    ) -> None:
        concurrencies = self.options.concurrency
        rotate = range(len(tokens))
        if self.wants("list") or self.wants("raw"):
            for listing in listings(catalog.genre_id):
                for page in PAGES:
                    spec = Spec("GET", [(listing.path(page), None, i) for i in rotate], tokens=tokens)
                    capture = captured.get((listing.name, page))
                    # a page the catalog caches needs no database at all the second time
                    cached = capture is not None and capture["cached"]["mongo_round_trips"] == 0
                    for concurrency in concurrencies:
                        if self.wants("list"):
                            self.load_case(
                                stack,
                                api,
                                size,
                                "list",
                                f"GET /v1/movies {listing.name} page {page}{' (cached page)' if cached else ''}",
                                spec,
                                concurrency,
                                listing=listing.name,
                                page=page,
                                cached_page=cached,
                            )
                        if self.wants("raw") and capture is not None:
                            commands = capture["uncached"]["movie_commands"]
                            raw = functools.partial(self.raw_case, stack, size, listing, page, concurrency, commands)
                            self.guarded(size, "raw", raw)
        if self.wants("detail"):
            cold_ids = catalog.movie_ids[:50_000]
            cold = Spec(
                "GET", [(f"/v1/movies/{m}", None, i % len(tokens)) for i, m in enumerate(cold_ids)], tokens=tokens
            )
            warm_ids = catalog.movie_ids[:50]
            hot = Spec(
                "GET", [(f"/v1/movies/{m}", None, i % len(tokens)) for i, m in enumerate(warm_ids)], tokens=tokens
            )
            for concurrency in concurrencies:
                self.load_case(
                    stack,
                    api,
                    size,
                    "detail",
                    "GET /v1/movies/{id} cold (distinct ids, detail cache flushed)",
                    cold,
                    concurrency,
                    during=lambda: CacheBuster(stack.redis_url),
                    variant="cold",
                )
                self.load_case(
                    stack,
                    api,
                    size,
                    "detail",
                    "GET /v1/movies/{id} cached (50 warm ids)",
                    hot,
                    concurrency,
                    warm=len(hot.items),
                    variant="cached",
                )
        if self.wants("saved"):
            items: list[tuple[str, str | None, int | None]] = []
            for index in rotate:
                for country in catalog.saved_countries.get(catalog.user_ids[index], ["US"]):
                    items.append((f"/v1/users/me/saved-movies?country={country}", None, index))
            spec = Spec("GET", items, tokens=tokens)
            for concurrency in concurrencies:
                self.load_case(stack, api, size, "saved", "GET /v1/users/me/saved-movies?country=..", spec, concurrency)
        if self.wants("login"):
            argon2 = self.argon2(stack)
            bodies = [
                ("/v1/auth/login", json.dumps({"login": name, "password": BENCH_PASSWORD}), None)
                for name in catalog.usernames[: max(1, self.options.tokens)]
            ]
            spec = Spec("POST", bodies, headers=JSON)
            for concurrency in concurrencies:
                self.load_case(stack, api, size, "login", "POST /v1/auth/login", spec, concurrency, argon2=argon2)

    def argon2(self, stack: Stack) -> dict[str, Any]:
        client: MongoClient[dict[str, Any]] = MongoClient(stack.mongodb_url)
        try:
            user = client[stack.database].users.find_one({"username": {"$regex": "^bench"}}, {"password_hash": 1})
        finally:
            client.close()
        return report.argon2_parameters(str((user or {}).get("password_hash", "")))

    def rating_cases(self, stack: Stack, size: int, api: ApiServer, catalog: Catalog, tokens: list[str]) -> None:
        ids = catalog.movie_ids[:20_000]
        spec = Spec(
            "PUT",
            [(f"/v1/movies/{m}/rating", json.dumps({"score": 1 + i % 10}), i % len(tokens)) for i, m in enumerate(ids)],
            tokens=tokens,
            headers=JSON,
        )
        for concurrency in self.options.concurrency:
            self.load_case(stack, api, size, "rating", "PUT /v1/movies/{id}/rating", spec, concurrency)

    # -- workloads with a real worker -----------------------------------------------------------

    def freshness(self, stack: Stack, size: int, api: ApiServer, catalog: Catalog) -> None:
        rate, duration = self.options.freshness_rate, self.options.freshness_duration
        self.log(f"aggregate freshness: {rate:.0f} rating writes/s for {duration:.0f} s with a real worker")
        worker = freshness_worker(stack)
        try:
            result = asyncio.run(
                freshness(
                    stack,
                    api.base_url,
                    catalog.movie_ids[50:-1],  # not the capture's detail movie (rated there)
                    rate=rate,
                    duration=duration,
                    sample_every=self.options.freshness_sample,
                    poll_interval=0.1,
                    visible_timeout=30.0,
                )
            )
            backlog, drain_s, purged = self.drain_queue(stack)
        finally:
            worker.stop()
        waited = settle(self.watched(stack, api), timeout=self.options.settle_timeout)
        row = self.record(
            {
                "size": size,
                "group": "freshness",
                "case": f"rating aggregate freshness at {rate:.0f} writes/s",
                **result,
                "queue_after_writes": backlog,
                "queue_drain_s": drain_s,
                "queue_purged": purged,
            }
        )
        row["settle_s"] = round(waited, 1)
        self.log(f"{row['name']}: p50 {row['freshness_p50_s']} s, p99 {row['freshness_p99_s']} s")

    def drain_queue(self, stack: Stack, limit: float = 180.0) -> tuple[int, float | None, int]:
        """Let the worker work off the recompute tasks the writes left queued (``limit`` seconds at
        most), so the exports that follow do not queue behind them; what is left is purged.
        Returns (tasks queued when the writes ended, seconds to drain or None, tasks purged)."""
        client = redis.Redis.from_url(stack.redis_url)
        try:
            backlog = int(client.llen(CELERY_QUEUE))
            started = time.monotonic()
            while client.llen(CELERY_QUEUE) and time.monotonic() - started < limit:
                time.sleep(0.5)
            left = int(client.llen(CELERY_QUEUE))
            if left:
                client.delete(CELERY_QUEUE)
            return backlog, None if left else round(time.monotonic() - started, 1), left
        finally:
            client.close()

    def exports(self, stack: Stack, size: int, api: ApiServer, token: str) -> None:
        for variant, filters, label in (
            ("partial", {"country": "NZ"}, "export of ~10% (country=NZ)"),
            ("full", {}, "export of the whole catalog"),
        ):
            self.log(f"{label}: a fresh worker builds the CSV")
            result = asyncio.run(export_once(stack, api.base_url, token, filters, label, timeout=3600))
            row = self.record({"size": size, "group": "export", "case": label, "variant": variant, **result})
            self.log(
                f"{row['name']}: {row['status']} {row['rows']} rows, {row['rows_per_second']} rows/s, "
                f"peak RSS {row['child_peak_rss_mb']} MB"
            )

    def compare_uvicorn(self, stack: Stack, size: int, catalog: Catalog) -> None:
        """The same server-bound cases under uvicorn (workers = cores), for bench/README.md."""
        self.log("server comparison: uvicorn")
        bare = stack.start_api("uvicorn", app="bench.bare_app:create_app")
        try:
            spec = Spec("GET", [("/bare", None, None)])
            for concurrency in self.options.concurrency:
                self.load_case(stack, bare, size, "bare", "bare Litestar GET /bare", spec, concurrency, warm=20)
        finally:
            bare.stop()
        api = stack.start_api("uvicorn", db_timeout_ms=self.options.db_timeout_ms)
        try:
            tokens = self.tokens(api, catalog)
            hot = Spec(
                "GET",
                [(f"/v1/movies/{m}", None, i % len(tokens)) for i, m in enumerate(catalog.movie_ids[:50])],
                tokens=tokens,
            )
            default = listings(catalog.genre_id)[0]
            page = Spec("GET", [(default.path(1), None, i) for i in range(len(tokens))], tokens=tokens)
            for concurrency in self.options.concurrency:
                self.load_case(
                    stack, api, size, "detail", "GET /v1/movies/{id} cached (50 warm ids)", hot, concurrency,
                    warm=len(hot.items), variant="cached",
                )  # fmt: skip
                self.load_case(
                    stack, api, size, "list", f"GET /v1/movies {default.name} page 1 (cached page)", page, concurrency,
                    listing=default.name, page=1, cached_page=True,
                )  # fmt: skip
        finally:
            api.stop()


def main(options: Options) -> Path:
    if sys.platform != "linux":
        raise SystemExit("the bench reads /proc: run it on Linux")
    return Bench(options).run()
