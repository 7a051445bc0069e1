"""Real Spark servers on 127.0.0.1 for the tests: a standalone master with two workers, and
a Spark Connect server, started from the installed PySpark and stopped with their whole
process group (also when a test or the start fails)."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

_SPEC = find_spec("pyspark")  # found, not imported: the servers are separate JVMs
SPARK_HOME = Path(_SPEC.origin).parent if _SPEC and _SPEC.origin else Path("pyspark-missing")
START_TIMEOUT_S = 120.0
PR_SET_PDEATHSIG = 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env() -> dict[str, str]:
    env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1", SPARK_HOME=str(SPARK_HOME))
    env.pop("PYSPARK_GATEWAY_PORT", None)
    env["SPARK_DAEMON_MEMORY"] = "512m"
    return env


@dataclass
class Server:
    """One JVM started by a Spark script, in its own process group, logging to a file."""

    name: str
    proc: subprocess.Popen[bytes]
    log: Path

    def tail(self) -> str:
        lines = self.log.read_text(errors="replace").splitlines()
        return "\n".join(lines[-25:])

    def stop(self) -> None:
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # executors and other children that left the group's leader behind
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)


def _die_with_parent() -> None:
    """In the child before exec: the kernel kills it when the test process ends, even
    when that is killed (SIGKILL, SIGTERM) and no fixture teardown runs (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def start(name: str, args: list[str], folder: Path) -> Server:
    log = folder / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            args,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=_env(),
            cwd=folder,
            start_new_session=True,  # its own process group, killed as one at the end
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
    return Server(name, proc, log)


def wait_for(ready: Callable[[], bool], servers: list[Server], what: str) -> None:
    """Poll ``ready()`` until it is true; fail with the servers' logs if one died or time
    ran out."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        for server in servers:
            if server.proc.poll() is not None:
                log = server.tail()
                raise RuntimeError(f"{server.name} exited while waiting for {what}:\n{log}")
        with contextlib.suppress(OSError, ValueError):
            if ready():
                return
        time.sleep(0.5)
    logs = "\n".join(f"--- {s.name}\n{s.tail()}" for s in servers)
    raise RuntimeError(f"timed out waiting for {what}\n{logs}")


def _alive_workers(webui: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{webui}/json", timeout=2) as answer:
        state = json.load(answer)
    return sum(1 for w in state.get("workers", []) if w.get("state") == "ALIVE")


def _accepts(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


@contextlib.contextmanager
def standalone_cluster(folder: Path, workers: int = 2) -> Iterator[str]:
    """A standalone master and ``workers`` workers (1 core, 1 GiB each); yields the master URL."""
    spark_class = str(SPARK_HOME / "bin" / "spark-class")
    port, webui = free_port(), free_port()
    url = f"spark://127.0.0.1:{port}"
    servers: list[Server] = []
    try:
        master = ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1"]
        servers.append(
            start(
                "master",
                [spark_class, *master, "--port", str(port), "--webui-port", str(webui)],
                folder,
            )
        )
        for i in range(workers):
            work = folder / f"worker{i}"
            work.mkdir()
            worker = [spark_class, "org.apache.spark.deploy.worker.Worker", url]
            worker += ["--host", "127.0.0.1", "--cores", "1", "--memory", "1g"]
            worker += ["--webui-port", str(free_port()), "--work-dir", str(work)]
            servers.append(start(f"worker{i}", worker, folder))
        wait_for(lambda: _alive_workers(webui) == workers, servers, f"{workers} workers")
        yield url
    finally:
        for server in reversed(servers):
            server.stop()


@contextlib.contextmanager
def connect_server(folder: Path, master: str = "local[2]") -> Iterator[str]:
    """A Spark Connect server on ``master``; yields its ``sc://`` URL."""
    port = free_port()
    args = [str(SPARK_HOME / "bin" / "spark-submit"), "--master", master]
    args += ["--class", "org.apache.spark.sql.connect.service.SparkConnectServer"]
    for key, value in {
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.driver.memory": "2g",
    }.items():
        args += ["--conf", f"{key}={value}"]
    server = start("connect", [*args, "spark-internal"], folder)
    try:
        wait_for(lambda: _accepts(port), [server], "the Spark Connect server")
        yield f"sc://127.0.0.1:{port}"
    finally:
        server.stop()
