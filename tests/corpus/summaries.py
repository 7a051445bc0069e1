"""What a first report says about each story: its executive summary and key findings.

    .venv/bin/python -m tests.corpus.summaries OUTDIR [--src PATH] [story ...]

Each story of :mod:`tests.corpus.stories` is generated into ``OUTDIR/data/<name>`` and
reported config-free by the command line (``salescope report <inputs> --format json,md``)
into ``OUTDIR/reports/<name>``; the "Executive summary" and "Key findings" sections of its
report.md are printed. The command runs as its own process with ``PYTHONPATH=<src>``
(default: this checkout's ``src``), so the same data can be reported by another checkout's
salescope for a before and after.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tests.corpus.stories import STORIES

SECTIONS = ("Executive summary", "Key findings")
CLI = "import sys; sys.argv[0] = 'salescope'; from salescope.cli import main; main()"
HERE = Path(__file__).resolve().parents[2] / "src"


def section(markdown: str, title: str) -> str | None:
    """The body of ``## title`` in a report.md, or None when the report has no such section."""
    head = f"## {title}\n"
    if head not in markdown:
        return None
    return markdown.split(head, 1)[1].split("\n## ", 1)[0].strip()


def report(name: str, outdir: Path, src: Path) -> str:
    """Generate story ``name``, report it with the salescope in ``src``, return what to print."""
    story = STORIES[name](outdir / "data" / name)
    out = outdir / "reports" / name
    started = time.perf_counter()
    command = [sys.executable, "-c", CLI, "report", *story.inputs, "--out", str(out)]
    done = subprocess.run(
        [*command, "--format", "json,md", "--force"],
        env={**os.environ, "PYTHONPATH": str(src)},
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    lines = [f"# {name} ({story.truth.period}, {seconds:.1f} s)", "", story.notes, ""]
    if done.returncode != 0:
        lines += [f"salescope report failed (exit {done.returncode}):", done.stderr.strip()]
        return "\n".join(lines)
    markdown = (out / "report.md").read_text(encoding="utf-8")
    for title in SECTIONS:
        body = section(markdown, title)
        lines += [f"## {title}", "", body if body is not None else "(no such section)", ""]
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.corpus.summaries")
    parser.add_argument("outdir", type=Path, help="folder for the data and the reports")
    parser.add_argument(
        "--src", type=Path, default=HERE, help="the src folder of the salescope to run"
    )
    parser.add_argument("stories", nargs="*", help=f"default: all ({', '.join(STORIES)})")
    args = parser.parse_args(argv)
    unknown = [n for n in args.stories if n not in STORIES]
    if unknown:
        parser.error(f"unknown story: {', '.join(unknown)}; known: {', '.join(STORIES)}")
    src = args.src.resolve()
    if not (src / "salescope").is_dir():
        parser.error(f"{src} holds no salescope package")
    sys.stdout.write(f"salescope from {src}\n\n")
    for name in args.stories or list(STORIES):
        sys.stdout.write(report(name, args.outdir.resolve(), src) + "\n\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
