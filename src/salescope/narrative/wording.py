"""How model values are named in a sentence, where insights and the narrative both name them.

A module of the lowest layers (tests/test_layers.py), so insights, which sit below the
narrative, say a product, a place and a rhythm the way the report's sections do.
"""

from __future__ import annotations

from salescope.model import Inventory, Stockout
from salescope.narrative import format as fmt


def stockout_label(s: Stockout) -> str:
    """``Product in East``, ``Product in the Web channel`` or the product alone."""
    name = s.product_name or s.product
    if s.region:
        return f"{name} in {s.region}"
    return f"{name} in the {s.channel} channel" if s.channel else name


def stockout_names(inv: Inventory) -> str:
    """The named products, joined: ``A, B and C``."""
    names = [stockout_label(s) for _, s in inv.named()]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def usually(s: Stockout) -> str:
    """`` while it usually sells every 2.50 days``, or nothing with an inventory table."""
    if s.usual_interval is None:
        return ""
    if s.usual_interval <= 1:
        return " while it usually sells every day"
    return f" while it usually sells every {fmt.number(s.usual_interval)} days"
