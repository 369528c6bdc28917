"""Field types shared by the catalog's request models and filters."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints

OBJECT_ID_PATTERN = r"^[0-9a-fA-F]{24}$"
COUNTRY_CODE_PATTERN = r"^[A-Z]{2}$"
YEAR_MIN, YEAR_MAX = 1878, 2100
RUNTIME_MIN, RUNTIME_MAX = 1, 1000
TITLE_MAX = 200
SYNOPSIS_MAX = 5000
CHARACTER_MAX = 200
CAST_MAX = 200
GENRES_MAX = 20
COUNTRIES_MAX = 250


def _require_int(value: object) -> object:
    """JSON integers only: no "2016", no 107.0, no true (whatever strictness the caller asks for)."""
    if type(value) is not int:
        raise ValueError("must be an integer")
    return value


StrictInteger = Annotated[int, BeforeValidator(_require_int)]
ObjectIdStr = Annotated[
    str, StringConstraints(pattern=OBJECT_ID_PATTERN, to_lower=True), Field(description="a 24-hex id")
]
CountryCode = Annotated[
    str, StringConstraints(pattern=COUNTRY_CODE_PATTERN), Field(description="ISO 3166-1 alpha-2, upper case")
]
Year = Annotated[StrictInteger, Field(ge=YEAR_MIN, le=YEAR_MAX)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX)]
Synopsis = Annotated[str, StringConstraints(strip_whitespace=True, max_length=SYNOPSIS_MAX)]
Runtime = Annotated[StrictInteger, Field(ge=RUNTIME_MIN, le=RUNTIME_MAX, description="minutes, 1-1000")]
Character = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=CHARACTER_MAX)]
