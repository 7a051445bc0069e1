"""Delivery of a written report, against real servers on 127.0.0.1: what an SMTP server
and an HTTP server received, read back and compared with report.json, report.html and the
department pages; failures come back as Delivery values, never as exceptions."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import html
import json
import re
import socket
import subprocess
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

import salescope
from salescope.deliver.content import (
    department_page,
    slack_payload,
    summary_html,
    teams_payload,
)
from salescope.deliver.send import (
    DeliverSettings,
    Delivery,
    check_deliveries,
    deliver,
    load_deliver_settings,
)
from salescope.errors import ConfigError
from salescope.narrative import format as fmt
from salescope.narrative.view import build_view
from tests.delivery_servers import (
    HOST,
    Certificates,
    free_port,
    make_certificates,
    smtp_server,
    webhook_server,
)

USER, PASSWORD = "reports@example.com", "s3cret-Pa55"
ENV = {"SMTP_USER": USER, "SMTP_PASSWORD": PASSWORD}
TO, CC = ["ceo@example.com", "cfo@example.com"], ["board@example.com"]
SALES, MARKETING = ["sales-lead@example.com"], ["cmo@example.com", "growth@example.com"]


@pytest.fixture(scope="module")
def written(demo_report: salescope.Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("deliver") / "report"
    salescope.write_outputs(demo_report, out, formats=("json", "html", "pdf", "md"))
    return out


@pytest.fixture(scope="module")
def report_json(written: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((written / "report.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("certs"))


def revenue_tile(written: Path) -> str:
    """The revenue as report.html's KPI tile shows it."""
    page = (written / "report.html").read_text(encoding="utf-8")
    found = re.search(r'data-kpi="revenue">.*?<div class="value">([^<]+)</div>', page)
    assert found is not None
    return html.unescape(found[1])


def email_settings(port: int, security: str, certs: Certificates, **extra: Any) -> DeliverSettings:
    return DeliverSettings.model_validate(
        {
            "email": {
                "host": HOST,
                "port": port,
                "security": security,
                "username_env": "SMTP_USER",
                "password_env": "SMTP_PASSWORD",
                "sender": "salescope <reports@example.com>",
                "to": TO,
                "cc": CC,
                "ca_file": str(certs.ca),
                **extra,
            }
        }
    )


def parsed(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "attached.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


# ---- email ------------------------------------------------------------------------


def test_starttls_sends_the_summary_with_the_pdf_and_each_department_its_page(
    demo_report: salescope.Report,
    written: Path,
    report_json: dict[str, Any],
    certs: Certificates,
    tmp_path: Path,
) -> None:
    revenue = revenue_tile(written)
    # the tile is report.json's revenue as the pages format money
    assert revenue == fmt.money(report_json["kpis"]["revenue"]["value"], report_json["currency"])
    with smtp_server(certs, "starttls", USER, PASSWORD) as (port, box):
        settings = email_settings(
            port, "starttls", certs, departments={"sales": SALES, "marketing": MARKETING}
        )
        results = deliver(demo_report, written, settings, env=ENV, timeout=10)

    assert [(d.channel, d.ok, d.reason) for d in results] == [("email", True, None)] * 3
    assert [d.target for d in results] == [
        ", ".join(TO + CC),
        ", ".join(SALES),  # departments go in the report's order: sales before marketing
        ", ".join(MARKETING),
    ]
    assert box.logins == [(USER, True)]
    assert [e.rcpt_tos for e in box.envelopes] == [TO + CC, SALES, MARKETING]
    assert {e.mail_from for e in box.envelopes} == {"reports@example.com"}

    summary = parsed(box.envelopes[0].content)
    assert summary["Subject"] == f"Sales report {report_json['period']['label']}: revenue {revenue}"
    assert summary["To"] == ", ".join(TO) and summary["Cc"] == ", ".join(CC)
    body = summary.get_body(("html",))
    assert body is not None
    page = body.get_content()
    for name, kpi in report_json["kpis"].items():  # every KPI tile, with its own label
        assert f'data-kpi="{name}"' in page
        assert html.escape(kpi["label"]) in page
    assert f">{html.escape(revenue)}</div>" in page
    assert "<style" not in page and "<script" not in page  # inline styles only
    text = summary.get_body(("plain",))
    assert text is not None and f"Revenue: {revenue}" in text.get_content()
    attachments = list(summary.iter_attachments())
    assert [(a.get_content_type(), a.get_filename()) for a in attachments] == [
        ("application/pdf", "report.pdf")
    ]
    pdf = attachments[0].get_content()
    assert pdf.startswith(b"%PDF") and pdf == (written / "report.pdf").read_bytes()
    assert revenue in pdf_text(pdf, tmp_path)

    for envelope, name in zip(box.envelopes[1:], ("sales", "marketing"), strict=True):
        msg = parsed(envelope.content)
        written_page = (written / "departments" / f"{name}.html").read_text(encoding="utf-8")
        title = re.search(r"<title>(.*?)</title>", written_page)
        assert title is not None and msg["Subject"] == html.unescape(title[1])
        part = msg.get_body(("html",))
        assert part is not None  # the page as written (SMTP sends CRLF line ends)
        assert part.get_content().replace("\r\n", "\n").rstrip() == written_page.rstrip()
        assert list(msg.iter_attachments()) == []


# aiosmtpd warns that it requires AUTH but not STARTTLS: the connection is TLS throughout
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_tls_from_the_start(
    demo_report: salescope.Report, written: Path, certs: Certificates
) -> None:
    with smtp_server(certs, "ssl", USER, PASSWORD) as (port, box):
        results = deliver(demo_report, written, email_settings(port, "ssl", certs), env=ENV)
    assert [(d.ok, d.reason) for d in results] == [(True, None)]
    assert box.logins == [(USER, True)] and [e.rcpt_tos for e in box.envelopes] == [TO + CC]


def test_a_relay_on_this_machine_without_tls_or_login(
    demo_report: salescope.Report, written: Path, report_json: dict[str, Any]
) -> None:
    with smtp_server(Certificates(Path(), Path(), Path()), "none", "", "") as (port, box):
        settings = load_deliver_settings(
            {
                "email": {
                    "host": HOST,
                    "port": port,
                    "security": "none",
                    "sender": "reports@example.com",
                    "to": "ops@example.com",
                    "subject": "{revenue} in {period}",
                }
            }
        )
        [d] = deliver(demo_report, written, settings, env={})
    assert (d.ok, d.target) == (True, "ops@example.com")
    assert box.logins == [] and [e.rcpt_tos for e in box.envelopes] == [["ops@example.com"]]
    subject = parsed(box.envelopes[0].content)["Subject"]
    assert subject == f"{revenue_tile(written)} in {report_json['period']['label']}"


def test_a_wrong_password_is_a_failed_delivery_that_does_not_show_it(
    demo_report: salescope.Report, written: Path, certs: Certificates
) -> None:
    env = {**ENV, "SMTP_PASSWORD": "not-the-one"}
    with smtp_server(certs, "starttls", USER, PASSWORD) as (port, box):
        results = deliver(demo_report, written, email_settings(port, "starttls", certs), env=env)
    assert box.envelopes == [] and box.logins  # smtplib tries PLAIN, then LOGIN
    assert all(login == (USER, False) for login in box.logins)
    [d] = results
    assert not d.ok and d.reason is not None
    assert d.reason.startswith(f"login refused by {HOST}:{port}: 535")
    assert "not-the-one" not in d.reason and "\n" not in d.reason


def test_a_server_certificate_from_an_unknown_authority_is_refused(
    demo_report: salescope.Report, written: Path, certs: Certificates
) -> None:
    with smtp_server(certs, "starttls", USER, PASSWORD) as (port, box):
        settings = email_settings(port, "starttls", certs, ca_file=None)
        [d] = deliver(demo_report, written, settings, env=ENV)
    assert box.envelopes == [] and box.logins == []  # the password never left
    assert not d.ok and d.reason is not None and "is not trusted" in d.reason
    assert "ca_file" in d.reason


def test_a_refused_connection_is_a_failed_delivery(
    demo_report: salescope.Report, written: Path, certs: Certificates
) -> None:
    port = free_port()
    settings = DeliverSettings.model_validate(
        {
            **email_settings(port, "starttls", certs).model_dump(),
            "webhook": [{"url": f"http://{HOST}:{port}/hook"}],
        }
    )
    results = deliver(demo_report, written, settings, env=ENV, timeout=5)
    assert [(d.channel, d.target, d.ok) for d in results] == [
        ("email", ", ".join(TO + CC), False),
        ("webhook", HOST, False),
    ]
    assert results[0].reason == f"connection refused by {HOST}:{port}"
    assert results[1].reason == f"connection refused by {HOST} (tried twice)"


def test_a_server_that_never_answers_is_a_failed_delivery(
    demo_report: salescope.Report, written: Path, certs: Certificates
) -> None:
    with socket.create_server((HOST, 0)) as silent:  # connections queue, nobody answers
        port = silent.getsockname()[1]
        settings = DeliverSettings.model_validate(
            {
                **email_settings(port, "starttls", certs).model_dump(),
                "webhook": [{"url": f"http://{HOST}:{port}/hook"}],
            }
        )
        email_result, hook = deliver(demo_report, written, settings, env=ENV, timeout=0.5)
    assert (email_result.ok, email_result.reason) == (
        False,
        f"no answer from {HOST}:{port} in time",
    )
    assert (hook.ok, hook.reason) == (False, f"no answer from {HOST} in time (tried twice)")


def test_a_variable_not_set_is_refused_before_the_run_and_fails_the_delivery(
    demo_report: salescope.Report, written: Path, certs: Certificates
) -> None:
    settings = email_settings(free_port(), "starttls", certs)
    env = {"SMTP_USER": USER}
    with pytest.raises(ConfigError) as caught:
        check_deliveries(settings, ("json", "html", "pdf"), env)
    assert "SMTP_PASSWORD is not set" in caught.value.one_line()
    [d] = deliver(demo_report, written, settings, env=env)
    assert (d.ok, d.reason) == (False, "environment variable SMTP_PASSWORD is not set")


def test_with_a_link_a_department_page_links_the_published_report(
    demo_report: salescope.Report, written: Path
) -> None:
    view = build_view(demo_report)
    written_page = (written / "departments" / "finance.html").read_text(encoding="utf-8")
    local = re.findall(r'href="([^"]*)"', written_page)
    assert "../report.html" in local and "sales.html" in local
    page = department_page(demo_report, view, written, "finance", "https://r.example.com/q3")
    assert re.findall(r'href="([^"]*)"', page.html) == [
        "https://r.example.com/q3/report.html" if h == "../report.html"
        else f"https://r.example.com/q3/departments/{h}"
        for h in local
    ]  # fmt: skip
    # the rest of the page is the written one
    assert re.sub(r'href="[^"]*"', "", page.html) == re.sub(r'href="[^"]*"', "", written_page)


# ---- webhooks ----------------------------------------------------------------------


def test_slack_teams_and_the_webhook_receive_the_reports_figures(
    demo_report: salescope.Report, written: Path, report_json: dict[str, Any]
) -> None:
    revenue = revenue_tile(written)
    top = [i["title"] for i in report_json["insights"][:3]]
    assert len(top) == 3
    with webhook_server() as server:
        env = {
            "SLACK_WEBHOOK_URL": f"{server.url}/services/T0/B0/slacktoken",
            "TEAMS_WEBHOOK_URL": f"{server.url}/teams?sig=teamstoken",
            "HOOK_TOKEN": "bearer-secret",
        }
        settings = load_deliver_settings(
            {
                "slack": {"url_env": "SLACK_WEBHOOK_URL"},
                "teams": [{"url_env": "TEAMS_WEBHOOK_URL"}],
                "webhook": {"url": f"{server.url}/generic", "token_env": "HOOK_TOKEN"},
                "link": "https://reports.example.com/sales/2026-q3/",
            }
        )
        check_deliveries(settings, ("json",), env)  # no email: no format needed
        results = deliver(demo_report, written, settings, env=env)
    assert [(d.channel, d.target, d.ok) for d in results] == [
        ("slack", HOST, True),
        ("teams", HOST, True),
        ("webhook", HOST, True),
    ]
    slack, teams, generic = server.requests
    link = "https://reports.example.com/sales/2026-q3/report.html"

    assert slack.path == "/services/T0/B0/slacktoken"
    header = slack.body["blocks"][0]
    assert header["type"] == "header"
    assert (
        header["text"]["text"]
        == f"Sales report {report_json['period']['label']}: revenue {revenue}"
    )
    assert slack.body["text"] == header["text"]["text"].replace("&", "&amp;")
    texts = [b["text"]["text"] for b in slack.body["blocks"] if "text" in b]
    assert "Top insights\n" + "\n".join(f"• {t}" for t in top) in texts
    assert f"<{link}|Open the full report>" in texts
    fields = [f["text"] for b in slack.body["blocks"] for f in b.get("fields", [])]
    assert f"Revenue: {revenue}" in fields[0]

    assert teams.body["type"] == "message"
    [attachment] = teams.body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    facts = next(b["facts"] for b in card["body"] if b["type"] == "FactSet")
    assert {"title": "Revenue", "value": facts[0]["value"]} == facts[0]
    assert facts[0]["value"].startswith(revenue)
    assert card["actions"] == [
        {"type": "Action.OpenUrl", "title": "Open the full report", "url": link}
    ]

    assert generic.path == "/generic"
    assert generic.headers["Authorization"] == "Bearer bearer-secret"
    assert generic.headers["Content-Type"].startswith("application/json")
    body = generic.body
    assert body["salescope"] == report_json["run"]["salescope_version"]
    assert body["run_id"] == report_json["run"]["id"]
    assert body["period"] == report_json["period"]
    assert body["insights"] == top
    assert body["report"] == link
    assert {k["name"]: (k["value"], k["previous"], k["change_pct"]) for k in body["kpis"]} == {
        name: (k["value"], k["previous"], k["change_pct"])
        for name, k in report_json["kpis"].items()
    }
    q = report_json["quality"]
    assert body["quality"] == {
        "rows_read": q["rows_read"],
        "rows_accepted": q["rows_accepted"],
        "rows_quarantined": q["rows_quarantined"],
        "score": q["score"],
    }
    assert q["rows_read"] == q["rows_accepted"] + q["rows_quarantined"]


def test_without_a_link_messages_name_the_written_report(
    demo_report: salescope.Report, written: Path
) -> None:
    with webhook_server() as server:
        settings = load_deliver_settings({"webhook": {"url": f"{server.url}/h"}})
        [d] = deliver(demo_report, written, settings, env={})
    assert d.ok
    assert server.requests[0].body["report"] == str(written.resolve() / "report.html")


def test_a_server_error_is_tried_once_more(demo_report: salescope.Report, written: Path) -> None:
    with webhook_server() as server:
        server.answers = {"/flaky": [503], "/down": [500, 500, 500]}
        settings = load_deliver_settings(
            {"webhook": [{"url": f"{server.url}/flaky"}, {"url": f"{server.url}/down"}]}
        )
        flaky, down = deliver(demo_report, written, settings, env={})
    assert (flaky.ok, flaky.reason) == (True, None)
    assert (down.ok, down.reason) == (
        False,
        "HTTP 500 Internal Server Error: server trouble (tried twice)",
    )
    assert [r.path for r in server.requests] == ["/flaky", "/flaky", "/down", "/down"]
    assert server.answers["/down"] == [500]  # the third answer was never asked for


def test_a_client_error_is_not_retried_and_the_url_is_not_shown(
    demo_report: salescope.Report, written: Path
) -> None:
    with webhook_server() as server:
        server.answers = {"/services/T0/B0/token": [404]}
        env = {"SLACK_WEBHOOK_URL": f"{server.url}/services/T0/B0/token"}
        settings = load_deliver_settings({"slack": {"url_env": "SLACK_WEBHOOK_URL"}})
        [d] = deliver(demo_report, written, settings, env=env)
    assert d == Delivery("slack", HOST, False, "HTTP 404 Not Found: server trouble", d.seconds)
    assert len(server.requests) == 1


def test_a_missing_hook_variable_fails_that_hook_only(
    demo_report: salescope.Report, written: Path
) -> None:
    with webhook_server() as server:
        settings = load_deliver_settings(
            {"teams": {"url_env": "TEAMS_URL"}, "webhook": {"url": f"{server.url}/h"}}
        )
        teams, generic = deliver(demo_report, written, settings, env={"TEAMS_URL": "file:///etc"})
    assert (teams.ok, teams.reason) == (
        False,
        "environment variable TEAMS_URL does not hold an http(s) URL",
    )
    assert generic.ok and [r.path for r in server.requests] == ["/h"]


# ---- what messages say of untrusted names -------------------------------------------


HOSTILE = "<script>alert(1)</script> <!channel> [click](http://evil.example) *bold*"


def test_names_from_the_data_cannot_become_markup(demo_report: salescope.Report) -> None:
    first = dataclasses.replace(demo_report.insights[0], title=HOSTILE)
    report = dataclasses.replace(demo_report, insights=(first, *demo_report.insights[1:]))
    view = build_view(report)
    page = summary_html(view, "/tmp/out/report.html", link=False, attached=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    slack = slack_payload(report, view, "/tmp/out/report.html", link=False)
    insights = next(
        b["text"] for b in slack["blocks"] if "Top insights" in b.get("text", {}).get("text", "")
    )
    assert insights["type"] == "plain_text"  # Slack shows plain text as it is: no mention
    assert HOSTILE in insights["text"]
    assert "<!channel>" not in slack["text"]

    card = teams_payload(report, view, "/tmp/out/report.html", link=False)
    texts = [b.get("text", "") for b in card["attachments"][0]["content"]["body"]]
    assert (
        r"- <script>alert(1)</script> <!channel> \[click\](http://evil.example) \*bold\*" in texts
    )


# ---- settings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deliver_block", "said", "hint"),
    [
        (
            {"email": {"host": "h", "sender": "a@b.c", "to": "x@y.z", "password": "hunter2"}},
            "deliver.email.password: secrets are not read from salescope.yml",
            "password_env: VARIABLE_NAME",
        ),
        (
            {"slack": {"url": "https://hooks.slack.com/services/T0/B0/XXXX"}},
            "deliver.slack: a Slack webhook URL carries its token",
            "url_env: SLACK_WEBHOOK_URL",
        ),
        (
            {"teams": "https://example.webhook.office.com/webhookb2/abc"},
            "deliver.teams: a Teams webhook URL carries its token",
            "url_env: TEAMS_WEBHOOK_URL",
        ),
        (
            {"webhook": {"url": "https://hooks.example.com/in?token=abc123"}},
            "deliver.webhook.url: the URL holds a credential",
            "url_env",
        ),
        (
            {"webhook": {"url": "https://hooks.slack.com/services/T0/B0/XXXX"}},
            "deliver.webhook.url: the URL holds a credential",
            "url_env",
        ),
        (
            {"webhook": {"url": "https://hooks.example.com/in", "token": "abc123"}},
            "deliver.webhook.token: secrets are not read",
            "token_env",
        ),
        (
            {
                "email": {
                    "host": "h",
                    "sender": "a@b.c",
                    "to": "x@y.z",
                    "username_env": "U",
                    "password_env": "hunter2",
                }
            },
            "deliver.email.password_env: it must be the NAME of an environment variable",
            "export",
        ),
        (
            {"email": {"host": "h", "sender": "a@b.c", "to": "x@y.z", "password_env": "p@ss!"}},
            "deliver.email.password_env: it must be the NAME of an environment variable",
            "export",
        ),
    ],
)
def test_secrets_written_in_the_file_are_refused(
    deliver_block: dict[str, Any], said: str, hint: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_deliver_settings(deliver_block)
    line = caught.value.one_line()
    assert said in line and hint in line
    for secret in ("hunter2", "XXXX", "abc123", "p@ss!"):
        assert secret not in line


@pytest.mark.parametrize(
    ("email_block", "said"),
    [
        ({"departments": {"legal": ["a@b.c"]}}, "unknown department 'legal'"),
        (
            {"security": "none", "username_env": "U", "password_env": "P"},
            "sends the password in clear",
        ),
        ({"username_env": "U"}, "username_env and password_env go together"),
        ({"subject": "Report {quarter}"}, "unknown field {quarter}"),
        ({"to": "not an address"}, "'not an address' is not an email address"),
        ({"to": []}, "nobody to send to"),
        ({"port": 70000}, "deliver.email.port"),
    ],
)
def test_email_settings_that_cannot_work_are_refused(
    email_block: dict[str, Any], said: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_deliver_settings(
            {"email": {"host": "h", "sender": "a@b.c", "to": "x@y.z", **email_block}}
        )
    assert said in caught.value.one_line()


def test_email_needs_the_pdf_and_html_formats(certs: Certificates) -> None:
    settings = email_settings(25, "starttls", certs)
    with pytest.raises(ConfigError) as caught:
        check_deliveries(settings, ("json", "html"), ENV)
    assert (
        "attaches report.pdf" in caught.value.one_line() and "--format" in caught.value.one_line()
    )
    with pytest.raises(ConfigError, match="html is not among the formats"):
        check_deliveries(settings, ("json", "pdf"), ENV)
    check_deliveries(settings, ("json", "html", "pdf"), ENV)


def test_one_mapping_or_a_list_and_defaults() -> None:
    s = load_deliver_settings(
        {
            "email": {"host": "smtp.example.com", "sender": "a@b.c", "to": "x@y.z",
                      "security": "ssl", "departments": {"finance": "cfo@y.z"}},
            "webhook": {"url_env": "HOOK"},
        }
    )  # fmt: skip
    assert s.email is not None and s.email.to == ["x@y.z"] and s.email.smtp_port == 465
    assert s.email.departments == {"finance": ["cfo@y.z"]}
    assert [h.url_env for h in s.webhook] == ["HOOK"] and s.slack == [] and s.teams == []
    assert s.env_names() == ("HOOK",)
