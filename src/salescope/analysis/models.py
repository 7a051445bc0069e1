"""The report's statistical fits: statsmodels and SciPy on small arrays, answered as plain
values (NumPy arrays and floats).

statsmodels with SciPy and pandas takes about 2.5 s to import, more than every analysis of
a 10,000-line export together. Inside :func:`helping` (the pipeline's run), these functions
run in a helper process (:class:`salescope.helper.Helper`) that imports them on the other
core while this process reads and validates the input; outside it, or where this process
has imported statsmodels already, they run here. They are the same functions on the same
arrays either way, so the figures are equal to the last bit.
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import numpy as np
import numpy.typing as npt

from salescope.helper import shared, shared_helper

FloatArray = npt.NDArray[np.float64]
P = ParamSpec("P")
R = TypeVar("R")


def helping() -> AbstractContextManager[None]:
    """Have the fits of this block run by a helper process, which starts importing the
    libraries now (:func:`salescope.helper.shared_helper`), a little below this process's
    priority: reading and validating come first, and the first fit is needed only after
    them. Where this process has imported statsmodels already (a second report in one
    program), the fits run here, at no cost to import."""
    return nullcontext() if "statsmodels" in sys.modules else shared_helper(__name__, nice=5)


def warm() -> None:
    """What the helper process imports before the first fit is asked for."""
    import pandas  # noqa: F401
    import scipy.stats  # noqa: F401
    import statsmodels.regression.linear_model
    import statsmodels.tsa.exponential_smoothing.ets
    import statsmodels.tsa.seasonal  # noqa: F401


def _beside(fit: Callable[P, R]) -> Callable[P, R]:
    """``fit`` run by the helper process when one runs (it runs the same function there)."""

    @functools.wraps(fit)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        helper = shared(__name__)
        if helper is None:
            return fit(*args, **kwargs)
        answer: R = helper.call(fit.__name__, *args, **kwargs)
        return answer

    return call


@dataclass(frozen=True)
class OlsFit:
    """What the analyses read of a statsmodels OLS fit."""

    params: FloatArray
    bse: FloatArray  # standard errors of params
    pvalues: FloatArray
    resid: FloatArray
    cov_params: FloatArray
    scale: float  # residual variance, SSE / df_resid
    df_resid: float


@_beside
def ols(y: FloatArray, x: FloatArray) -> OlsFit:
    """Ordinary least squares of ``y`` on the columns of ``x`` (statsmodels ``OLS``)."""
    from statsmodels.regression.linear_model import OLS

    fit = OLS(y, x).fit()
    return OlsFit(
        params=np.asarray(fit.params, dtype=np.float64),
        bse=np.asarray(fit.bse, dtype=np.float64),
        pvalues=np.asarray(fit.pvalues, dtype=np.float64),
        resid=np.asarray(fit.resid, dtype=np.float64),
        cov_params=np.asarray(fit.cov_params(), dtype=np.float64),
        scale=float(fit.scale),
        df_resid=float(fit.df_resid),
    )


@dataclass(frozen=True)
class StlFit:
    """The parts of a seasonal-trend decomposition: series = trend + seasonal + resid."""

    trend: FloatArray
    seasonal: FloatArray
    resid: FloatArray


@_beside
def stl(
    x: FloatArray, period: int, seasonal: int = 7, trend: int | None = None, robust: bool = True
) -> StlFit:
    """statsmodels' ``STL`` of ``x`` with that ``period`` and seasonal and trend windows
    (``trend=None``: statsmodels' default), robust to outliers unless ``robust`` is False."""
    from statsmodels.tsa.seasonal import STL

    fit = STL(x, period=period, seasonal=seasonal, trend=trend, robust=robust).fit()
    return StlFit(
        np.asarray(fit.trend, dtype=np.float64),
        np.asarray(fit.seasonal, dtype=np.float64),
        np.asarray(fit.resid, dtype=np.float64),
    )


@_beside
def t_quantile(q: float, df: float) -> float:
    """The ``q`` quantile of Student's t with ``df`` degrees of freedom (SciPy)."""
    from scipy import stats

    return float(stats.t.ppf(q, df))


@_beside
def ets_forecast(
    y: FloatArray, seasonal: bool, horizon: int, level: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(mean, lower, upper) for the ``horizon`` steps after ``y``.

    The interval is statsmodels' analytic ETS forecast variance with the residual variance
    taken as SSE / (n - k) instead of SSE / n, k the number of estimated parameters
    (smoothing parameters, damping and initial states), and a Student-t quantile with n - k
    degrees of freedom instead of the normal one. The series is scaled to mean 1 for the
    optimiser; the additive model scales back exactly.
    """
    import pandas
    from scipy import stats
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    n = y.size
    scale = float(np.abs(y).mean()) or 1.0
    model = ETSModel(
        pandas.Series(y / scale),  # a pandas index: prediction results need one
        error="add",
        trend="add",
        damped_trend=True,
        seasonal="add" if seasonal else None,
        seasonal_periods=12 if seasonal else None,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence and optimiser warnings
        fit = model.fit(disp=False)
        prediction = fit.get_prediction(start=n, end=n + horizon - 1)
    mean = np.asarray(prediction.predicted_mean, dtype=np.float64) * scale
    # 18 parameters for ETS(A,Ad,A) on >= 24 months, 5 for ETS(A,Ad,N) on >= 12: dof >= 6
    dof = n - len(fit.params)
    if dof < 1:
        raise ValueError(f"{n} months cannot fit {len(fit.params)} parameters")
    variance = np.asarray(prediction.var_pred_mean, dtype=np.float64) * n / dof
    half = float(stats.t.ppf(0.5 + level / 2, dof)) * np.sqrt(variance) * scale
    return mean, mean - half, mean + half
