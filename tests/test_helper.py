"""The helper process (salescope.helper) and the statistical fits it runs beside a report
(salescope.analysis.models): the same values as this process computes, checked against
values computed another way, and the fallback when the process is gone."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

import salescope
from salescope.analysis import models
from salescope.demo_data import DemoFiles
from salescope.helper import Helper
from salescope.render.json import render_json
from tests.conftest import FIXED_CLOCK

MODELS = "salescope.analysis.models"


def children() -> dict[int, str]:
    """This process's child processes (Linux /proc): pid -> command line."""
    pids = {
        int(pid)
        for task in Path("/proc/self/task").iterdir()
        for pid in (task / "children").read_text().split()
    }
    found: dict[int, str] = {}
    for pid in pids:
        try:  # a child of another test may end meanwhile
            found[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except FileNotFoundError:
            continue
    return found


def helper_process(before: dict[int, str], module: str) -> int:
    """The helper process started since ``before`` (children()): its pid, once its command
    line shows it serves ``module``."""
    (pid,) = [p for p in children() if p not in before]
    for _ in range(100):  # the command line shows once the new interpreter has started
        if children()[pid]:
            break
        time.sleep(0.05)
    line = children()[pid]
    assert "from salescope.helper import serve" in line and f" {module} " in line
    return pid


def _weekly_series(days: int = 120, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(days, dtype=np.float64)
    return 100 + 0.5 * t + 20 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 3, days)


def test_the_fits_run_by_the_helper_equal_the_fits_run_here() -> None:
    rng = np.random.default_rng(5)
    x = np.column_stack([np.ones(40), np.arange(40.0), rng.normal(0, 1, 40)])
    y = x @ np.array([12.0, 2.5, -4.0]) + rng.normal(0, 0.5, 40)
    series = _weekly_series()
    monthly = 1000 + 15 * np.arange(30.0) + 80 * np.sin(2 * np.pi * np.arange(30.0) / 12)

    before = children()
    with Helper(MODELS) as helper:
        helper_process(before, MODELS)
        ols = helper.call("ols", y, x)
        stl = helper.call("stl", series, 7, seasonal=9, trend=15)
        t = helper.call("t_quantile", 0.9, 1.0)
        forecast = helper.call("ets_forecast", monthly, True, 3, 0.8)
        assert helper.running  # the answers came from it (a gone helper's calls run here)
    assert children().keys() <= before.keys()  # and it is gone

    here = models.ols(y, x)
    for name in ("params", "bse", "pvalues", "resid", "cov_params"):
        assert np.array_equal(getattr(ols, name), getattr(here, name)), name
    assert (ols.scale, ols.df_resid) == (here.scale, here.df_resid)
    # another way: least squares by NumPy, and SSE / (n - k)
    solved, sse, *_ = np.linalg.lstsq(x, y, rcond=None)
    assert np.allclose(ols.params, solved, rtol=0, atol=1e-9)
    assert ols.df_resid == 37 and math.isclose(ols.scale, float(sse[0]) / 37, rel_tol=1e-9)

    here_stl = models.stl(series, 7, seasonal=9, trend=15)
    for name in ("trend", "seasonal", "resid"):
        assert np.array_equal(getattr(stl, name), getattr(here_stl, name)), name
    assert np.allclose(stl.trend + stl.seasonal + stl.resid, series, rtol=0, atol=1e-9)
    # the planted weekly wave: the seasonal part of a day is its sine term, give or take noise
    wave = 20 * np.sin(2 * np.pi * np.arange(series.size) / 7)
    assert float(np.abs(stl.seasonal[14:-14] - wave[14:-14]).mean()) < 4

    # Student's t with one degree of freedom is Cauchy: quantile tan(pi (q - 1/2))
    assert t == models.t_quantile(0.9, 1.0)
    assert math.isclose(t, math.tan(math.pi * 0.4), rel_tol=1e-12)

    for mine, theirs in zip(forecast, models.ets_forecast(monthly, True, 3, 0.8), strict=True):
        assert np.array_equal(mine, theirs)


def test_an_error_in_a_helper_call_is_raised_here() -> None:
    short = np.array([1.0, 2.0, 3.0, 4.0, 5.0])  # 5 months cannot fit ETS(A,Ad,N)'s parameters
    with pytest.raises(ValueError) as here:
        models.ets_forecast(short, False, 3, 0.8)
    with Helper(MODELS) as helper:
        with pytest.raises(ValueError) as there:
            helper.call("ets_forecast", short, False, 3, 0.8)
        assert helper.running
    assert str(there.value) == str(here.value)


@pytest.mark.parametrize("when", ["before", "after"])
def test_when_the_helper_dies_its_calls_run_here(when: str) -> None:
    series = _weekly_series()
    expected = models.stl(series, 7)
    before = children()
    with Helper(MODELS) as helper:
        pid = helper_process(before, MODELS)
        if when == "before":  # killed before the call is sent
            os.kill(pid, signal.SIGKILL)
            os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
        helper.submit("stl", series, 7)
        if when == "after":  # killed while it imports or fits
            os.kill(pid, signal.SIGKILL)
        found = helper.result()
        assert not helper.running
    assert np.array_equal(found.trend, expected.trend)
    assert np.array_equal(found.resid, expected.resid)


def test_a_report_fits_its_models_in_the_helper_and_equals_one_fitted_here(
    demo_files: DemoFiles, demo_report: salescope.Report
) -> None:
    """A fresh interpreter makes the demo's report: statsmodels never loads in it (the fits
    ran in the helper process), and its report.json equals the one made in this process,
    whose fits ran here (statsmodels is loaded in the test process by then)."""
    expected = json.loads(render_json(demo_report))
    assert "statsmodels" in sys.modules
    fitted = {  # the parts made of the helper's fits: there is something to compare
        "trend": expected["trend"],
        "forecast": expected["forecast"],
        "weekly seasonality": expected["seasonality"]["weekly"],
        "campaigns": expected["marketing"]["campaigns"],
        "unusual days": expected["anomalies"],
    }
    assert all(fitted.values()), [k for k, v in fitted.items() if not v]
    code = (
        "import json, sys\n"
        "from datetime import datetime\n"
        "import salescope\n"
        "from pathlib import Path\n"
        "from salescope.config import load_config\n"
        "from salescope.render.json import render_json\n"
        f"report = salescope.run({[str(p) for p in demo_files.inputs]!r}, "
        f"load_config(Path({str(demo_files.config)!r})), "
        f"clock=lambda: datetime.fromisoformat({FIXED_CLOCK.isoformat()!r}))\n"
        "print(json.dumps({'statsmodels': 'statsmodels' in sys.modules, "
        "'report': json.loads(render_json(report))}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    there = json.loads(done.stdout)
    assert there["statsmodels"] is False
    made = there["report"]
    for part in (made, expected):
        part.pop("run")
    assert made == expected


def _svgs(page: Path) -> list[str]:
    """The page's SVGs, the ids of their clip paths and gradients numbered from 0 in each:
    vl-convert numbers them on from every chart it drew before in that process."""
    found = re.findall(r"<svg\b.*?</svg\s*>", page.read_text(encoding="utf-8"), re.S)
    return [_renumbered(svg) for svg in found]


def _renumbered(svg: str) -> str:
    ids: dict[str, str] = {}

    def number(found: re.Match[str]) -> str:
        kind = found[1]
        same = sum(1 for old in ids if old.startswith(kind) and old[len(kind) :].isdigit())
        return ids.setdefault(found[0], f"{kind}{same}")

    return re.sub(r"\b(clip|gradient_|pattern_)\d+\b", number, svg)


def test_charts_drawn_by_an_early_helper_equal_charts_drawn_here(
    demo_report: salescope.Report, tmp_path: Path
) -> None:
    """Inside pdf.helping() (the command line), the helper process draws the charts' SVGs
    while this process writes the formats without charts: the page and the PNGs are the
    same as when this process draws them."""
    from salescope.render import pdf

    assert not pdf.started_early()
    before = children()
    with pdf.helping():
        assert pdf.started_early()
        # it runs below this process's priority: it takes the CPU time the report leaves
        pid = helper_process(before, "salescope.render.pdf")
        mine = os.getpriority(os.PRIO_PROCESS, 0)
        for _ in range(100):
            if os.getpriority(os.PRIO_PROCESS, pid) != mine:
                break
            time.sleep(0.05)
        assert os.getpriority(os.PRIO_PROCESS, pid) == min(mine + pdf.EARLY_NICE, 19)
        salescope.write_outputs(demo_report, tmp_path / "beside", ("html", "png"), ())
        with pdf.helper() as helper:
            assert helper.running  # its answers were used: a gone helper's calls run here
    salescope.write_outputs(demo_report, tmp_path / "here", ("html", "png"), ())
    beside, here = (
        _svgs(tmp_path / "beside" / "report.html"),
        _svgs(tmp_path / "here" / "report.html"),
    )
    assert beside == here and len(here) >= 10
    pngs = sorted((tmp_path / "here" / "charts").glob("*.png"))
    assert len(pngs) >= 10
    for png in pngs:
        assert (tmp_path / "beside" / "charts" / png.name).read_bytes() == png.read_bytes()


def test_a_pdf_from_the_command_line_loads_neither_vl_convert_nor_weasyprint_here(
    tmp_path: Path,
) -> None:
    """The command line's helper process draws the charts and lays out the PDF: the
    command's own process builds the chart specs (Altair) only."""
    from tests.test_cli import ROWS, write_sales
    from tests.test_layers import loaded_by

    out = tmp_path / "out"
    args = ["--quiet", "report", str(write_sales(tmp_path)), "--format", "pdf", "--out", str(out)]
    libraries = {"altair", "vl_convert", "weasyprint"}
    assert loaded_by(args, libraries, 300) == ["altair"]
    text = subprocess.run(
        ["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    # the report's period is the last full quarter, 2024-Q2: its revenue, summed by hand
    q2 = [
        Decimal(price) * quantity
        for _, day, _, _, quantity, price in ROWS
        if "2024-04" <= day < "2024-07"
    ]
    assert f"{sum(q2):,.2f}" in text  # 248.73


def test_an_early_helper_writes_the_pdf_where_this_process_means_after_a_chdir(
    demo_report: salescope.Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The helper keeps the working folder it started in: a relative folder given after
    this process changed folders still gets its PDF."""
    from salescope.render import pdf, write_report_files

    (tmp_path / "elsewhere").mkdir()
    with pdf.helping():
        monkeypatch.chdir(tmp_path / "elsewhere")
        written = write_report_files(demo_report, Path("out"), ("pdf",), ())
    assert Path("out") / "report.pdf" in written
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "elsewhere" / "out" / "report.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    revenue = demo_report.kpi("revenue")
    assert revenue is not None and f"{revenue.value:,.0f}" in text
