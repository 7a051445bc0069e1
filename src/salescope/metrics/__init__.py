"""KPI definitions (each defined once) and their computation for a set of windows."""

from salescope.metrics.definitions import KPI_DEFINITIONS, KpiDefinition
from salescope.metrics.kpis import compute_kpis

__all__ = ["KPI_DEFINITIONS", "KpiDefinition", "compute_kpis"]
