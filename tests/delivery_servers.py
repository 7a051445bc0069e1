"""Real servers on 127.0.0.1 for the delivery tests: an SMTP server (aiosmtpd) with
STARTTLS or TLS and a login, an HTTP server that records what it is sent, and the
certificates they present (a throwaway certificate authority and a server certificate)."""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Certificates:
    ca: Path  # what a client trusts (ca_file)
    cert: Path  # the server's certificate, for 127.0.0.1
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def make_certificates(folder: Path) -> Certificates:
    """A certificate authority and a server certificate it signed for 127.0.0.1."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "salescope test CA")])
    usage = {k: False for k in ("content_commitment", "key_encipherment", "data_encipherment",
                                "key_agreement", "encipher_only", "decipher_only")}  # fmt: skip
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, **usage),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    out = Certificates(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    out.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    out.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return out


def free_port() -> int:
    """A port nothing listens on (the moment it is asked)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    """What the SMTP server received, and the logins it was offered."""

    envelopes: list[Envelope] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)  # (user, accepted)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"


@contextmanager
def smtp_server(
    certs: Certificates, security: str, user: str, password: str
) -> Iterator[tuple[int, Mailbox]]:
    """An SMTP server on 127.0.0.1 that requires a login (AUTH LOGIN or PLAIN) with
    ``user`` and ``password``, over STARTTLS (``security="starttls"``) or TLS from the
    start (``"ssl"``); or, with ``"none"``, a plain relay that asks for no login. Yields
    its port and its mailbox."""
    box = Mailbox()

    def authenticator(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            user.encode(),
            password.encode(),
        )
        box.logins.append((data.login.decode() if isinstance(data, LoginPassword) else "", ok))
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535

    port = free_port()
    options: dict[str, Any] = {"authenticator": authenticator, "auth_required": True}
    if security == "none":
        controller = Controller(box, hostname=HOST, port=port)
    elif security == "starttls":
        options.update(tls_context=certs.server_context(), require_starttls=True)
        controller = Controller(box, hostname=HOST, port=port, **options)
    else:
        # aiosmtpd does not count a connection that is TLS from the start as TLS for AUTH
        controller = Controller(
            box,
            hostname=HOST,
            port=port,
            ssl_context=certs.server_context(),
            server_hostname=HOST,
            auth_require_tls=False,
            **options,
        )
    controller.start()
    try:
        yield port, box
    finally:
        controller.stop()


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: Any  # the JSON sent


@dataclass
class Webhooks:
    """An HTTP server's address and what it was sent; ``answers`` gives, per path, the
    status codes to answer in turn (200 once they run out)."""

    url: str
    requests: list[Recorded] = field(default_factory=list)
    answers: dict[str, list[int]] = field(default_factory=dict)


@contextmanager
def webhook_server() -> Iterator[Webhooks]:
    """A ThreadingHTTPServer on 127.0.0.1 recording every POST."""
    state = Webhooks("")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            size = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(size).decode("utf-8"))
            with lock:
                state.requests.append(Recorded(self.path, dict(self.headers.items()), body))
                queue = state.answers.get(self.path, [])
                status = queue.pop(0) if queue else 200
            answer = b"ok" if status < 400 else b"server trouble"
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((HOST, 0), Handler)
    state.url = f"http://{HOST}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
