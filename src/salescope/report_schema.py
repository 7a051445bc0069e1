"""The published JSON Schema of report.json, generated from the model.

The shape is ``salescope.render.json.ReportJson``: the model's dataclasses as they are,
and the few sections the writer reshapes declared beside it. Types become the schema
(``Literal`` sets become enums, ``Annotated`` bounds become minimum, maximum and lengths)
through pydantic; this module only closes every object (no unknown keys, every key
present, as ``asdict`` writes them all) and adds what a Python type cannot say: the
patterns of ids and hashes, the role names and which KPIs every report has.

The package ships the result as ``salescope/resources/report.schema.json``; a test fails
when the file and the model disagree. Rewrite the file after changing the model::

    .venv/bin/python -m salescope.report_schema
"""

from __future__ import annotations

import dataclasses
import json
import sys
import typing
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from salescope import model
from salescope.metrics.definitions import KPI_DEFINITIONS
from salescope.render.json import SCHEMA_VERSION, ReportJson
from salescope.resources import REPORT_SCHEMA_FILE
from salescope.schema.roles import ROLES

__all__ = ["build_schema", "schema_text"]

NAME = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}
SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}

# (definition, property) -> what the type cannot say
PROPERTY_PATCHES: dict[tuple[str, str], dict[str, Any]] = {
    ("RunInfo", "id"): {"type": "string", "pattern": r"^\d{8}_\d{6}_#[0-9a-f]{8}$"},
    ("RunInfo", "created_at"): {"type": "string", "format": "date-time"},
    ("RunInfo", "config_sha256"): SHA256,
    ("InputInfo", "sha256"): SHA256,
    ("KpiJson", "fact"): {"type": "string", "pattern": r"^kpi\.[a-z][a-z0-9_]*$"},
    ("RoleChoice", "role"): {"$ref": "#/$defs/role"},
}


def _without_titles(node: Any, names: bool = False) -> Any:
    """pydantic titles every schema after its name and copies field defaults: noise in a
    published schema (``names``: ``node`` maps property names to schemas)."""
    if isinstance(node, dict):
        return {
            k: _without_titles(v, names=k == "properties" and not names)
            for k, v in node.items()
            if names or k not in ("title", "default")
        }
    if isinstance(node, list):
        return [_without_titles(v) for v in node]
    return node


def _description(text: str) -> str:
    """A class docstring's first paragraph, without its doctest."""
    return " ".join(text.split("\n\n")[0].split())


def _closed(node: Any) -> Any:
    """Every object with properties: all of them required, no others allowed; a
    one-value enum is a ``const``."""
    if isinstance(node, dict):
        out = {k: _closed(v) for k, v in node.items()}
        if "properties" in out:
            out["required"] = list(out["properties"])
            out["additionalProperties"] = False
        if "description" in out and isinstance(out["description"], str):
            out["description"] = _description(out["description"])
        if "const" in out:
            out = {"const": out["const"]}
        return out
    if isinstance(node, list):
        return [_closed(v) for v in node]
    return node


def _derived_fields(defs: dict[str, Any]) -> None:
    """Fields computed in ``__post_init__`` (``init=False``) are written by ``asdict``
    but left out by pydantic: add them from their type."""
    for name, definition in defs.items():
        cls = getattr(model, name, None)
        if not dataclasses.is_dataclass(cls):
            continue
        hints = typing.get_type_hints(cls, include_extras=True)
        for f in dataclasses.fields(cls):
            if not f.init:
                schema = TypeAdapter(hints[f.name]).json_schema(mode="serialization")
                definition["properties"][f.name] = schema


def build_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of report.json.

    >>> schema = build_schema()
    >>> schema["properties"]["schema_version"]
    {'const': 1}
    >>> schema["$defs"]["Check"]["properties"]["severity"]["enum"]
    ['error', 'warning', 'info']
    """
    raw = TypeAdapter(ReportJson).json_schema(mode="serialization")
    defs: dict[str, Any] = raw.pop("$defs")
    _derived_fields(defs)
    for (where, prop), patch in PROPERTY_PATCHES.items():
        defs[where]["properties"][prop] = patch
    defs["role"] = {"enum": list(ROLES)}
    defs["Quality"]["properties"]["mapping"]["propertyNames"] = {"$ref": "#/$defs/role"}
    top = raw["properties"]
    top["currency"] = {"anyOf": [{"type": "string", "pattern": "^[A-Z]{3}$"}, {"type": "null"}]}
    for key in ("kpis", "breakdowns", "breakdown_members"):
        top[key]["propertyNames"] = NAME
    # a KPI the data cannot support is absent; these need nothing beyond a date and amount
    top["kpis"]["required"] = [d.name for d in KPI_DEFINITIONS if not d.needs]
    top["facts"]["propertyNames"] = {"type": "string", "minLength": 1, "pattern": r"^\S+$"}
    body = _closed(_without_titles({**raw, "$defs": defs}))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://salescope.dev/schema/report.v{SCHEMA_VERSION}.json",
        "title": "salescope report.json",
        "description": "Generated from salescope.model by salescope.report_schema; "
        "docs/report-json.md explains each section.",
        **{k: v for k, v in body.items() if k not in ("title", "description")},
    }


def schema_text() -> str:
    """The schema file's text: stable key order, two-space indent, final newline."""
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


def shipped_path() -> Path:
    return Path(str(resources.files("salescope.resources").joinpath(REPORT_SCHEMA_FILE)))


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else shipped_path()
    target.write_text(schema_text(), encoding="utf-8")
    sys.stdout.write(f"wrote {target}\n")
