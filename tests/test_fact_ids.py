"""Facts are handled, not spelled: outside the publisher (``salescope.facts``) and the id
module (``salescope.fact_ids``) no code writes a fact id as a literal, no action picks an
insight's fact by position, and no code reads the prose an insight generated."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import salescope
from salescope import fact_ids
from salescope.config import Config
from tests.conftest import fixed_clock

SRC = Path(__file__).resolve().parent.parent / "src" / "salescope"
SPELLERS = {"facts.py", "fact_ids.py"}
FACT_ID = re.compile(r"^(?:" + "|".join(map(re.escape, fact_ids.FAMILIES)) + r")\.[A-Za-z0-9_]")
FILE_NAME = re.compile(r"\.(?:json|csv|md|html|pdf|png|svg|yml|txt)$")  # quality.json ...
SHOP = Path(__file__).parent / "golden" / "shop_export" / "shop_export.csv"


def _modules() -> list[Path]:
    return [p for p in sorted(SRC.rglob("*.py")) if p.name not in SPELLERS or p.parent != SRC]


def _literal_ids(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        text = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.JoinedStr) and node.values:
            first = node.values[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                text = first.value
        if text and " " not in text and FACT_ID.match(text) and not FILE_NAME.search(text):
            found.append((node.lineno, text))
    return found


def test_no_fact_id_is_written_by_hand_outside_the_publisher() -> None:
    offenders = [
        f"{path.relative_to(SRC)}:{line}: {text!r}"
        for path in _modules()
        for line, text in _literal_ids(ast.parse(path.read_text()))
    ]
    assert offenders == []


def test_the_check_sees_a_hand_written_id() -> None:
    planted = 'x = "kpi.revenue"\ny = f"drivers.contributor.{i}.share"\nz = "kpi_change.x"\n'
    assert {t for _, t in _literal_ids(ast.parse(planted))} == {
        "kpi.revenue",
        "drivers.contributor.",
    }


def _reads(tree: ast.AST) -> list[str]:
    """``insight.text`` / ``.title`` reads and ``insight.facts[...]`` subscripts."""
    out = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "insight"
            and node.attr in ("text", "title")
        ):
            out.append(f"{node.lineno}: insight.{node.attr}")
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "facts"
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id == "insight"
        ):
            out.append(f"{node.lineno}: insight.facts[...]")
    return out


@pytest.mark.parametrize("module", ["insights/actions.py", "insights/rules.py"])
def test_actions_read_handles_not_prose_or_positions(module: str) -> None:
    assert _reads(ast.parse((SRC / module).read_text())) == []
    planted = "a = insight.facts[3]\nb = 'x' in insight.text\n"
    assert sorted(_reads(ast.parse(planted))) == ["1: insight.facts[...]", "2: insight.text"]


def test_every_handle_an_insight_names_is_one_of_its_facts() -> None:
    report = salescope.run([SHOP], Config(currency="EUR", period="2024-Q2"), clock=fixed_clock)
    assert report.insights
    for i in report.insights:
        assert set(i.refs.values()) <= set(i.facts), i.id
        assert all(fid in report.facts for fid in i.facts)
    # each action's metric is a fact, with its baseline published under the action's id
    for r in report.recommendations:
        baseline = report.facts[fact_ids.recommendation(r.id, "baseline")].value
        assert baseline == pytest.approx(report.facts[r.metric].value)
