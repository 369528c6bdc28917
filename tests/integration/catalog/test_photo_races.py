"""Concurrent uploads of one director's photo: each answers 200, one photo stays, no orphan.

An upload retries its compare-and-set when another upload swapped the photo since it read it, at
most ``PHOTO_SWAP_ATTEMPTS`` times. Each of its losses is caused by a different upload's success,
so of N concurrent uploads none loses more than N - 1 times: with N = PHOTO_SWAP_ATTEMPTS every one
succeeds (with one more, the last could be overtaken every time and answer 503 by design).
"""

from __future__ import annotations

import asyncio

import httpx

from app.kernel import runtime
from modules.catalog.services._reference import PHOTO_SWAP_ATTEMPTS
from tests.integration.accounts import Account
from tests.integration.catalog.test_photos import photo_key, png, upload


async def test_concurrent_uploads_leave_one_photo_and_no_orphans(api: httpx.AsyncClient, member: Account) -> None:
    created = await api.post("/v1/directors", json={"name": "Agnès Varda"}, headers=member.headers)
    assert created.status_code == 201
    director_id = created.json()["id"]
    images = [png(width, 1) for width in range(1, PHOTO_SWAP_ATTEMPTS + 1)]
    responses = await asyncio.gather(*(upload(api, member, director_id, image, "image/png") for image in images))
    assert [response.status_code for response in responses] == [200] * len(images)
    key = await photo_key(director_id)
    assert key is not None
    folder = runtime.current().settings.data_dir / "storage" / "directors" / director_id
    # every replaced photo was deleted by the upload that replaced it (or by its own loser)
    assert sorted(path.name for path in folder.iterdir()) == [key.rsplit("/", 1)[-1]]
