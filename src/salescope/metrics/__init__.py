"""The metric layer: declarations (``semantic``), the query builder (``query``), the KPI
catalogue (``definitions``) and its computation (``kpis``).

The package imports nothing itself, so the declarations can be read (by ``config``, to
check a custom metric) without loading the engine.
"""
