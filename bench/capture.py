"""The data of a size and what is measured in-process: the generated catalog, then one capture
of every probed request (``python -m bench.probe capture``): round trips, query plans, and the
commands the raw floor replays."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from pymongo import MongoClient

from bench.cases import PAGES, Catalog, explain_matrix, listings
from bench.generate import BENCH_PASSWORD
from bench.harness import Harness
from bench.probe import PAGE_SIZES, explain_commands
from bench.stack import Stack

Captured = dict[tuple[str, int], dict[str, Any]]


def probe(stack: Stack, kind: str, spec: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
    """Run ``python -m bench.probe KIND`` on ``spec`` in the stack's environment; its JSON result."""
    with tempfile.TemporaryDirectory(prefix="bench-probe-") as tmp:
        source, target = Path(tmp) / "in.json", Path(tmp) / "out.json"
        source.write_text(json.dumps(spec))
        result = stack.run_python(
            "-m", "bench.probe", kind, str(source), str(target), timeout=timeout, LOG_LEVEL="WARNING"
        )
        if result.returncode != 0 or not target.exists():
            raise RuntimeError(f"bench.probe {kind} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
        return dict(json.loads(target.read_text()))


class CaptureCases(Harness):
    """The catalog of a size and the capture pass (round trips, plans, commands for the raw floor)."""

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
        result = probe(stack, "capture", spec)
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
