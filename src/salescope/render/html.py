"""report.html: one self-contained page (styles, charts and script inline, no network).

Charts are drawn twice: as interactive Vega views (the Vega, Vega-Lite and vega-embed
JavaScript is inlined, so the page works offline under a ``default-src 'none'``
Content-Security-Policy) and as static SVG from vl-convert, which shows until the script
has drawn the chart, when scripts are off, and in print and the PDF.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from salescope.model import DEPARTMENTS, Report
from salescope.narrative.format import TEXT_MAX, clean
from salescope.narrative.view import Table, View, build_view

# Where the charts go: the sections name theirs (``Section.charts``); these are placed by
# the page itself. Any chart left over is shown at the end of the trend section.
OVERVIEW_CHARTS = ("business_performance_dashboard", "executive_kpis_trend")
DRIVER_CHARTS = ("contributors_waterfall",)
TREND_CHARTS = ("revenue_trend", "monthly_revenue")
SECTION_EXTRA_CHARTS = {"customers": ("cohort_heatmap",)}

DEPARTMENT_LABELS = {"customer_success": "Customer success"}

ARROWS = {"up": "▲", "down": "▼", "flat": "▶"}


def department_label(name: str) -> str:
    return DEPARTMENT_LABELS.get(name, name.replace("_", " ").capitalize())


def text(value: object) -> Markup:
    """Untrusted text for the page: clean (no invisible control or format characters, at
    most ``TEXT_MAX`` characters), then escaped."""
    return escape(_finalize(value))


def _finalize(value: object) -> object:
    """What every ``{{ ... }}`` of the templates prints: strings clean, markup as made."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return clean(value, TEXT_MAX)
    return value


def html_table(table: Table) -> Markup:
    if not table.rows:
        return Markup('<p class="note">No data.</p>')
    numeric = table.numeric or (False,) * len(table.columns)

    def cls(i: int) -> str:
        return ' class="num"' if numeric[i] else ""

    head = "".join(
        f'<th{cls(i)} scope="col" aria-sort="none">{text(c)}</th>'
        for i, c in enumerate(table.columns)
    )
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{text(c)}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in table.rows
    )
    return Markup(
        f'<div class="scroll"><table class="sortable" id="table-{escape(table.id)}">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def script_json(value: Any) -> Markup:
    """``value`` as JSON that is safe inside a ``<script type="application/json">`` block.

    ``<``, ``>`` and ``&`` become ``\\u003c`` etc., so no string in the data (a product
    named ``</script><script>alert(1)</script>``) can end the block; JSON.parse reads the
    escapes back as the original characters.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    for char, code in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(char, code)
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


_EMBED = "window.vegaEmbed = vegaEmbed;"


@functools.lru_cache(maxsize=1)
def vega_javascript() -> Markup:
    """The Vega, Vega-Lite and vega-embed bundle vl-convert ships, wrapped in a function
    so its top-level names stay private; it sets ``window.vegaEmbed``."""
    bundle = javascript_bundle()
    # an HTML parser ends a script at "</script" and changes state at "<!--"
    bundle = bundle.replace("</script", "<\\/script").replace("<!--", "<\\!--")
    return Markup("(function () {\n" + bundle + "\n})();")


def javascript_bundle() -> str:
    """vl-convert's bundle of Vega, Vega-Lite and vega-embed, kept in the user's cache
    folder (:func:`cache_folder`): bundling takes about 1.5 s and gives the same text for
    the same vl-convert. The cached file starts with the SHA-256 of the bundle after it and
    is used only when they match; it is written atomically, and a folder that cannot be
    written is no error (the bundle is made again next time).
    """
    import importlib.metadata

    import vl_convert as vlc

    version = importlib.metadata.version("vl-convert-python")
    key = hashlib.sha256(f"{version}\0{_EMBED}".encode()).hexdigest()[:16]
    try:
        path = cache_folder() / f"vega-bundle-{key}.js"
    except RuntimeError:  # no home folder (a service account without one): nowhere to keep it
        return vlc.javascript_bundle(_EMBED)  # type: ignore[no-any-return]
    with contextlib.suppress(OSError, UnicodeDecodeError, ValueError):
        digest, cached = path.read_text(encoding="utf-8").split("\n", 1)
        if digest == _digest(cached):
            return cached
    bundle: str = vlc.javascript_bundle(_EMBED)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(f"{_digest(bundle)}\n{bundle}", encoding="utf-8")
        os.replace(partial, path)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink()
    return bundle


def _digest(text: str) -> str:
    return "// sha256 " + hashlib.sha256(text.encode()).hexdigest()


def cache_folder() -> Path:
    """``$XDG_CACHE_HOME/salescope``, default ``~/.cache/salescope``: what salescope keeps
    between runs to save time (never data). A relative ``$XDG_CACHE_HOME`` is ignored, as
    the XDG specification asks; RuntimeError when there is no home folder either."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "salescope"


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("salescope", "narrative/templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
    )
    env.globals["table"] = html_table
    env.globals["department_label"] = department_label
    env.globals["arrows"] = ARROWS
    env.globals["all_departments"] = DEPARTMENTS
    return env


def _placement(view: View, names: list[str]) -> dict[str, tuple[str, ...]]:
    """slot -> chart names shown there, each chart once, in a fixed order."""
    available = set(names)
    slots: dict[str, tuple[str, ...]] = {
        "overview": OVERVIEW_CHARTS,
        "drivers": DRIVER_CHARTS if view.drivers else (),
        "trend": TREND_CHARTS,
    }
    for t in view.breakdowns:
        slots["breakdown:" + t.id] = ("revenue_by_" + t.id,)
    for sec in view.sections:
        slots["section:" + sec.id] = sec.charts + SECTION_EXTRA_CHARTS.get(sec.id, ())
    placed: set[str] = set()
    out: dict[str, tuple[str, ...]] = {}
    for slot, wanted in slots.items():
        chosen = tuple(n for n in wanted if n in available and n not in placed)
        placed.update(chosen)
        out[slot] = chosen
    out["trend"] += tuple(n for n in names if n not in placed)  # nothing is dropped
    return out


def chart_svgs(specs: dict[str, dict[str, Any]]) -> dict[str, Markup]:
    """The static SVG of every chart (the fallback under the live chart, and the PDF's),
    drawn in this process."""
    from salescope.render import pdf

    return {name: Markup(svg) for name, svg in pdf.chart_svgs(specs).items()}


def render_html(
    report: Report,
    view: View | None = None,
    charts: bool = True,
    departments: tuple[str, ...] = DEPARTMENTS,
    svgs: dict[str, Markup] | None = None,
    specs: dict[str, dict[str, Any]] | None = None,
    live: bool = True,
) -> str:
    """The page; every string from the data is cleaned and escaped (``finalize`` and
    Jinja2's autoescape), and the chart specs by :func:`script_json`. ``departments`` are
    linked from the header (their pages are ``departments/<name>.html`` next to the
    report). ``live=False`` leaves out what only a browser uses, the chart specs and
    Vega's JavaScript (about 1 MB): the page the PDF is laid out from, which runs no
    script, shows the same static charts."""
    from salescope.render.charts import chart_specs

    view = view or build_view(report)
    if not charts:
        specs = {}
    elif specs is None:
        specs = chart_specs(report)
    if svgs is None:
        svgs = chart_svgs(specs)
    created = datetime.fromisoformat(report.run.created_at)
    return (
        _env()
        .get_template("report.html.j2")
        .render(
            v=view,
            charts=svgs,
            slots=_placement(view, list(specs)),
            specs=script_json(specs if live else {}),
            vega_js=vega_javascript() if specs and live else Markup(""),
            run_id=report.run.id,
            created=f"{created:%d %b %Y %H:%M} {created:%Z}".strip(),
            departments=departments,
        )
    )
