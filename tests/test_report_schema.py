"""report.json against its published JSON Schema (resources/report.schema.json).

The schema is checked on real reports (a rich fixture with quarantined rows,
warnings, a previous and a year-ago period, and a bare date + amount file), on
the file ``Report.write`` produces, and on broken copies that it must reject.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

import jsonschema
import pytest

import salescope
from salescope.metrics.definitions import KPI_DEFINITIONS
from salescope.model import DEPARTMENTS, RFM_SEGMENTS, Severity
from salescope.render.json import report_to_dict
from salescope.report_schema import build_schema, schema_text, shipped_path
from salescope.resources import report_schema
from salescope.schema.roles import ROLES

CLOCK = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)

# Five quarters (2023-Q2 .. 2024-Q2) plus a partial 2024-Q3, so 2024-Q2 has a previous
# and a year-ago period. One row has an unparseable amount (quarantined, an error check
# with examples); one has no category (a warning check, a "(missing)" member).
RICH_CSV = """\
order_id,order_date,customer_id,product,category,region,quantity,unit_price
A01,2023-04-03,C1,Widget,Tools,North,2,10.50
A02,2023-05-17,C2,Gadget,Toys,South,1,99.99
A03,2023-06-28,C3,Gizmo,Toys,East,5,4.25
A04,2023-08-09,C1,Widget,Tools,North,3,10.50
A05,2023-11-21,C4,Gadget,Toys,West,1,99.99
A06,2024-01-05,C1,Widget,Tools,North,2,10.50
A07,2024-01-20,C2,Gadget,Toys,South,1,99.99
A07,2024-01-20,C2,Widget,Tools,South,4,10.50
A08,2024-02-11,C5,Widget,,North,3,10.50
A09,2024-03-02,C3,Gizmo,Toys,East,5,4.25
A10,2024-04-15,C2,Widget,Tools,South,1,10.50
A11,2024-05-09,C6,Gadget,Toys,North,2,99.99
A12,2024-05-30,C1,Gizmo,Toys,East,4,4.25
A13,2024-06-12,C7,Widget,Tools,West,2,not-a-price
A14,2024-06-30,C5,Gadget,Toys,West,1,99.99
A15,2024-07-04,C8,Widget,Tools,West,6,10.50
"""

# Only the two columns salescope cannot do without: many KPIs absent, customers null.
BARE_CSV = """\
date,amount
2024-01-03,120.00
2024-02-14,80.50
2024-03-30,42.25
2024-04-02,310.00
2024-05-19,15.75
2024-06-07,64.00
2024-07-01,12.00
"""


def _clock() -> datetime:
    return CLOCK


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return report_schema()


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@pytest.fixture(scope="module")
def rich_report(tmp_path_factory: pytest.TempPathFactory) -> salescope.Report:
    path = tmp_path_factory.mktemp("rich") / "sales.csv"
    path.write_text(RICH_CSV, encoding="utf-8")
    return salescope.run([path], period="2024-Q2", clock=_clock)


@pytest.fixture(scope="module")
def bare_report(tmp_path_factory: pytest.TempPathFactory) -> salescope.Report:
    path = tmp_path_factory.mktemp("bare") / "sales.csv"
    path.write_text(BARE_CSV, encoding="utf-8")
    return salescope.run([path], clock=_clock)


def _errors(validator: jsonschema.Draft202012Validator, instance: object) -> list[str]:
    return [
        f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


def _reject_constant(name: str) -> float:
    raise ValueError(f"report.json holds {name}, which is not JSON")


def _load_strict(path: Path) -> Any:
    """json.load that refuses NaN and Infinity (Python writes them, other parsers choke)."""
    return json.loads(path.read_text(encoding="utf-8"), parse_constant=_reject_constant)


# --- the schema itself ---------------------------------------------------------------------


def test_schema_is_a_valid_draft_2020_12_schema(schema: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["schema_version"] == {"const": 1}


def test_the_shipped_schema_is_the_one_the_model_generates(schema: dict[str, Any]) -> None:
    """resources/report.schema.json is never edited by hand: ``python -m
    salescope.report_schema`` writes it from the model, and this fails until it has."""
    assert schema == build_schema()
    assert shipped_path().read_text(encoding="utf-8") == schema_text()


def test_a_closed_set_in_the_model_is_an_enum_in_the_schema(schema: dict[str, Any]) -> None:
    """Adding a severity, a department or an RFM segment to the model's ``Literal`` types
    changes the schema with no other edit."""
    defs = schema["$defs"]
    assert defs["Check"]["properties"]["severity"]["enum"] == list(get_args(Severity))
    departments = defs["Recommendation"]["properties"]["department"]["enum"]
    assert departments == list(DEPARTMENTS)
    assert defs["RfmSegment"]["properties"]["segment"]["enum"] == list(RFM_SEGMENTS)
    # Annotated bounds: a count is never negative, a share lies in [0, 1]
    assert defs["Check"]["properties"]["rows"]["minimum"] == 0
    share = defs["DatasetJoin"]["properties"]["match_rate"]
    assert (share["minimum"], share["maximum"]) == (0, 1)


def test_schema_enums_match_the_code(schema: dict[str, Any]) -> None:
    """The roles, KPI units and directions the schema allows are the ones the code has."""
    defs = schema["$defs"]
    assert defs["role"]["enum"] == list(ROLES)
    kpi = defs["KpiJson"]["properties"]
    assert {d.unit for d in KPI_DEFINITIONS} <= set(kpi["unit"]["enum"])
    directions = set(kpi["good_direction"]["enum"])
    assert {d.good_direction for d in KPI_DEFINITIONS} <= directions
    always = {d.name for d in KPI_DEFINITIONS if not d.needs}
    assert set(schema["properties"]["kpis"]["required"]) == always


# --- real reports --------------------------------------------------------------------------


def test_rich_fixture_exercises_the_optional_branches(rich_report: salescope.Report) -> None:
    """Guards the fixture: the schema is only tested on what the report really contains."""
    q = rich_report.quality
    assert q.rows_quarantined == 1
    assert {c.severity for c in q.checks} == {"error", "warning"}
    assert any(c.examples for c in q.checks)
    assert rich_report.period.previous is not None
    assert rich_report.period.yoy is not None
    revenue = rich_report.kpi("revenue")
    assert revenue is not None and revenue.yoy_value is not None
    category = rich_report.breakdown("category")
    assert category is not None
    assert "(missing)" in {m.key for m in category.rows}


@pytest.mark.parametrize("which", ["rich_report", "bare_report"])
def test_report_dict_matches_schema(
    which: str, request: pytest.FixtureRequest, validator: jsonschema.Draft202012Validator
) -> None:
    report: salescope.Report = request.getfixturevalue(which)
    assert _errors(validator, report_to_dict(report)) == []


def test_bare_report_has_nulls_where_data_is_missing(bare_report: salescope.Report) -> None:
    data = report_to_dict(bare_report)
    assert "customers" not in data["kpis"]
    assert data["breakdowns"] == {}
    assert all(p["customers"] is None for p in data["timeseries"]["points"])


@pytest.mark.parametrize("which", ["rich_report", "bare_report"])
def test_written_report_json_matches_schema_and_report(
    which: str,
    request: pytest.FixtureRequest,
    validator: jsonschema.Draft202012Validator,
    tmp_path: Path,
) -> None:
    report: salescope.Report = request.getfixturevalue(which)
    written = salescope.write_outputs(report, tmp_path, ("json",))
    assert tmp_path / "report.json" in written
    data = _load_strict(tmp_path / "report.json")

    assert _errors(validator, data) == []
    assert data == json.loads(json.dumps(report_to_dict(report)))

    revenue = report.kpi("revenue")
    assert revenue is not None
    assert data["kpis"]["revenue"]["value"] == revenue.value
    assert data["kpis"]["revenue"]["previous"] == revenue.previous
    assert data["facts"]["kpi.revenue"]["value"] == revenue.value
    q = report.quality
    assert data["quality"]["rows_read"] == q.rows_read
    assert data["quality"]["rows_accepted"] == q.rows_accepted
    assert data["quality"]["rows_quarantined"] == q.rows_quarantined
    assert q.rows_read == q.rows_accepted + q.rows_quarantined
    assert data["period"]["start"] == report.period.start.isoformat()
    assert data["period"]["end"] == report.period.end.isoformat()
    assert data["run"]["id"] == report.run.id
    assert data["run"]["id"].startswith("20261101_120000_#")
    assert datetime.fromisoformat(data["run"]["created_at"]) == CLOCK
    assert len(data["timeseries"]["points"]) == len(report.timeseries.points)
    for role, members in data["breakdowns"].items():
        revenues = [m["revenue"] for m in members]
        assert revenues == sorted(revenues, reverse=True), role
        assert data["breakdown_members"][role] >= len(members)
    assert set(data["breakdown_members"]) == set(data["breakdowns"])


# --- the schema rejects what it should -----------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]
JsonPath = tuple[str | int, ...]


def _parent(data: dict[str, Any], path: JsonPath) -> Any:
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    return node


def _set(path: JsonPath, value: object) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        _parent(data, path)[path[-1]] = value

    return mutate


def _delete(path: JsonPath) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        del _parent(data, path)[path[-1]]

    return mutate


MUTATIONS: dict[str, Mutation] = {
    "kpi value as a string": _set(("kpis", "revenue", "value"), "12"),
    "kpi unit unknown": _set(("kpis", "revenue", "unit"), "dollars"),
    "kpi without change_pct": _delete(("kpis", "orders", "change_pct")),
    "kpi with an extra key": _set(("kpis", "revenue", "comment"), "nice"),
    "no revenue kpi": _delete(("kpis", "revenue")),
    "rows_read missing": _delete(("quality", "rows_read")),
    "rows_read negative": _set(("quality", "rows_read"), -1),
    "rows_accepted fractional": _set(("quality", "rows_accepted"), 7.5),
    "score above 100": _set(("quality", "score"), 101),
    "mapping to an unknown role": _set(("quality", "mapping", "flavour"), "x"),
    "check severity unknown": _set(("quality", "checks", 0, "severity"), "fatal"),
    "run id without hash": _set(("run", "id"), "20261101_120000"),
    "run id with upper hex": _set(("run", "id"), "20261101_120000_#ABCDEF12"),
    "run id with a short date": _set(("run", "id"), "2026111_120000_#abcdef12"),
    "config sha not hex": _set(("run", "config_sha256"), "z" * 64),
    "schema_version 2": _set(("schema_version",), 2),
    "period start not a date": _set(("period", "start"), "2024-02-30"),
    "period grain unknown": _set(("period", "grain"), "fortnight"),
    "member revenue null": _set(("breakdowns", "category", 0, "revenue"), None),
    "member without key": _delete(("breakdowns", "category", 0, "key")),
    "timeseries date not a date": _set(("timeseries", "points", 0, "date"), "January 2024"),
    "timeseries partial as a string": _set(("timeseries", "points", 0, "partial"), "no"),
    "section as a list": _set(("drivers",), []),
    "anomalies as null": _set(("anomalies",), None),
    "fact without unit": _delete(("facts", "kpi.revenue", "unit")),
    "unknown top-level key": _set(("extra",), {}),
    "top-level section missing": _delete(("forecast",)),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_schema_rejects_broken_reports(
    name: str, rich_report: salescope.Report, validator: jsonschema.Draft202012Validator
) -> None:
    data = copy.deepcopy(report_to_dict(rich_report))
    assert _errors(validator, data) == []
    MUTATIONS[name](data)
    assert _errors(validator, data) != [], f"schema accepted: {name}"


# --- every section, as the demo and a targets table fill them -------------------------------

SHOP = Path(__file__).parent / "golden" / "shop_export" / "shop_export.csv"


def test_the_demo_report_fills_every_section_and_matches_schema(
    demo_report: salescope.Report, validator: jsonschema.Draft202012Validator
) -> None:
    data = report_to_dict(demo_report)
    # guards the fixture: the sections only a rich run fills are really there
    for section in ("drivers", "customers", "trend", "seasonality", "forecast", "marketing"):
        assert data[section] is not None, section
    for section in ("team", "inventory", "operations"):
        assert data[section] is not None, section
    assert data["anomalies"] and data["insights"] and data["recommendations"]
    assert data["quality"]["dataset"] is not None
    assert _errors(validator, data) == []


def test_a_targets_report_matches_schema(
    tmp_path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    targets = tmp_path / "targets.csv"
    targets.write_text("metric,period,target\nrevenue,2024-Q2,1000\norders,2024,40\n")
    config = salescope.Config(currency="EUR", period="2024-Q2")
    report = salescope.run([SHOP, targets], config, clock=_clock)
    data = report_to_dict(report)
    assert {r["metric"] for r in data["targets"]["rows"]} == {"orders", "revenue"}
    assert _errors(validator, data) == []
