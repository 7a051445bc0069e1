"""Data files shipped with the package: the published JSON Schema of report.json."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

__all__ = ["REPORT_SCHEMA_FILE", "report_schema"]

REPORT_SCHEMA_FILE = "report.schema.json"


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that every report.json satisfies.

    >>> report_schema()["properties"]["schema_version"]
    {'const': 1}
    """
    text = files(__name__).joinpath(REPORT_SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
