"""salescope: raw sales data in, a validated and explained sales report out.

>>> import salescope
>>> report = salescope.run(["sales.csv"], period="2024-Q3")  # doctest: +SKIP
>>> salescope.write_outputs(report, "out/", formats=("json", "html"))  # doctest: +SKIP

``run``, ``write_outputs``, ``Config`` and ``Report`` load on first use, so importing a light module
(``salescope.lines``, ``salescope.settings`` ...) does not start the engine, and
``salescope --help`` loads neither pydantic nor the report model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from salescope._version import __version__
from salescope.errors import SalescopeError

if TYPE_CHECKING:
    from salescope.config import Config
    from salescope.model import Report
    from salescope.pipeline import run
    from salescope.render import write_outputs

__all__ = ["Config", "Report", "SalescopeError", "__version__", "run", "write_outputs"]

_LAZY = {
    "Config": "salescope.config",
    "Report": "salescope.model",
    "run": "salescope.pipeline",
    "write_outputs": "salescope.render",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'salescope' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
