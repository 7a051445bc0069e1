"""The accepted sales lines every analysis reads: the validation stage's main output.

A module of its own, importing no engine at run time, so the analyses (and their tests)
depend on this small type rather than on the validator that builds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ibis.expr.types as ir


@dataclass(frozen=True)
class Lines:
    """Accepted sales lines with canonical columns, as a lazy engine expression.

    Columns: ``order_date`` (date), ``revenue``, ``quantity``, ``list_amount``,
    ``discount_amount``, ``cost_amount`` (float64), ``is_return`` (bool) and,
    where mapped, the text roles plus ``product`` (product id, else name).
    """

    table: ir.Table
    roles: frozenset[str]
    data_start: date
    data_end: date

    def has(self, role: str) -> bool:
        return role in self.roles
