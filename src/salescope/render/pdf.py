"""report.pdf: WeasyPrint from the same HTML, charts as vector SVG.

WeasyPrint lays the page out with its print styles: a title page, the static SVG of each
chart (the interactive views need JavaScript, which a PDF does not run), no navigation.
:class:`PdfProcess` does it in a process of its own, beside the other formats.
"""

from __future__ import annotations

import base64
import json
import logging
import pickle
import re
import subprocess
import sys
from contextlib import suppress
from pathlib import Path
from types import TracebackType

from salescope.errors import MissingDependencyError

log = logging.getLogger("salescope")

# The page's scripts are of no use on paper; dropping them spares WeasyPrint parsing the
# inlined Vega bundle. Safe as a regex: data strings never hold a literal "</script" (the
# text is HTML-escaped and the chart specs escape "<" as \u003c).
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
# Each chart's SVG (vl-convert's, never nested) is given as an image of itself: WeasyPrint
# draws it with the same SVG renderer, still as vector paths and text, but its thousands of
# nodes no longer go through the HTML parser and the style cascade (about 1.5 s less for
# the 18 charts of a full report).
_SVG = re.compile(r"<svg\b.*?</svg\s*>", re.IGNORECASE | re.DOTALL)

PAGE_CSS = """
@page {
  size: A4; margin: 14mm 12mm 16mm;
  @bottom-right { content: "page " counter(page) " of " counter(pages); font-size: 8pt;
                  color: #6b7280; }
  @bottom-left { content: string(report-title); font-size: 8pt; color: #6b7280; }
}
@page :first { @bottom-right { content: none; } @bottom-left { content: none; } }
.title-page h1 { string-set: report-title content(); }
img.chart-svg { max-width: 100%; height: auto; display: block; }
"""


def printable(html: str) -> str:
    """``html`` without its scripts, its charts as SVG images: what WeasyPrint is given."""
    return _SVG.sub(_svg_image, _SCRIPT.sub("", html))


def _svg_image(match: re.Match[str]) -> str:
    data = base64.b64encode(match.group(0).encode("utf-8")).decode("ascii")
    return f'<img class="chart-svg" alt="" src="data:image/svg+xml;base64,{data}">'


def write_pdf(html: str, path: Path) -> Path:
    # WeasyPrint warns about screen-only CSS (media queries, grid auto-fill) it skips in print
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        import weasyprint
    except OSError as exc:  # the Python package is there but Pango is not
        raise MissingDependencyError(
            "PDF output needs the Pango library",
            hint="apt-get install libpango-1.0-0 libpangoft2-1.0-0, or drop pdf from --format",
        ) from exc
    css = weasyprint.CSS(string=PAGE_CSS)
    weasyprint.HTML(string=printable(html)).write_pdf(str(path), stylesheets=[css])
    return path


class PdfProcess:
    """report.pdf written by a Python process of its own, while this one writes the other
    formats.

    Laying out and drawing the PDF is the longest part of writing every format (about 6-8 s
    for the demo's 19 pages, against about 2 s for its 18 PNG charts and the rest), and it
    is all Python, or holds the interpreter lock as vl-convert does while it draws the PNGs:
    threads could not overlap them, a process does. The process starts, and imports
    WeasyPrint, when this object is made; :meth:`submit` hands it the page through a pipe.
    It is a new interpreter that runs :func:`serve`, not a multiprocessing child, which
    would run a caller's script again when the script has no ``__main__`` guard.

    An error in the process (no Pango, a folder that cannot be written) is raised by
    :meth:`result`. Where no process can be started, or it dies, the PDF is written in this
    one: the same file either way.

    >>> with PdfProcess() as pdf:  # doctest: +SKIP
    ...     pdf.submit(html, folder / "report.pdf")
    ...     write_the_other_formats()
    ...     path = pdf.result()
    """

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._args: tuple[str, Path] | None = None
        package = Path(__file__).resolve().parents[2]  # where this salescope is imported from
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-P", "-c", _START, str(package)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                start_new_session=True,  # Ctrl-C stops this process, which stops that one
            )
        except OSError as exc:
            log.info("report.pdf is written in this process: %s", exc)

    def submit(self, html: str, path: Path) -> None:
        """Start writing the page ``html`` as a PDF at ``path``."""
        self._args = (html, path)
        if self._proc is None or self._proc.stdin is None:
            return
        try:  # the process waits for it, WeasyPrint imported: it reads as this writes
            self._proc.stdin.write(json.dumps([html, str(path.resolve())]).encode())
            self._proc.stdin.close()
        except OSError as exc:  # the process is gone
            log.info("report.pdf is written in this process: %s", exc)
            self._stop()

    def result(self) -> Path:
        """The written PDF, once it is written; its error, if writing it failed."""
        if self._args is None:
            raise RuntimeError("PdfProcess.result() before submit()")
        if self._proc is not None and self._proc.stdout is not None:
            answer = self._proc.stdout.read()
            code = self._proc.wait()
            if code == 0:
                return self._args[1]
            if answer:
                raise pickle.loads(answer)  # written by the process started here
            log.info("the PDF process ended with code %s; report.pdf is written here", code)
        return write_pdf(*self._args)

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                with suppress(OSError):
                    stream.close()

    def __enter__(self) -> PdfProcess:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop()


# The PDF process's command (run with ``-P``: the working folder is not put first on its
# path): the salescope the caller imported (a folder it put on sys.path itself included),
# then serve.
_START = (
    "import sys; sys.path.insert(0, sys.argv[1]) if sys.argv[1] not in sys.path else None; "
    "from salescope.render.pdf import serve; sys.exit(serve())"
)


def serve() -> int:
    """The PDF process: import WeasyPrint, then write the page read from stdin (a JSON list:
    the page, the PDF's path). An error goes back pickled on stdout, with exit code 1."""
    with suppress(OSError):  # no Pango: write_pdf says so below
        import weasyprint  # noqa: F401
    request = sys.stdin.buffer.read()
    if not request:  # nothing asked (the caller stopped first)
        return 0
    html, path = json.loads(request)
    try:
        write_pdf(html, Path(path))
    except Exception as exc:  # noqa: BLE001 - every error goes back to the caller
        try:
            answer = pickle.dumps(exc)
        except Exception:  # noqa: BLE001 - an error that cannot be pickled, as text
            answer = pickle.dumps(RuntimeError(f"{type(exc).__name__}: {exc}"))
        sys.stdout.buffer.write(answer)
        return 1
    return 0
