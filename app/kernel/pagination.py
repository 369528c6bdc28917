"""The paged envelope and the shared ``page``/``page_size`` query parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from litestar.params import Parameter
from pydantic import BaseModel

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 100_000


@dataclass(frozen=True, slots=True)
class PageParams:
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @property
    def skip(self) -> int:
        return (self.page - 1) * self.page_size

    @property
    def limit(self) -> int:
        return self.page_size


class Page(BaseModel, Generic[T]):
    """``{"data": [...], "page": 1, "page_size": 20, "total": 123}``."""

    data: list[T]
    page: int
    page_size: int
    total: int


def provide_page_params(
    page: Annotated[int, Parameter(ge=1, le=MAX_PAGE, description="1-based page number")] = 1,
    page_size: Annotated[
        int, Parameter(ge=1, le=MAX_PAGE_SIZE, description=f"items per page (max {MAX_PAGE_SIZE})")
    ] = DEFAULT_PAGE_SIZE,
) -> PageParams:
    return PageParams(page=page, page_size=page_size)
