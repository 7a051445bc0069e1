"""The language-model step against a misbehaving or hostile endpoint.

Each misbehaviour is a real HTTP server on 127.0.0.1 (http.server in a thread): one that
redirects to a second server (which records what reaches it), one that sends its answer a
byte at a time, a nesting bomb, an answer too large to read, and rewrites that keep every
number but turn a rise into a fall. The report is always written with the template text,
and the recorded reason says why. No test asserts a wall-clock limit.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from salescope.model import Fact, LlmOutcome, Report
from salescope.narrative.format import pct_change
from salescope.narrative.llm import MAX_ANSWER_BYTES, MAX_DEPTH, polish
from salescope.narrative.polish import _blocks, data_strings, period_labels
from salescope.narrative.view import build_view
from tests.test_cli import salescope as salescope_cli
from tests.test_cli import write_sales

# --- a server per misbehaviour ----------------------------------------------------------


Behaviour = Callable[[BaseHTTPRequestHandler, "Server"], None]


@dataclass
class Server:
    """A local endpoint: ``behave`` answers each request; what it saw is recorded."""

    behave: Behaviour
    url: str = ""
    requests: list[dict[str, str]] = field(default_factory=list)  # headers of each request
    sent: int = 0  # bytes of the answer written before the client went away
    closed: threading.Event = field(default_factory=threading.Event)  # the client went away


def _handler(server: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            server.requests.append(dict(self.headers.items()))
            try:
                server.behave(self, server)
            except (BrokenPipeError, ConnectionResetError):
                server.closed.set()

        def log_message(self, format: str, *args: object) -> None:
            del format, args

    return Handler


@pytest.fixture()
def serve() -> Iterator[Callable[[Behaviour], Server]]:
    """Start servers for the test; all are stopped after it."""
    running: list[tuple[ThreadingHTTPServer, threading.Thread]] = []

    def start(behave: Behaviour) -> Server:
        server = Server(behave)
        http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
        server.url = f"http://127.0.0.1:{http.server_address[1]}/v1"
        thread = threading.Thread(target=http.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        running.append((http, thread))
        return server

    yield start
    for http, thread in running:
        http.shutdown()
        http.server_close()
        thread.join()


def chat(content: str) -> bytes:
    """A chat-completions body whose message is ``content``."""
    return json.dumps(
        {"choices": [{"message": {"role": "assistant", "content": content}}]}
    ).encode()


def answer(body: bytes, status: int = 200) -> Behaviour:
    def behave(h: BaseHTTPRequestHandler, _: Server) -> None:
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return behave


# --- blocks and facts -------------------------------------------------------------------

FACTS = {
    "kpi.revenue": Fact("kpi.revenue", 1234.0, "currency", "Revenue"),
    "kpi.revenue.change_pct": Fact(
        "kpi.revenue.change_pct", 7.5, "percent", "Revenue, change vs previous period"
    ),
    "drivers.mix": Fact("drivers.mix", -4321.0, "currency", "Mix effect"),
    "kpi.orders": Fact("kpi.orders", 42, "count", "Orders"),
}
BLOCKS = [
    ("summary", "Revenue was $1,234 in 2024-Q2, up 7.5% on 2024-Q1.\n42 orders were placed."),
    ("drivers", "Volume and price moved little; mix took $4,321 (measured per product)."),
]
TEMPLATES = dict(BLOCKS)
FAITHFUL = {
    "summary": "42 orders were placed.\nIn 2024-Q2 revenue came to $1,234, a 7.5% increase on "
    "2024-Q1.",
    "drivers": "Mix took $4,321 (measured per product); volume and price moved little.",
}


def ask(
    url: str, timeout: float = 10.0, api_key: str | None = None
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The texts to print and the (block, reason) pairs recorded."""
    texts, outcome = polish(
        BLOCKS,
        FACTS,
        url,
        currency="USD",
        allowed=["2024-Q2", "2024-Q1"],
        timeout=timeout,
        api_key=api_key,
    )
    return texts, [(r.section, r.reason) for r in outcome.rejected]


def every_block(reason: str) -> list[tuple[str, str]]:
    return [(bid, reason) for bid, _ in BLOCKS]


def test_the_faithful_answer_is_used_when_served_plainly(
    serve: Callable[[Behaviour], Server],
) -> None:
    """The control for the tests below: this answer, served at once, is used whole."""
    server = serve(answer(chat(json.dumps(FAITHFUL))))
    texts, rejected = ask(server.url)
    assert texts == FAITHFUL and rejected == []


# --- (a) a redirect ---------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_not_followed_and_the_key_goes_nowhere_else(
    serve: Callable[[Behaviour], Server], status: int
) -> None:
    elsewhere = serve(answer(chat(json.dumps(FAITHFUL))))

    def redirect(h: BaseHTTPRequestHandler, _: Server) -> None:
        h.send_response(status)
        h.send_header("Location", elsewhere.url + "/chat/completions")
        h.send_header("Content-Length", "0")
        h.end_headers()

    endpoint = serve(redirect)
    texts, rejected = ask(endpoint.url, api_key="sk-secret")
    assert elsewhere.requests == []  # nothing reached the other host, key or not
    [asked] = endpoint.requests
    assert asked["Authorization"] == "Bearer sk-secret"  # the configured endpoint only
    assert texts == TEMPLATES
    phrase = HTTPStatus(status).phrase
    assert rejected == every_block(
        f"endpoint answered HTTP {status} {phrase}: redirects are not followed"
    )


# --- (b) a byte at a time ---------------------------------------------------------------


def drip(body: bytes, interval: float) -> Behaviour:
    """The whole answer, status line and headers included, one byte every ``interval`` s."""

    def behave(h: BaseHTTPRequestHandler, server: Server) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
        whole = head.encode() + b"\r\n\r\n" + body
        for i in range(len(whole)):
            h.wfile.write(whole[i : i + 1])
            h.wfile.flush()
            server.sent = i + 1
            time.sleep(interval)

    return behave


@pytest.mark.parametrize(
    ("interval", "timeout"),
    [
        (2.0, 1.0),  # each byte comes later than the whole deadline
        (0.2, 1.0),  # each byte well within it: only a deadline for the exchange ends it
    ],
)
def test_a_drip_fed_answer_ends_at_the_deadline(
    serve: Callable[[Behaviour], Server], interval: float, timeout: float
) -> None:
    body = chat(json.dumps(FAITHFUL))  # used whole when served at once (the control above)
    server = serve(drip(body, interval))
    texts, rejected = ask(server.url, timeout=timeout)
    assert texts == TEMPLATES
    assert rejected == every_block(f"no answer within {timeout:g} s")
    # the run gave up on the exchange: the server, still writing, finds the connection gone
    assert server.closed.wait(60)
    assert 0 < server.sent < len(body)


# --- (c) a nesting bomb -----------------------------------------------------------------

BOMB = "[" * 200_000


@pytest.mark.parametrize(
    "body",
    [
        BOMB.encode(),  # the response body itself
        chat(BOMB),  # the assistant message
        chat("```json\n" + BOMB + "\n```"),  # the same in a code fence
        chat('{"summary": ' + BOMB + "}"),  # inside the object of block texts
    ],
    ids=["body", "message", "fenced", "member"],
)
def test_a_nesting_bomb_is_rejected_not_parsed(
    serve: Callable[[Behaviour], Server], body: bytes
) -> None:
    server = serve(answer(body))
    texts, rejected = ask(server.url)
    assert texts == TEMPLATES
    assert rejected == every_block(f"unreadable answer: JSON nested deeper than {MAX_DEPTH} levels")


def test_nesting_within_the_limit_is_read(serve: Callable[[Behaviour], Server]) -> None:
    """The limit is a limit, not a ban: deep but bounded JSON is parsed (and the block,
    not being text, is rejected by the usual check)."""
    nested = "[" * (MAX_DEPTH - 3) + "]" * (MAX_DEPTH - 3)
    server = serve(answer(chat('{"summary": ' + nested + ', "drivers": "x"}')))
    _, rejected = ask(server.url)
    assert rejected[0] == ("summary", "the answer has no text for this block")


# --- (d) an answer too large to read ----------------------------------------------------

HUGE = 64 * MAX_ANSWER_BYTES  # more than socket buffers hold, so the server sees us leave


def stream(declared: bool) -> Behaviour:
    """``HUGE`` bytes of one JSON string, with or without a Content-Length saying so."""

    def behave(h: BaseHTTPRequestHandler, server: Server) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        if declared:
            h.send_header("Content-Length", str(HUGE))
        h.end_headers()  # without a length the body ends when the server closes (HTTP/1.0)
        chunk = b'{"choices": "' + b"a" * (64 * 1024 - 13)
        while server.sent < HUGE:
            h.wfile.write(chunk)
            server.sent += len(chunk)
            chunk = b"a" * len(chunk)

    return behave


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "streamed"])
def test_an_oversized_answer_is_not_read_whole(
    serve: Callable[[Behaviour], Server], declared: bool
) -> None:
    server = serve(stream(declared))
    texts, rejected = ask(server.url)
    assert texts == TEMPLATES
    assert rejected == every_block(f"answer larger than the limit of {MAX_ANSWER_BYTES:,} bytes")
    assert server.closed.wait(60)  # the client closed the connection mid-answer
    assert server.sent < HUGE


# --- (e) meaning inversion --------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "rewrite", "reason"),
    [
        # the template's "up" is next to 7.5%: the rewrite may not say it fell
        (
            "summary",
            "Revenue was $1,234 in 2024-Q2, down 7.5% on 2024-Q1.\n42 orders were placed.",
            "says 'down' of 7.5%, which went up",
        ),
        (
            "summary",
            "42 orders were placed.\nRevenue fell 7.5% on 2024-Q1 to $1,234 in 2024-Q2.",
            "says 'fell' of 7.5%, which went up",
        ),
        (
            "summary",
            "Revenue was $1,234 in 2024-Q2, 7.5% lower than 2024-Q1.\n42 orders were placed.",
            "says 'lower' of 7.5%, which went up",
        ),
        # no word in the template: the fact's sign says $4,321 went down
        (
            "drivers",
            "Volume and price moved little; mix added $4,321 (measured per product).",
            "says 'added' of $4,321, which went down",
        ),
        # a word the checks do not know, in place of "up": the direction is gone
        (
            "summary",
            "Revenue was $1,234 in 2024-Q2, 7.5% off 2024-Q1.\n42 orders were placed.",
            "drops the direction of 7.5% (up)",
        ),
        # a direction the template gives no figure of that sentence
        (
            "summary",
            "Revenue was $1,234 in 2024-Q2, up 7.5% on 2024-Q1.\n42 orders fewer were placed.",
            "says 'fewer' of 42, which the template gives no direction",
        ),
        (
            "summary",
            "Revenue was not $1,234 in 2024-Q2, up 7.5% on 2024-Q1.\n42 orders were placed.",
            "adds a negation (not, no, never ...) the template did not have",
        ),
    ],
)
def test_a_rewrite_that_inverts_a_direction_is_rejected(
    serve: Callable[[Behaviour], Server], block: str, rewrite: str, reason: str
) -> None:
    server = serve(answer(chat(json.dumps({**FAITHFUL, block: rewrite}))))
    texts, rejected = ask(server.url)
    assert rejected == [(block, reason)]
    assert texts[block] == TEMPLATES[block]
    other = next(bid for bid, _ in BLOCKS if bid != block)
    assert texts[other] == FAITHFUL[other]  # the faithful block beside it is used


def test_directions_in_a_real_report(
    demo_report: Report, serve: Callable[[Behaviour], Server]
) -> None:
    """On the demo report's own text: a rewording that keeps every direction (other words,
    other order) is used for every block; turning the revenue change's direction over is
    rejected (the test reads the direction from the fact's sign)."""
    blocks = _blocks(build_view(demo_report))

    def ask_real(url: str) -> tuple[dict[str, str], LlmOutcome]:
        return polish(
            blocks,
            demo_report.facts,
            url,
            currency=demo_report.currency,
            allowed=period_labels(demo_report),
            protected=data_strings(demo_report),
        )

    synonyms = [(" rose ", " climbed "), (" fell ", " dropped "), (" grew ", " increased ")]
    synonyms += [("up ", "higher by "), ("down ", "lower by ")]
    reworded = {}
    for bid, text in blocks:
        lines = text.split("\n")[::-1]
        for old, new in synonyms:
            lines = [line.replace(old, new) for line in lines]
        reworded[bid] = "\n".join(lines)
    assert sum(reworded[b] != t for b, t in blocks) >= len(blocks) // 2
    server = serve(answer(chat(json.dumps(reworded))))
    texts, outcome = ask_real(server.url)
    assert outcome.rejected == () and texts == reworded

    summary = dict(blocks)["summary"]
    said = []  # (direction, opposite, figure) of the revenue changes the summary states
    for fid in ("kpi.revenue.change_pct", "kpi.revenue.yoy_change_pct"):
        change = demo_report.facts[fid].value
        assert isinstance(change, float)
        went, other = ("up", "down") if change > 0 else ("down", "up")
        figure = pct_change(abs(change)).lstrip("+")
        if f"{went} {figure}" in summary:  # in words as the fact's sign says (not "flat")
            said.append((went, other, figure))
    assert said, summary
    went, other, figure = said[0]
    turned = {
        **dict(blocks),
        "summary": summary.replace(f"{went} {figure}", f"{other} {figure}", 1),
    }
    server = serve(answer(chat(json.dumps(turned))))
    texts, outcome = ask_real(server.url)
    assert texts["summary"] == summary
    assert [(r.section, r.reason) for r in outcome.rejected] == [
        ("summary", f"says {other!r} of {figure}, which went {went}")
    ]


# --- the command line: one warning line, exit 0 -----------------------------------------


def test_the_command_line_warns_once_and_writes_the_report(
    serve: Callable[[Behaviour], Server], tmp_path: Path
) -> None:
    """``llm_timeout: 1`` in salescope.yml and an endpoint that drips its answer: the
    report is written, report.json says why, and stderr holds exactly one warning line."""
    server = serve(drip(chat("{}"), 0.2))
    sales = write_sales(tmp_path)
    config = tmp_path / "salescope.yml"
    config.write_text("llm_timeout: 1\n", encoding="utf-8")
    out = tmp_path / "out"
    done = salescope_cli(
        "report", sales, "--format", "json", "--config", config, "--llm", server.url,
        "--out", out, cwd=tmp_path,
    )  # fmt: skip
    assert done.code == 0, done.stderr
    reason = "no answer within 1 s"
    assert done.stderr.splitlines() == [
        f"warning: the language model's text was not used ({reason}); the report uses template text"
    ]
    llm = json.loads((out / "report.json").read_text())["narrative"]["llm"]
    assert llm["used"] is False and llm["accepted"] == []
    assert llm["rejected"] and {r["reason"] for r in llm["rejected"]} == {reason}
    assert len(server.requests) == 1


def test_an_api_key_that_is_no_header_value_is_not_sent_nor_recorded(
    serve: Callable[[Behaviour], Server],
) -> None:
    server = serve(answer(chat(json.dumps(FAITHFUL))))
    texts, rejected = ask(server.url, api_key="sk-secret\r\nX-Other: 1")
    assert texts == TEMPLATES and server.requests == []
    assert rejected == every_block(
        "the API key (SALESCOPE_LLM_API_KEY) holds characters a header cannot"
    )
