"""One benchmark run: for each catalog size a fresh stack, the generated catalog, then every case."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import report
from bench.capture import CaptureCases, Captured
from bench.cases import Catalog
from bench.goals import goals
from bench.harness import Options
from bench.http_cases import HttpCases
from bench.stack import ROOT, ApiServer, Stack
from bench.worker_cases import WorkerCases


class Bench(CaptureCases, HttpCases, WorkerCases):
    """The whole run: the sizes in turn, each on its own stack, then the report."""

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
        result = {"machine": machine, "cases": cases, "goals": goals(cases, sizes)}
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

    def with_api(self, stack: Stack, app: str, cases: Callable[[Stack, int, ApiServer], None], size: int) -> None:
        server = stack.start_api(self.options.server, app=app)
        try:
            cases(stack, size, server)
        finally:
            server.stop()


def main(options: Options) -> Path:
    if sys.platform != "linux":
        raise SystemExit("the bench reads /proc: run it on Linux")
    return Bench(options).run()
