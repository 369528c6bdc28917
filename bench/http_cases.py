"""The HTTP load cases: each drives the API (or the bare app) from a load generator in its own
process (``bench.load``), after a warm-up that times the idle latency, then waits for the
servers to settle; and the raw-PyMongo floor of each listing (``python -m bench.probe rawfloor``)."""

from __future__ import annotations

import contextlib
import functools
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import redis
from pymongo import MongoClient

from bench.capture import Captured, probe
from bench.cases import PAGES, Catalog, Listing, listings
from bench.generate import BENCH_PASSWORD
from bench.goals import argon2_parameters, route_commands
from bench.harness import Harness
from bench.load import Spec, run_load
from bench.stack import ApiServer, Stack, settle, watched

JSON = {"Content-Type": "application/json"}


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


def password_hashing(stack: Stack) -> dict[str, Any]:
    """The argon2 parameters of a generated user's password hash."""
    client: MongoClient[dict[str, Any]] = MongoClient(stack.mongodb_url)
    try:
        user = client[stack.database].users.find_one({"username": {"$regex": "^bench"}}, {"password_hash": 1})
    finally:
        client.close()
    return argon2_parameters(str((user or {}).get("password_hash", "")))


CHAIN_CASE = "GET /healthz (the middleware chain alone)"
CHAIN = Spec("GET", [("/healthz", None, None)])


class HttpCases(Harness):
    """The load cases against the API and the bare app, the raw floors, the uvicorn comparison."""

    def tokens(self, api: ApiServer, catalog: Catalog) -> list[str]:
        tokens = []
        with httpx.Client(base_url=api.base_url, timeout=120) as client:
            for username in catalog.usernames[: self.options.tokens]:
                response = client.post("/v1/auth/login", json={"login": username, "password": BENCH_PASSWORD})
                response.raise_for_status()
                tokens.append(str(response.json()["access_token"]))
        return tokens

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
        idle_ms: float | None = None
        idle_status: int | str | None = None
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
        waited = settle(watched(stack, api), timeout=self.options.settle_timeout)
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
        self, stack: Stack, size: int, listing: Listing, page: int, concurrency: int, commands: list[str], reads: str
    ) -> None:
        spec = {
            "commands": commands,
            "concurrency": concurrency,
            "duration": self.options.duration,
            "timeout_ms": int(self.options.request_timeout * 1000),
        }
        result = probe(stack, "rawfloor", spec, timeout=self.options.duration + self.options.request_timeout + 120)
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
                "reads": reads,
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
                    # a page the catalog caches needs no database at all the second time (the
                    # caller's amortised auth-state check is not the route's)
                    cached = capture is not None and not route_commands(capture["cached"]["mongo_commands"])
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
                            # the database's share of what the load case repeats: the commands of
                            # the repeated request (a page read again by its remembered ids), or of
                            # the first one when the repeat needs no database (a cached page)
                            repeat = capture["cached"]["movie_commands"]
                            commands = repeat or capture["uncached"]["movie_commands"]
                            raw = functools.partial(
                                self.raw_case,
                                stack,
                                size,
                                listing,
                                page,
                                concurrency,
                                commands,
                                "repeat" if repeat else "first",
                            )
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
                # the floor of every Marquee route: the app's middleware chain (request id, security
                # headers, access log, metrics) around a constant answer, without Redis or MongoDB
                self.load_case(stack, api, size, "detail", CHAIN_CASE, CHAIN, concurrency, warm=20, variant="chain")
        if self.wants("saved"):
            items: list[tuple[str, str | None, int | None]] = []
            for index in rotate:
                for country in catalog.saved_countries.get(catalog.user_ids[index], ["US"]):
                    items.append((f"/v1/users/me/saved-movies?country={country}", None, index))
            spec = Spec("GET", items, tokens=tokens)
            for concurrency in concurrencies:
                self.load_case(stack, api, size, "saved", "GET /v1/users/me/saved-movies?country=..", spec, concurrency)
        if self.wants("login"):
            argon2 = password_hashing(stack)
            bodies = [
                ("/v1/auth/login", json.dumps({"login": name, "password": BENCH_PASSWORD}), None)
                for name in catalog.usernames[: max(1, self.options.tokens)]
            ]
            spec = Spec("POST", bodies, headers=JSON)
            for concurrency in concurrencies:
                self.load_case(stack, api, size, "login", "POST /v1/auth/login", spec, concurrency, argon2=argon2)

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
