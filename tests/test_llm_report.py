"""`salescope report --llm URL` end to end, against a local stand-in for the endpoint.

The stand-in (an HTTP server on 127.0.0.1, the only test double) rewrites whatever blocks
it is sent, faithfully or not; the report must use the faithful rewrites, keep the template
where a rewrite invents a figure, and say so in report.json.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from salescope.demo_data import DemoFiles
from salescope.render import write_outputs
from tests.test_cli import salescope as salescope_cli

Rewrite = Callable[[str, str], str]  # (block id, template text) -> answer text


def _server(rewrite: Rewrite, seen: list[dict[str, str]]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            document = json.loads(body["messages"][-1]["content"])
            blocks: dict[str, str] = document["blocks"]
            seen.append(blocks)
            content = json.dumps({k: rewrite(k, v) for k, v in blocks.items()})
            payload = json.dumps({"choices": [{"message": {"content": content}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            del format, args

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


@pytest.fixture()
def endpoint(request: pytest.FixtureRequest) -> Iterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []
    server = _server(request.param, seen)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", seen
    server.shutdown()
    server.server_close()
    thread.join()


def faithful(key: str, text: str) -> str:
    return text.replace("Revenue was", "Revenue came to")


def inventing(key: str, text: str) -> str:
    """The summary gains a figure no fact holds; other blocks come back unchanged."""
    return text + "\nRevenue will double to $9,999,999 next quarter." if key == "summary" else text


def _report(demo_files: DemoFiles, tmp_path: Path, url: str) -> tuple[dict[str, object], str]:
    out = tmp_path / "out"
    done = salescope_cli(
        "report", demo_files.sales, "--format", "json,md", "--llm", url, "--out", out,
        cwd=tmp_path,
    )  # fmt: skip
    assert done.code == 0, done.stderr
    data = json.loads((out / "report.json").read_text())
    return data, (out / "report.md").read_text()


@pytest.mark.parametrize("endpoint", [faithful], indirect=True)
def test_a_faithful_rewrite_is_used_and_recorded(
    demo_files: DemoFiles, tmp_path: Path, endpoint: tuple[str, list[dict[str, str]]]
) -> None:
    url, seen = endpoint
    data, md = _report(demo_files, tmp_path, url)
    llm = data["narrative"]["llm"]  # type: ignore[index]
    assert llm["used"] is True and llm["url"] == url and "summary" in llm["accepted"]
    assert "Revenue came to" in md and "Revenue was" not in md
    assert len(seen) == 1 and "summary" in seen[0]


@pytest.mark.parametrize("endpoint", [inventing], indirect=True)
def test_an_invented_figure_keeps_the_template_and_says_why(
    demo_files: DemoFiles, tmp_path: Path, endpoint: tuple[str, list[dict[str, str]]]
) -> None:
    url, _ = endpoint
    data, md = _report(demo_files, tmp_path, url)
    llm = data["narrative"]["llm"]  # type: ignore[index]
    rejected = {r["section"]: r["reason"] for r in llm["rejected"]}
    assert "$9,999,999" in rejected["summary"]
    assert "summary" not in llm["accepted"]
    assert "$9,999,999" not in md and "Revenue was" in md


def test_without_llm_nothing_is_asked(demo_report: object, tmp_path: Path) -> None:
    from salescope.model import Report

    assert isinstance(demo_report, Report)
    written = write_outputs(demo_report, tmp_path / "out", ("json",))
    data = json.loads(written[0].read_text())
    assert data["narrative"] == {"llm": None}
