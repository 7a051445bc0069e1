"""salescope: raw sales data in, a validated and explained sales report out.

>>> import salescope
>>> report = salescope.run(["sales.csv"], period="2024-Q3")  # doctest: +SKIP
>>> report.write("out/")  # doctest: +SKIP
"""

__version__ = "0.1.0"

from salescope.config import Config
from salescope.errors import SalescopeError
from salescope.model import Report
from salescope.pipeline import run

__all__ = ["Config", "Report", "SalescopeError", "__version__", "run"]
