"""Migrations: empty -> head -> empty, idempotent re-runs, and the one source of truth for indexes."""

from __future__ import annotations

from typing import Any

import pytest
from pymongo import MongoClient

from app.composition import installed_modules
from app.kernel.settings import Settings
from migrations import runner

OPTION_KEYS = ("unique", "sparse", "expireAfterSeconds", "partialFilterExpression", "collation")


def _normalise(spec: dict[str, Any]) -> dict[str, Any]:
    key = spec["key"]
    items = list(key.items()) if isinstance(key, dict) else list(key)
    options = {name: spec[name] for name in OPTION_KEYS if name in spec}
    if "collation" in options:
        collation = dict(options["collation"])
        options["collation"] = {k: collation[k] for k in ("locale", "strength") if k in collation}
    if "partialFilterExpression" in options:
        options["partialFilterExpression"] = _plain(options["partialFilterExpression"])
    return {"key": [(str(field), int(direction)) for field, direction in items], **options}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def declared_indexes() -> dict[str, dict[str, dict[str, Any]]]:
    """Indexes the modules' Beanie documents declare, by collection and index name."""
    declared: dict[str, dict[str, dict[str, Any]]] = {}
    for module in installed_modules():
        for document in module.documents:
            settings = document.Settings
            by_name = declared.setdefault(settings.name, {})
            for index in getattr(settings, "indexes", []):
                spec = dict(index.document)
                by_name[spec.pop("name")] = _normalise(spec)
    return declared


def database_indexes(client: MongoClient[dict[str, Any]], db_name: str, collection: str) -> dict[str, dict[str, Any]]:
    found = {}
    for spec in client[db_name][collection].list_indexes():
        if spec["name"] == "_id_":
            continue
        found[spec["name"]] = _normalise(dict(spec))
    return found


@pytest.fixture
def scratch_db(settings: Settings) -> Any:
    name = f"{settings.mongodb_db}_migrations"
    assert settings.mongodb_url
    client: MongoClient[dict[str, Any]] = MongoClient(settings.mongodb_url)
    client.drop_database(name)
    yield client, name
    client.drop_database(name)
    client.close()


def test_declared_indexes_equal_migrated_indexes(settings: Settings, migrated: None) -> None:
    """The session database was migrated to head: every declared index exists exactly so, and
    the migrations create no index a document does not declare."""
    assert settings.mongodb_url
    with MongoClient[dict[str, Any]](settings.mongodb_url) as client:
        for collection, declared in declared_indexes().items():
            assert database_indexes(client, settings.mongodb_db, collection) == declared, collection


def test_up_down_up_and_idempotent(settings: Settings, scratch_db: Any) -> None:
    client, name = scratch_db
    assert settings.mongodb_url
    applied = runner.upgrade(settings.mongodb_url, name)
    all_names = [status.name for status in runner.status(settings.mongodb_url, name)]
    assert applied == all_names
    assert runner.upgrade(settings.mongodb_url, name) == []  # a second run does nothing
    for collection, declared in declared_indexes().items():
        assert database_indexes(client, name, collection) == declared, collection

    reverted = runner.downgrade(settings.mongodb_url, name)
    assert sorted(reverted) == sorted(all_names)
    assert not any(status.applied for status in runner.status(settings.mongodb_url, name))
    for collection in declared_indexes():
        if collection in client[name].list_collection_names():
            assert database_indexes(client, name, collection) == {}, collection
    assert runner.downgrade(settings.mongodb_url, name) == []  # idempotent down

    assert runner.upgrade(settings.mongodb_url, name) == all_names


def test_people_prefixes_migration_fills_the_people_already_stored(settings: Settings, scratch_db: Any) -> None:
    """0204 gives every stored director and actor the prefixes the catalog writes for a new one."""
    from modules.catalog.services import person_search_fields

    client, name = scratch_db
    assert settings.mongodb_url
    runner.upgrade(settings.mongodb_url, name, target="0203_catalog_stale_movie_ratings")
    names = ["Amélie Poulain", "Apichatpong Weerasethakul", "!!"]
    for kind in ("directors", "actors"):
        client[name][kind].insert_many(
            [
                {
                    "name": person,
                    "name_key": person.lower(),
                    "search_tokens": person_search_fields(person)["search_tokens"],
                }
                for person in names
            ]
        )
    runner.upgrade(settings.mongodb_url, name)
    for kind in ("directors", "actors"):
        stored = {person["name"]: person["search_prefixes"] for person in client[name][kind].find()}
        assert stored == {person: person_search_fields(person)["search_prefixes"] for person in names}, kind

    runner.downgrade(settings.mongodb_url, name, target="0203_catalog_stale_movie_ratings")
    for kind in ("directors", "actors"):
        assert all("search_prefixes" not in person for person in client[name][kind].find()), kind
        assert f"{kind}_search_tokens" in database_indexes(client, name, kind)
