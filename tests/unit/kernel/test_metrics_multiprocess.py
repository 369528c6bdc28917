"""With PROMETHEUS_MULTIPROC_DIR set, /metrics sums the counters of every server process."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.support import ROOT

SCRIPT = textwrap.dedent(
    """
    import sys
    from app.kernel.observability import HTTP_REQUESTS
    HTTP_REQUESTS.labels("GET", "/healthz", "200").inc(int(sys.argv[1]))
    """
)
READ = textwrap.dedent(
    """
    from prometheus_client import generate_latest
    from app.kernel.ops import metrics_registry
    print(generate_latest(metrics_registry()).decode())
    """
)


def test_counters_of_several_processes_are_summed(tmp_path: Path) -> None:
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    for increment in ("3", "4"):  # two "server workers", each with its own process
        subprocess.run([sys.executable, "-c", SCRIPT, increment], cwd=ROOT, env=env, check=True)
    output = subprocess.run(
        [sys.executable, "-c", READ], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    assert 'marquee_http_requests_total{method="GET",route="/healthz",status="200"} 7.0' in output
