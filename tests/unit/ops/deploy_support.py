"""What the deployment-artifact tests share: the repository paths and readers of compose files
and env templates."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"


class ComposeLoader(yaml.SafeLoader):  # type: ignore[misc]
    """YAML with Compose's merge tags (`!override`, `!reset`) read as plain values."""


def _tagged(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


ComposeLoader.add_multi_constructor("!", _tagged)


def compose(name: str) -> dict[str, Any]:
    document = yaml.load((ROOT / name).read_text(), Loader=ComposeLoader)
    assert isinstance(document, dict)
    return document


def command(service: dict[str, Any]) -> list[str]:
    command = service["command"]
    return command if isinstance(command, list) else shlex.split(command)


def env_keys(path: Path) -> dict[str, str]:
    pairs = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key] = value
    return pairs
