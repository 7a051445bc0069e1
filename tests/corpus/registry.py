"""Every corpus shape by name: the ones in :mod:`tests.corpus.shapes`, the accounting,
CRM and marketplace seller exports in :mod:`tests.corpus.books` and
:mod:`tests.corpus.sellers`, and the year-long stories in :mod:`tests.corpus.stories`,
which use its helpers and truth rules."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.corpus.books import hubspot_deals, quickbooks_sales_detail, quickbooks_sales_detail_csv
from tests.corpus.sellers import amazon_orders, sage_factures
from tests.corpus.shapes import SHAPES, Shape
from tests.corpus.stories import b2b_distributor, marketplace_two_years, uk_wholesaler

ALL_SHAPES: dict[str, Callable[[Path], Shape]] = {
    **SHAPES,
    **{
        fn.__name__: fn
        for fn in (
            quickbooks_sales_detail,
            quickbooks_sales_detail_csv,
            hubspot_deals,
            amazon_orders,
            sage_factures,
            uk_wholesaler,
            marketplace_two_years,
            b2b_distributor,
        )
    },
}
