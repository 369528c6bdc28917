"""The findAndModify replacements: a conditional update as the atomic claim, read back by key."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from app.kernel.documents import update_and_read, update_one_of
from modules.identity.documents import User


@pytest.fixture
async def jobs(api: httpx.AsyncClient) -> AsyncIterator[AsyncCollection[Any]]:
    collection: AsyncCollection[Any] = User.get_pymongo_collection().database["kernel_documents_jobs"]
    await collection.create_index("code", unique=True)
    await collection.insert_many(
        [{"_id": 1, "code": "a", "status": "pending"}, {"_id": 2, "code": "b", "status": "done"}]
    )
    yield collection
    await collection.drop()


async def test_concurrent_claims_of_one_document_have_one_winner(jobs: AsyncCollection[Any]) -> None:
    async def claim(worker: int) -> dict[str, Any] | None:
        return await update_and_read(
            jobs, {"_id": 1}, {"$set": {"status": "running", "by": worker}}, where={"status": "pending"}
        )

    claimed = [found for found in await asyncio.gather(*(claim(worker) for worker in range(8))) if found is not None]
    assert len(claimed) == 1
    assert claimed[0]["status"] == "running"
    assert await jobs.find_one({"_id": 1}) == claimed[0]


async def test_any_of_tries_each_condition_and_nothing_matching_is_none(jobs: AsyncCollection[Any]) -> None:
    update = {"$set": {"status": "again"}}
    conditions = ({"status": "pending"}, {"status": "done"})
    assert await update_and_read(jobs, {"_id": 2}, update, any_of=conditions, projection={"status": 1}) == {
        "_id": 2,
        "status": "again",
    }
    assert await update_and_read(jobs, {"_id": 2}, update, any_of=conditions) is None
    assert await update_and_read(jobs, {"_id": 3}, update) is None
    assert await update_one_of(jobs, {"code": "a"}, update, where={"status": "pending"})
    assert not await update_one_of(jobs, {"code": "a"}, update, where={"status": "pending"})


async def test_a_duplicate_key_propagates(jobs: AsyncCollection[Any]) -> None:
    with pytest.raises(DuplicateKeyError):
        await update_and_read(jobs, {"_id": 2}, {"$set": {"code": "a"}})
    assert (await jobs.find_one({"_id": 2}) or {})["code"] == "b"
